"""The one protocol every generator implements, and the base class built-ins share.

The pipeline (materialize, validate, the scorer, a Ray worker) holds a generator only through
:class:`Generator` and never asks which class it is. What differs between kinds is declared,
not probed:

- ``Config``: the pydantic model of the recipe's ``generator:`` section (``kind`` is its tag);
- ``modality``: ``table``, ``images`` or ``text``; it picks how the seed is read, how the
  rows are written and scored, and which card sections apply (:mod:`registry.modalities`);
- ``needs_seed``: whether a recipe of this kind must name real data to learn from (both
  declared on the ``Config``, so reading a recipe needs no generator import);
- ``check(recipe, context=...)``: deep checks of its own (a sampler runs its SQL once);
- ``batch_rows``: how many rows one batch holds (fixed per kind: it is part of the bytes);
- ``class_names``: the label names of an image set (``None`` for tables);
- ``save(folder)`` / ``load(folder, ...)``: the fitted model, written beside the data in
  ``model/`` so that a later version can sample more without fitting again;
- ``privacy_guarantee()``: the formal (differential privacy) guarantee the fitted model
  carries, or ``None`` (the default: no formal guarantee);
- ``batch_report(index)`` / ``gather(reports)``: what sampling a batch counted besides its
  rows (model calls, tokens, rejected rows), sent back with the shard that sampled it and
  put together once per build into a :class:`GenerationSummary` (none by default).
- ``model_selection()``: which model a generator that chooses among candidates kept, and
  what the others scored (``kind: table, model: auto``), or ``None`` (the default).

Sampling is in batches that are a pure function of ``(random_seed, batch index)``: batch
``i`` of a build can be made on its own, in any order, by any process, and the rows are the
same. That is what lets a build stream to disk with flat memory and lets shards be sampled on
other machines (a fitted generator pickles without its build context, so an executor can ship
it to Ray workers once; :mod:`registry.executors`). :meth:`BaseGenerator.sample` puts the
batches of a build together in memory, for tests and small uses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol, runtime_checkable

from registry._types import Progress
from registry.errors import GeneratorError

if TYPE_CHECKING:
    import pandas as pd

    from registry.recipes import GeneratorConfig, Recipe

Modality = Literal["table", "images", "text"]
MODEL_FOLDER = "model"  # inside data/<name>/: what a generator saves beside the data
DEFAULT_BATCH_ROWS = 100_000


def _local_path(path: str) -> Path:
    """Outside a registry build, a model path is a plain local folder."""
    if path.startswith("registry:"):
        raise GeneratorError(
            f"generator.path: {path!r} names a registry version; build it in a registry"
        )
    return Path(path)


@dataclass(frozen=True)
class GenerationSummary:
    """What a build's batches counted: ``quality`` is reproduced exactly by a rebuild (it goes
    into quality.json and the card), ``usage`` may differ between runs (calls made, cache
    hits; it goes into the manifest)."""

    quality: dict[str, Any]
    usage: dict[str, Any]


@dataclass(frozen=True)
class BuildContext:
    """What a build hands a generator besides its config: where it runs and how to report.

    ``locate`` turns a recipe's model reference (``registry:<name>@<version>`` or a folder
    inside the registry) into a local folder holding a saved model; the build supplies it,
    since only the registry facade can fetch released versions.
    """

    root: Path | None = None
    progress: Progress = field(default=lambda _message: None)
    locate: Callable[[str], Path] = _local_path
    read_version: Callable[[str], Any] | None = None  # registry:<spec> seeds, as frames
    #: Phantom's table report (``score_tables``), for generators that score candidates; the
    #: build passes it in since generators sit below the quality layer.
    score_table: Callable[..., Any] | None = None
    #: Verified local folders of the released versions of the dataset being built, fetched
    #: through DVC (its cache, else its remote) when not here yet: what they saved beside
    #: their data (the llm response packs) serves a rebuild in a fresh clone.
    released: Callable[[], list[Path]] = field(default=lambda: [])


@runtime_checkable
class Generator(Protocol):
    """Fit on the seed (or nothing), then sample rows batch by batch."""

    Config: ClassVar[type[GeneratorConfig]]
    modality: ClassVar[Modality]
    needs_seed: ClassVar[bool]
    batch_rows: ClassVar[int]

    def __init__(
        self, config: Any, *, random_seed: int, context: BuildContext | None = None
    ) -> None: ...

    #: Label names of an image set, in class-index order (known after ``fit``); ``None`` for
    #: tables.
    class_names: list[str] | None

    def fit(self, train: pd.DataFrame | None) -> None:
        """Learn from the seed's train part; ``None`` for generators without a seed."""
        ...

    def sample_batch(self, index: int, rows: int) -> pd.DataFrame:
        """Exactly ``rows`` rows: a pure function of the fitted model, ``random_seed``,
        ``index`` and ``rows``."""
        ...

    def save(self, folder: Path) -> bool:
        """Write the fitted model into ``folder / MODEL_FOLDER``; False when there is none to
        save (samplers, external weights)."""
        ...

    def library_versions(self) -> dict[str, str]:
        """The versions of the libraries whose behaviour decides the rows (for the manifest)."""
        ...

    def privacy_guarantee(self) -> dict[str, Any] | None:
        """The differential-privacy guarantee of the fitted model (``epsilon``, ``delta``,
        ``mechanism``), or ``None`` when it gives none."""
        ...

    def batch_report(self, index: int) -> dict[str, Any]:
        """What sampling batch ``index`` counted in this process (JSON-able; ``{}``: none)."""
        ...

    def gather(self, reports: list[tuple[int, dict[str, Any]]]) -> GenerationSummary | None:
        """The build's figures from the batches' reports, ``(index, report)``: a batch sampled
        twice (on the driver for the schema, then by a shard's task) reports twice."""
        ...

    def model_selection(self) -> dict[str, Any] | None:
        """The winner and the candidates' validation scores of a generator that chose among
        models, or ``None``."""
        ...

    @classmethod
    def check(cls, recipe: Recipe, *, context: BuildContext) -> None:
        """Deep checks of this kind beyond its pydantic model and its modality's seed checks
        (e.g. a sampler's SQL); raises a :class:`RecipeError` naming the field."""
        ...


