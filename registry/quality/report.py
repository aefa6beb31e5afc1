"""The quality report of one synthetic table: what ``quality.json``, DVC metrics, the card and
``phantom score`` carry.

Each score family lives in its own module (fidelity, accuracy, detection, utility, privacy,
conformance, plots) and returns a pydantic model; this module runs them, rolls them up into
0-100 area scores with a short verdict and an overall score, and checks the gates.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, SerializerFunctionWrapHandler, model_serializer

from registry._threads import usable_cores
from registry.quality.gates import (
    GateResult,
    check_gate_values,
    evaluate_gates,
    merge_gates,
    missed,
)
from registry.recipes import BiasAudit, PrivacyAudit, QualityGates, SamplerGenerator

REPORT_FORMAT = 2
WORST_COLUMNS = 6
AREA_WEIGHTS = {"fidelity": 0.5, "utility": 0.25, "privacy": 0.25, "checks": 0.25}
HOLDOUT_SHARE = 0.2  # what `phantom score` keeps out of --real when no --holdout is given
UTILITY_ROWS = 20_000  # rows each utility model trains on: enough for a stable TSTR ratio
PLOT_ROWS = 20_000  # rows the histograms are drawn from
DETECTION_ROWS = 5_000  # rows per side for the real-vs-synthetic classifier: AUC s.e. ~0.005
_TRUST_SECTIONS = ("attacks", "bias", "augmentation")  # absent from reports that lack them


class AreaScore(BaseModel):
    """A 0-100 score for one area with a verdict a reviewer can act on."""

    model_config = ConfigDict(frozen=True)

    score: float
    verdict: Literal["good", "fair", "poor"]
    summary: str


class ColumnDetail(BaseModel):
    model_config = ConfigDict(frozen=True)

    column: str
    score: float
    metric: str


class QualityReport(BaseModel):
    """Every score of a version, the roll-up, and each gate's verdict."""

    model_config = ConfigDict(frozen=True)

    format: int = REPORT_FORMAT
    kind: Literal["tabular", "sampler", "image", "text"]
    rows: int
    scored_rows: int | None = None  # rows the scores saw: a bounded sample of large builds
    real_rows: int | None = None
    holdout_rows: int | None = None
    holdout_source: str | None = None
    generation_depth: int = 0
    overall: float | None
    areas: dict[str, AreaScore]
    fidelity: dict[str, Any] | None = None
    accuracy: dict[str, Any] | None = None
    detection: dict[str, Any] | None = None
    utility: dict[str, Any] | None = None
    privacy: dict[str, Any] | None = None
    conformance: dict[str, Any] | None = None
    images: dict[str, Any] | None = None
    text: dict[str, Any] | None = None  # free-text columns' scores (registry.quality.text)
    #: The generator's formal guarantee (epsilon, delta, mechanism); None: no formal guarantee.
    differential_privacy: dict[str, Any] | None = None
    #: Linked tables (registry.quality.linked): each table's report, and the sequence
    #: lengths, parent-child coherence and referential integrity; None for one table.
    tables: dict[str, Any] | None = None
    linked: dict[str, Any] | None = None
    #: Privacy attacks, bias audit, augmentation lift (:mod:`registry.quality.trust`).
    attacks: dict[str, Any] | None = None
    bias: dict[str, Any] | None = None
    augmentation: dict[str, Any] | None = None
    #: What the generator's checks and models counted while making the rows (kind: llm).
    generation: dict[str, Any] | None = None
    #: model: auto's choice: the winner and every candidate's validation scores.
    model_selection: dict[str, Any] | None = None
    worst_columns: list[ColumnDetail] = []
    plots: dict[str, str] = {}
    gates: list[GateResult] = []

    @model_serializer(mode="wrap")
    def _without_absent_guarantee(self, handler: SerializerFunctionWrapHandler) -> Any:
        """``differential_privacy`` appears only when there is a guarantee, so the
        quality.json of every other version keeps the bytes (and content hash) it had."""
        data = handler(self)
        for optional in (
            "differential_privacy",
            "generation",
            "tables",
            "linked",
            "model_selection",
            "text",
            *_TRUST_SECTIONS,
        ):
            if isinstance(data, dict) and data.get(optional, 0) is None:
                del data[optional]
        return data

    @property
    def passed(self) -> bool:
        return not missed(self.gates)

    @property
    def missed_gates(self) -> list[GateResult]:
        return missed(self.gates)


