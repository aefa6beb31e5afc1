"""Linked tables with TabularARGN: a parent table and its child sequences, made together.

``seed.tables`` with ``generator: {kind: table}`` trains two of the engine's models: the
parent table's flat model (:class:`~registry.generators.argn.ArgnGenerator`, on the parent's
columns without its key) and a sequential model of the child rows given their parent (the
engine's context: ``ctx_data`` = the parent rows, ``ctx_primary_key``, ``tgt_context_key``),
which learns both how many rows a parent has and what they hold.

Batch ``i`` is a pure function of ``(random_seed, i)``, as for every generator: the parent
model samples the batch's parents (seeded from ``(random_seed, i)``), Phantom gives them their
keys (the parent's position in the whole build, counted from 1: unique across batches), and
the sequential model samples each parent's children conditioned on its generated row (seeded
from ``(random_seed, i, 1)``). Children come back in their parents' order, each sequence in
the order the model generated it. Both tables keep the seed's columns and dtypes.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from registry.errors import GeneratorError
from registry.generators._base import MODEL_FOLDER, BuildContext
from registry.generators._errors import engine_errors
from registry.generators.argn import (
    MODEL_STORE,
    ArgnGenerator,
    _engine_frame,
    _engine_state,
    _training_summary,
)
from registry.recipes import ARGN_MODEL_SIZES
from registry.recipes import TabularArgnGenerator as ArgnConfig

CONTEXT_STATS = "ctx-stats/stats.json"  # what the sequential model knows of its parents


def child_seed(random_seed: int, index: int) -> int:
    """The seed of batch ``index``'s children: a stream apart from its parents'."""
    return int(np.random.SeedSequence([int(random_seed), int(index), 1]).generate_state(1)[0])


class SequenceArgnGenerator(ArgnGenerator):
    """TabularARGN's sequential model: child rows given their parent row (the context)."""

    sampling_files = (*ArgnGenerator.sampling_files, CONTEXT_STATS)

    @property
    def _label(self) -> str:
        return f"TabularARGN sequences ({self.config.model_size})"

    def fit_sequences(
        self, children: pd.DataFrame, parents: pd.DataFrame, *, key: str, link: str
    ) -> None:
        """Train on ``children`` (``link`` holds a parent's ``key``) given ``parents``."""
        from mostlyai import engine

        self._columns = list(children.columns)
        self._dtypes = dict(children.dtypes.items())
        self._key, self._link = key, link
        self._workspace = tempfile.TemporaryDirectory(prefix="phantom-argn-seq-")
        self.context.progress(
            f"training {self._label} for up to {self.config.max_epochs:g} epochs or "
            f"{self.config.max_training_time:g} min on {self.device}"
        )
        with (
            _engine_state(self.random_seed, self._ws),
            engine_errors(f"{self._label} could not train on the seed"),
        ):
            engine.split(
                tgt_data=_engine_frame(children),
                ctx_data=_engine_frame(parents),
                ctx_primary_key=str(key),
                tgt_context_key=str(link),
                model_type="TABULAR",
                workspace_dir=self._ws,
            )
            engine.analyze(value_protection=self.config.value_protection, workspace_dir=self._ws)
            engine.encode(workspace_dir=self._ws)
            engine.train(
                model=ARGN_MODEL_SIZES[self.config.model_size],
                max_training_time=self.config.max_training_time,
                max_epochs=self.config.max_epochs,
                device=self.device,
                workspace_dir=self._ws,
                update_progress=self._epoch_progress,
            )
        self.training = _training_summary(self._ws / MODEL_STORE, self.config)

    def sample_sequences(self, parents: pd.DataFrame, *, seed: int) -> pd.DataFrame:
        """The children of ``parents`` (their generated rows, keys included), in parent order."""
        from mostlyai import engine
        from mostlyai.engine._common import load_generated_data

        if len(parents) == 0:
            return self._like_seed(pd.DataFrame({str(c): [] for c in self._columns}))
        with (
            _engine_state(seed, self._ws),
            engine_errors(f"{self._label} could not sample"),
        ):
            engine.generate(
                ctx_data=_engine_frame(parents),
                batch_size=len(parents),
                sampling_temperature=self.config.sampling_temperature,
                sampling_top_p=self.config.sampling_top_p,
                rare_category_replacement_method=self.config.rare_categories.upper(),
                device=self.device,
                workspace_dir=self._ws,
            )
            frame = load_generated_data(self._ws)
        position = pd.Series(np.arange(len(parents)), index=parents[self._key].to_numpy())
        link = str(self._link)
        order = np.argsort(position.reindex(frame[link].to_numpy()).to_numpy(), kind="stable")
        frame = frame.iloc[order].reset_index(drop=True)
        frame[link] = frame[link].astype(parents[self._key].dtype)
        return self._like_seed(frame)

    def save(self, folder: Path) -> bool:
        """The flat model's files, plus the context statistics sampling needs."""
        super().save(folder)
        source = self._ws / MODEL_STORE / CONTEXT_STATS
        target = folder / MODEL_FOLDER / MODEL_STORE / CONTEXT_STATS
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        return True


