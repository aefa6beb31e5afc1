"""Privacy attacks on a synthetic table: membership inference and attribute inference.

DCR (:mod:`registry.quality.privacy`) says how close synthetic rows sit to the training rows;
these say what an attacker *holding the synthetic data* can do with that. Both compare the
real training rows (members, which the generator saw) with the real holdout rows (which it
never saw): anything an attack does better on members than on the holdout is what the
synthetic data leaks about the people in the seed, beyond what it says about anyone.

Distances are those of the other privacy scores: the mixed-type encoding of
:mod:`registry.quality._encoding`, fitted on train (numbers on train's quantile scale, a
category mismatch costs 1, nulls as their own value, id columns left out).

**Membership inference** (AUC of telling members from holdout rows; 0.5 = chance, 1 = every
member is found):

* *Distance to the closest synthetic record*: the score of a real row is minus its distance
  to the nearest synthetic row; a generator that copies or hugs its training rows puts members
  closer. This is the full black-box attack of Chen et al., "GAN-Leaks: A Taxonomy of
  Membership Inference Attacks against Generative Models" (CCS 2020), the distance attack
  Stadler et al. run against tabular generators in "Synthetic Data -- Anonymisation
  Groundhog Day" (USENIX Security 2022).
* *DOMIAS, nearest-neighbour density ratio*: van Breugel et al., "Membership Inference
  Attacks against Synthetic Data through Overfitting Detection" (AISTATS 2023) score a row by
  the synthetic density over the population density at it, which discounts rows that are
  close to the synthetic data only because they sit where everyone is. Densities are
  estimated by the nearest-neighbour estimator ``p(x) ~ 1 / (n d(x)^D)``, so the ratio is
  monotone in ``d_population(x) / d_synthetic(x)`` whatever the dimension D: that ratio is
  the score (AUC only needs the order). The population sample is half of the holdout (drawn
  with the random seed); the other half are the non-members it is tested on.

The reported ``auc`` is the stronger attack's. Each AUC comes with its standard error
(Hanley & McNeil 1982), from which the verdicts tell a real signal from a small sample's luck.

**Attribute inference** (for the ``quasi_identifiers`` and ``sensitive`` columns a recipe's
``privacy_audit`` names): the attacker knows a person's quasi-identifiers, finds the closest
synthetic records on them (every synthetic row at the smallest distance, so categorical
quasi-identifiers are not decided by row order) and guesses the sensitive value they hold
(the most frequent one; the mean for numbers). This is the inference attack of Anonymeter,
Giomi et al., "A Unified Framework for Quantifying Privacy Risk in Synthetic Data" (PoPETs
2023), with its control: the same attack, on the same synthetic rows, against holdout rows.
What the synthetic data lets anyone infer about the population (a sensitive value that
follows from the quasi-identifiers for everybody) succeeds on both; only what it remembers
about training rows succeeds more on them. ``disclosure`` = accuracy on train rows minus
accuracy on holdout rows (for numbers: R² with train's variance as the common denominator).

Bounded cost: at most :data:`ATTACK_ROWS` members and as many holdout rows, against at most
:data:`SYNTHETIC_ROWS` synthetic rows, each drawn with the random seed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from registry.quality._encoding import EncodedFrame, encode
from registry.quality.fidelity import ColumnKind, column_kinds
from registry.quality.privacy import nearest_squared

#: Real rows (members, and as many holdout rows) each attack is run on, at most.
ATTACK_ROWS = 2_000
#: Synthetic rows the attacker searches, at most.
SYNTHETIC_ROWS = 10_000
#: Smallest population sample (and non-member half) DOMIAS runs with.
DOMIAS_MIN_ROWS = 10
_TIE = 1e-9  # squared distances this close to the smallest are ties
_BLOCK_CELLS = 1 << 20  # cells per block of the closest-record search (8 MiB of float64)

DISTANCE_ATTACK = "distance to closest synthetic record"
DISTANCE_REFERENCE = (
    "Chen et al., GAN-Leaks (CCS 2020), full black-box attack; "
    "Stadler et al., Synthetic Data - Anonymisation Groundhog Day (USENIX Security 2022)"
)
DOMIAS_ATTACK = "DOMIAS (nearest-neighbour density ratio)"
DOMIAS_REFERENCE = "van Breugel et al., DOMIAS (AISTATS 2023)"
ATTRIBUTE_ATTACK = "closest synthetic records on the quasi-identifiers, against a holdout control"
ATTRIBUTE_REFERENCE = "Giomi et al., Anonymeter (PoPETs 2023), inference attack"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class AttackAuc(_Model):
    """One membership inference attack's AUC on members against non-members."""

    attack: str
    reference: str
    auc: float | None
    auc_se: float | None
    members: int
    non_members: int


