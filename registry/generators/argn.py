"""MOSTLY AI's TabularARGN (``mostlyai-engine``) behind Phantom's generator protocol.

``generator: {kind: table, model_size: M, ...}`` runs the engine's own steps in a private
workspace folder: ``split`` (80/20 of the seed's train part, for early stopping), ``analyze``
(column statistics; with ``value_protection`` rare categories and extreme values are left
out), ``encode`` and ``train``; sampling is the engine's ``generate``. The engine (and torch,
transformers, opacus, which it loads) is imported inside the methods, never at module import.

Choices, in order of the work:

Training budget
    ``max_epochs`` and early stopping on the validation loss end training; ``max_training_time``
    (minutes) is a safety cap. When the cap ends it, how far training got depends on the
    machine's speed, so the rows do too: ``model/phantom.json`` records what stopped training.
Determinism
    The engine sizes its training and sampling batches from the free memory, and runs column
    statistics in worker processes. Phantom pins both for the block: the memory figure the
    heuristics see is fixed (:data:`HEURISTIC_RAM`) and joblib runs sequentially. Training runs
    with Python's, NumPy's and torch's global generators seeded with ``random_seed``; batch
    ``i`` is sampled with them seeded from ``(random_seed, i)`` (:func:`batch_seed`). With
    :func:`torch_thread_count` threads on the CPU, the same recipe, seed and machine give the
    same rows.
Output
    The seed's columns in the seed's order, cast back to the seed's dtypes where the values
    allow it (the engine returns pandas' nullable dtypes).
Conditions
    For each ``conditions[i]``, ``round(fraction * rows)`` rows of every batch are generated
    with the column fixed to the value (the engine's ``seed_data``: the other columns are
    sampled given it), the rest unconditionally, then the batch is shuffled with its own seed.
    ``rebalancing`` instead shifts a categorical column's shares while sampling.
Privacy
    ``privacy: {epsilon, delta}`` trains with DP-SGD (Opacus, RDP accountant) and analyzes
    with DP value protection; training stops before the budget is spent, and
    :meth:`ArgnGenerator.privacy_guarantee` reports what was (also for a model loaded from ``path``:
    sampling is post-processing and keeps the guarantee).
Saved model
    ``save`` copies the engine's ``ModelStore`` (column statistics, weights, model config,
    training log) into ``model/`` with ``model/phantom.json``; ``path:
    registry:<name>@<version>`` samples from it without training. The weights are a torch
    ``state_dict`` loaded with ``weights_only=True``.
Errors
    A condition or rebalancing that names a column the seed lacks, a value it never has, or a
    category value protection hid is a :class:`RecipeError` naming the field; whatever the
    engine raises becomes a one-line :class:`GeneratorError`.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import Any
from unittest.mock import patch

import numpy as np
import pandas as pd

from registry.errors import GeneratorError, RecipeError
from registry.generators._argn_text import (
    TextColumnsModel,
    check_language_extras,
    check_text_columns,
)
from registry.generators._base import MODEL_FOLDER, BaseGenerator, BuildContext, batch_seed
from registry.generators._conditions import (
    checked_conditions,
    condition_counts,
    find_column,
    hidden_value,
    saved_dtype,
    unknown_category,
)
from registry.generators._errors import engine_errors, one_line
from registry.generators._torch import limited_threads, resolve_device, seeded, torch_thread_count
from registry.recipes import ARGN_MODEL_SIZES, TextColumns
from registry.recipes import TabularArgnGenerator as ArgnConfig

MODEL_STORE = "ModelStore"  # the engine's folder of a trained model, inside its workspace
# What sampling needs of a ModelStore (the optimizer and scheduler states only resume training).
SAVED_FILES = (
    "tgt-stats/stats.json",
    "model-data/model-weights.pt",
    "model-data/model-configs.json",
    "model-data/progress-messages.csv",
)
SAVED_INFO = "phantom.json"
# The free memory the engine's batch-size heuristics are told they have, so batch sizes (and
# with them the rows) do not change with the machine's load. 16 GB is the engine's middle tier.
HEURISTIC_RAM = "16g"
CATEGORICAL = "TABULAR_CATEGORICAL"


@contextmanager
def _engine_state(random_seed: int, workspace: Path) -> Iterator[None]:
    """Seeded, thread-limited and memory-independent engine calls for the block.

    Sets (and restores) the seed the engine's worker processes read, the memory figure its
    batch heuristics read, runs joblib sequentially, and keeps the Hugging Face ``datasets``
    cache of training inside ``workspace`` instead of the user's cache.
    """
    import datasets
    import mostlyai.engine._tabular.training as engine_training
    from joblib import parallel_config

    saved = {
        name: os.environ.get(name)
        for name in ("MOSTLYAI_ENGINE_SEED", "MOSTLY_ENGINE_AVAILABLE_RAM_FOR_HEURISTICS")
    }
    os.environ["MOSTLYAI_ENGINE_SEED"] = str(random_seed)
    os.environ["MOSTLY_ENGINE_AVAILABLE_RAM_FOR_HEURISTICS"] = HEURISTIC_RAM
    cache = partial(datasets.load_dataset, cache_dir=str(workspace / "hf-datasets-cache"))
    try:
        with ExitStack() as stack:
            stack.enter_context(parallel_config(backend="sequential"))
            stack.enter_context(patch.object(engine_training, "load_dataset", cache))
            stack.enter_context(seeded(random_seed))
            stack.enter_context(limited_threads())
            yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class ArgnGenerator(BaseGenerator):
    """Train TabularARGN on the seed's train part and sample from it batch by batch."""

    Config = ArgnConfig
    batch_rows = 20_000  # rows per engine ``generate`` call; part of the bytes

    def __init__(
        self, config: ArgnConfig, *, random_seed: int, context: BuildContext | None = None
    ) -> None:
        super().__init__(config, random_seed=random_seed, context=context)
        self.device = resolve_device(config.device)
        self._workspace: tempfile.TemporaryDirectory[str] | None = None
        self._columns: list[Any] = []
        self._dtypes: dict[Any, Any] = {}
        self._conditions: list[tuple[str, Any, float]] = []  # (engine column, value, fraction)
        self.training: dict[str, Any] = {}  # what the engine's training log says
        self._text: TextColumnsModel | None = None  # the language model of text columns

    @property
    def _label(self) -> str:
        return f"TabularARGN ({self.config.model_size})"

    @property
    def _ws(self) -> Path:
        if self._workspace is None:
            raise GeneratorError(f"{self._label} must be fitted before it samples")
        return Path(self._workspace.name)

    # --- fit ------------------------------------------------------------------------------

    def fit(self, train: pd.DataFrame | None) -> None:
        """Train on the seed's train part (or take the model ``path`` names).

        Raises :class:`RecipeError` for conditions or rebalancing the seed cannot satisfy and
        :class:`GeneratorError` when the engine fails.
        """
        if self.config.path is not None:
            self._load_saved(self.context.locate(self.config.path), train)
            return
        if train is None or len(train) == 0 or len(train.columns) == 0:
            raise GeneratorError(f"{self._label} needs seed rows to fit; add seed.source")
        if len(train) < 10:
            raise GeneratorError(
                f"{self._label} needs at least 10 seed rows to train, got {len(train)}"
            )
        self._columns = list(train.columns)
        self._dtypes = dict(train.dtypes.items())
        self._conditions = [
            (str(c), v, f) for c, v, f in checked_conditions(self.config.conditions, train)
        ]
        self._check_rebalancing_column(train)
        text_columns = self.config.text_columns()
        check_text_columns(train, text_columns)
        frame = _engine_frame(train.drop(columns=text_columns))

        try:
            from mostlyai import engine
        except ImportError as exc:
            raise GeneratorError(
                f"{self._label} needs mostlyai-engine, which did not import ({one_line(exc)}); "
                "run scripts/setup.sh"
            ) from exc
        if self.config.text is not None:
            check_language_extras(self._label)
        self._workspace = tempfile.TemporaryDirectory(prefix="phantom-argn-")
        if self.config.text is not None:
            self._text = TextColumnsModel(self.config.text, self._ws, label=self._label)
        privacy = self._dp_config()
        self.context.progress(
            f"training {self._label} for up to {self.config.max_epochs:g} epochs or "
            f"{self.config.max_training_time:g} min on {self.device}"
        )
        with (
            _engine_state(self.random_seed, self._ws),
            engine_errors(f"{self._label} could not train on the seed"),
        ):
            engine.split(tgt_data=frame, model_type="TABULAR", workspace_dir=self._ws)
            engine.analyze(
                value_protection=self.config.value_protection,
                differential_privacy=privacy,
                workspace_dir=self._ws,
            )
            self._check_against_stats()  # before training: a bad condition fails fast
            engine.encode(workspace_dir=self._ws)
            engine.train(
                model=ARGN_MODEL_SIZES[self.config.model_size],
                max_training_time=self.config.max_training_time,
                max_epochs=self.config.max_epochs,
                differential_privacy=privacy,
                device=self.device,
                workspace_dir=self._ws,
                update_progress=self._epoch_progress,
            )
            if self._text is not None:
                self.context.progress(
                    f"training the language model ({self.config.text.model}) for text columns "
                    f"{', '.join(text_columns)}"
                )
                self._text.fit(
                    train,
                    frame,
                    value_protection=self.config.value_protection,
                    device=self.device,
                    locate=self.context.locate,
                    progress=self._epoch_progress,
                )
        self.training = _training_summary(self._ws / MODEL_STORE, self.config)
        if self._text is not None:
            text_store = self._text.workspace / MODEL_STORE
            self.training["text"] = _training_summary(text_store, self.config.text)
        if privacy is not None and (self.privacy_guarantee() or {}).get("epsilon") is None:
            raise GeneratorError(
                f"generator.privacy.epsilon: {self.config.privacy.epsilon:g} was spent before the "
                "first epoch ended (value protection's statistics take 1 of it); raise epsilon "
                "or noise_multiplier"
            )
        if self.training.get("stopped_by") == "max_training_time":
            self.context.progress(
                f"{self._label}: max_training_time ({self.config.max_training_time:g} min) ended "
                "training; the rows now depend on this machine's speed"
            )

    def _epoch_progress(self, *_args: Any, message: dict | None = None, **_kw: Any) -> None:
        """The engine's progress callback: one line per evaluated epoch."""
        if message and message.get("val_loss") is not None:
            epsilon = message.get("dp_eps")
            spent = f", epsilon {epsilon:.2f}" if epsilon is not None else ""
            self.context.progress(
                f"epoch {message.get('epoch', 0):g}: validation loss {message['val_loss']:.4f}"
                f"{spent}"
            )

    def _dp_config(self) -> Any:
        """The engine's DifferentialPrivacyConfig for ``privacy:`` (None without it)."""
        privacy = self.config.privacy
        if privacy is None:
            return None
        from mostlyai.engine.domain import DifferentialPrivacyConfig

        return DifferentialPrivacyConfig(
            max_epsilon=privacy.epsilon,
            delta=privacy.delta,
            noise_multiplier=privacy.noise_multiplier,
            max_grad_norm=privacy.max_grad_norm,
        )

    # --- sample ---------------------------------------------------------------------------

    def sample_batch(self, index: int, rows: int) -> pd.DataFrame:
        """Batch ``index``: exactly ``rows`` rows with the seed's columns and dtypes.

        A pure function of the trained model, ``random_seed``, ``index`` and ``rows``: the
        engine's generators are seeded from ``(random_seed, index)``; each batch holds its own
        share of every condition. Raises :class:`GeneratorError` when the engine fails.
        """
        workspace = self._ws
        if rows < 0:
            raise GeneratorError(f"{self._label} cannot sample {rows} rows; expected rows >= 0")
        if rows == 0:
            return self._like_seed(pd.DataFrame({str(c): [] for c in self._columns}))
        counts = condition_counts([fraction for _c, _v, fraction in self._conditions], rows)
        seed = batch_seed(self.random_seed, index)
        parts: list[pd.DataFrame] = []
        with (
            _engine_state(seed, workspace),
            engine_errors(f"{self._label} could not sample"),
        ):
            for (column, value, _fraction), count in zip(self._conditions, counts, strict=True):
                if count:
                    parts.append(self._generate(count, pd.DataFrame({column: [value] * count})))
            rest = rows - sum(counts)
            if rest > 0:
                parts.append(self._generate(rest, None))
        frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        if len(frame) != rows:
            raise GeneratorError(f"{self._label} returned {len(frame)} rows instead of {rows}")
        if self._conditions:
            frame = frame.iloc[np.random.default_rng(seed).permutation(len(frame))]
        frame = frame.reset_index(drop=True)
        if self._text is not None:
            with (
                _engine_state(seed, workspace),
                engine_errors(f"{self._label} could not write text columns"),
            ):
                text = self._text.generate(
                    frame,
                    device=self.device,
                    temperature=self.config.sampling_temperature,
                    top_p=self.config.sampling_top_p,
                )
            frame = pd.concat([frame, text], axis=1)
        return self._like_seed(frame)

    def _generate(self, rows: int, seed_data: pd.DataFrame | None) -> pd.DataFrame:
        from mostlyai import engine
        from mostlyai.engine._common import load_generated_data

        rebalancing = self.config.rebalancing
        engine.generate(
            seed_data=seed_data,
            sample_size=None if seed_data is not None else rows,
            batch_size=self.batch_rows,
            sampling_temperature=self.config.sampling_temperature,
            sampling_top_p=self.config.sampling_top_p,
            rare_category_replacement_method=self.config.rare_categories.upper(),
            rebalancing=None if rebalancing is None else rebalancing.model_dump(),
            device=self.device,
            workspace_dir=self._ws,
        )
        return load_generated_data(self._ws)

    # --- shipping to other processes (Ray) --------------------------------------------------

    sampling_files = SAVED_FILES  # what sampling reads of the ModelStore

    def __getstate__(self) -> dict[str, Any]:
        """A picklable copy for another process: the ModelStore files sampling reads, as bytes,
        in place of this process's workspace. Two processes must never share a workspace: the
        engine writes each batch into it and reads it back, so Ray workers sampling batches
        side by side in one folder read each other's rows (and a remote worker has no such
        folder at all)."""
        state = {**self.__dict__, "_workspace": None}
        if self._workspace is not None:
            store = self._ws / MODEL_STORE
            state["_model_store"] = {
                relpath: (store / relpath).read_bytes()
                for relpath in self.sampling_files
                if (store / relpath).is_file()
            }
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        files = state.pop("_model_store", None)
        self.__dict__.update(state)
        if files is not None:  # a workspace of its own, holding the trained model
            self._workspace = tempfile.TemporaryDirectory(prefix="phantom-argn-")
            for relpath, data in files.items():
                target = self._ws / MODEL_STORE / relpath
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)

    # --- what the pipeline asks -------------------------------------------------------------

    def privacy_guarantee(self) -> dict[str, Any] | None:
        """The differential-privacy guarantee of the trained model (``epsilon`` spent, ``delta``,
        ``mechanism``), or ``None`` when it was trained without DP."""
        return self.training.get("differential_privacy")

    def library_versions(self) -> dict[str, str]:
        """Versions of the libraries that decide the rows, the thread count and the device."""
        versions = {}
        for name in ("mostlyai-engine", "torch", "opacus", "numpy", "pandas"):
            try:
                versions[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                continue
        versions["torch_threads"] = str(torch_thread_count())
        if self.device != "cpu":
            versions["device"] = self.device
        return versions

    # --- the saved model ------------------------------------------------------------------

    def save(self, folder: Path) -> bool:
        """Copy what sampling needs of the engine's ModelStore into ``folder / model`` with
        ``phantom.json`` (the seed's columns and dtypes, the training summary). The weights'
        bytes differ from run to run of the same build only where torch's do, and the manifest
        lists ``model/`` apart from the content hash anyway."""
        store = self._ws / MODEL_STORE
        target = folder / MODEL_FOLDER
        for relpath in SAVED_FILES:
            source = store / relpath
            if source.is_file():
                (target / MODEL_STORE / relpath).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target / MODEL_STORE / relpath)
        info = {
            "kind": "table",
            "model": "argn",
            "model_size": self.config.model_size,
            "columns": [str(c) for c in self._columns],
            "dtypes": {str(c): str(d) for c, d in self._dtypes.items()},
            "training": self.training,
            "load_with": "mostlyai.engine.generate(workspace_dir=<a folder holding ModelStore/>)",
        }
        if self._text is not None:
            self._text.save(target)
            info["text_columns"] = self._text.columns
        (target / SAVED_INFO).write_text(json.dumps(info, indent=2) + "\n")
        return True

    def _load_saved(self, folder: Path, train: pd.DataFrame | None) -> None:
        """Take the model a build saved in ``folder`` (the ``model/`` of a version)."""
        info_path = folder / SAVED_INFO
        missing = [p for p in SAVED_FILES[:3] if not (folder / MODEL_STORE / p).is_file()]
        if not info_path.is_file() or missing:
            raise RecipeError(
                f"generator.path: {self.config.path or folder} holds no saved TabularARGN model "
                f"({SAVED_INFO} and {MODEL_STORE}/); expected the model/ of a table version"
            )
        info = json.loads(info_path.read_text())
        if info.get("model_size") != self.config.model_size:
            raise RecipeError(
                f"generator.model_size: the saved model is {info.get('model_size')!r}, the "
                f"recipe says {self.config.model_size!r}; make them the same"
            )
        self._workspace = tempfile.TemporaryDirectory(prefix="phantom-argn-")
        shutil.copytree(folder / MODEL_STORE, self._ws / MODEL_STORE)
        self.training = dict(info.get("training", {}))
        saved_text = info.get("text_columns") or []
        if sorted(saved_text) != sorted(self.config.text_columns()):
            raise RecipeError(
                f"generator.text.columns: the saved model writes text columns "
                f"{saved_text or 'none'}, the recipe says {self.config.text_columns() or 'none'}; "
                "make them the same"
            )
        if self.config.text is not None:
            check_language_extras(self._label)
            self._text = TextColumnsModel(self.config.text, self._ws, label=self._label)
            self._text.load(folder)
        if train is not None:
            self._columns = list(train.columns)
            self._dtypes = dict(train.dtypes.items())
            self._conditions = [
                (str(c), v, f) for c, v, f in checked_conditions(self.config.conditions, train)
            ]
            self._check_rebalancing_column(train)
        else:
            self._columns = list(info["columns"])
            self._dtypes = {c: saved_dtype(d) for c, d in info["dtypes"].items()}
            self._conditions = self._conditions_from_stats()
        self._check_against_stats()

    # --- checks ---------------------------------------------------------------------------

    def _seed_conditions(self, train: pd.DataFrame) -> list[tuple[str, Any, float]]:
        """The recipe's conditions checked against the seed; the engine names columns by str."""
        checked = checked_conditions(self.config.conditions, train)
        return [(str(column), value, fraction) for column, value, fraction in checked]

    def _conditions_from_stats(self) -> list[tuple[str, Any, float]]:
        """Without seed rows (a saved model on its own), conditions are read against the
        model's column statistics: categories are text, other values numbers."""
        stats = json.loads((self._ws / MODEL_STORE / SAVED_FILES[0]).read_text())["columns"]
        checked = []
        for i, condition in enumerate(self.config.conditions):
            column = stats.get(str(condition.column))
            if column is None:
                raise RecipeError(
                    f"generator.conditions[{i}].column: {condition.column!r} is not a column of "
                    f"the saved model; expected one of {', '.join(stats)}"
                )
            value: Any = condition.value
            if column.get("encoding_type") == CATEGORICAL:
                value = str(value)
            elif isinstance(value, str):
                try:
                    value = float(value)
                except ValueError as exc:
                    raise RecipeError(
                        f"generator.conditions[{i}].value: {condition.value!r} is not a number, "
                        f"and column {condition.column!r} holds numbers"
                    ) from exc
            checked.append((str(condition.column), value, condition.fraction))
        return checked

    def _check_rebalancing_column(self, train: pd.DataFrame) -> None:
        rebalancing = self.config.rebalancing
        if rebalancing is not None and find_column(train, rebalancing.column) is None:
            raise RecipeError(
                f"generator.rebalancing.column: {rebalancing.column!r} is not a column of the "
                f"seed; expected one of {', '.join(map(str, train.columns))}"
            )

    def _check_against_stats(self) -> None:
        """Conditions and rebalancing must name what the trained model can produce: a category
        value protection hid (too rare) cannot be asked for."""
        stats = json.loads((self._ws / MODEL_STORE / SAVED_FILES[0]).read_text())["columns"]
        for i, (column, value, _fraction) in enumerate(self._conditions):
            codes = stats.get(column, {}).get("codes")
            encoding = stats.get(column, {}).get("encoding_type")
            if encoding == CATEGORICAL and codes is not None and str(value) not in codes:
                raise hidden_value(i, value, column)
        rebalancing = self.config.rebalancing
        if rebalancing is None:
            return
        column = stats.get(rebalancing.column, {})
        if column.get("encoding_type") != CATEGORICAL:
            raise RecipeError(
                f"generator.rebalancing.column: {rebalancing.column!r} is modelled as "
                f"{column.get('encoding_type', 'unknown')}, not as categories; rebalance a "
                "categorical column, or use conditions"
            )
        codes = column.get("codes", {})
        for category in rebalancing.probabilities:
            if category not in codes:
                known = [c for c in codes if not c.startswith(("_RARE_", "<<"))]
                raise unknown_category(category, rebalancing.column, known)

    # --- helpers --------------------------------------------------------------------------

    def _like_seed(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The seed's columns in its order, cast back to its dtypes where values allow."""
        by_name = {str(c): c for c in self._columns}
        frame = frame[[str(c) for c in self._columns]]
        frame.columns = [by_name[c] for c in frame.columns]
        for column, dtype in self._dtypes.items():
            values = frame[column]
            if values.dtype == dtype:
                continue
            if dtype == np.dtype(object):
                frame[column] = values.astype(object).where(values.notna(), np.nan)
                continue
            try:
                frame[column] = values.astype(dtype)
            except (TypeError, ValueError):
                continue  # e.g. a missing value in an int column: keep the nullable dtype
        return frame


def _engine_frame(train: pd.DataFrame) -> pd.DataFrame:
    """A copy the engine reads: string column names; categoricals as plain values."""
    frame = train.reset_index(drop=True).copy()
    frame.columns = [str(c) for c in frame.columns]
    if frame.columns.duplicated().any():
        raise GeneratorError("TabularARGN needs distinct column names (as text)")
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype(object).where(frame[column].notna(), np.nan)
    return frame


def _training_summary(store: Path, config: ArgnConfig | TextColumns) -> dict[str, Any]:
    """Epochs, validation loss, what ended training and, with DP, the privacy spent (of the
    tabular model, or with a ``text:`` section of the language model)."""
    log = store / "model-data" / "progress-messages.csv"
    rows = list(csv.DictReader(log.open())) if log.is_file() else []
    if not rows:
        return {}
    last = rows[-1]
    epochs = float(last.get("epoch") or 0.0)
    minutes = float(last.get("total_time") or 0.0) / 60.0
    stopped_by = "early_stopping"
    if minutes >= config.max_training_time:
        stopped_by = "max_training_time"
    elif epochs >= config.max_epochs:
        stopped_by = "max_epochs"
    summary: dict[str, Any] = {
        "epochs": round(epochs, 3),
        "minutes": round(minutes, 3),
        "stopped_by": stopped_by,
        "val_loss": min((float(r["val_loss"]) for r in rows if r.get("val_loss")), default=None),
    }
    if getattr(config, "privacy", None) is not None:
        budget = config.privacy.epsilon
        spent = [float(r["dp_eps"]) for r in rows if r.get("dp_eps") and r.get("val_loss")]
        within = [eps for eps in spent if eps <= budget]
        if len(within) < len(spent):
            summary["stopped_by"] = "privacy_budget"
        # Every evaluated epoch within the budget may have shaped the saved weights.
        summary["differential_privacy"] = {
            "epsilon": round(max(within), 4) if within else None,
            "delta": config.privacy.delta,
            "epsilon_budget": budget,
            "noise_multiplier": config.privacy.noise_multiplier,
            "max_grad_norm": config.privacy.max_grad_norm,
            "mechanism": "DP-SGD (Opacus, RDP accountant) + DP value protection",
        }
    return summary


__all__ = ["ArgnGenerator", "condition_counts"]