def verdict(score: float) -> Literal["good", "fair", "poor"]:
    return "good" if score >= 80 else "fair" if score >= 60 else "poor"


def _area(score: float, summary: str) -> AreaScore:
    score = round(max(0.0, min(100.0, score)), 1)
    return AreaScore(score=score, verdict=verdict(score), summary=summary)


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def _fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


# --- tabular -----------------------------------------------------------------------------


def score_tables(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    *,
    holdout: pd.DataFrame | None = None,
    target: str | None = None,
    gates: QualityGates | None = None,
    generation_depth: int = 0,
    random_seed: int = 0,
    plots_dir: Path | None = None,
    privacy_audit: PrivacyAudit | None = None,
    bias_audit: BiasAudit | None = None,
    requested_shares: dict[str, dict[str, float]] | None = None,
) -> QualityReport:
    """Score ``synthetic`` against the ``real`` rows it learned from and a real ``holdout``.

    Without a holdout, ``HOLDOUT_SHARE`` of ``real`` is kept out (deterministically) so that
    privacy and utility still compare against unseen real rows. ``privacy_audit``,
    ``bias_audit`` and ``requested_shares`` (a recipe's rebalancing) feed the trust sections
    (:mod:`registry.quality.trust`). Returns the report with every gate's verdict; it raises
    nothing for missed gates (callers decide).
    """
    from registry.quality.accuracy import score_accuracy
    from registry.quality.detection import score_detection
    from registry.quality.fidelity import column_kinds, score_fidelity
    from registry.quality.privacy import score_privacy
    from registry.quality.privacy import thread_count as privacy_threads
    from registry.quality.trust import score_trust
    from registry.quality.utility import score_utility

    holdout_source = "given"
    if holdout is None or len(holdout) == 0:
        real, holdout = _split(real, random_seed)
        holdout_source = f"{HOLDOUT_SHARE:.0%} of the real rows, kept out by Phantom"
    # Two lanes on two cores, and no more threads than lanes: each score runs on one thread
    # (the DCR search gets the cores beyond the lanes, if any). A lane takes the next job in
    # the order below whenever it comes free, so the lanes finish within a job of each other
    # (at 100k rows each takes 0.15-0.9 s; the DCR search used to take 2.5 s and hold up a
    # lane of its own). Detection needs no column kinds, so it starts while this thread
    # works them out. Plots need fidelity's worst columns, queued ahead of them. Each score
    # is deterministic on its own, so the result does not depend on timing.
    lanes = _lanes()
    with ThreadPoolExecutor(max_workers=lanes) as pool:
        detection_job = pool.submit(
            score_detection, real, synthetic, random_seed=random_seed, max_rows=DETECTION_ROWS
        )
        kinds = column_kinds(real)
        privacy_job = pool.submit(
            score_privacy,
            real,
            holdout,
            synthetic,
            kinds=kinds,
            threads=max(1, privacy_threads() - lanes + 1),
        )
        fidelity_job = pool.submit(score_fidelity, real, synthetic, kinds=kinds)
        utility_job = (
            pool.submit(
                score_utility,
                real,
                holdout,
                synthetic,
                target=target,
                random_seed=random_seed,
                max_rows=UTILITY_ROWS,
            )
            if target
            else None
        )
        plots_job = (
            pool.submit(
                lambda: _plots(
                    real,
                    synthetic,
                    plots_dir,
                    [c.column for c in _worst_columns(fidelity_job.result())],
                    kinds,
                )
            )
            if plots_dir is not None
            else None
        )
        accuracy_job = pool.submit(score_accuracy, real, synthetic, holdout, kinds=kinds)
        trust_job = pool.submit(
            score_trust,
            real,
            holdout,
            synthetic,
            kinds=kinds,
            thresholds={name: value for name, (value, _) in merge_gates(gates).items()},
            target=target,
            privacy_audit=privacy_audit,
            bias_audit=bias_audit,
            requested=requested_shares,
            random_seed=random_seed,
            max_rows=UTILITY_ROWS,
        )
        fidelity = fidelity_job.result()
        worst = _worst_columns(fidelity)
        privacy = privacy_job.result()
        accuracy = accuracy_job.result()
        plots = plots_job.result() if plots_job is not None else {}
        detection = detection_job.result()
        utility = utility_job.result() if utility_job is not None else None
        trust = trust_job.result()

    areas = {
        "fidelity": _area(
            100
            * (
                _mean(
                    [
                        fidelity.column_shapes,
                        fidelity.column_pair_trends,
                        accuracy.overall,
                        detection.score,
                    ]
                )
                or 0.0
            ),
            f"column shapes {_fmt(fidelity.column_shapes)}, pair trends "
            f"{_fmt(fidelity.column_pair_trends)}, accuracy {_fmt(accuracy.overall)} "
            f"(holdout ceiling {_fmt(accuracy.overall_ceiling)}), detection AUC "
            f"{_fmt(detection.auc)} (0.5 ideal)",
        ),
        "privacy": _privacy_area(privacy),
    }
    if utility is not None and utility.tstr_ratio is not None:
        areas["utility"] = _utility_area(utility)
    return _finish(
        kind="tabular",
        synthetic=synthetic,
        gates=gates,
        areas=areas,
        generation_depth=generation_depth,
        real_rows=len(real),
        holdout_rows=len(holdout),
        holdout_source=holdout_source,
        fidelity=_summarize_fidelity(fidelity),
        accuracy=accuracy.model_dump(mode="json"),
        detection=detection.model_dump(mode="json"),
        privacy=privacy.model_dump(mode="json"),
        utility=utility.model_dump(mode="json") if utility is not None else None,
        worst_columns=worst,
        plots=plots,
        **trust,
    )


