"""Scores for the free-text columns of a version, whatever generator made them.

**Which columns are text.** The ones the generator section names (``text_columns()`` on its
config: an ``llm`` column, a text column of a table model), else every string column whose
non-empty values average at least :data:`TEXT_MIN_WORDS` words and are at least
:data:`TEXT_MIN_DISTINCT` distinct (so categories, codes, names and addresses are not text,
and tweets, reviews and answers are). Each text column gets, on a bounded deterministic
sample of rows (:data:`TEXT_ROWS` per side, :data:`EMBED_ROWS` for embeddings):

- **length**: characters and words per text, real and synthetic summaries (mean, 10th,
  50th, 90th percentile) and the two-sample KS statistic between them;
- **diversity** (:mod:`registry.quality.text_diversity`): distinct-1/2/3, near-duplicate
  rate (MinHash) and embedding diversity, synthetic beside real on the same number of texts;
- **Frechet distance** between the real train and synthetic sentence embeddings
  (:mod:`registry.quality.text_encoder` names the encoder), beside the real-vs-real baseline
  (train vs holdout) on the same number of texts, since the distance is biased by n;
- **utility**: TSTR against TRTR with a TF-IDF (word 1-2 grams) + logistic regression
  classifier predicting the recipe's target from the text, ROC AUC on the real holdout (as
  :mod:`registry.quality.utility` scores tables; :mod:`registry.quality.text_utility`), when
  the target is a class;
- **memorization** (:mod:`registry.quality.text_memorization`): exact copies of seed texts
  and the longest word n-gram shared with any seed text, against the holdout's natural rates.

The seed's scores need a seed; without one a column gets length, diversity and nothing else.
Embeddings and MinHash need the ``text`` extra: without it those scores are None and
``skipped`` says why.
Cost, measured by ``benchmarks/text_scores.py`` (10k tweets a side, one core): embeddings
dominate (MiniLM embedded ~55 tweets per CPU second here, so the ``3 x EMBED_ROWS`` texts of a
seeded column cost ~55 s of CPU whatever the build's size; about 800 MiB peak with torch and
the model), TF-IDF TSTR ~12 s, memorization ~2 s (against every seed text), MinHash and
distinct-n ~1 s each; the rest is linear in ``TEXT_ROWS``. Whole processes, one text column:
+66 s CPU / +700 MiB peak over the table scores at 10k rows, +78 s / +700 MiB at 100k.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from registry.quality.text_diversity import (
    DISTINCT_N,
    NEAR_DUPLICATE_JACCARD,
    PERMUTATIONS,
    SHINGLE_WORDS,
    distinct_n,
    embedding_diversity,
    minhash_unavailable,
    near_duplicate_rate,
)
from registry.quality.text_memorization import TextMemorization, memorization, words
from registry.quality.text_utility import TextUtility, text_utility

TEXT_MIN_WORDS = 6.0
TEXT_MIN_DISTINCT = 0.5
TEXT_ROWS = 10_000  # texts per side for lengths, distinct-n, near-duplicates, memorization
EMBED_ROWS = 1_000  # texts per side embedded for diversity and the Frechet distance
#: Each text gate: the column field it reads, and whether the highest value is the worst.
TEXT_GATES = {
    "max_text_frechet": ("frechet_distance", True),
    "max_near_duplicate_rate": ("near_duplicate_rate", True),
    "max_text_copy_share": ("memorization.exact_copy_share", True),
    "max_shared_ngram": ("memorization.longest_shared_ngram", True),
    "min_distinct_2": ("distinct.2", False),
}


class LengthSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    mean: float
    p10: float
    median: float
    p90: float


class LengthScores(BaseModel):
    """Texts' lengths in one unit: each side's summary and the KS statistic between them."""

    model_config = ConfigDict(frozen=True)

    synthetic: LengthSummary
    real: LengthSummary | None = None
    ks: float | None = None


class TextColumnScores(BaseModel):
    """Every text score of one column; the ``real_*`` figures are the seed's own."""

    model_config = ConfigDict(frozen=True)

    source: str  # "declared" by the generator or "detected" by the rule above
    rows: int
    chars: LengthScores
    words: LengthScores
    distinct: dict[str, float | None]
    real_distinct: dict[str, float | None] | None = None
    near_duplicate_rate: float | None
    real_near_duplicate_rate: float | None = None
    embedding_diversity: float | None = None
    real_embedding_diversity: float | None = None
    frechet_distance: float | None = None
    frechet_baseline: float | None = None
    frechet_texts: int | None = None
    utility: TextUtility | None = None
    memorization: TextMemorization | None = None