class LinkedArgnGenerator:
    """A parent table and its child sequences from two TabularARGN models (module docstring).

    Not a generator kind of its own: a ``kind: table`` recipe whose seed has ``tables`` is
    built by :mod:`registry.linked` with this pair.
    """

    batch_rows = ArgnGenerator.batch_rows  # parents per batch

    def __init__(
        self,
        config: ArgnConfig,
        *,
        random_seed: int,
        key: str,
        link: str,
        context: BuildContext | None = None,
    ) -> None:
        self.config = config
        self.random_seed = int(random_seed)
        self.batch_rows = int(type(self).batch_rows)  # travels with the instance (Ray)
        self.key, self.link = key, link
        self.parents = ArgnGenerator(config, random_seed=random_seed, context=context)
        self.children = SequenceArgnGenerator(config, random_seed=random_seed, context=context)
        self._key_dtype: Any = np.dtype("int64")
        self._key_position = 0

    def fit(self, parents: pd.DataFrame, children: pd.DataFrame) -> None:
        """Train the parent model on ``parents`` without their key, then the sequence model
        on ``children`` given ``parents``. Raises :class:`GeneratorError` when the engine
        fails or a table is too small."""
        if len(children) == 0:
            raise GeneratorError("the child table's train part has no rows; expected some")
        self._key_position = list(parents.columns).index(self.key)
        self._key_dtype = parents[self.key].dtype
        self.parents.fit(parents.drop(columns=[self.key]))
        self.children.fit_sequences(children, parents, key=self.key, link=self.link)

    def sample_batch(self, index: int, rows: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Batch ``index``: ``rows`` parents with their keys, and all their children."""
        parents = self.parents.sample_batch(index, rows)
        start = index * self.batch_rows + 1
        parents.insert(self._key_position, self.key, self._keys(range(start, start + rows)))
        children = self.children.sample_sequences(parents, seed=child_seed(self.random_seed, index))
        return parents, children

    def _keys(self, numbers: range) -> pd.Series:
        values = np.arange(numbers.start, numbers.stop, dtype="int64")
        if pd.api.types.is_integer_dtype(self._key_dtype):
            return pd.Series(values, dtype=self._key_dtype)
        if pd.api.types.is_float_dtype(self._key_dtype):
            return pd.Series(values.astype(self._key_dtype))
        return pd.Series([str(v) for v in values], dtype=object)

    def save(self, folder: Path, *, names: tuple[str, str]) -> None:
        """Each model under ``model/<table>/`` (as a one-table version keeps its ``model/``)."""
        for name, generator in zip(names, (self.parents, self.children), strict=True):
            with tempfile.TemporaryDirectory(prefix="phantom-linked-model-") as scratch:
                generator.save(Path(scratch))
                target = folder / MODEL_FOLDER / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(Path(scratch) / MODEL_FOLDER, target)

    def library_versions(self) -> dict[str, str]:
        return self.parents.library_versions()


__all__ = ["LinkedArgnGenerator", "SequenceArgnGenerator", "child_seed"]
