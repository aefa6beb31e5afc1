"""Linked seed tables -> a parent and a child table, split into train and holdout by parent.

A recipe's ``seed.tables`` names two tables: a parent with a ``primary_key`` (customers) and
a child whose ``foreign_key: {column, references}`` holds a parent's key (their
transactions, one sequence per parent, in file order). Each is read like a one-table seed
(:func:`registry.seeds.load_seed`: files, package data, registry versions). The holdout is
drawn from the parents, as a one-table seed's rows are, and every child row goes where its
parent went, so a parent's sequence is never cut between train and holdout.

The keys are checked before anything trains: the parent's key column exists, is never
missing and is unique; the child's key column exists; every child row references a parent.
Each failure is one :class:`~registry.errors.SeedError` line naming the field and the value.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from registry._hashing import sha256_bytes
from registry.errors import SeedError
from registry.recipes import Recipe, Seed
from registry.seeds import ReadRegistryVersion, SeedData, load_seed, split_holdout


@dataclass(frozen=True)
class LinkedSeed:
    """The two tables of a linked seed, each split into train and holdout by parent key.

    ``parent`` and ``child`` are :class:`SeedData` (the child's split follows its parents');
    ``key`` is the parent's key column and ``link`` the child's column that holds it.
    """

    parent_name: str
    child_name: str
    parent: SeedData
    child: SeedData
    key: str
    link: str

    @property
    def generation_depth(self) -> int:
        return max(self.parent.generation_depth, self.child.generation_depth)

    @property
    def sha256(self) -> str:
        """One hash of both tables' hashes, in the recipe's order."""
        text = f"{self.parent_name}={self.parent.sha256}\n{self.child_name}={self.child.sha256}"
        return sha256_bytes(text.encode())

    @property
    def source(self) -> str:
        return f"{self.parent_name}: {self.parent.source}, {self.child_name}: {self.child.source}"

    def manifest_entry(self) -> dict[str, Any]:
        """Provenance of both tables for ``manifest.json``, keyed like one-table seeds plus
        ``tables`` (each table's own entry and its key columns)."""
        return {
            "source": self.source,
            "kind": "linked",
            "sha256": self.sha256,
            "generation_depth": self.generation_depth,
            "rows": self.parent.rows,
            "train_rows": len(self.parent.train),
            "holdout_rows": len(self.parent.holdout),
            "tables": {
                self.parent_name: {**self.parent.manifest_entry(), "primary_key": self.key},
                self.child_name: {
                    **self.child.manifest_entry(),
                    "foreign_key": {"column": self.link, "references": self.parent_name},
                },
            },
        }


def load_linked_seed(
    recipe: Recipe,
    *,
    root: Path,
    read_registry_version: ReadRegistryVersion | None = None,
) -> LinkedSeed:
    """Read both tables of ``recipe.seed.tables``, check their keys and split them.

    ``round(holdout * parents)`` parents (chosen as :func:`split_holdout` chooses rows) are
    held out with all their children. Raises :class:`SeedError` naming the field when a
    table cannot be read or a key does not hold.
    """
    seed = recipe.seed
    assert seed is not None and seed.tables is not None, "a linked recipe has seed.tables"
    parent_name, child_name = seed.table_names
    parent_table, child_table = seed.tables[parent_name], seed.tables[child_name]
    assert parent_table.primary_key is not None and child_table.foreign_key is not None
    key, link = parent_table.primary_key, child_table.foreign_key.column

    def read(name: str, source: str) -> SeedData:
        try:
            return load_seed(
                Seed(source=source, holdout=0.0),
                root=root,
                random_seed=recipe.random_seed,
                read_registry_version=read_registry_version,
            )
        except SeedError as exc:
            raise SeedError(f"seed.tables.{name}: {exc}") from exc

    parents = read(parent_name, parent_table.source)
    children = read(child_name, child_table.source)
    parent_frame, child_frame = parents.train, children.train
    _check_column(parent_frame, key, f"seed.tables.{parent_name}.primary_key", parents.source)
    _check_column(
        child_frame, link, f"seed.tables.{child_name}.foreign_key.column", children.source
    )
    keys = parent_frame[key]
    if keys.isna().any():
        raise SeedError(
            f"seed.tables.{parent_name}.primary_key: column {key!r} of {parents.source} has "
            f"{int(keys.isna().sum())} missing value(s); expected a key in every row"
        )
    if keys.duplicated().any():
        value = keys[keys.duplicated()].tolist()[0]
        raise SeedError(
            f"seed.tables.{parent_name}.primary_key: {key!r} of {parents.source} repeats "
            f"{value!r}; expected unique keys"
        )
    orphans = ~child_frame[link].isin(keys)
    if orphans.any():
        value = child_frame.loc[orphans, link].tolist()[0]
        raise SeedError(
            f"seed.tables.{child_name}.foreign_key: {int(orphans.sum())} row(s) of "
            f"{children.source} reference no {parent_name} row (e.g. {link}={value!r}); "
            f"expected every {link} to be a {parent_name}.{key}"
        )
    parent_train, parent_holdout = split_holdout(
        parent_frame, seed.holdout, random_seed=recipe.random_seed
    )
    held = child_frame[link].isin(parent_holdout[key])
    return LinkedSeed(
        parent_name=parent_name,
        child_name=child_name,
        parent=_with_parts(parents, parent_train, parent_holdout),
        child=_with_parts(
            children,
            child_frame[~held].reset_index(drop=True),
            child_frame[held].reset_index(drop=True),
        ),
        key=key,
        link=link,
    )


def _check_column(frame: pd.DataFrame, column: str, where: str, source: str) -> None:
    if column not in frame.columns:
        raise SeedError(
            f"{where}: {column!r} is not a column of {source}; expected one of "
            + ", ".join(map(str, frame.columns))
        )


def _with_parts(seed: SeedData, train: pd.DataFrame, holdout: pd.DataFrame) -> SeedData:
    return replace(seed, train=train, holdout=holdout)


__all__ = ["LinkedSeed", "load_linked_seed"]
