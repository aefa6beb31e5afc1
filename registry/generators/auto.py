"""``generator: {kind: table, model: auto}``: fit the candidate models within a time budget,
score each on a validation split of the seed's train part, keep the best.

No single engine wins every table: on small tables a Gaussian copula keeps the target
relationship better, on larger ones TabularARGN wins. Auto measures it per table instead of
asking the user to.

Choices, in order of the work:

Validation split
    ``validation`` (default 0.2) of the seed's *train* part, drawn with ``random_seed``; the
    candidates fit on the rest. The holdout never reaches a generator, so the version's own
    scores stay on rows no candidate saw.
Budget
    ``budget`` (default :data:`DEFAULT_BUDGET`) covers fitting, sampling and scoring every
    candidate, in the listed order (cheapest first). TabularARGN's ``max_training_time`` is
    capped at :data:`FIT_SHARE` of what is left; once one candidate is scored, a later one
    with less than :data:`MIN_SECONDS` left is skipped, and the card says so. A candidate
    whose fit fails is reported, not fatal, unless none is left.
Score
    Each candidate samples ``min(fit rows, SCORE_ROWS)`` rows (batches 0, 1, ... as a build
    would), scored by Phantom's report (the build passes its scorer in
    :attr:`BuildContext.score_table`, since generators sit below the quality layer) against the
    fit rows and the validation rows, with the recipe's ``target``. The highest overall score
    wins among the candidates whose DCR share there is within :func:`dcr_limit` (a tie goes to
    the earlier candidate): a model that follows its fit rows too closely scores well on
    fidelity and utility, and would leak them (CART's small leaves on a large table do).
The winner
    A copula or CART winner is fitted again on every train row (seconds; a quarter more rows
    is worth it on a small table); a TabularARGN winner keeps the model it fitted on the fit
    rows (refitting would double the time of the slowest model). It does all the sampling:
    the rows are a pure function of ``(random_seed, batch index)`` as for any model. Only its
    model is saved. :meth:`AutoGenerator.model_selection` says which won and what the others
    scored (quality.json, the card, the manifest; only the manifest holds the seconds, which
    differ between runs).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from time import monotonic
from typing import Any

import numpy as np
import pandas as pd

from registry.errors import GeneratorError
from registry.generators._base import BaseGenerator, BuildContext
from registry.generators.table import DelegatingGenerator, model_class
from registry.recipes import DEFAULT_CANDIDATES, budget_seconds
from registry.recipes import TabularArgnGenerator as TableConfig

DEFAULT_BUDGET = 300.0  # seconds
DEFAULT_VALIDATION = 0.2
SCORE_ROWS = 5_000  # rows each candidate samples to be scored
MIN_SECONDS = 5.0  # a candidate started with less budget left is skipped
FIT_SHARE = 0.6  # of the budget left, what TabularARGN may train (the rest samples and scores)
MIN_ROWS = 20  # seed train rows auto needs to carve a validation split
MAX_DCR_SHARE = 0.53  # a winner's rows sit no closer to its fit rows (see dcr_limit)
REFIT = ("copula", "cart")  # winners fitted again on all train rows (seconds, no time cap)
SDV_CLASS = "registry.generators.tabular:SdvGenerator"


@dataclass
class Candidate:
    """One candidate's outcome: its scores on the validation split, or why it has none."""

    model: str
    overall: float | None = None
    areas: dict[str, float] = field(default_factory=dict)
    dcr_share: float | None = None  # on the validation split: closer to fit rows than to it
    skipped: str | None = None
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        if self.skipped is not None:
            return {"model": self.model, "skipped": self.skipped}
        return {
            "model": self.model,
            "overall": self.overall,
            "areas": self.areas,
            "dcr_share": self.dcr_share,
        }


def candidate_generator(
    name: str, config: TableConfig, *, random_seed: int, context: BuildContext, minutes: float
) -> BaseGenerator:
    """The generator of candidate ``name`` (``argn``, ``copula``, ``cart`` or ``sdv:<model>``)
    with the recipe's settings; TabularARGN trains at most ``minutes``."""
    family, _, sdv_model = name.partition(":")
    if family == "sdv":
        from registry.recipes import SdvGenerator as SdvConfig

        module, _, class_name = SDV_CLASS.partition(":")
        conditions = [c.model_dump() for c in config.conditions]
        sdv_config = SdvConfig(kind="sdv", model=sdv_model, conditions=conditions)
        sdv = getattr(importlib.import_module(module), class_name)
        return sdv(sdv_config, random_seed=random_seed, context=context)
    cap = min(config.max_training_time, max(minutes, 0.05))
    candidate = config.model_copy(update={"model": family, "max_training_time": cap})
    return model_class(family)(candidate, random_seed=random_seed, context=context)


def dcr_limit(validation_rows: int) -> float:
    """The largest validation DCR share a winner may have: :data:`MAX_DCR_SHARE` plus one
    standard error of a share measured on ``validation_rows`` rows (``0.5 / sqrt(rows)``), so
    that a small validation split's noise alone does not rule a candidate out."""
    return MAX_DCR_SHARE + 0.5 / max(1, validation_rows) ** 0.5


def choose(candidates: list[Candidate], validation_rows: int) -> Candidate:
    """The winner among the scored ``candidates``: the best overall score among those whose
    validation DCR share is within :func:`dcr_limit` (a tie goes to the earlier one); when
    none is, the one whose rows sit least close to the rows it was fitted on."""
    scored = [c for c in candidates if c.skipped is None]
    limit = dcr_limit(validation_rows)
    private = [c for c in scored if c.dcr_share is None or c.dcr_share <= limit]
    if private:
        return max(private, key=lambda c: c.overall or 0.0)
    return min(scored, key=lambda c: c.dcr_share or 0.0)