class TextScores(BaseModel):
    """The ``text`` section of quality.json."""

    model_config = ConfigDict(frozen=True)

    encoder: str | None
    skipped: str | None = None  # why embedding (or near-duplicate) scores are missing
    near_duplicates: str = (
        f"MinHash ({PERMUTATIONS} permutations) of word {SHINGLE_WORDS}-gram shingles, "
        f"Jaccard >= {NEAR_DUPLICATE_JACCARD}"
    )
    sample: dict[str, int]  # the most texts per side scored, and embedded
    columns: dict[str, TextColumnScores]

    def worst(self, field: str, *, highest: bool = True) -> tuple[str, float] | None:
        """The column with the highest (or lowest) value of ``field`` (a dotted path), and it."""
        found = [
            (name, value)
            for name, column in self.columns.items()
            if (value := _dotted(column, field)) is not None
        ]
        if not found:
            return None
        return (max if highest else min)(found, key=lambda item: item[1])


def text_columns(frame: pd.DataFrame, declared: Sequence[str] = ()) -> dict[str, str]:
    """``{column: "declared" | "detected"}``: the declared columns present in ``frame``, else
    the columns the detection rule (module docstring) finds."""
    if declared:
        return {c: "declared" for c in declared if c in frame.columns}
    found = {}
    for column in frame.columns:
        series = frame[column]
        if not (pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series)):
            continue
        values = series.dropna()
        if len(values) > TEXT_ROWS:  # the rule is judged on a fixed sample of big frames
            values = values.sample(TEXT_ROWS, random_state=0)
        values = values[values.map(lambda v: isinstance(v, str) and bool(v.strip()))]
        if len(values) < 2 or values.nunique() < TEXT_MIN_DISTINCT * len(values):
            continue
        if values.map(lambda v: len(words(v))).mean() >= TEXT_MIN_WORDS:
            found[str(column)] = "detected"
    return found


def score_text(
    synthetic: pd.DataFrame,
    *,
    train: pd.DataFrame | None = None,
    holdout: pd.DataFrame | None = None,
    declared: Sequence[str] = (),
    target: str | None = None,
    random_seed: int = 0,
) -> TextScores | None:
    """Score the text columns of ``synthetic`` (against the seed's ``train`` and ``holdout``
    when given); None when it has no text column. Raises nothing on odd data."""
    from registry.quality.text_encoder import encoder_name, encoder_unavailable

    columns = text_columns(train if train is not None and not declared else synthetic, declared)
    columns = {c: how for c, how in columns.items() if c in synthetic.columns}
    if not columns:
        return None
    no_encoder, no_minhash = encoder_unavailable(), minhash_unavailable()
    scores = {
        column: _score_column(
            column,
            source,
            synthetic,
            train,
            holdout,
            target=target,
            embeddings=no_encoder is None,
            minhash=no_minhash is None,
            random_seed=random_seed,
        )
        for column, source in columns.items()
    }
    return TextScores(
        encoder=None if no_encoder else encoder_name(),
        skipped="; ".join(reason for reason in (no_encoder, no_minhash) if reason) or None,
        sample={"text_rows": TEXT_ROWS, "embed_rows": EMBED_ROWS},
        columns=scores,
    )


def _score_column(
    column: str,
    source: str,
    synthetic: pd.DataFrame,
    train: pd.DataFrame | None,
    holdout: pd.DataFrame | None,
    *,
    target: str | None,
    embeddings: bool,
    minhash: bool,
    random_seed: int,
) -> TextColumnScores:
    fake = _texts(synthetic, column, TEXT_ROWS, random_seed)
    real = _texts(train, column, TEXT_ROWS, random_seed) or None  # None: no real texts
    held = _texts(holdout, column, TEXT_ROWS, random_seed) or None
    same = min(len(fake), len(real)) if real is not None else len(fake)
    scores: dict[str, Any] = {
        "source": source,
        "rows": len(fake),
        "chars": _lengths([len(t) for t in fake], [len(t) for t in real] if real else None),
        "words": _lengths(
            [len(words(t)) for t in fake], [len(words(t)) for t in real] if real else None
        ),
        "distinct": {str(n): distinct_n(fake[:same], n) for n in DISTINCT_N},
        "near_duplicate_rate": near_duplicate_rate(fake[:same]) if minhash else None,
    }
    if real is not None:
        scores["real_distinct"] = {str(n): distinct_n(real[:same], n) for n in DISTINCT_N}
        scores["real_near_duplicate_rate"] = near_duplicate_rate(real[:same]) if minhash else None
        scores["memorization"] = memorization(fake, _all_texts(train, column), held)
        if target is not None and train is not None and holdout is not None:
            scores["utility"] = text_utility(
                train, holdout, synthetic, column=column, target=target, random_seed=random_seed
            )
    if embeddings:
        scores |= _embedding_scores(fake, real, held)
    return TextColumnScores(**scores)


