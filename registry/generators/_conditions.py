"""What table generators share about a seed's columns: finding a column a recipe names,
a condition's value as the seed spells it, how many rows a condition gets, and dtypes read
back from a saved model's notes. Both the SDV and the TabularARGN kinds condition on seed
columns the same way, so they check conditions here, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from typing import Any

import numpy as np
import pandas as pd

from registry.errors import RecipeError
from registry.generators._values import category_keys


def checked_conditions(
    conditions: Sequence[Any], train: pd.DataFrame
) -> list[tuple[Any, Any, float]]:
    """``(column, value, fraction)`` of each recipe condition, as the seed spells them.

    Raises :class:`RecipeError` naming ``generator.conditions[i]`` for a column the seed
    lacks, or a value its train part never has.
    """
    checked = []
    for i, condition in enumerate(conditions):
        column = find_column(train, condition.column)
        if column is None:
            raise RecipeError(
                f"generator.conditions[{i}].column: {condition.column!r} is not a column of "
                f"the seed; expected one of {', '.join(map(str, train.columns))}"
            )
        value = seen_value(train[column], condition.value)
        if value is None:
            seen = train[column].dropna().unique().tolist()
            examples = ", ".join(repr(v) for v in seen[:5]) + (", ..." if len(seen) > 5 else "")
            raise RecipeError(
                f"generator.conditions[{i}].value: {condition.value!r} never occurs in "
                f"column {condition.column!r} of the seed's train part; expected one of "
                f"{examples}"
            )
        checked.append((column, value, condition.fraction))
    return checked


def model_conditions(
    config: Any, columns: Sequence[Any], train: pd.DataFrame | None
) -> list[tuple[Any, Any, float]]:
    """The recipe's conditions (checked against the seed's ``train`` part, or as written when a
    saved model samples without one), after checking that they and ``rebalancing`` name what a
    fitted model's ``columns`` (each with ``name``, ``kind`` and ``categories``) can produce."""
    if train is not None:
        conditions = checked_conditions(config.conditions, train)
    else:
        conditions = [(c.column, c.value, c.fraction) for c in config.conditions]
    names = [str(c.name) for c in columns]
    for i, (column, value, _fraction) in enumerate(conditions):
        found = columns[names.index(str(column))]
        known = category_keys(found.categories or [])
        if found.kind == "category" and category_keys([value])[0] not in known:
            raise hidden_value(i, value, column)
    rebalancing = config.rebalancing
    if rebalancing is None:
        return conditions
    if rebalancing.column not in names or columns[names.index(rebalancing.column)].kind != (
        "category"
    ):
        raise RecipeError(
            f"generator.rebalancing.column: {rebalancing.column!r} is not a categorical "
            f"column of the seed; expected one of {', '.join(names)}"
        )
    known = [str(c) for c in columns[names.index(rebalancing.column)].categories]
    for category in rebalancing.probabilities:
        if category not in known:
            raise unknown_category(category, rebalancing.column, known)
    return conditions


def adopt_seed_names(columns: Sequence[Any], train: pd.DataFrame | None) -> None:
    """A saved model's column names (strings in JSON) back as the seed spells them."""
    for column in columns:
        found = None if train is None else find_column(train, column.name)
        column.name = column.name if found is None else found


def condition_counts(fractions: list[float], rows: int) -> list[int]:
    """``round(fraction * rows)`` per condition, trimmed from the last so they fit in ``rows``."""
    counts = [round(fraction * rows) for fraction in fractions]
    excess = sum(counts) - rows
    for i in reversed(range(len(counts))):
        if excess <= 0:
            break
        cut = min(excess, counts[i])
        counts[i] -= cut
        excess -= cut
    return counts


def find_column(frame: pd.DataFrame, name: str) -> Any:
    """The frame's column called ``name`` (columns may be non-strings); ``None`` if none is."""
    return find_column_in(list(frame.columns), name, default=None)


def find_column_in(columns: list[Any], name: Any, default: Any = ...) -> Any:
    for column in columns:
        if column == name or str(column) == str(name):
            return column
    return name if default is ... else default


def seen_value(values: pd.Series, value: Any) -> Any:
    """``value`` as it occurs in ``values`` (a YAML ``7`` matches a ``"7"`` label), or None."""
    candidates = [value]
    if not isinstance(value, str):
        candidates.append(str(value))
    elif pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        with suppress(ValueError):
            candidates.append(float(value))
    present = values.dropna()
    for candidate in candidates:
        try:
            matches = present == candidate
        except TypeError:
            continue
        if bool(matches.any()):
            found = present[matches].iloc[0]
            return found.item() if isinstance(found, np.generic) else found
    return None


def rebalanced_weights(
    categories: Sequence[Any], shares: np.ndarray, probabilities: dict[str, float]
) -> np.ndarray:
    """Each category's probability under ``rebalancing``: the named ``probabilities`` (keyed by
    the category as a string), the rest of the mass spread over the others as their ``shares``
    in the seed. Sums to 1."""
    named = np.array([str(c) in probabilities for c in categories])
    rest = max(0.0, 1.0 - sum(probabilities.values()))
    others = shares * ~named
    weights = np.where(named, [probabilities.get(str(c), 0.0) for c in categories], 0.0)
    weights = weights + (others / others.sum() * rest if others.sum() else 0.0)
    return weights / weights.sum()


def hidden_value(index: int, value: Any, column: Any) -> RecipeError:
    """``conditions[index]`` asks for a category value protection left out of the model."""
    return RecipeError(
        f"generator.conditions[{index}].value: {value!r} is too rare in column {column!r} and "
        "value protection left it out of the model; set value_protection: false or condition "
        "on a commoner value"
    )


def unknown_category(category: str, column: str, known: list[str]) -> RecipeError:
    """``rebalancing`` names a category the fitted model does not know."""
    return RecipeError(
        f"generator.rebalancing.probabilities: {category!r} is not a category of {column!r} "
        f"the model knows; expected one of {', '.join(known)}"
    )


def saved_dtype(name: str) -> Any:
    """A dtype from its saved name; an unknown one stays object."""
    try:
        return pd.api.types.pandas_dtype(name)
    except TypeError:
        return np.dtype(object)


__all__ = [
    "adopt_seed_names",
    "checked_conditions",
    "condition_counts",
    "find_column",
    "find_column_in",
    "hidden_value",
    "model_conditions",
    "rebalanced_weights",
    "saved_dtype",
    "seen_value",
    "unknown_category",
]