def _lanes() -> int:
    """Two lanes where there are two cores: one for the model-fitting scores, one for the rest."""
    return max(1, min(2, usable_cores()))


def _split(real: pd.DataFrame, random_seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    import numpy as np

    order = np.random.default_rng(random_seed).permutation(len(real))
    cut = len(real) - max(1, round(HOLDOUT_SHARE * len(real)))
    return (
        real.iloc[order[:cut]].reset_index(drop=True),
        real.iloc[order[cut:]].reset_index(drop=True),
    )


def _utility_area(utility: Any) -> AreaScore:
    """TSTR against TRTR, for tables and images alike (both carry metric, tstr, trtr, ratio)."""
    return _area(
        100 * min(1.0, max(0.0, utility.tstr_ratio)),
        f"train-synthetic-test-real {utility.metric} {_fmt(utility.tstr)} vs "
        f"train-real-test-real {_fmt(utility.trtr)} (ratio {_fmt(utility.tstr_ratio)})",
    )


def _privacy_area(privacy: Any) -> AreaScore:
    share = privacy.dcr_share
    dcr_term = 1.0 if share is None else 1.0 - 2.0 * max(0.0, share - 0.5)
    natural = privacy.natural_copy_share or 0.0
    excess = max(0.0, (privacy.exact_copy_share or 0.0) - natural)
    copy_term = 1.0 - 10.0 * excess
    return _area(
        100 * max(0.0, min(dcr_term, copy_term)),
        f"DCR share {_fmt(share)} (0.5 ideal: synthetic rows are no closer to train than to "
        f"unseen rows), exact copies {privacy.exact_copies} "
        f"({_fmt(100 * (privacy.exact_copy_share or 0.0), 2)}% vs natural "
        f"{_fmt(100 * natural, 2)}%)",
    )


def _summarize_fidelity(fidelity: Any) -> dict[str, Any]:
    columns = {
        name: round(col.score, 4) for name, col in fidelity.columns.items() if col.score is not None
    }
    pairs = [p for p in fidelity.pairs if p.score is not None]
    return {
        "score": _round(fidelity.score),
        "column_shapes": _round(fidelity.column_shapes),
        "column_pair_trends": _round(fidelity.column_pair_trends),
        "columns": columns,
        "worst_pairs": [
            {"columns": [p.column_a, p.column_b], "metric": p.metric, "score": round(p.score, 4)}
            for p in sorted(pairs, key=lambda p: p.score)[:WORST_COLUMNS]
        ],
    }


def _worst_columns(fidelity: Any) -> list[ColumnDetail]:
    details = [
        ColumnDetail(column=name, score=round(col.score, 4), metric=col.metric)
        for name, col in fidelity.columns.items()
        if col.score is not None
    ]
    return sorted(details, key=lambda d: (d.score, d.column))[:WORST_COLUMNS]


def _plots(
    real: pd.DataFrame | None,
    synthetic: pd.DataFrame,
    folder: Path,
    columns: list[str],
    kinds: Any,
) -> dict[str, str]:
    from registry.quality.plots import save_plots

    # Histograms of a deterministic sample look the same as of every row, at a fraction of
    # the cost on large tables.
    real, synthetic = (_sample(frame, PLOT_ROWS) for frame in (real, synthetic))
    saved = save_plots(real, synthetic, folder, columns=columns or None, kinds=kinds)
    return {name: f"{folder.name}/{file}" for name, file in saved.items()}


def _sample(frame: pd.DataFrame | None, rows: int) -> pd.DataFrame | None:
    if frame is None or len(frame) <= rows:
        return frame
    return frame.sample(rows, random_state=0).sort_index()


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)