def _embedding_scores(
    fake: list[str], real: list[str] | None, held: list[str] | None
) -> dict[str, Any]:
    from registry.quality.images import frechet_distance
    from registry.quality.text_encoder import embed

    fake_vectors = embed(fake[:EMBED_ROWS])
    scores: dict[str, Any] = {"embedding_diversity": embedding_diversity(fake_vectors)}
    if not real:
        return scores
    real_vectors = embed(real[:EMBED_ROWS])
    scores["real_embedding_diversity"] = embedding_diversity(real_vectors)
    # The distance is biased by n: every side is cut to the same number of texts.
    n = min(len(fake_vectors), len(real_vectors), len(held) if held else len(real_vectors))
    if n < 2:
        return scores
    reference = real_vectors[:n]
    scores["frechet_texts"] = n
    scores["frechet_distance"] = round(frechet_distance(reference, fake_vectors[:n]), 4)
    if held:
        scores["frechet_baseline"] = round(frechet_distance(reference, embed(held[:n])), 4)
    return scores


def _lengths(synthetic: list[int], real: list[int] | None) -> LengthScores:
    from scipy.stats import ks_2samp

    ks = None
    if real and synthetic:
        ks = round(float(ks_2samp(synthetic, real).statistic), 4)
    return LengthScores(synthetic=_summary(synthetic), real=_summary(real) if real else None, ks=ks)


def _summary(lengths: list[int]) -> LengthSummary:
    values = np.asarray(lengths or [0], dtype=float)
    p10, median, p90 = np.percentile(values, [10, 50, 90])
    return LengthSummary(
        mean=round(float(values.mean()), 2),
        p10=float(p10),
        median=float(median),
        p90=float(p90),
    )


def _texts(frame: pd.DataFrame | None, column: str, rows: int, random_seed: int) -> list[str]:
    """Up to ``rows`` non-null texts of ``column``, drawn with ``random_seed`` (in row order)."""
    if frame is None or column not in frame.columns:
        return []
    values = frame[column].dropna()
    if len(values) > rows:
        values = values.sample(rows, random_state=random_seed).sort_index()
    return [str(v) for v in values]


def _all_texts(frame: pd.DataFrame | None, column: str) -> list[str]:
    if frame is None or column not in frame.columns:
        return []
    return [str(v) for v in frame[column].dropna()]


def _dotted(model: BaseModel, field: str) -> float | None:
    value: Any = model
    for part in field.split("."):
        if value is None:
            return None
        value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
    return None if value is None else float(value)


def text_summary(text: dict[str, Any]) -> list[str]:
    """One plain line per text column of a quality.json ``text`` section, synthetic figures
    with the real ones in brackets: what the TUI's quality tab shows."""
    lines = []
    for name, column in text.get("columns", {}).items():
        words_ = column.get("words") or {}
        real_words = (words_.get("real") or {}).get("mean")
        parts = [
            f"words {words_['synthetic']['mean']:.1f}"
            + (f" ({real_words:.1f}, KS {words_['ks']:.2f})" if real_words is not None else ""),
            "distinct-2 "
            + _pair(column["distinct"].get("2"), (column.get("real_distinct") or {}).get("2")),
            "near-dup "
            + _pair(
                column.get("near_duplicate_rate"), column.get("real_near_duplicate_rate"), "{:.1%}"
            ),
        ]
        if column.get("frechet_distance") is not None:
            parts.append(
                "Frechet " + _pair(column["frechet_distance"], column.get("frechet_baseline"))
            )
        memo = column.get("memorization")
        if memo:
            parts.append(
                f"copies {memo['exact_copy_share']:.1%}, longest shared "
                f"{memo['longest_shared_ngram']} words" + (" MEMORIZED" if memo["flagged"] else "")
            )
        lines.append(f"{name}: " + " · ".join(parts))
    return lines


def _pair(value: float | None, real: float | None, form: str = "{:.3f}") -> str:
    shown = "n/a" if value is None else form.format(value)
    return shown if real is None else f"{shown} ({form.format(real)})"