class BaseGenerator:
    """Defaults for the parts of :class:`Generator` most kinds share; built-ins subclass it.

    A subclass sets ``Config`` (whose ``modality`` and ``needs_seed`` it takes) and implements
    ``fit`` and ``sample_batch``; how the seed is read and checked, how rows are written and
    scored, and the card's sections follow from ``modality`` (:mod:`registry.modalities`).
    """

    Config: ClassVar[type[GeneratorConfig]]
    modality: ClassVar[Modality] = "table"
    needs_seed: ClassVar[bool] = True
    batch_rows: ClassVar[int] = DEFAULT_BATCH_ROWS
    class_names: list[str] | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """``modality`` and ``needs_seed`` come from the ``Config`` (where recipes read them)
        unless the subclass sets them itself."""
        super().__init_subclass__(**kwargs)
        config = cls.__dict__.get("Config")
        for name in ("modality", "needs_seed"):
            if config is not None and name not in cls.__dict__:
                setattr(cls, name, getattr(config, name))

    def __init__(
        self, config: Any, *, random_seed: int, context: BuildContext | None = None
    ) -> None:
        self.config = config
        self.random_seed = int(random_seed)
        self.context = context or BuildContext()

    def __getstate__(self) -> dict[str, Any]:
        """A fitted generator pickles without its build context (callbacks into the registry
        that made it): what ships to another process is what sampling needs."""
        return {**self.__dict__, "context": None}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        if self.context is None:
            self.context = BuildContext()

    def fit(self, train: pd.DataFrame | None) -> None:
        raise NotImplementedError

    def sample_batch(self, index: int, rows: int) -> pd.DataFrame:
        raise NotImplementedError

    def sample(self, rows: int) -> pd.DataFrame:
        """All ``rows`` of a build in memory: the same batches a streamed build writes."""
        if rows < 0:
            raise GeneratorError(f"cannot sample {rows} rows; expected rows >= 0")
        import pandas as pd

        frames = [self.sample_batch(index, count) for index, count in batches(rows, self)]
        if not frames:
            return self.sample_batch(0, 0)
        return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)

    def save(self, folder: Path) -> bool:
        return False

    @classmethod
    def load(
        cls, folder: Path, config: Any, *, random_seed: int, context: BuildContext | None = None
    ) -> BaseGenerator:
        """A generator fitted from the model an earlier build saved in ``folder``."""
        generator = cls(config, random_seed=random_seed, context=context)
        generator._load_saved(folder, None)
        return generator

    def _load_saved(self, folder: Path, train: pd.DataFrame | None) -> None:
        """Take a saved model from ``folder``; ``train`` (when given) is the seed's train part."""
        raise GeneratorError(f"a {self.config.kind} generator saves no model to load")

    def library_versions(self) -> dict[str, str]:
        return {}

    def privacy_guarantee(self) -> dict[str, Any] | None:
        return None

    def batch_report(self, index: int) -> dict[str, Any]:
        return {}

    def gather(self, reports: list[tuple[int, dict[str, Any]]]) -> GenerationSummary | None:
        return None

    def model_selection(self) -> dict[str, Any] | None:
        return None

    @classmethod
    def check(cls, recipe: Recipe, *, context: BuildContext) -> None:
        return None


def batch_seed(random_seed: int, index: int) -> int:
    """The seed of batch ``index``: independent streams for every (random_seed, index)."""
    import numpy as np

    return int(np.random.SeedSequence([int(random_seed), int(index)]).generate_state(1)[0])


def batches(rows: int, generator: Any) -> Iterator[tuple[int, int]]:
    """``(index, rows)`` of each batch of a build of ``rows`` rows."""
    size = max(1, int(generator.batch_rows))
    for index, start in enumerate(range(0, rows, size)):
        yield index, min(size, rows - start)


__all__ = [
    "DEFAULT_BATCH_ROWS",
    "MODEL_FOLDER",
    "BaseGenerator",
    "BuildContext",
    "GenerationSummary",
    "Generator",
    "Modality",
    "batch_seed",
    "batches",
]