# --- samplers ------------------------------------------------------------------------------


def score_sampler(
    config: SamplerGenerator,
    synthetic: pd.DataFrame,
    *,
    gates: QualityGates | None = None,
    plots_dir: Path | None = None,
) -> QualityReport:
    """Score declared columns by how well they follow their declared distributions and SQL."""
    from registry.quality.conformance import score_conformance

    conformance = score_conformance(config, synthetic)
    worst = [
        ColumnDetail(column=name, score=round(col.score, 4), metric=col.test)
        for name, col in conformance.columns.items()
        if col.score is not None
    ]
    worst = sorted(worst, key=lambda d: (d.score, d.column))[:WORST_COLUMNS]
    areas = {
        "conformance": _area(
            100 * conformance.score,
            f"columns follow their declared distributions ({_fmt(conformance.score)}); "
            f"worst: {', '.join(d.column for d in worst[:3])}",
        )
    }
    plots = (
        _plots(None, synthetic, plots_dir, list(conformance.worst_columns), None)
        if plots_dir is not None
        else {}
    )
    return _finish(
        kind="sampler",
        synthetic=synthetic,
        gates=gates,
        areas=areas,
        generation_depth=0,
        conformance=conformance.model_dump(mode="json"),
        worst_columns=worst,
        plots=plots,
    )


# --- images --------------------------------------------------------------------------------


