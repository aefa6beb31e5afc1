"""What differs between tables, images and text once a generator has made rows.

A generator declares its ``modality``; this table says, for each, how the seed is read and
checked, how a batch of rows becomes an Arrow table (the parquet shards' schema), and how a
version is scored. The pipeline asks ``modality(generator.modality)`` and never which
generator class it holds, so a plugin generator of a known modality gets all of it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from registry.errors import GeneratorError, RecipeError

if TYPE_CHECKING:
    import pyarrow as pa

    from registry.generators import BuildContext
    from registry.quality.report import QualityReport
    from registry.recipes import Recipe
    from registry.seeds import SeedData


class Modality:
    """What a modality decides. The defaults count nothing over every row; subclasses say how
    seeds are checked, batches become Arrow, and versions are scored."""

    name: str
    reads_images: bool = False  # the seed is read as labeled images, not a table

    def validate(self, recipe: Recipe, *, context: BuildContext) -> None:
        raise NotImplementedError

    def check_seed(self, recipe: Recipe, train: pd.DataFrame) -> None:
        raise NotImplementedError

    def arrow_table(
        self, frame: pd.DataFrame, class_names: list[str] | None, schema: pa.Schema | None = None
    ) -> pa.Table:
        raise NotImplementedError

    def exact_counts(self, seed: SeedData | None) -> Any:
        """What is counted over every row of a build, batch by batch (``add(batch)``)."""
        return None

    def watermark(self, frame: pd.DataFrame) -> pd.DataFrame:
        """A sampled batch as it is written and scored: marked as generated where the
        modality can carry an invisible mark (images); rows of tables carry nothing extra."""
        return frame

    def with_exact_counts(
        self, report: QualityReport, counter: Any, *, recipe: Recipe
    ) -> QualityReport:
        """``report`` with the counts over every row in place of the sample's."""
        return report

    def score(
        self,
        sample: pd.DataFrame,
        seed: SeedData | None,
        *,
        recipe: Recipe,
        plots_dir: Path | None,
    ) -> QualityReport:
        raise NotImplementedError


class TableModality(Modality):
    """Rows of typed columns: scored for fidelity, utility and privacy against the seed, or,
    without a seed, for how well each column follows what its recipe declares."""

    name = "table"

    def validate(self, recipe: Recipe, *, context: BuildContext) -> None:
        """The columns the recipe names must be in its seed (read without loading it all)."""
        if recipe.seed is None:
            return
        from registry.seeds import seed_columns

        columns = seed_columns(
            recipe.seed, root=context.root, read_registry_version=context.read_version
        )
        check_seed_columns(recipe, columns)

    def check_seed(self, recipe: Recipe, train: pd.DataFrame) -> None:
        check_seed_columns(recipe, [str(c) for c in train.columns])

    def arrow_table(
        self, frame: pd.DataFrame, class_names: list[str] | None, schema: pa.Schema | None = None
    ) -> pa.Table:
        """``frame`` as Arrow; categoricals become plain strings (Arrow dictionaries are not an
        HF datasets feature). With ``schema``, every batch gets the first batch's types."""
        import pyarrow as pa

        frame = _parquet_friendly(frame)
        try:
            return pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise GeneratorError(
                f"a batch of rows does not fit the first batch's column types: {exc}"
            ) from exc

    def exact_counts(self, seed: SeedData | None) -> Any:
        """Exact copies of train rows (the privacy gates and the Hub's refusal rely on it)."""
        if seed is None:
            return None
        from registry.quality.privacy import CopyCounter

        return CopyCounter(seed.train)

    def with_exact_counts(
        self, report: QualityReport, counter: Any, *, recipe: Recipe
    ) -> QualityReport:
        if counter is None or report.scored_rows is None or report.scored_rows >= report.rows:
            return report
        from registry.quality.report import with_exact_copies

        return with_exact_copies(
            report, copies=counter.copies, rows=counter.rows, gates=recipe.quality
        )

    def score(
        self,
        sample: pd.DataFrame,
        seed: SeedData | None,
        *,
        recipe: Recipe,
        plots_dir: Path | None,
    ) -> QualityReport:
        report = self._table_scores(sample, seed, recipe=recipe, plots_dir=plots_dir)
        return with_text(report, sample, seed, recipe=recipe)

    def _table_scores(
        self,
        sample: pd.DataFrame,
        seed: SeedData | None,
        *,
        recipe: Recipe,
        plots_dir: Path | None,
    ) -> QualityReport:
        from registry.quality.report import score_sampler, score_tables

        if seed is None:  # declared columns: scored against their declarations
            return score_sampler(
                recipe.generator, sample, gates=recipe.quality, plots_dir=plots_dir
            )
        return score_tables(
            seed.train,
            sample,
            holdout=seed.holdout,
            target=recipe.target,
            gates=recipe.quality,
            generation_depth=seed.generation_depth,
            random_seed=recipe.random_seed,
            plots_dir=plots_dir,
            privacy_audit=recipe.privacy_audit,
            bias_audit=recipe.bias_audit,
            requested_shares=recipe.generator.requested_shares(),
        )


