"""How Phantom's own table models (the copula, sequential CART) read a seed column and write it
back, and what value protection keeps of it: numbers (datetimes as nanoseconds) against
categories (missing is a category of its own), rare categories left out, extremes clipped. The
models differ in how they link columns, not in what a column's values may be, so this is
shared.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from registry.errors import RecipeError
from registry.generators._base import MODEL_FOLDER

RARE_COUNT = 5  # with value protection, rarer categories are never sampled
EXTREME_COUNT = 5  # with value protection, numbers are clipped to the 5th smallest/largest
RARE = "_RARE_"
SAVED_INFO = "phantom.json"


def is_number(values: pd.Series) -> bool:
    """Numbers and datetimes are numbers; booleans, strings and the rest are categories."""
    return (
        pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    ) or pd.api.types.is_datetime64_any_dtype(values)


def numbers_of(values: pd.Series) -> np.ndarray:
    """Floats (datetimes as nanoseconds), NaN where a value is missing."""
    if pd.api.types.is_datetime64_any_dtype(values):
        stamps = pd.to_datetime(values)
        return np.where(stamps.isna(), np.nan, stamps.astype("int64").astype(float))
    return pd.to_numeric(values, errors="coerce").astype(float).to_numpy()


def clip_extremes(numbers: np.ndarray) -> np.ndarray:
    """Sorted non-missing ``numbers`` clipped to the :data:`EXTREME_COUNT`-th smallest and
    largest value, so value protection never copies an extreme."""
    numbers = np.sort(numbers[~np.isnan(numbers)])
    if len(numbers) > 2 * EXTREME_COUNT:
        numbers = np.clip(numbers, numbers[EXTREME_COUNT], numbers[-EXTREME_COUNT - 1])
    return numbers


def category_counts(values: pd.Series, *, protect: bool, rare: str) -> pd.Series:
    """Rows per category (missing is ``None``), commonest first (ties by name). With
    ``protect``, categories seen fewer than :data:`RARE_COUNT` times are dropped
    (``rare="sample"``) or merged into ``_RARE_`` (``"constant"``, or when none is left)."""
    counts = pd.Series(category_keys(values)).value_counts(dropna=False)
    counts = counts.sort_index(key=lambda keys: keys.map(str)).sort_values(
        ascending=False, kind="stable"
    )
    if protect and (counts < RARE_COUNT).any():
        kept = counts[counts >= RARE_COUNT]
        if rare == "constant" or kept.empty:
            kept = pd.concat([kept, pd.Series({RARE: counts[counts < RARE_COUNT].sum()})])
        counts = kept
    return counts


def number_column(numbers: np.ndarray, dtype: Any, *, integer: bool) -> pd.Series:
    """Sampled floats back as a column of ``dtype`` (rounded for integers, datetimes from
    nanoseconds; NaN is missing)."""
    values = pd.Series(np.round(numbers) if integer else numbers)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        values = pd.to_datetime(values.round(), unit="ns")
    return cast_to(values, dtype)


def category_keys(values: Any) -> list[Any]:
    """Category keys: missing values become None, numpy scalars plain Python values."""
    return [None if is_missing(v) else plain_value(v) for v in values]


def is_missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def plain_value(value: Any) -> Any:
    return None if is_missing(value) else value.item() if isinstance(value, np.generic) else value


def json_value(value: Any) -> Any:
    return value if value is None or isinstance(value, bool | int | float | str) else str(value)


def cast_to(values: pd.Series, dtype: Any) -> pd.Series:
    """Back to the seed's dtype where the values allow it (a gap in an int column stays float)."""
    if values.dtype == dtype:
        return values
    if dtype == np.dtype(object):
        return values.astype(object).where(values.notna(), np.nan)
    try:
        return values.astype(dtype)
    except (TypeError, ValueError):
        return values


def write_model(
    folder: Path, arrays: dict[str, np.ndarray], info: dict[str, Any], name: str
) -> None:
    """A fitted model as plain arrays (``folder/model/<name>``) and JSON notes
    (``phantom.json``): loading it runs no code, unlike a pickle."""
    target = folder / MODEL_FOLDER
    target.mkdir(parents=True, exist_ok=True)
    with (target / name).open("wb") as handle:
        np.savez(handle, **arrays)
    (target / SAVED_INFO).write_text(json.dumps(info, indent=2) + "\n")


def read_model(folder: Path, name: str, *, path: Any, model: str) -> tuple[dict[str, Any], Any]:
    """``(notes, arrays)`` of a model :func:`write_model` saved in ``folder``; a
    :class:`RecipeError` naming ``generator.path`` when it holds none."""
    try:
        info = json.loads((folder / SAVED_INFO).read_text())
        arrays = np.load(folder / name, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise RecipeError(
            f"generator.path: {path or folder} holds no saved {model} model "
            f"({SAVED_INFO} and {name}); expected the model/ of a table version"
        ) from exc
    return info, arrays


__all__ = [
    "EXTREME_COUNT",
    "RARE",
    "RARE_COUNT",
    "cast_to",
    "category_counts",
    "category_keys",
    "clip_extremes",
    "is_missing",
    "is_number",
    "json_value",
    "number_column",
    "numbers_of",
    "plain_value",
    "read_model",
    "write_model",
]