def score_image_set(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    *,
    holdout: pd.DataFrame,
    gates: QualityGates | None = None,
    generation_depth: int = 0,
    random_seed: int = 0,
    plots_dir: Path | None = None,
) -> QualityReport:
    """Score labeled images (``image`` + ``label`` rows) against the real images they came from.

    Fidelity is label fidelity and the Frechet distance against its real-vs-real baseline;
    utility is TSTR/TRTR accuracy; privacy is memorization (see :mod:`registry.quality.images`).
    The sample grid (and the real images' grid beside it) is saved in ``plots_dir``.
    """
    from registry.quality.images import score_images

    scores = score_images(real, holdout, synthetic, random_seed=random_seed)
    fidelity, utility, privacy = scores.fidelity, scores.utility, scores.privacy
    # Distance beyond what two samples of real images already show is what counts.
    frechet_term = min(1.0, fidelity.frechet_baseline / max(fidelity.frechet_distance, 1e-12))
    areas = {
        "fidelity": _area(
            100 * (fidelity.label_fidelity + frechet_term) / 2,
            f"label fidelity {fidelity.label_fidelity:.1%} (a classifier trained on real images "
            f"agrees with the generated label), Frechet distance {fidelity.frechet_distance:.3f} "
            f"vs real-vs-real {fidelity.frechet_baseline:.3f}",
        ),
        "privacy": _privacy_area(privacy),
    }
    if utility is not None:
        areas["utility"] = _utility_area(utility)
    plots = _image_plots(real, synthetic, plots_dir, fidelity.image_size) if plots_dir else {}
    return _finish(
        kind="image",
        synthetic=synthetic,
        gates=gates,
        areas=areas,
        generation_depth=generation_depth,
        real_rows=len(real),
        holdout_rows=len(holdout),
        holdout_source="given",
        images=fidelity.model_dump(mode="json"),
        utility=utility.model_dump(mode="json") if utility is not None else None,
        privacy=privacy.model_dump(mode="json"),
        plots=plots,
    )


def _image_plots(
    real: pd.DataFrame, synthetic: pd.DataFrame, folder: Path, size: int
) -> dict[str, str]:
    from registry.images import LABEL_COLUMN, frame_pixels, save_grid

    saved = {}
    for name, frame in (("synthetic samples", synthetic), ("real samples", real)):
        file = f"{name.split()[0]}_samples.png"
        picks = frame.groupby(LABEL_COLUMN, sort=False).head(8)
        save_grid(frame_pixels(picks, size=size), picks[LABEL_COLUMN].tolist(), folder / file)
        saved[name] = f"{folder.name}/{file}"
    return saved


# --- roll-up --------------------------------------------------------------------------------


def _finish(
    *,
    kind: Literal["tabular", "sampler", "image"],
    synthetic: pd.DataFrame,
    gates: QualityGates | None,
    areas: dict[str, AreaScore],
    generation_depth: int,
    **sections: Any,
) -> QualityReport:
    draft = QualityReport(
        kind=kind,
        rows=len(synthetic),
        generation_depth=generation_depth,
        overall=_overall(kind, areas),
        areas=areas,
        **sections,
    )
    results = evaluate_gates(gate_values(draft), gates)
    return draft.model_copy(update={"gates": results})


def _overall(kind: str, areas: dict[str, AreaScore]) -> float:
    if kind == "sampler":
        return areas["conformance"].score
    weights = {name: AREA_WEIGHTS[name] for name in areas}
    total = sum(weights.values())
    return round(sum(areas[n].score * w for n, w in weights.items()) / total, 1)


def with_exact_copies(
    report: QualityReport, *, copies: int, rows: int, gates: QualityGates | None
) -> QualityReport:
    """``report`` (scored on a sample of a build) with exact copies of train rows counted
    over all ``rows`` of the build: the privacy section, its area, the overall score and
    the gates follow the exact count."""
    if report.privacy is None or rows == 0:
        return report
    privacy = {**report.privacy, "exact_copies": copies, "exact_copy_share": copies / rows}
    areas = {**report.areas, "privacy": _privacy_area(SimpleNamespace(**privacy))}
    draft = report.model_copy(
        update={"privacy": privacy, "areas": areas, "overall": _overall(report.kind, areas)}
    )
    return draft.model_copy(update={"gates": evaluate_gates(gate_values(draft), gates)})