class ImageModality(Modality):
    """Labeled images (``image`` PNG bytes + ``label``): HF ``Image``/``ClassLabel`` shards,
    scored for label fidelity, Frechet distance, TSTR and memorization."""

    name = "images"
    reads_images = True

    def validate(self, recipe: Recipe, *, context: BuildContext) -> None:
        """The seed must read as labeled images holding every label the recipe names."""
        from registry.seeds import load_seed

        assert recipe.seed is not None  # the recipe model requires it for image kinds
        seed = load_seed(
            recipe.seed,
            root=context.root,
            random_seed=recipe.random_seed,
            read_registry_version=context.read_version,
            images=True,
        )
        self.check_seed(recipe, seed.train)

    def check_seed(self, recipe: Recipe, train: pd.DataFrame) -> None:
        from registry.images import LABEL_COLUMN, class_names

        recipe.generator.check_labels(class_names(train[LABEL_COLUMN]))

    def arrow_table(
        self, frame: pd.DataFrame, class_names: list[str] | None, schema: pa.Schema | None = None
    ) -> pa.Table:
        from registry.images import hf_table

        if class_names is None:
            raise GeneratorError("an image generator must know its class names before writing")
        return hf_table(frame, class_names)

    def watermark(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Every image large enough carries the invisible mark (:mod:`registry.watermark`)."""
        from registry.images import IMAGE_COLUMN, decode_image, encode_png
        from registry.watermark import can_mark, mark

        # A generator's images share one size: the first says whether any can carry the mark.
        if frame.empty or not can_mark(decode_image(frame[IMAGE_COLUMN].iloc[0])):
            return frame
        frame = frame.copy()
        frame[IMAGE_COLUMN] = [encode_png(mark(decode_image(v))) for v in frame[IMAGE_COLUMN]]
        return frame

    def score(
        self,
        sample: pd.DataFrame,
        seed: SeedData | None,
        *,
        recipe: Recipe,
        plots_dir: Path | None,
    ) -> QualityReport:
        from registry.quality.report import score_image_set

        assert seed is not None
        return score_image_set(
            seed.train,
            sample,
            holdout=seed.holdout,
            gates=recipe.quality,
            generation_depth=seed.generation_depth,
            random_seed=recipe.random_seed,
            plots_dir=plots_dir,
        )


class TextModality(TableModality):
    """Rows whose main columns are text: written and scored as a table, plus the text scores
    of its text columns (the ``text`` section; see :mod:`registry.quality.text`) and what the
    generator's checks counted (:func:`registry.quality.report.with_generation`)."""

    name = "text"

    def score(
        self,
        sample: pd.DataFrame,
        seed: SeedData | None,
        *,
        recipe: Recipe,
        plots_dir: Path | None,
    ) -> QualityReport:
        from registry.quality.report import draft_text_report

        depth = seed.generation_depth if seed is not None else 0
        report = draft_text_report(sample, gates=recipe.quality, generation_depth=depth)
        return with_text(report, sample, seed, recipe=recipe)


MODALITIES: dict[str, Modality] = {
    "table": TableModality(),
    "images": ImageModality(),
    "text": TextModality(),
}


def modality(name: str) -> Modality:
    """The handler of a modality; raises :class:`GeneratorError` for an unknown one."""
    try:
        return MODALITIES[name]
    except KeyError:
        raise GeneratorError(
            f"unknown modality {name!r}; expected one of {', '.join(MODALITIES)}"
        ) from None


def check_seed_columns(recipe: Recipe, columns: list[str]) -> None:
    """The target and every column the generator section names must exist in the seed."""
    expected = ", ".join(map(str, columns))
    if recipe.target is not None and recipe.target not in columns:
        raise RecipeError(
            f"target: column {recipe.target!r} is not in the seed; expected one of {expected}"
        )
    for where, column in [*recipe.generator.named_columns(), *audited_columns(recipe)]:
        if column not in columns:
            raise RecipeError(f"{where}: {column!r} is not in the seed; expected one of {expected}")


def audited_columns(recipe: Recipe) -> list[tuple[str, str]]:
    """``(field path, column)`` for each column the recipe's privacy and bias audits name."""
    named = []
    if recipe.privacy_audit is not None:
        for field in ("quasi_identifiers", "sensitive"):
            named += [
                (f"privacy_audit.{field}[{i}]", column)
                for i, column in enumerate(getattr(recipe.privacy_audit, field))
            ]
    if recipe.bias_audit is not None:
        named += [(f"bias_audit.columns[{i}]", c) for i, c in enumerate(recipe.bias_audit.columns)]
    return named


def with_text(
    report: QualityReport, sample: pd.DataFrame, seed: SeedData | None, *, recipe: Recipe
) -> QualityReport:
    """``report`` with the scores of the sample's free-text columns, if it has any (the
    generator's declared text columns, else those detected; see :mod:`registry.quality.text`)."""
    from registry.quality.report import with_text_scores
    from registry.quality.text import score_text

    text = score_text(
        sample,
        train=seed.train if seed is not None else None,
        holdout=seed.holdout if seed is not None else None,
        declared=recipe.generator.text_columns(),
        target=recipe.target,
        random_seed=recipe.random_seed,
    )
    return with_text_scores(report, text, gates=recipe.quality)


def _parquet_friendly(frame: pd.DataFrame) -> pd.DataFrame:
    categorical = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    if not categorical:
        return frame
    frame = frame.copy()
    for column in categorical:
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


__all__ = [
    "MODALITIES",
    "ImageModality",
    "Modality",
    "TableModality",
    "TextModality",
    "modality",
]
