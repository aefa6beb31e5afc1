"""Phantom's own Gaussian copula (``generator: {kind: table, model: copula}``): numpy and scipy
only, fitted in seconds, no torch, no SDV (BUSL-1.1), so ``model: auto`` has a fast candidate
that an Apache-2.0 tool can ship by default.

Choices, in order of the work:

Marginals
    Each column maps to a uniform ``u`` and back. A number (datetimes as nanoseconds) keeps
    one empirical quantile per :data:`ROWS_PER_QUANTILE` rows (at most :data:`QUANTILES`);
    sampling interpolates between them (integers are rounded), so continuous values are fresh
    ones. A number with at most :data:`DISCRETE_LEVELS` distinct values (counts, years) keeps
    its values' shares instead, as a category ordered by value. Missing values take the bottom
    ``[0, null share)`` of ``u``, so missingness correlates with the rest. Any other column is
    a category: its categories (missing is one of them) own consecutive intervals of ``u``
    as wide as their shares, ordered along the main direction of their rows' mean normal
    scores of the numbers (:meth:`Marginal.order_by`), so one latent per column carries the
    link between a category and the numbers.
Dependence
    ``z = Φ⁻¹(u)`` per column, with ties (and a category's interval) spread uniformly by a
    generator seeded from ``random_seed`` (the distributional transform). The normal copula's
    correlation is estimated with ties corrected (:func:`latent_correlation`: each tied value
    at its interval's conditional mean, the correlation divided by the attenuation that
    causes), shrunk by :data:`SHRINK` toward the identity so it is positive definite.
Value protection
    Categories seen fewer than :data:`RARE_COUNT` times are never sampled (``rare_categories:
    sample`` drops them, ``constant`` merges them into ``_RARE_``); numbers are clipped to the
    :data:`EXTREME_COUNT`-th smallest and largest value, so extremes are not copied.
Conditions and rebalancing
    Exact: a row conditioned on ``column == value`` draws that column's ``z`` within the value's
    interval and the other columns from the conditional normal given it. ``rebalancing`` picks
    each unconditioned row's category from the target shares (the other categories keep their
    proportions) and conditions on it the same way.
Determinism
    Batch ``i`` uses ``numpy.random.default_rng(batch_seed(random_seed, i))`` only.
Saved model
    ``model/copula.npz`` (plain arrays, loaded with ``allow_pickle=False``) and
    ``model/phantom.json`` (columns, dtypes, categories): no code runs when a model is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from registry.errors import GeneratorError
from registry.generators._base import BaseGenerator, batch_seed
from registry.generators._conditions import (
    adopt_seed_names,
    condition_counts,
    model_conditions,
    rebalanced_weights,
    saved_dtype,
)
from registry.generators._values import (
    cast_to,
    category_counts,
    category_keys,
    clip_extremes,
    is_number,
    json_value,
    number_column,
    numbers_of,
    plain_value,
    read_model,
    write_model,
)
from registry.recipes import TabularArgnGenerator as TableConfig

QUANTILES = 1_000  # empirical quantiles kept per numeric column, at most
ROWS_PER_QUANTILE = 10  # ... and one per this many seed rows (at least MIN_QUANTILES)
MIN_QUANTILES = 10
DISCRETE_LEVELS = 20  # a number with at most this many distinct values keeps their shares
SHRINK = 0.02  # correlation shrinkage toward the identity
SAVED_ARRAYS = "copula.npz"


@dataclass
class Marginal:
    """One column's map between values and ``u``: quantiles of a number, or category shares."""

    name: Any
    kind: str  # "number" or "category"
    dtype: Any
    null_share: float = 0.0
    quantiles: np.ndarray | None = None  # numbers: values at (k + 0.5) / len, k = 0..len-1,
    # or a discrete number's distinct values (then ``edges`` holds their cumulative shares)
    integer: bool = False
    categories: list[Any] | None = None  # categories: by descending frequency (None = missing)
    edges: np.ndarray | None = None  # categories: upper end of each category's interval

    @property
    def discrete(self) -> bool:
        """A number drawn from its few distinct values' shares, not interpolated."""
        return self.kind == "number" and self.edges is not None

    def to_u(self, values: pd.Series, rng: np.random.Generator) -> np.ndarray:
        """The distributional transform of the seed's values (random within ties)."""
        if self.kind == "category":
            index = {key: k for k, key in enumerate(category_keys(self.categories))}
            # A rare category value protection left out sits with the commonest one.
            codes = np.array([index.get(key, 0) for key in category_keys(values)], dtype=int)
            low = np.concatenate([[0.0], self.edges[:-1]])[codes]
            return low + rng.random(len(values)) * (self.edges[codes] - low)
        numbers = numbers_of(values)
        missing = np.isnan(numbers)
        u = rng.random(len(values)) * self.null_share
        present = np.flatnonzero(~missing)
        order = np.lexsort((rng.random(len(present)), numbers[present]))
        ranks = np.empty(len(present))
        ranks[order] = np.arange(len(present))
        u[present] = self.null_share + (1 - self.null_share) * (ranks + 0.5) / len(present)
        return u

    def from_u(self, u: np.ndarray) -> pd.Series:
        """Values for uniforms ``u`` (the inverse of :meth:`to_u`), in the seed's dtype."""
        if self.kind == "category":
            codes = np.minimum(np.searchsorted(self.edges, u, side="right"), len(self.edges) - 1)
            values = pd.Series(np.asarray(self.categories, dtype=object)[codes])
        else:
            inner = (u - self.null_share) / max(1e-12, 1 - self.null_share)
            if self.discrete:
                last = len(self.edges) - 1
                numbers = self.quantiles[np.minimum(np.searchsorted(self.edges, inner), last)]
            else:
                grid = (np.arange(len(self.quantiles)) + 0.5) / len(self.quantiles)
                numbers = np.interp(inner, grid, self.quantiles)
            numbers = np.where(u < self.null_share, np.nan, numbers)
            return number_column(numbers, self.dtype, integer=self.integer)
        return cast_to(values, self.dtype)

    def order_by(self, values: pd.Series, scores: np.ndarray) -> None:
        """Order the categories along the main direction of their rows' mean ``scores`` (the
        numbers' normal scores), so the category's one latent moves with the numbers: with
        frequency order a middle category (Gentoo among penguins) would get the middle."""
        count = len(self.categories)
        if count < 3:
            return
        index = {key: k for k, key in enumerate(category_keys(self.categories))}
        codes = np.array([index.get(key, -1) for key in category_keys(values)])
        seen = codes >= 0
        sums = np.zeros((count, scores.shape[1]))
        np.add.at(sums, codes[seen], scores[seen])
        means = sums / np.maximum(np.bincount(codes[seen], minlength=count), 1)[:, None]
        shares = np.diff(np.concatenate([[0.0], self.edges]))
        centred = means - shares @ means
        _, _, directions = np.linalg.svd(centred * np.sqrt(shares)[:, None], full_matrices=False)
        order = np.argsort(centred @ directions[0], kind="stable")
        self.categories = [self.categories[k] for k in order]
        self.edges = np.cumsum(shares[order])
        self.edges[-1] = 1.0

    def u_interval(self, value: Any) -> tuple[float, float]:
        """Where ``value`` lies on ``u``: a category's interval, or a number's point."""
        if self.kind == "category":
            index = category_keys(self.categories).index(category_keys([value])[0])
            return (float(self.edges[index - 1]) if index else 0.0, float(self.edges[index]))
        number = float(numbers_of(pd.Series([value]))[0])
        scale = 1 - self.null_share
        if self.discrete:
            k = min(int(np.searchsorted(self.quantiles, number)), len(self.edges) - 1)
            low = float(self.edges[k - 1]) if k else 0.0
            return self.null_share + scale * low, self.null_share + scale * float(self.edges[k])
        grid = (np.arange(len(self.quantiles)) + 0.5) / len(self.quantiles)
        point = self.null_share + scale * float(np.interp(number, self.quantiles, grid))
        return point, point