def gate_values(report: QualityReport) -> dict[str, float | None]:
    """The measured value behind each gate name."""
    privacy = report.privacy or {}
    natural = privacy.get("natural_copy_share") or 0.0
    copy_share = privacy.get("exact_copy_share")
    return {
        "min_overall": report.overall,
        "min_fidelity": report.areas["fidelity"].score if "fidelity" in report.areas else None,
        "max_detection_auc": (report.detection or {}).get("auc"),
        "max_dcr_share": privacy.get("dcr_share"),
        "max_exact_copies": privacy.get("exact_copies"),
        "max_exact_copy_excess": None if copy_share is None else max(0.0, copy_share - natural),
        "min_tstr_ratio": (report.utility or {}).get("tstr_ratio"),
        "max_generation_depth": float(report.generation_depth),
        "min_label_fidelity": (report.images or {}).get("label_fidelity"),
        "max_epsilon": (report.differential_privacy or {}).get("epsilon"),
        "max_mia_auc": ((report.attacks or {}).get("membership") or {}).get("auc"),
        "max_attribute_disclosure": ((report.attacks or {}).get("attribute") or {}).get(
            "disclosure"
        ),
        **check_gate_values(report.generation),
        **text_gate_values(report.text),
    }


def with_model_selection(report: QualityReport, selection: dict[str, Any] | None) -> QualityReport:
    """``report`` with the generator's model selection (``None``: it chose none); the seconds
    each candidate took stay out (they differ between runs, and quality.json is hashed)."""
    if selection is None:
        return report
    kept = {name: value for name, value in selection.items() if name != "seconds"}
    return report.model_copy(update={"model_selection": kept})


def text_gate_values(text: dict[str, Any] | None) -> dict[str, float | None]:
    """The text gates' values: the worst text column's figure for each."""
    if text is None:
        return {}
    from registry.quality.text import TEXT_GATES, TextScores

    scores = TextScores.model_validate(text)
    values: dict[str, float | None] = {}
    for gate, (field, highest) in TEXT_GATES.items():
        worst = scores.worst(field, highest=highest)
        values[gate] = worst[1] if worst is not None else None
    return values


def with_text_scores(
    report: QualityReport, text: Any, *, gates: QualityGates | None
) -> QualityReport:
    """``report`` with the ``text`` section (a :class:`TextScores`, or None: no text column)
    and the gates re-checked (the text gates read it)."""
    if text is None:
        return report
    draft = report.model_copy(update={"text": text.model_dump(mode="json")})
    return draft.model_copy(update={"gates": evaluate_gates(gate_values(draft), gates)})


def with_privacy_guarantee(
    report: QualityReport, guarantee: dict[str, Any] | None, *, gates: QualityGates | None
) -> QualityReport:
    """``report`` with the generator's differential-privacy guarantee (``None``: none) and
    the gates re-checked (``max_epsilon`` reads it)."""
    draft = report.model_copy(update={"differential_privacy": guarantee})
    return draft.model_copy(update={"gates": evaluate_gates(gate_values(draft), gates)})


# --- generated text -------------------------------------------------------------------------


def draft_text_report(
    synthetic: pd.DataFrame, *, gates: QualityGates | None = None, generation_depth: int = 0
) -> QualityReport:
    """A text version's report before its text scores (:mod:`registry.quality.text`) and its
    generator's checks (:func:`with_generation`) are added."""
    draft = QualityReport(
        kind="text", rows=len(synthetic), generation_depth=generation_depth, overall=None, areas={}
    )
    return draft.model_copy(update={"gates": evaluate_gates(gate_values(draft), gates)})


def with_generation(
    report: QualityReport, generation: dict[str, Any], *, gates: QualityGates | None
) -> QualityReport:
    """``report`` with what the generator counted (rejections per check, judge scores,
    tokens) and, when it had checks, a ``checks`` area: the share of row attempts accepted."""
    areas = dict(report.areas)
    share = generation.get("first_try_share")
    if generation.get("checks") and share is not None:
        rejected = sorted(generation["checks"].items(), key=lambda item: -item[1]["rejection_rate"])
        worst = ", ".join(f"{name} {c['rejection_rate']:.0%}" for name, c in rejected[:3])
        areas["checks"] = _area(
            100 * share, f"row attempts accepted by the checks ({share:.0%}); rejected: {worst}"
        )
    overall = _overall(report.kind, areas) if areas else report.overall
    draft = report.model_copy(update={"generation": generation, "areas": areas, "overall": overall})
    return draft.model_copy(update={"gates": evaluate_gates(gate_values(draft), gates)})