def validation_split(
    train: pd.DataFrame, share: float, random_seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(fit rows, validation rows)``: ``share`` of ``train`` drawn with ``random_seed``."""
    order = np.random.default_rng([int(random_seed), 17]).permutation(len(train))
    cut = len(train) - max(1, round(share * len(train)))
    return train.iloc[np.sort(order[:cut])], train.iloc[np.sort(order[cut:])]


class AutoGenerator(DelegatingGenerator):
    """Fit each candidate within the budget, keep the best on the validation split, sample
    with it."""

    Config = TableConfig

    def __init__(
        self, config: TableConfig, *, random_seed: int, context: BuildContext | None = None
    ) -> None:
        super().__init__(config, random_seed=random_seed, context=context)
        self.winner: BaseGenerator | None = None
        self.candidates: list[Candidate] = []
        self.rows: dict[str, int] = {}
        self.refit = False  # the winner was fitted again on every train row

    @property
    def delegate(self) -> BaseGenerator:
        if self.winner is None:
            raise GeneratorError("model: auto must be fitted before it samples")
        return self.winner

    def fit(self, train: pd.DataFrame | None) -> None:
        """Fit, score and compare the candidates; keep the best. Raises :class:`RecipeError`
        for conditions the seed cannot satisfy, :class:`GeneratorError` when no candidate
        could be fitted and scored."""
        config = self.config
        if train is None or len(train) < MIN_ROWS:
            raise GeneratorError(
                f"model: auto needs at least {MIN_ROWS} seed train rows to carve a validation "
                f"split, got {0 if train is None else len(train)}; use model: argn or copula"
            )
        score = self.context.score_table
        if score is None:
            raise GeneratorError(
                "model: auto scores its candidates with Phantom's report; build it in a "
                "registry, or pass BuildContext(score_table=registry.quality.score_tables)"
            )
        budget = budget_seconds(config.budget) if config.budget is not None else DEFAULT_BUDGET
        fit_rows, validation = validation_split(
            train, config.validation or DEFAULT_VALIDATION, self.random_seed
        )
        self.rows = {"fit": len(fit_rows), "validation": len(validation)}
        start, fitted = monotonic(), {}
        self.candidates, self.refit = [], False
        for name in config.candidates or DEFAULT_CANDIDATES:
            left = budget - (monotonic() - start)
            if fitted and left < MIN_SECONDS:
                self.candidates.append(Candidate(name, skipped="the budget was spent"))
                continue
            began = monotonic()
            generator = candidate_generator(
                name,
                config,
                random_seed=self.random_seed,
                context=self.context,
                minutes=FIT_SHARE * left / 60,
            )
            self.context.progress(f"model: auto: fitting {name} ({left:.0f}s of budget left)")
            try:
                generator.fit(fit_rows)
                synthetic = generator.sample(min(len(fit_rows), SCORE_ROWS))
            except GeneratorError as exc:
                self.candidates.append(Candidate(name, skipped=f"failed: {exc}"))
                continue
            report = score(
                fit_rows.reset_index(drop=True),
                synthetic,
                holdout=validation.reset_index(drop=True),
                target=config.score_target,
                random_seed=self.random_seed,
            )
            result = Candidate(
                name,
                overall=report.overall,
                areas={area: value.score for area, value in report.areas.items()},
                dcr_share=report.privacy.get("dcr_share") if report.privacy else None,
                seconds=round(monotonic() - began, 1),
            )
            self.candidates.append(result)
            self.context.progress(f"model: auto: {name} scored {report.overall:.1f}/100")
            fitted[name] = generator
        if not fitted:
            reasons = "; ".join(f"{c.model}: {c.skipped}" for c in self.candidates)
            raise GeneratorError(f"model: auto fitted no candidate ({reasons})")
        chosen = choose(self.candidates, len(validation))
        self.winner = fitted[chosen.model]
        self.context.progress(f"model: auto: {chosen.model} won")
        if chosen.model in REFIT:
            self.context.progress(f"model: auto: refitting {chosen.model} on all {len(train)} rows")
            self.winner = candidate_generator(
                chosen.model, config, random_seed=self.random_seed, context=self.context, minutes=0
            )
            self.winner.fit(train)
            self.refit = True

    def model_selection(self) -> dict[str, Any] | None:
        """Which candidate won, every candidate's validation scores (or why it has none), the
        rows and the budget; ``seconds`` (per candidate) varies between runs."""
        if not any(c.skipped is None for c in self.candidates):
            return None  # not fitted (or loaded from a saved model: nothing was chosen here)
        return {
            "winner": choose(self.candidates, self.rows["validation"]).model,
            "metric": "overall score of Phantom's report on a validation split of the seed's "
            "train part, among candidates whose DCR share there is within dcr_limit",
            "dcr_limit": round(dcr_limit(self.rows["validation"]), 3),
            "refit": self.refit,
            "fit_rows": self.rows.get("fit"),
            "validation_rows": self.rows.get("validation"),
            "budget_seconds": budget_seconds(self.config.budget)
            if self.config.budget is not None
            else DEFAULT_BUDGET,
            "candidates": [c.summary() for c in self.candidates],
            "seconds": {c.model: c.seconds for c in self.candidates if c.skipped is None},
        }


__all__ = [
    "AutoGenerator",
    "Candidate",
    "candidate_generator",
    "choose",
    "dcr_limit",
    "validation_split",
]