class MembershipInference(_Model):
    """The attacks run and the stronger one's AUC (None: too few rows to attack)."""

    auc: float | None
    auc_se: float | None
    attack: str | None
    attacks: list[AttackAuc]
    synthetic_rows: int
    columns: list[str]


class AttributeDisclosure(_Model):
    """The attack on one sensitive column: success on train rows against holdout rows."""

    column: str
    metric: Literal["accuracy", "r2"]
    train: float | None = None  # the attack's accuracy (or R²) on training rows
    holdout: float | None = None  # the same attack on holdout rows: the control
    disclosure: float | None = None  # train - holdout (None: not computed)
    disclosure_se: float | None = None


class AttributeInference(_Model):
    """The attribute inference attack on the recipe's sensitive columns."""

    attack: str
    reference: str
    quasi_identifiers: list[str]
    disclosure: float | None  # the largest over the sensitive columns
    column: str | None  # the column it comes from
    columns: list[AttributeDisclosure]
    train_rows: int
    holdout_rows: int
    synthetic_rows: int


def score_membership(
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    synthetic: pd.DataFrame,
    *,
    kinds: Mapping[str, ColumnKind] | None = None,
    random_seed: int = 0,
    max_rows: int = ATTACK_ROWS,
    synthetic_rows: int = SYNTHETIC_ROWS,
) -> MembershipInference:
    """Both membership inference attacks (see the module docstring). Deterministic for a
    ``random_seed``; returns None figures when a frame is empty or no column is shared."""
    kinds = column_kinds(train) if kinds is None else kinds
    shared = set(train.columns) & set(holdout.columns) & set(synthetic.columns)
    used = {name: kind for name, kind in kinds.items() if kind != "id" and name in shared}
    rng = np.random.default_rng(random_seed)
    members, others, syn = (
        _draw(frame, rows, rng)
        for frame, rows in ((train, max_rows), (holdout, max_rows), (synthetic, synthetic_rows))
    )
    empty = MembershipInference(
        auc=None, auc_se=None, attack=None, attacks=[], synthetic_rows=len(syn), columns=[]
    )
    if not used or min(len(members), len(others), len(syn)) == 0:
        return empty
    _, (_, mem, non, ref) = encode(train, [members, others, syn], used)
    to_synthetic = _distances(mem, ref), _distances(non, ref)
    attacks = [
        _attack(DISTANCE_ATTACK, DISTANCE_REFERENCE, -to_synthetic[0], -to_synthetic[1]),
    ]
    half = rng.permutation(len(non))
    population, tested = half[: len(non) // 2], half[len(non) // 2 :]
    if min(len(population), len(tested)) >= DOMIAS_MIN_ROWS:
        population_frame = non.take(np.sort(population))
        member_score = _log_ratio(_distances(mem, population_frame), to_synthetic[0])
        tested = np.sort(tested)
        other_score = _log_ratio(
            _distances(non.take(tested), population_frame), to_synthetic[1][tested]
        )
        attacks.append(_attack(DOMIAS_ATTACK, DOMIAS_REFERENCE, member_score, other_score))
    scored = [a for a in attacks if a.auc is not None]
    strongest = max(scored, key=lambda a: a.auc or 0.0) if scored else None
    return MembershipInference(
        auc=strongest.auc if strongest else None,
        auc_se=strongest.auc_se if strongest else None,
        attack=strongest.attack if strongest else None,
        attacks=attacks,
        synthetic_rows=len(syn),
        columns=list(used),
    )


def score_attribute_inference(
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    synthetic: pd.DataFrame,
    *,
    quasi_identifiers: list[str],
    sensitive: list[str],
    kinds: Mapping[str, ColumnKind] | None = None,
    random_seed: int = 0,
    max_rows: int = ATTACK_ROWS,
    synthetic_rows: int = SYNTHETIC_ROWS,
) -> AttributeInference:
    """The attribute inference attack on each ``sensitive`` column from the
    ``quasi_identifiers`` (see the module docstring); the columns must be in every frame
    (the recipe's seed check makes sure). Deterministic for a ``random_seed``."""
    kinds = column_kinds(train) if kinds is None else kinds
    rng = np.random.default_rng(random_seed)
    targets, control, syn = (
        _draw(frame, rows, rng)
        for frame, rows in ((train, max_rows), (holdout, max_rows), (synthetic, synthetic_rows))
    )
    identifying = {name: _as_value_kind(kinds.get(name)) for name in quasi_identifiers}
    columns = []
    if min(len(targets), len(control), len(syn)) > 0:
        _, (_, tgt, ctl, ref) = encode(train, [targets, control, syn], identifying)
        closest = {"train": _closest(tgt, ref), "holdout": _closest(ctl, ref)}
        for name in sensitive:
            kind = _as_value_kind(kinds.get(name))
            truth = {"train": targets[name], "holdout": control[name]}
            if kind in ("numerical", "datetime"):
                columns.append(_numeric_disclosure(name, train[name], syn[name], truth, closest))
            else:
                columns.append(_category_disclosure(name, syn[name], truth, closest))
    scored = [c for c in columns if c.disclosure is not None]
    worst = max(scored, key=lambda c: c.disclosure or 0.0) if scored else None
    return AttributeInference(
        attack=ATTRIBUTE_ATTACK,
        reference=ATTRIBUTE_REFERENCE,
        quasi_identifiers=list(quasi_identifiers),
        disclosure=worst.disclosure if worst else None,
        column=worst.column if worst else None,
        columns=columns,
        train_rows=len(targets),
        holdout_rows=len(control),
        synthetic_rows=len(syn),
    )


# --- membership ----------------------------------------------------------------------------


def _draw(frame: pd.DataFrame, rows: int, rng: np.random.Generator) -> pd.DataFrame:
    """At most ``rows`` rows of ``frame`` drawn without replacement, in their order."""
    if len(frame) <= rows:
        return frame.reset_index(drop=True)
    picked = np.sort(rng.choice(len(frame), size=rows, replace=False))
    return frame.iloc[picked].reset_index(drop=True)


def _distances(query: EncodedFrame, reference: EncodedFrame) -> np.ndarray:
    return np.sqrt(nearest_squared(query, reference, k=1)[:, 0])


def _log_ratio(to_population: np.ndarray, to_synthetic: np.ndarray) -> np.ndarray:
    """DOMIAS' score: log of the population distance over the synthetic distance (a row on a
    synthetic row, 0 away, scores highest)."""
    tiny = 1e-12
    return np.log(to_population + tiny) - np.log(to_synthetic + tiny)


def _attack(name: str, reference: str, members: np.ndarray, others: np.ndarray) -> AttackAuc:
    auc = _auc(members, others)
    return AttackAuc(
        attack=name,
        reference=reference,
        auc=None if auc is None else round(auc, 4),
        auc_se=None if auc is None else round(_auc_se(auc, len(members), len(others)), 4),
        members=len(members),
        non_members=len(others),
    )


def _auc(positive: np.ndarray, negative: np.ndarray) -> float | None:
    """P(score of a member > score of a non-member), ties half (Mann-Whitney U / n1 n2)."""
    from scipy.stats import rankdata

    if len(positive) == 0 or len(negative) == 0:
        return None
    ranks = rankdata(np.concatenate([positive, negative]))
    n1, n2 = len(positive), len(negative)
    return float((ranks[:n1].sum() - n1 * (n1 + 1) / 2) / (n1 * n2))


def _auc_se(auc: float, n1: int, n2: int) -> float:
    """Hanley & McNeil's (1982) standard error of an AUC from n1 positives, n2 negatives."""
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    variance = (auc * (1 - auc) + (n1 - 1) * (q1 - auc**2) + (n2 - 1) * (q2 - auc**2)) / (n1 * n2)
    return float(np.sqrt(max(variance, 0.0)))


# --- attribute inference -------------------------------------------------------------------


def _as_value_kind(kind: ColumnKind | None) -> ColumnKind:
    """An id-like column a recipe names still holds values an attacker can match."""
    return "categorical" if kind in (None, "id") else kind


def _closest(query: EncodedFrame, reference: EncodedFrame) -> np.ndarray:
    """A boolean ``(len(query), len(reference))`` matrix: the reference rows at the smallest
    distance from each query row (ties all marked), in blocks of bounded size."""
    from scipy.spatial.distance import cdist

    out = np.zeros((len(query), len(reference)), dtype=bool)
    block = max(1, _BLOCK_CELLS // max(1, len(reference)))
    for start in range(0, len(query), block):
        stop = min(len(query), start + block)
        squared = np.zeros((stop - start, len(reference)))
        if query.numbers.shape[1]:
            squared += cdist(query.numbers[start:stop], reference.numbers, "sqeuclidean")
        for column in range(query.codes.shape[1]):
            squared += query.codes[start:stop, column, None] != reference.codes[None, :, column]
        out[start:stop] = squared <= squared.min(axis=1, keepdims=True) + _TIE
    return out


def _tally(closest: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``closest @ weights`` (sums of each query's closest records' weights), block by block
    so that the boolean matrix is never copied whole into floats."""
    out = np.zeros((len(closest), weights.shape[1]))
    block = max(1, _BLOCK_CELLS // max(1, closest.shape[1]))
    for start in range(0, len(closest), block):
        out[start : start + block] = closest[start : start + block].astype(np.float64) @ weights
    return out


def _category_disclosure(
    name: str,
    synthetic: pd.Series,
    truth: Mapping[str, pd.Series],
    closest: Mapping[str, np.ndarray],
) -> AttributeDisclosure:
    """Guess the most frequent value among the closest records (nulls are a value)."""
    values = [synthetic, *truth.values()]
    if len({str(v.dtype) for v in values}) > 1:
        values = [v.astype(object) for v in values]
    codes, uniques = pd.factorize(pd.concat(values, ignore_index=True), use_na_sentinel=True)
    codes = np.where(codes < 0, len(uniques), codes)
    bounds = np.cumsum([0, *(len(v) for v in values)])
    one_hot = np.zeros((len(synthetic), len(uniques) + 1))
    one_hot[np.arange(len(synthetic)), codes[: len(synthetic)]] = 1.0
    success = {}
    for i, side in enumerate(truth):
        guessed = np.argmax(_tally(closest[side], one_hot), axis=1)  # ties: the earlier value
        success[side] = (guessed == codes[bounds[i + 1] : bounds[i + 2]]).astype(np.float64)
    return _disclosure(name, "accuracy", success, lambda hits: hits)


def _numeric_disclosure(
    name: str,
    train_column: pd.Series,
    synthetic: pd.Series,
    truth: Mapping[str, pd.Series],
    closest: Mapping[str, np.ndarray],
) -> AttributeDisclosure:
    """Guess the mean among the closest records; R² against train's variance."""
    from registry.quality._encoding import _as_float

    reference = _as_float(train_column)
    variance = float(np.nanvar(reference)) if np.isfinite(reference).any() else 0.0
    values = _as_float(synthetic)
    known = np.isfinite(values)
    fallback = float(np.mean(values[known])) if known.any() else float(np.nanmean(reference))
    errors = {}
    for side, series in truth.items():
        actual = _as_float(series)
        sums = _tally(closest[side], np.column_stack([np.where(known, values, 0.0), known]))
        guessed = np.where(sums[:, 1] > 0, sums[:, 0] / np.maximum(sums[:, 1], 1.0), fallback)
        present = np.isfinite(actual)
        errors[side] = (guessed[present] - actual[present]) ** 2
    if variance <= 0:
        return AttributeDisclosure(column=name, metric="r2")
    return _disclosure(name, "r2", errors, lambda squared: 1.0 - squared / variance)


def _disclosure(
    name: str,
    metric: Literal["accuracy", "r2"],
    per_row: Mapping[str, np.ndarray],
    success: Callable[[np.ndarray], np.ndarray],
) -> AttributeDisclosure:
    """Mean success per side (``success`` maps a row's figure to its share of the score) and
    the difference with its standard error (two independent samples)."""
    scores = {side: np.asarray(success(values)) for side, values in per_row.items()}
    if any(len(v) == 0 for v in scores.values()):
        return AttributeDisclosure(column=name, metric=metric)
    means = {side: float(np.mean(v)) for side, v in scores.items()}
    se = float(np.sqrt(sum(np.var(v) / len(v) for v in scores.values())))
    return AttributeDisclosure(
        column=name,
        metric=metric,
        train=round(means["train"], 4),
        holdout=round(means["holdout"], 4),
        disclosure=round(means["train"] - means["holdout"], 4),
        disclosure_se=round(se, 4),
    )
