"""Free-text columns of a ``kind: table`` recipe: the engine's language model, given the row.

``generator: {kind: table, text: {columns: [remarks]}}``: TabularARGN learns every other
column; then mostlyai-engine's LANGUAGE model learns the text columns with the row's other
columns as context. The engine calls this a two-table setup: the target table is the text
columns keyed by the row's number (:data:`ROW_KEY`), the context table the row's tabular
columns under the same key. Sampling a batch generates its tabular rows first, then the
language model writes each row's text given that row, in the same seeded block, so a batch stays
a pure function of ``(random_seed, index)``.

The model is the engine's small LSTM trained from scratch on the seed's text
(``MOSTLY_AI/LSTMFromScratch-3m``: offline, CPU), or a local Hugging Face causal language model
folder that the engine fine-tunes with LoRA. Its own workspace is ``text/`` inside the tabular
one, and ``save`` copies its ``ModelStore`` to ``model/text/``.

The engine's language path imports ``peft``, ``json_repair`` and ``xgrammar`` (mostlyai-engine's
language extras), which ``scripts/setup.sh`` does not install yet (it installs the engine with
``--no-deps``); without them a recipe with text columns fails with one line naming them.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from contextlib import ExitStack
from functools import partial
from importlib.util import find_spec
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pandas as pd

from registry.errors import GeneratorError, RecipeError
from registry.recipes import LSTM_FROM_SCRATCH, TextColumns

ROW_KEY = "__phantom_row"  # the key joining a row's text to its tabular columns
TEXT_FOLDER = "text"  # the language model's workspace inside the tabular one, and in model/
MODEL_STORE = "ModelStore"
LANGUAGE_TEXT = "LANGUAGE_TEXT"
TRAINING_STATE = ("optimizer.pt", "lr-scheduler.pt", "dp-accountant.pt")
INVALID_TEXT = "_INVALID_"  # the engine's language generation: output that was not valid JSON
# import name -> the package that provides it (what the engine's language path imports)
LANGUAGE_EXTRAS = {"peft": "peft", "json_repair": "json-repair", "xgrammar": "xgrammar"}


def missing_language_extras() -> list[str]:
    """The packages the engine's language model needs that are not installed (pip names)."""
    return [package for module, package in LANGUAGE_EXTRAS.items() if find_spec(module) is None]


def check_language_extras(label: str) -> None:
    """Raise a one-line :class:`GeneratorError` when the language path cannot import."""
    missing = missing_language_extras()
    if missing:
        raise GeneratorError(
            f"generator.text: {label} writes text columns with mostlyai-engine's language "
            f"model, which needs {', '.join(missing)} (not installed); run "
            f"'pip install {' '.join(missing)}' or leave out text"
        )


def check_text_columns(train: pd.DataFrame, columns: list[str]) -> None:
    """Each text column must be a seed column holding text; a :class:`RecipeError` names the
    first that is not."""
    for i, column in enumerate(columns):
        if column not in train.columns:
            raise RecipeError(
                f"generator.text.columns[{i}]: {column!r} is not a column of the seed; "
                f"expected one of {', '.join(map(str, train.columns))}"
            )
        if pd.api.types.is_numeric_dtype(train[column]) or train[column].notna().sum() == 0:
            raise RecipeError(
                f"generator.text.columns[{i}]: column {column!r} holds no text; name a column "
                "of free text"
            )