def quantile_count(rows: int) -> int:
    """Quantiles a numeric marginal keeps for ``rows`` seed values: one per
    :data:`ROWS_PER_QUANTILE`, so an interpolated value is never pinned near one seed value (on
    a small table, one quantile per row made fresh values that sit next to train rows)."""
    return min(QUANTILES, max(MIN_QUANTILES, rows // ROWS_PER_QUANTILE))


def fit_marginal(name: Any, values: pd.Series, *, protect: bool, rare: str) -> Marginal:
    """The marginal of one seed column (see the module docstring for value protection)."""
    dtype = values.dtype
    if is_number(values):
        numbers = numbers_of(values)
        numbers = clip_extremes(numbers) if protect else np.sort(numbers[~np.isnan(numbers)])
        levels, counts = np.unique(numbers, return_counts=True)
        edges = None
        if 0 < len(levels) <= DISCRETE_LEVELS:
            quantiles, edges = levels, np.cumsum(counts) / counts.sum()
            edges[-1] = 1.0
        else:
            size = min(len(numbers), quantile_count(len(numbers)))
            probs = (np.arange(size) + 0.5) / size
            quantiles = np.quantile(numbers, probs) if size else np.zeros(1)
        whole = len(numbers) > 0 and bool(np.all(numbers == np.round(numbers)))
        return Marginal(
            name,
            "number",
            dtype,
            null_share=float(values.isna().mean()),
            quantiles=quantiles,
            integer=whole,
            edges=edges,
        )
    counts = category_counts(values, protect=protect, rare=rare)
    shares = counts.to_numpy(dtype=float) / counts.sum()
    edges = np.cumsum(shares)
    edges[-1] = 1.0
    categories = [plain_value(key) for key in counts.index]
    return Marginal(name, "category", dtype, categories=categories, edges=edges)


class CopulaGenerator(BaseGenerator):
    """Fit the marginals and the normal copula on the seed's train part; sample batch by batch."""

    Config = TableConfig

    def __init__(self, config: TableConfig, *, random_seed: int, context: Any = None) -> None:
        super().__init__(config, random_seed=random_seed, context=context)
        self.marginals: list[Marginal] = []
        self.correlation: np.ndarray | None = None
        self._conditions: list[tuple[Any, Any, float]] = []

    def fit(self, train: pd.DataFrame | None) -> None:
        """Learn the seed's train part. Raises :class:`RecipeError` for conditions or
        rebalancing the seed cannot satisfy and :class:`GeneratorError` without seed rows."""
        if self.config.path is not None:
            self._load_saved(self.context.locate(self.config.path), train)
            return
        if train is None or len(train) < 2 or len(train.columns) == 0:
            raise GeneratorError("the Gaussian copula needs at least 2 seed rows; add seed.source")
        rng = np.random.default_rng(self.random_seed)
        protect, rare = self.config.value_protection, self.config.rare_categories
        self.marginals = [
            fit_marginal(c, train[c], protect=protect, rare=rare) for c in train.columns
        ]
        numbers = [j for j, m in enumerate(self.marginals) if m.kind == "number"]
        z = np.empty((len(train), len(self.marginals)))
        for j in numbers + [j for j in range(len(self.marginals)) if j not in numbers]:
            marginal = self.marginals[j]
            if marginal.kind == "category" and numbers:
                marginal.order_by(train[marginal.name], z[:, numbers])
            z[:, j] = _normal(marginal.to_u(train[marginal.name], rng))
        correlation = latent_correlation(z, [train[m.name] for m in self.marginals])
        self.correlation = _positive_definite(
            (1 - SHRINK) * correlation + SHRINK * np.eye(len(z.T))
        )
        self._check_named(train)

    def sample_batch(self, index: int, rows: int) -> pd.DataFrame:
        """Batch ``index``: ``rows`` rows, a pure function of the model, ``random_seed`` and
        ``index``; each batch holds its own share of every condition."""
        if self.correlation is None:
            raise GeneratorError("the Gaussian copula must be fitted before it samples")
        rng = np.random.default_rng(batch_seed(self.random_seed, index))
        counts = condition_counts([fraction for _c, _v, fraction in self._conditions], rows)
        groups = [
            (column, [value] * n)
            for (column, value, _f), n in zip(self._conditions, counts, strict=True)
        ]
        rest = rows - sum(counts)
        rebalancing = self.config.rebalancing
        if rebalancing is not None and rest:
            marginal = self._marginal(rebalancing.column)
            groups.append((marginal.name, self._rebalanced(marginal, rest, rng)))
        elif rest:
            groups.append((None, [None] * rest))
        u = np.vstack([self._uniforms(column, values, rng) for column, values in groups if values])
        if self._conditions:
            u = u[rng.permutation(len(u))]
        frame = pd.DataFrame({m.name: m.from_u(u[:, j]) for j, m in enumerate(self.marginals)})
        return frame if rows else frame.iloc[:0]

    def _uniforms(self, column: Any, values: list[Any], rng: np.random.Generator) -> np.ndarray:
        """``len(values)`` rows of ``u``; with ``column``, each row holds its value there."""
        rows, width = len(values), len(self.marginals)
        correlation = self.correlation
        if column is None:
            return _uniform(rng.standard_normal((rows, width)) @ np.linalg.cholesky(correlation).T)
        j = [m.name for m in self.marginals].index(column)
        intervals: dict[Any, tuple[float, float]] = {}
        for key, value in zip(category_keys(values), values, strict=True):
            if key not in intervals:
                intervals[key] = self.marginals[j].u_interval(value)
        bounds = np.array([intervals[key] for key in category_keys(values)])
        fixed = _normal(bounds[:, 0] + rng.random(rows) * (bounds[:, 1] - bounds[:, 0]))
        others = [k for k in range(width) if k != j]
        weights = correlation[others, j]
        spread = correlation[np.ix_(others, others)] - np.outer(weights, weights)
        z = np.empty((rows, width))
        z[:, j] = fixed
        noise = rng.standard_normal((rows, len(others)))
        z[:, others] = np.outer(fixed, weights) + noise @ _cholesky(spread).T
        return _uniform(z)

    def _rebalanced(self, marginal: Marginal, rows: int, rng: np.random.Generator) -> list[Any]:
        """Each row's category under ``rebalancing``: the named shares, the rest pro rata."""
        shares = np.diff(np.concatenate([[0.0], marginal.edges]))
        weights = rebalanced_weights(
            marginal.categories, shares, self.config.rebalancing.probabilities
        )
        picks = rng.choice(len(weights), size=rows, p=weights)
        return [marginal.categories[k] for k in picks]

    def _marginal(self, column: str) -> Marginal:
        return next(m for m in self.marginals if m.name == column or str(m.name) == column)

    def _check_named(self, train: pd.DataFrame | None) -> None:
        """Conditions and rebalancing must name what the model can produce."""
        self._conditions = model_conditions(self.config, self.marginals, train)

    # --- the saved model ------------------------------------------------------------------

    def save(self, folder: Path) -> bool:
        """Write the marginals and the correlation into ``folder / model`` (no pickle)."""
        if self.correlation is None:
            raise GeneratorError("the Gaussian copula must be fitted before it saves")
        arrays = {"correlation": self.correlation}
        for j, m in enumerate(self.marginals):
            arrays[f"m{j}"] = m.quantiles if m.kind == "number" else m.edges
            if m.discrete:
                arrays[f"e{j}"] = m.edges  # a discrete number's cumulative shares
        columns = [
            {
                "name": str(m.name),
                "kind": m.kind,
                "dtype": str(m.dtype),
                "null_share": m.null_share,
                "integer": m.integer,
                "categories": None
                if m.categories is None
                else [json_value(c) for c in m.categories],
            }
            for m in self.marginals
        ]
        info = {"kind": "table", "model": "copula", "columns": columns}
        write_model(folder, arrays, info, SAVED_ARRAYS)
        return True

    def _load_saved(self, folder: Path, train: pd.DataFrame | None) -> None:
        info, arrays = read_model(folder, SAVED_ARRAYS, path=self.config.path, model="copula")
        self.marginals = []
        for j, column in enumerate(info["columns"]):
            values = arrays[f"m{j}"]
            number = column["kind"] == "number"
            self.marginals.append(
                Marginal(
                    column["name"],
                    column["kind"],
                    saved_dtype(column["dtype"]),
                    null_share=column["null_share"],
                    quantiles=values if number else None,
                    integer=column["integer"],
                    categories=None if number else column["categories"],
                    edges=(arrays[f"e{j}"] if f"e{j}" in arrays.files else None)
                    if number
                    else values,
                )
            )
        self.correlation = arrays["correlation"]
        adopt_seed_names(self.marginals, train)  # the seed's own (maybe non-string) names
        self._check_named(train)

    def library_versions(self) -> dict[str, str]:
        return {name: metadata.version(name) for name in ("numpy", "pandas", "scipy")}


# --- helpers ------------------------------------------------------------------------------


def _normal(u: np.ndarray) -> np.ndarray:
    from scipy.special import ndtri

    return ndtri(np.clip(u, 1e-9, 1 - 1e-9))


def _uniform(z: np.ndarray) -> np.ndarray:
    from scipy.special import ndtr

    return ndtr(z)


def latent_correlation(z: np.ndarray, columns: list[pd.Series]) -> np.ndarray:
    """The normal copula's correlation, corrected for ties.

    Spreading a tied value (a category, a count such as 0 children) at random over its
    interval of ``z`` hides how the latent normal varies within it, so ``corr(z)`` is pulled
    toward 0 for every pair with such a column (age and young children on AER::SwissLabor:
    -0.53 in the seed, -0.27 sampled). Instead each value gets its interval's conditional mean
    ``(phi(t0) - phi(t1)) / p``, whose correlation with the latent is ``a = sqrt(sum p *
    mean^2)``; for a bivariate normal the means' correlation is ``rho * a_x * a_y`` (the
    polyserial correction, exact when one side has no ties), so ``rho`` is their correlation
    divided by ``a_x * a_y``.
    """
    from scipy.special import ndtr

    means, attenuation = np.empty_like(z), np.ones(z.shape[1])
    for j, values in enumerate(columns):
        codes = pd.factorize(pd.Series(category_keys(values)), use_na_sentinel=False)[0]
        if len(np.unique(codes)) == len(codes):
            means[:, j] = z[:, j]  # no ties: the normal scores are the means
            continue
        counts = np.bincount(codes)
        order = np.argsort(np.bincount(codes, weights=z[:, j]) / counts)  # intervals along z
        upper = np.cumsum(counts[order]) / len(codes)
        cuts = _normal(np.clip(np.concatenate([[0.0], upper]), 1e-12, 1 - 1e-12))
        density = np.exp(-(cuts**2) / 2) / np.sqrt(2 * np.pi)
        shares = np.diff(ndtr(cuts))
        interval_means = np.zeros(len(counts))
        interval_means[order] = (density[:-1] - density[1:]) / np.maximum(shares, 1e-12)
        means[:, j] = interval_means[codes]
        attenuation[j] = max(np.sqrt(np.sum(counts * interval_means**2) / len(codes)), 1e-3)
    with np.errstate(invalid="ignore", divide="ignore"):
        raw = np.nan_to_num(np.corrcoef(means, rowvar=False).reshape(z.shape[1], -1))
    corrected = np.clip(raw / np.outer(attenuation, attenuation), -0.999, 0.999)
    np.fill_diagonal(corrected, 1.0)
    return corrected


def _positive_definite(matrix: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    fixed = vectors @ np.diag(np.maximum(values, 1e-6)) @ vectors.T
    scale = np.sqrt(np.diag(fixed))
    return fixed / np.outer(scale, scale)


def _cholesky(matrix: np.ndarray) -> np.ndarray:
    if matrix.size == 0:
        return matrix
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return vectors @ np.diag(np.sqrt(np.maximum(values, 0.0)))  # L with L @ L.T == matrix


__all__ = ["CopulaGenerator", "Marginal", "fit_marginal"]
