"""Human review of a version: a reproducible sample of rows, each judged by a person.

A recipe's ``review:`` section (:class:`~registry.recipes.ReviewPolicy`) sets the share of
rows to draw (at most ``max_rows``) and, as a gate, ``min_accept``: the accepted share that
``phantom release`` and ``phantom publish`` wait for. The sample is a pure function of the
version's content hash, so everyone reviewing ``name@version`` sees the same rows. Each row
is shown with its nearest real row (the seed's train part, in the mixed-type encoding the
privacy scores use: :mod:`registry.quality._encoding`) and the distance to it.

Decisions go into ``reviews/<name>@<version>.yaml``, tracked by git like the recipes: every
:meth:`ReviewSession.commit` makes one commit of that file only. The file names the content
hash it reviewed, so a rebuilt version with other rows needs a new review. The review of an
unreleased version is read from the workspace ``data/<name>`` (release needs the review
first); a released one is fetched like any version.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from registry._files import atomic_write_text
from registry._git import git
from registry._types import RegistryLike
from registry.errors import DatasetNotFound, PhantomError, PublishError, RecipeError, ReleaseError
from registry.folders import MANIFEST, version_shards
from registry.recipes import Recipe, ReviewPolicy, parse_recipe
from registry.versions import VersionSpec

if TYPE_CHECKING:
    import pandas as pd

REVIEWS_DIR = "reviews"
RECIPE_COPY = "recipe.yaml"  # the recipe a version folder carries (materialize writes it)
Decision = Literal["accept", "reject"]


class ReviewedRow(BaseModel):
    """One sampled row: where it is, how far its nearest real row is, and the verdict."""

    model_config = ConfigDict(extra="forbid")

    row: int  # 1-based position in the sample: what the CLI and the TUI call it
    split: str
    index: int  # the row's index within its split
    nearest_real: int | None = None  # index of the nearest row in the seed's train part
    distance: float | None = None  # to that row; 0 means an exact copy
    decision: Decision | None = None
    comment: str = ""


class Review(BaseModel):
    """The contents of ``reviews/<name>@<version>.yaml``."""

    model_config = ConfigDict(extra="forbid")

    dataset: str
    version: str
    content_hash: str
    share: float
    rows: list[ReviewedRow]

    @property
    def tag(self) -> str:
        return f"{self.dataset}@{self.version}"

    @property
    def reviewed(self) -> int:
        return sum(row.decision is not None for row in self.rows)

    @property
    def accepted(self) -> int:
        return sum(row.decision == "accept" for row in self.rows)

    @property
    def accept_share(self) -> float | None:
        return self.accepted / self.reviewed if self.reviewed else None

    def summary(self) -> str:
        """``3 of 3 sampled rows (5%) reviewed, 3 accepted (100%)``: for cards and lines."""
        share = self.accept_share
        accepted = f", {self.accepted} accepted ({share:.0%})" if share is not None else ""
        return (
            f"{self.reviewed} of {len(self.rows)} sampled rows ({self.share:.0%}) "
            f"reviewed{accepted}"
        )


def review_path(root: Path, name: str, version: str) -> Path:
    return root / REVIEWS_DIR / f"{name}@{version}.yaml"


def read_review(path: Path) -> Review | None:
    """The review stored at ``path`` (None when there is none); :class:`RecipeError` when the
    file is not a review."""
    if not path.exists():
        return None
    try:
        return Review.model_validate(yaml.safe_load(path.read_text()))
    except (yaml.YAMLError, ValidationError) as exc:
        raise RecipeError(f"{path}: is not a Phantom review ({_first_line(exc)})") from exc


def draw_sample(
    content_hash: str, splits: dict[str, int], policy: ReviewPolicy
) -> list[tuple[str, int]]:
    """The rows to review, as (split, index) in reading order: ``ceil(share * rows)`` of them,
    at least 1 and at most ``max_rows``, drawn by a generator seeded by the content hash."""
    total = sum(splits.values())
    count = min(total, policy.max_rows, max(1, math.ceil(policy.share * total)))
    seed = int(hashlib.sha256(content_hash.encode()).hexdigest()[:16], 16)
    positions = np.sort(np.random.default_rng(seed).choice(total, size=count, replace=False))
    picks, start = [], 0
    bounds = []
    for split, rows in splits.items():
        bounds.append((split, start, start + rows))
        start += rows
    for position in positions.tolist():
        split, first, _ = next(b for b in bounds if b[1] <= position < b[2])
        picks.append((split, position - first))
    return picks


@dataclass
class ReviewSession:
    """A review being made: the rows shown side by side, and the file decisions go to."""

    root: Path
    path: Path
    review: Review
    synthetic: pd.DataFrame  # the sampled rows, in sample order
    real: pd.DataFrame | None  # their nearest real rows, aligned (None: no table seed)
    policy: ReviewPolicy

    def row(self, number: int) -> ReviewedRow:
        if not 1 <= number <= len(self.review.rows):
            raise RecipeError(
                f"{self.review.tag} has no sampled row {number}; expected 1 to "
                f"{len(self.review.rows)} (see 'phantom review {self.review.tag} --list')"
            )
        return self.review.rows[number - 1]

    def decide(self, number: int, decision: Decision | None, comment: str | None = None) -> None:
        """Record a decision (and a comment, when given) for sample row ``number``; saved."""
        row = self.row(number)
        row.decision = decision
        if comment is not None:
            row.comment = comment
        self.save()

    def comment(self, number: int, text: str) -> None:
        self.row(number).comment = text
        self.save()

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = self.review.model_dump(mode="json")
        atomic_write_text(self.path, yaml.safe_dump(data, sort_keys=False, allow_unicode=True))

    def commit(self) -> bool:
        """Commit the review file alone (nothing else staged goes with it); False when it had
        no change to commit."""
        self.save()
        relpath = self.path.relative_to(self.root).as_posix()
        git(self.root, "add", "--", relpath)
        if not git(self.root, "status", "--porcelain", "--", relpath).strip():
            return False
        message = f"review {self.review.tag}: {self.review.summary()}"
        git(self.root, "commit", "-q", "-m", message, "--only", "--", relpath)
        return True


def open_review(registry: RegistryLike, spec: str) -> ReviewSession:
    """The review of ``name@version``: the stored one when it reviewed these bytes, else a
    fresh sample. Raises :class:`DatasetNotFound` when that version is neither in the
    workspace nor released, :class:`RecipeError` when its recipe has no ``review:`` section.
    """
    folder = version_folder(registry, spec)
    manifest = json.loads((folder / MANIFEST).read_text())
    recipe = version_recipe(folder)
    policy = recipe.review or ReviewPolicy()
    path = review_path(registry.root, recipe.name, recipe.version)
    review = read_review(path)
    if review is None or review.content_hash != manifest["content_hash"]:
        picks = draw_sample(manifest["content_hash"], dict(manifest["splits"]), policy)
        rows = [ReviewedRow(row=i, split=s, index=j) for i, (s, j) in enumerate(picks, start=1)]
        review = Review(
            dataset=recipe.name,
            version=recipe.version,
            content_hash=manifest["content_hash"],
            share=policy.share,
            rows=rows,
        )
    synthetic = read_rows(folder, [(row.split, row.index) for row in review.rows])
    real = _nearest_real(registry, recipe, synthetic, review)
    return ReviewSession(registry.root, path, review, synthetic, real, policy)


def version_recipe(folder: Path) -> Recipe:
    """The recipe that built the version in ``folder``."""
    path = folder / RECIPE_COPY
    return parse_recipe(yaml.safe_load(path.read_text()), source=path)


def version_folder(registry: RegistryLike, spec: str) -> Path:
    """The folder of ``name@version``: the workspace ``data/<name>`` when it holds that
    version (a build waiting for release), else the released version, fetched."""
    parsed = VersionSpec.parse(spec)
    if parsed.kind != "exact":
        raise DatasetNotFound(f"review {spec!r}: expected name@version, e.g. {parsed.name}@1.0.0")
    workspace = registry.root / "data" / parsed.name
    try:
        manifest = json.loads((workspace / MANIFEST).read_text())
    except (OSError, ValueError):
        manifest = {}
    if manifest.get("version") == parsed.value:
        return workspace
    return registry.fetch(registry.resolve(spec))


def read_rows(folder: Path, picks: list[tuple[str, int]]) -> pd.DataFrame:
    """The rows ``picks`` names (split, index within it), in that order; reads only the shards
    that hold them."""
    import pandas as pd
    import pyarrow.parquet as pq

    found: dict[tuple[str, int], dict[str, object]] = {}
    for split, files in version_shards(folder).items():
        wanted = sorted(index for s, index in picks if s == split)
        start = 0
        for path in files:
            rows = pq.ParquetFile(path).metadata.num_rows
            inside = [i for i in wanted if start <= i < start + rows]
            if inside:
                table = pq.read_table(path).take([i - start for i in inside])
                for index, record in zip(inside, table.to_pylist(), strict=True):
                    found[(split, index)] = record
            start += rows
    return pd.DataFrame([found[pick] for pick in picks])


def _nearest_real(
    registry: RegistryLike, recipe: Recipe, synthetic: pd.DataFrame, review: Review
) -> pd.DataFrame | None:
    """The nearest train row of the seed to each sampled row (filling ``nearest_real`` and
    ``distance`` in ``review``), or None for recipes without a table seed."""
    if recipe.seed is None or recipe.generator.modality != "table" or synthetic.empty:
        return None
    from registry.context import build_context
    from registry.quality._encoding import encode, squared_distances
    from registry.quality.fidelity import column_kinds
    from registry.seeds import load_seed

    seed = load_seed(
        recipe.seed,
        root=registry.root,
        random_seed=recipe.random_seed,
        read_registry_version=build_context(registry).read_version,
    )
    train = seed.train
    kinds = {n: k for n, k in column_kinds(train).items() if n in synthetic.columns}
    if train.empty or not kinds:
        return None
    _, (encoded_train, encoded_sample) = encode(train, [synthetic[list(kinds)]], kinds)
    everything = np.arange(len(train))
    for position, row in enumerate(review.rows):
        squared = squared_distances(
            encoded_sample, np.full(len(train), position), encoded_train, everything
        )
        nearest = int(np.argmin(squared))
        row.nearest_real = nearest
        row.distance = round(float(np.sqrt(squared[nearest])), 6)
    return train.iloc[[row.nearest_real for row in review.rows]].reset_index(drop=True)


def require_review(
    root: Path, recipe: Recipe, folder: Path, *, action: Literal["release", "publish"]
) -> Review | None:
    """Refuse ``action`` while the recipe's ``review.min_accept`` gate is not met.

    The gate needs ``reviews/<name>@<version>.yaml`` committed, made for this content hash,
    every sampled row decided, and the accepted share at least ``min_accept``. Returns the
    review (None when the recipe asks for none); raises :class:`ReleaseError` or
    :class:`PublishError` with one line naming what is missing and the command to run.
    """
    policy = recipe.review
    if policy is None or policy.min_accept is None or not (folder / MANIFEST).exists():
        return None
    error = ReleaseError if action == "release" else PublishError
    content_hash = json.loads((folder / MANIFEST).read_text())["content_hash"]
    tag = f"{recipe.name}@{recipe.version}"
    path = review_path(root, recipe.name, recipe.version)
    relpath = path.relative_to(root).as_posix()
    needs = f"{tag} needs a human review before {action} (review.min_accept {policy.min_accept:g})"
    review = read_review(path)
    if review is None:
        raise error(f"{needs}, and {relpath} does not exist; run 'phantom review {tag}'")
    if review.content_hash != content_hash:
        raise error(
            f"{needs}: {relpath} reviewed other content ({review.content_hash[:19]}…); "
            f"run 'phantom review {tag}' again"
        )
    if (
        not git(root, "ls-files", "--", relpath).strip()
        or git(root, "status", "--porcelain", "--", relpath).strip()
    ):
        raise error(f"{needs}: {relpath} is not committed; run 'phantom review {tag} --commit'")
    if review.reviewed < len(review.rows):
        raise error(f"{needs}: {review.summary()}; run 'phantom review {tag}'")
    share = review.accept_share or 0.0
    if share < policy.min_accept:
        raise error(
            f"{needs}: {review.accepted} of {review.reviewed} rows accepted ({share:.0%}), "
            f"below {policy.min_accept:.0%}; fix the recipe and build a new version"
        )
    return review


def require_published_review(registry: RegistryLike, spec: str) -> None:
    """:func:`require_review` for ``phantom publish`` of the released version ``spec`` (a
    spec that resolves to nothing is left to the publish itself to report)."""
    try:
        version = registry.resolve(spec)
    except DatasetNotFound:
        return
    folder = registry.fetch(version)
    require_review(registry.root, version_recipe(folder), folder, action="publish")


def review_summary(root: Path, tag: str) -> str | None:
    """The one-line summary of the review of ``name@version``, for cards and ``phantom
    show`` (None when it has none, or its file is not a review)."""
    name, _, version = tag.partition("@")
    try:
        review = read_review(review_path(root, name, version))
    except PhantomError:
        return None
    return review.summary() if review is not None else None


def review_card_section(root: Path, tag: str) -> str:
    """A "Human review" section to show under a version's card ("" without a review).

    Shown beside the card rather than written into it: the card is part of the content hash,
    and a review comes after the build.
    """
    summary = review_summary(root, tag)
    if summary is None:
        return ""
    return f"\n\n## Human review\n\n{summary} ({REVIEWS_DIR}/{tag}.yaml)\n"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _cell(value: object) -> str:
    """A cell as the review shows it: floats to 4 significant digits, nulls as ``-``, bytes
    (images) by size."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, bytes | dict):
        return f"<{type(value).__name__}>"
    return str(value)[:60]


def side_by_side(session: ReviewSession, number: int) -> list[tuple[str, str, str]]:
    """Sample row ``number`` and its nearest real row, column by column: (column, synthetic,
    real); the real side is ``-`` for columns the seed has not (or with no seed)."""
    position = number - 1
    session.row(number)
    synthetic = session.synthetic.iloc[position]
    real = session.real.iloc[position] if session.real is not None else None
    lines = []
    for column in session.synthetic.columns:
        other = real[column] if real is not None and column in real.index else None
        lines.append((str(column), _cell(synthetic[column]), _cell(other)))
    return lines


__all__ = [
    "REVIEWS_DIR",
    "Review",
    "ReviewSession",
    "ReviewedRow",
    "draw_sample",
    "open_review",
    "read_review",
    "require_published_review",
    "require_review",
    "review_card_section",
    "review_path",
    "review_summary",
    "side_by_side",
    "version_folder",
]