def text_frame(train: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The seed's text columns as strings (missing stays missing), keyed by row number."""
    frame = pd.DataFrame({ROW_KEY: range(len(train))})
    for column in columns:
        values = train[column]
        frame[column] = values.astype("string").where(values.notna(), pd.NA)
    return frame


def context_frame(tabular: pd.DataFrame) -> pd.DataFrame:
    """The rows' tabular columns with the key that joins them to their text."""
    frame = tabular.reset_index(drop=True).copy()
    frame.insert(0, ROW_KEY, range(len(frame)))
    return frame


class TextColumnsModel:
    """The engine's language model for a table's text columns, in its own workspace."""

    def __init__(self, config: TextColumns, workspace: Path, *, label: str) -> None:
        self.config = config
        self.workspace = workspace / TEXT_FOLDER
        self.label = label
        self.training: dict[str, Any] = {}

    @property
    def columns(self) -> list[str]:
        return list(self.config.columns)

    def fit(
        self,
        train: pd.DataFrame,
        tabular: pd.DataFrame,
        *,
        value_protection: bool,
        device: str,
        locate: Callable[[str], Path],
        progress: Callable[..., None] | None = None,
    ) -> None:
        """Train on the seed's text with each row's ``tabular`` columns as its context."""
        from mostlyai import engine

        model = self.config.model
        if model != LSTM_FROM_SCRATCH:
            folder = locate(model)
            if not (folder / "config.json").is_file():
                raise RecipeError(
                    f"generator.text.model: {model!r} is not {LSTM_FROM_SCRATCH} nor a local "
                    "Hugging Face model folder (config.json); nothing is downloaded"
                )
            model = str(folder)
        engine.split(
            tgt_data=text_frame(train, self.columns),
            ctx_data=context_frame(tabular),
            tgt_context_key=ROW_KEY,
            ctx_primary_key=ROW_KEY,
            model_type="LANGUAGE",
            tgt_encoding_types=dict.fromkeys(self.columns, LANGUAGE_TEXT),
            workspace_dir=self.workspace,
        )
        engine.analyze(value_protection=value_protection, workspace_dir=self.workspace)
        engine.encode(workspace_dir=self.workspace)
        with _language_training_cache(self.workspace):
            engine.train(
                model=model,
                max_epochs=self.config.max_epochs,
                max_training_time=self.config.max_training_time,
                device=device,
                workspace_dir=self.workspace,
                update_progress=progress,
            )

    def generate(
        self, tabular: pd.DataFrame, *, device: str, temperature: float, top_p: float
    ) -> pd.DataFrame:
        """The text columns for ``tabular``'s rows, in their order (one row each)."""
        from mostlyai import engine
        from mostlyai.engine._common import load_generated_data

        if len(tabular) == 0:
            return pd.DataFrame({c: pd.Series([], dtype=object) for c in self.columns})
        engine.generate(
            ctx_data=context_frame(tabular),
            sampling_temperature=temperature,
            sampling_top_p=top_p,
            device=device,
            workspace_dir=self.workspace,
        )
        text = load_generated_data(self.workspace).set_index(ROW_KEY)
        text = text.reindex(range(len(tabular)))[self.columns]
        # Output the engine could not parse as JSON comes back as this marker: no text.
        text = text.astype(object).where(text.notna() & (text != INVALID_TEXT), None)
        if text.isna().all(axis=None):
            raise GeneratorError(f"{self.label} wrote no text for {len(tabular)} rows")
        return text

    def save(self, target: Path) -> None:
        """Copy the language model's ModelStore into ``target / text`` (what sampling needs:
        the optimizer's and scheduler's states only resume training)."""
        shutil.copytree(
            self.workspace / MODEL_STORE,
            target / TEXT_FOLDER / MODEL_STORE,
            ignore=shutil.ignore_patterns(*TRAINING_STATE),
        )

    def load(self, folder: Path) -> None:
        """Take the language model saved in ``folder / text`` (a version's ``model/``)."""
        store = folder / TEXT_FOLDER / MODEL_STORE
        if not store.is_dir():
            raise RecipeError(
                f"generator.text: the saved model in {folder} has no text model ({TEXT_FOLDER}/"
                f"{MODEL_STORE}); it was built without text columns"
            )
        shutil.copytree(store, self.workspace / MODEL_STORE)


def _language_training_cache(workspace: Path) -> ExitStack:
    """Keep the Hugging Face ``datasets`` cache of language training inside ``workspace``."""
    import datasets
    import mostlyai.engine._language.training as language_training

    stack = ExitStack()
    cache = partial(datasets.load_dataset, cache_dir=str(workspace / "hf-datasets-cache"))
    stack.enter_context(patch.object(language_training, "load_dataset", cache))
    return stack


__all__ = [
    "LANGUAGE_EXTRAS",
    "ROW_KEY",
    "TextColumnsModel",
    "check_language_extras",
    "check_text_columns",
    "missing_language_extras",
]
