"""SDV single-table synthesizers behind Phantom's :class:`~registry.generators._base.Generator`.

``generator: {kind: sdv, model: ..., params: {...}}`` maps ``model`` to an SDV 2.x synthesizer
(:data:`SYNTHESIZERS`) and passes ``params`` through unchanged; ``recipes.SDV_MODEL_PARAMS``
lists the parameters a recipe may set. SDV (and torch, which it pulls in) are imported inside
the methods, never at module import: ``import sdv`` costs about 10 s.

Choices, in order of the work:

Metadata
    ``Metadata.detect_from_dataframes({"table": df}, infer_keys=None)``. No primary key is
    inferred: a unique whole-number measurement would otherwise become a key and be replaced
    by 0..n. SDV also types columns by their *name* (``id`` tokens, ``city``, ``email``,
    ``latitude`` ...) and would replace their values with Faker's (random cities, random
    latitudes). Phantom re-types such columns from their *data* (:func:`column_sdtypes`):
    numbers, booleans and datetimes are modelled like any other column, and a string column
    whose distinct values are at most half of its rows is a category. Only a mostly-unique
    string column keeps SDV's fresh values: an ``id`` column that is unique and complete
    becomes the primary key (fresh unique ids), other identifiers become ``unknown`` and PII
    types (email, name, ...) stay anonymized by Faker, so real identifiers never reach the
    output. Such columns cannot be conditioned on.
Output
    The seed's columns in the seed's order, cast back to the seed's dtypes where the values
    allow it (ints stay ints, pandas categoricals come back as categoricals).
Determinism
    Before ``fit`` Python's, NumPy's and torch's global generators are seeded with
    ``random_seed`` (and restored afterwards). Batch ``i`` resets SDV's sampling state and
    seeds the model and the global generators with a seed drawn from ``(random_seed, i)``
    (SDV otherwise seeds it with a fixed constant), so a batch is a pure function of the
    fitted model, ``random_seed``, ``i`` and its row count. Two fresh generators with the same
    config, seed and data give identical frames on the same machine and thread count. Torch
    models run on the CPU unless ``device`` says otherwise.
Saved model
    ``save`` writes SDV's own ``synthesizer.save`` (cloudpickle) to ``model/synthesizer.pkl``
    plus ``model/phantom.json``; a recipe with ``path: registry:<name>@<version>`` samples
    from it without fitting. A pickle runs code when loaded: load only models from
    registries you trust.
Threads
    torch, BLAS and OpenMP run with :func:`torch_thread_count` threads during ``fit`` and
    ``sample`` (restored afterwards): ``OMP_NUM_THREADS`` when set, else half the cores.
Conditions
    For each ``conditions[i]``, ``round(fraction * rows)`` rows of every batch are sampled with
    SDV's ``Condition`` and ``sample_from_conditions`` (natively for the copula, by reject
    sampling for the neural models); the rest unconditionally; the batch is shuffled with its
    own seed.
Errors
    A condition naming a column the seed lacks, or a value the seed's train part never has,
    is a :class:`RecipeError` naming ``generator.conditions[i]``; anything SDV raises while
    building, fitting or sampling becomes a one-line :class:`GeneratorError`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import partial
from importlib import metadata
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any
from unittest.mock import patch

import numpy as np
import pandas as pd

from registry.errors import GeneratorError, RecipeError
from registry.generators._base import MODEL_FOLDER, BaseGenerator, BuildContext, batch_seed
from registry.generators._conditions import (
    checked_conditions,
    condition_counts,
    find_column_in,
    saved_dtype,
)
from registry.generators._errors import engine_errors
from registry.generators._torch import limited_threads, resolve_device, seeded, torch_thread_count
from registry.recipes import SdvGenerator as SdvConfig

if TYPE_CHECKING:
    from pathlib import Path

# recipe model -> SDV 2.x class in sdv.single_table
SYNTHESIZERS: dict[str, str] = {
    "gaussian_copula": "GaussianCopulaSynthesizer",
    "ctgan": "CTGANSynthesizer",
    "tvae": "TVAESynthesizer",
    "copulagan": "CopulaGANSynthesizer",
}
TORCH_MODELS = frozenset({"ctgan", "tvae", "copulagan"})
# Synthesizer arguments Phantom decides and recipes cannot set.
FIXED_PARAMS: dict[str, dict[str, Any]] = {
    "gaussian_copula": {},
    "ctgan": {"verbose": False},
    "tvae": {"verbose": False},
    "copulagan": {"verbose": False},
}
SAVED_MODEL = "synthesizer.pkl"  # SDV's own save(): cloudpickle of the fitted synthesizer
SAVED_INFO = "phantom.json"  # the seed's columns, dtypes and the conditions, beside it
TABLE = "table"
# A name-typed string column is a category when its distinct values are at most this share
# of its non-null rows; above it, it is an identifier or PII and SDV generates fresh values.
CATEGORY_SHARE = 0.5
# sdtypes SDV learns from the data; others (id, unknown, email, ...) it generates fresh, so
# they cannot be conditioned on.
MODELLED_SDTYPES = frozenset({"numerical", "categorical", "datetime", "boolean", "ordinal"})


@contextmanager
def _quiet_sdv_progress() -> Iterator[None]:
    """Silence the tqdm bar SDV's ``sample_from_conditions`` always draws on stderr.

    Phantom's shells show their own progress. Only the name SDV's module uses is swapped,
    for the duration of the block; if a later SDV moves it, the bar simply shows.
    """
    import sdv.single_table.base as sdv_base

    module = getattr(sdv_base, "tqdm", None)
    if module is None or not hasattr(module, "tqdm"):
        yield
        return
    quiet = SimpleNamespace(tqdm=partial(module.tqdm, disable=True))
    with patch.object(sdv_base, "tqdm", quiet):
        yield


class SdvGenerator(BaseGenerator):
    """Fit an SDV single-table synthesizer on the seed's train part and sample from it."""

    Config = SdvConfig

    def __init__(
        self, config: SdvConfig, *, random_seed: int, context: BuildContext | None = None
    ) -> None:
        if config.model not in SYNTHESIZERS:
            raise GeneratorError(
                f"unknown sdv model {config.model!r}; expected one of {', '.join(SYNTHESIZERS)}"
            )
        super().__init__(config, random_seed=random_seed, context=context)
        self.sdtypes: dict[str, str] = {}  # column -> the sdtype it was modelled as
        self._synthesizer: Any = None
        self._columns: list[Any] = []
        self._dtypes: dict[Any, Any] = {}
        self._conditions: list[tuple[Any, Any, float]] = []  # (column, value, fraction)

    @property
    def _label(self) -> str:
        return f"sdv {self.config.model}"

    def fit(self, train: pd.DataFrame | None) -> None:
        """Learn the seed's train part.

        Raises :class:`RecipeError` for a condition the seed cannot satisfy and
        :class:`GeneratorError` when SDV rejects the params or the data.
        """
        if self.config.path is not None:
            self._load_saved(self.context.locate(self.config.path), train)
            return
        if train is None or len(train) == 0 or len(train.columns) == 0:
            raise GeneratorError(f"{self._label} needs seed rows to fit; add seed.source")
        self._columns = list(train.columns)
        self._dtypes = dict(train.dtypes.items())
        self._conditions = checked_conditions(self.config.conditions, train)
        frame = _model_frame(train)

        with engine_errors(f"{self._label} could not read the seed"):
            from sdv.metadata import Metadata

            detected = Metadata.detect_from_dataframes({TABLE: frame}, infer_keys=None)
        self.sdtypes, primary_key = column_sdtypes(frame, detected.tables[TABLE].columns)
        for i, (column, _value, _fraction) in enumerate(self._conditions):
            if self.sdtypes[str(column)] not in MODELLED_SDTYPES:
                raise RecipeError(
                    f"generator.conditions[{i}].column: {column!r} is an identifier or personal "
                    "data that SDV generates fresh, so it cannot be conditioned on; "
                    "condition on a category instead"
                )

        if self.config.model in TORCH_MODELS:
            import torch  # noqa: F401  (seeded and thread-limited below)

        with engine_errors(f"{self._label} rejected its params"):
            import sdv.single_table

            for column, sdtype in self.sdtypes.items():
                if sdtype != detected.tables[TABLE].columns[column].get("sdtype") or (
                    detected.tables[TABLE].columns[column].get("pii")
                ):
                    detected.update_column(column, table_name=TABLE, **_column_kwargs(sdtype))
            if primary_key is not None:
                detected.set_primary_key(primary_key, table_name=TABLE)
            cls = getattr(sdv.single_table, SYNTHESIZERS[self.config.model])
            params = {**self.config.params, **FIXED_PARAMS[self.config.model]}
            if self.config.model in TORCH_MODELS:
                params["enable_gpu"] = resolve_device(self.config.device) == "cuda"
            self._check_distributions(sdv.single_table.GaussianCopulaSynthesizer)
            synthesizer = cls(detected, **params)

        with (
            seeded(self.random_seed),
            limited_threads(),
            engine_errors(f"{self._label} could not fit the seed"),
        ):
            synthesizer.fit({TABLE: frame})
        self._synthesizer = synthesizer

    def sample_batch(self, index: int, rows: int) -> pd.DataFrame:
        """Batch ``index``: exactly ``rows`` rows with the seed's columns and dtypes.

        A pure function of the fitted model, ``random_seed``, ``index`` and ``rows``: the
        model's sampling state is reset and seeded from ``(random_seed, index)``; each batch
        holds its own share of every condition. Raises :class:`GeneratorError` when SDV fails
        or cannot produce a condition's rows.
        """
        if self._synthesizer is None:
            raise GeneratorError(f"{self._label} must be fitted before it samples")
        if rows < 0:
            raise GeneratorError(f"{self._label} cannot sample {rows} rows; expected rows >= 0")
        if rows == 0:
            return self._like_seed(pd.DataFrame({c: [] for c in self._columns}))
        counts = condition_counts([fraction for _c, _v, fraction in self._conditions], rows)
        synthesizer = self._synthesizer
        parts: list[pd.DataFrame] = []
        seed = batch_seed(self.random_seed, index)
        with (
            seeded(seed),
            limited_threads(),
            engine_errors(f"{self._label} could not sample"),
            _quiet_sdv_progress(),
        ):
            from sdv.sampling import Condition

            synthesizer.reset_sampling()
            # SDV seeds the model with a fixed constant on the first sample after a reset;
            # seeding it here makes random_seed decide the rows (private API, SDV 1.x-2.x).
            synthesizer._set_random_state(seed)
            for (column, value, _fraction), count in zip(self._conditions, counts, strict=True):
                if count == 0:
                    continue
                condition = Condition(num_rows=count, column_values={str(column): value})
                got = synthesizer.sample_from_conditions([condition])[TABLE]
                if len(got) < count:
                    raise GeneratorError(
                        f"{self._label} produced only {len(got)} of {count} rows with "
                        f"{column} == {value!r}; train it longer (params.epochs), lower the "
                        "fraction, or use gaussian_copula"
                    )
                parts.append(got.head(count))
            rest = rows - sum(counts)
            if rest > 0 or not parts:
                parts.append(synthesizer.sample(rest)[TABLE])
        frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        if len(frame) != rows:
            raise GeneratorError(f"{self._label} returned {len(frame)} rows instead of {rows}")
        if self._conditions:
            order = np.random.default_rng(seed).permutation(len(frame))
            frame = frame.iloc[order]
        return self._like_seed(frame.reset_index(drop=True))

    def library_versions(self) -> dict[str, str]:
        """Versions of the libraries that decide the rows (installed distributions only)."""
        names = ["sdv", "rdt", "copulas", "Faker", "numpy", "pandas", "scipy"]
        if self.config.model in TORCH_MODELS:
            names += ["ctgan", "torch", "scikit-learn"]
        versions = {}
        for name in names:
            try:
                versions[name.lower()] = metadata.version(name)
            except metadata.PackageNotFoundError:
                continue
        if self.config.model in TORCH_MODELS:
            # CTGAN's bits differ between 1 and 2 threads; record what decided them.
            versions["torch_threads"] = str(torch_thread_count())
            if resolve_device(self.config.device) != "cpu":
                versions["device"] = resolve_device(self.config.device)
        return versions

    # --- the saved model ------------------------------------------------------------------

    def save(self, folder: Path) -> bool:
        """Write the fitted synthesizer (SDV's own ``save``) and what Phantom needs around it
        into ``folder / model``. The pickle's bytes vary from process to process (SDV keeps a
        random id, dates, Faker's random state and hash-ordered dicts), which is why a
        manifest verifies ``model/`` but leaves it out of the content hash."""
        if self._synthesizer is None:
            raise GeneratorError(f"{self._label} must be fitted before it saves")
        target = folder / MODEL_FOLDER
        target.mkdir(parents=True, exist_ok=True)
        with engine_errors(f"{self._label} could not save its model"):
            self._synthesizer.save(str(target / SAVED_MODEL))
        info = {
            "model": self.config.model,
            "columns": [str(c) for c in self._columns],
            "dtypes": {str(c): str(d) for c, d in self._dtypes.items()},
            "sdtypes": self.sdtypes,
            "load_with": "sdv.utils.load_synthesizer(path) (cloudpickle: load only trusted files)",
        }
        (target / SAVED_INFO).write_text(json.dumps(info, indent=2) + "\n")
        return True

    def _load_saved(self, folder: Path, train: pd.DataFrame | None) -> None:
        """Take the synthesizer a build saved in ``folder`` (``model/`` of a version)."""
        model, info_path = folder / SAVED_MODEL, folder / SAVED_INFO
        if not model.is_file() or not info_path.is_file():
            raise RecipeError(
                f"generator.path: {self.config.path or folder} holds no saved SDV model "
                f"({SAVED_MODEL} and {SAVED_INFO}); expected the model/ of an sdv version"
            )
        info = json.loads(info_path.read_text())
        if info.get("model") != self.config.model:
            raise RecipeError(
                f"generator.model: the saved model is {info.get('model')!r}, the recipe says "
                f"{self.config.model!r}; make them the same"
            )
        with engine_errors(f"{self._label} could not load {model}"):
            from sdv.utils import load_synthesizer

            self._synthesizer = load_synthesizer(str(model))
        frame = train if train is not None else pd.DataFrame(columns=info["columns"])
        self._columns = list(frame.columns) if train is not None else list(info["columns"])
        self._dtypes = (
            dict(train.dtypes.items())
            if train is not None
            else {c: saved_dtype(d) for c, d in info["dtypes"].items()}
        )
        self.sdtypes = dict(info.get("sdtypes", {}))
        if train is not None:
            self._conditions = checked_conditions(self.config.conditions, train)
        elif self.config.conditions:
            raise RecipeError(
                "generator.conditions: a saved model without seed rows cannot check its "
                "conditions; add seed.source"
            )

    # --- helpers -----------------------------------------------------------------------------

    def _check_distributions(self, copula: Any) -> None:
        """Name the valid choices when a distribution param is unknown (SDV only says no)."""
        known = list(getattr(copula, "_DISTRIBUTIONS", {}))
        params = self.config.params
        named = [params.get("default_distribution")]
        if isinstance(params.get("numerical_distributions"), dict):
            named += list(params["numerical_distributions"].values())
        for name in named:
            if known and name is not None and name not in known:
                raise GeneratorError(
                    f"{self._label} rejected its params: unknown distribution {name!r}; "
                    f"expected one of {', '.join(known)}"
                )

    def _like_seed(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The seed's columns in its order, cast back to its dtypes where values allow."""
        frame.columns = [find_column_in(self._columns, c) for c in frame.columns]
        frame = frame[self._columns]
        for column, dtype in self._dtypes.items():
            if frame[column].dtype == dtype:
                continue
            try:
                frame[column] = frame[column].astype(dtype)
            except (TypeError, ValueError):
                continue  # e.g. NaN in an int column: keep SDV's dtype rather than fail
        return frame


def column_sdtypes(
    frame: pd.DataFrame, detected: Mapping[str, Mapping[str, Any]]
) -> tuple[dict[str, str], str | None]:
    """The sdtype each column is modelled as, and the primary key (or ``None``).

    ``detected`` is SDV's detected column metadata. Columns SDV typed from their data keep
    its sdtype; columns it typed from their name (``id`` or a PII sdtype) are re-typed from
    their data as the module docstring describes.
    """
    sdtypes: dict[str, str] = {}
    primary_key = None
    for name in frame.columns:
        column = str(name)
        info = detected[column]
        sdtype = info.get("sdtype", "categorical")
        if sdtype != "id" and not info.get("pii"):
            sdtypes[column] = sdtype
            continue
        values = frame[name]
        if pd.api.types.is_bool_dtype(values):
            sdtypes[column] = "categorical"
        elif pd.api.types.is_numeric_dtype(values):
            sdtypes[column] = "numerical"
        elif pd.api.types.is_datetime64_any_dtype(values):
            sdtypes[column] = "datetime"
        elif values.nunique(dropna=True) <= max(1, CATEGORY_SHARE * values.notna().sum()):
            sdtypes[column] = "categorical"
        elif sdtype == "id":
            if primary_key is None and values.notna().all() and values.is_unique:
                primary_key = column
                sdtypes[column] = "id"
            else:
                sdtypes[column] = "unknown"
        else:
            sdtypes[column] = sdtype  # email, name, ...: anonymized by SDV with Faker
    return sdtypes, primary_key


def _column_kwargs(sdtype: str) -> dict[str, Any]:
    if sdtype in MODELLED_SDTYPES or sdtype == "id":
        return {"sdtype": sdtype}
    return {"sdtype": sdtype, "pii": True}


def _model_frame(train: pd.DataFrame) -> pd.DataFrame:
    """A copy SDV handles well: pandas categoricals and string dtypes become objects."""
    frame = train.reset_index(drop=True).copy()
    for column in frame.columns:
        dtype = frame[column].dtype
        if isinstance(dtype, pd.CategoricalDtype | pd.StringDtype):
            frame[column] = frame[column].astype(object).where(frame[column].notna(), np.nan)
    return frame


__all__ = [
    "SYNTHESIZERS",
    "TORCH_MODELS",
    "SdvGenerator",
    "column_sdtypes",
    "condition_counts",
    "torch_thread_count",
]
