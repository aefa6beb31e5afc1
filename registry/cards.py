"""Dataset cards: Hugging Face YAML front matter + a body a reviewer reads.

``render_card`` is pure: the same recipe, splits, schema and scores give the same text, which
keeps the card (part of a version's content hash) deterministic. No timestamps, no git
revisions: those live in the manifest.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from registry.images import card_features, class_names_of_schema
from registry.provenance import card_line
from registry.quality.trust import trust_markdown
from registry.recipes import Recipe

_ARROW_TO_HF = {"double": "float64", "float": "float32", "halffloat": "float16"}
_SIZE_CATEGORIES = (
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
    (100_000_000, "10M<n<100M"),
    (1_000_000_000, "100M<n<1B"),
)


def size_category(rows: int) -> str:
    """The Hub's ``size_categories`` bucket for a row count."""
    return next((label for limit, label in _SIZE_CATEGORIES if rows < limit), "n>1T")


def hf_dtype(arrow_type: Any) -> str:
    """The ``dataset_info.features[].dtype`` name the Hub uses for an Arrow type."""
    text = str(arrow_type)
    return _ARROW_TO_HF.get(text, text)


def front_matter(
    recipe: Recipe, *, splits: dict[str, dict[str, Any]], schema: Any
) -> dict[str, Any]:
    """The card's YAML metadata: configs, dataset_info, license, categories, tags."""
    rows = sum(info["rows"] for info in splits.values())
    tags = ["synthetic", "phantom", *(t for t in recipe.card.tags if t not in {"synthetic"})]
    meta: dict[str, Any] = {}
    if recipe.card.pretty_name:
        meta["pretty_name"] = recipe.card.pretty_name
    meta["license"] = recipe.license
    if recipe.card.language:
        meta["language"] = list(recipe.card.language)
    if recipe.card.task_categories:
        meta["task_categories"] = list(recipe.card.task_categories)
    meta["size_categories"] = [size_category(rows)]
    meta["tags"] = list(dict.fromkeys(tags))
    meta["configs"] = [
        {
            "config_name": "default",
            "data_files": [{"split": name, "path": f"data/{name}-*"} for name in splits],
        }
    ]
    meta["dataset_info"] = {
        "features": card_features(names)
        if (names := class_names_of_schema(schema)) is not None
        else [{"name": field.name, "dtype": hf_dtype(field.type)} for field in schema],
        "splits": [
            {"name": name, "num_bytes": info["bytes"], "num_examples": info["rows"]}
            for name, info in splits.items()
        ],
        "download_size": sum(info["bytes"] for info in splits.values()),
        "dataset_size": sum(info["bytes"] for info in splits.values()),
    }
    return meta


def render_card(
    recipe: Recipe,
    *,
    splits: dict[str, dict[str, Any]],
    schema: Any,
    quality: Any,
    seed: Any | None,
    generation_depth: int,
    assets: str = "",
    library_versions: Mapping[str, str] | None = None,
) -> str:
    """The whole card as Markdown with YAML front matter.

    ``quality`` is the version's QualityReport; ``assets`` prefixes the plot paths (the card
    inside the dataset folder links ``plots/...``; the git-tracked copy in cards/ links back).
    ``library_versions`` (the generator's, as in the manifest) says whether torch made the
    rows, which decides where the content hash is promised to repeat.
    """
    meta = yaml.safe_dump(front_matter(recipe, splits=splits, schema=schema), sort_keys=False)
    title = recipe.card.pretty_name or recipe.name
    parts = [
        f"---\n{meta}---\n",
        f"# {title} {recipe.version}\n",
        f"{recipe.description}\n" if recipe.description else "",
        card_line(recipe, seed),
        _usage(recipe),
        _provenance(recipe, seed, generation_depth, library_versions or {}),
        _splits_table(splits),
        _schema_table(schema),
        _quality_section(quality, assets),
        "## Recipe\n\n```yaml\n"
        + yaml.safe_dump(recipe.model_dump(mode="json", exclude_defaults=True), sort_keys=False)
        + "```\n",
    ]
    return "\n".join(part for part in parts if part)


def _usage(recipe: Recipe) -> str:
    return (
        "## Use it\n\n"
        "```python\n"
        "import registry\n"
        f'ds = registry.load("{recipe.spec}")  # verified against the manifest\n\n'
        "import datasets\n"
        f'ds = datasets.load_dataset("data/{recipe.name}")  # in the registry checkout\n'
        "```\n"
    )


def _provenance(
    recipe: Recipe, seed: Any | None, depth: int, library_versions: Mapping[str, str]
) -> str:
    lines = [
        "## Provenance\n",
        "| | |",
        "|---|---|",
        f"| generator | {recipe.generator.label} |",
        f"| random seed | {recipe.random_seed} |",
        f"| generation depth | {depth} |",
        f"| content hash | {_reproducibility('torch' in library_versions)} |",
    ]
    if seed is not None:
        lines += [
            f"| seed | `{seed.source}`"
            + (f" ({seed.origin})" if seed.origin != seed.source else "")
            + " |",
            f"| seed sha256 | `{seed.sha256}` |",
            f"| seed rows | {len(seed.train):,} train, {len(seed.holdout):,} held out |",
        ]
    lines += [
        f"| {what} | {value.replace('|', '&#124;')} |"
        for what, value in recipe.generator.provenance(seeded=seed is not None)
    ]
    if depth > 0:
        lines.append(
            f"\n> Generation depth {depth}: this data was generated from synthetic data. "
            "Models trained on repeatedly re-synthesized data degrade (model collapse)."
        )
    return "\n".join(lines) + "\n"


def _reproducibility(torch_trained: bool) -> str:
    """Where a rebuild of the recipe is promised the same content hash, and where not."""
    same = "repeats for the same recipe, library versions (manifest) and machine type, 1 thread"
    if torch_trained:
        return same + "; torch trained the model, so another CPU type may give other bytes"
    return same + "; builds without torch also repeated across x86 CPU types"


def _splits_table(splits: dict[str, dict[str, Any]]) -> str:
    lines = ["## Splits\n", "| split | rows | parquet bytes |", "|---|---:|---:|"]
    lines += [f"| {name} | {info['rows']:,} | {info['bytes']:,} |" for name, info in splits.items()]
    return "\n".join(lines) + "\n"


def _schema_table(schema: Any) -> str:
    lines = ["## Columns\n", "| column | type |", "|---|---|"]
    names = class_names_of_schema(schema)
    if names is not None:
        shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
        lines += ["| image | Image (PNG) |", f"| label | ClassLabel: {shown} |"]
        return "\n".join(lines) + "\n"
    lines += [f"| {field.name} | {hf_dtype(field.type)} |" for field in schema]
    return "\n".join(lines) + "\n"


def _privacy_guarantee(guarantee: dict[str, Any] | None) -> str:
    """The formal privacy statement: the DP guarantee, or that there is none."""
    if not guarantee:
        return (
            "\nNo formal privacy guarantee applies: the generator was trained without "
            "differential privacy, so the privacy scores here are measurements on this sample "
            "(distances to the closest records, exact copies), not a bound."
        )
    return (
        f"\nDifferential privacy: the generator was trained with "
        f"{guarantee.get('mechanism', 'differential privacy')}; every seed row is protected "
        f"with epsilon = {guarantee['epsilon']:g}, delta = {guarantee['delta']:g}."
    )


def _model_selection(selection: dict[str, Any]) -> str:
    """model: auto's choice: which candidate won, what the runners-up scored."""
    scores = [
        f"| {c['model']}{' (kept)' if c['model'] == selection['winner'] else ''} | "
        + (
            f"{c['overall']:.1f} | {_share(c.get('dcr_share'))} | "
            + ", ".join(f"{area} {score:.0f}" for area, score in c["areas"].items())
            if "overall" in c
            else f"- | - | {c['skipped']}"
        )
        + " |"
        for c in selection["candidates"]
    ]
    rows = selection["fit_rows"] + selection["validation_rows"]
    kept = (
        f"the winner was then fitted again on all {rows:,} train rows and only its model was kept"
        if selection.get("refit")
        else "only the winner's model was kept"
    )
    return (
        f"\nModel selection (`model: auto`): **{selection['winner']}** won. Each candidate was "
        f"fitted on {selection['fit_rows']:,} rows of the seed's train part and scored on the "
        f"other {selection['validation_rows']:,} (never on the holdout), within a budget of "
        f"{selection['budget_seconds']:g} s. The best overall score wins among candidates whose "
        f"DCR share there is at most {selection.get('dcr_limit', 0.53):g} (0.53 and one "
        "standard error: their rows sit no closer to the rows they were fitted on than to the "
        f"validation rows); {kept}.\n\n"
        "| candidate | overall (validation) | DCR share | areas |\n|---|---:|---:|---|\n"
        + "\n".join(scores)
    )


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _quality_section(report: Any, assets: str) -> str:
    lines = ["## Quality\n"]
    if report.overall is not None:
        lines.append(f"Overall **{report.overall:.1f}/100**.\n")
    lines += ["| area | score | verdict | what it measures |", "|---|---:|---|---|"]
    lines += [
        f"| {name} | {area.score:.0f} | {area.verdict} | {area.summary} |"
        for name, area in report.areas.items()
    ]
    if report.holdout_rows:
        lines.append(
            f"\nCompared with {report.real_rows:,} real train rows; utility and privacy use "
            f"{report.holdout_rows:,} real rows the generator never saw."
        )
    if report.holdout_rows:
        lines.append(_privacy_guarantee(report.differential_privacy))
    if report.model_selection:
        lines.append(_model_selection(report.model_selection))
    if report.scored_rows is not None and report.scored_rows < report.rows:
        lines.append(
            f"\nScored on {report.scored_rows:,} of the {report.rows:,} rows: the first rows of "
            "every batch, the same sample on every build."
        )
    if report.gates:
        lines += ["", "| gate | threshold | value | passed |", "|---|---:|---:|---|"]
        lines += [
            f"| {g.gate} ({g.source}) | {g.threshold:g} | {_fmt(g.value)} | "
            f"{'yes' if g.passed else 'NO'} |"
            for g in report.gates
        ]
    if trust := trust_markdown(report.model_dump(mode="json")):
        lines += ["", trust]
    if report.images:
        lines += ["", *_image_scores(report)]
    if report.generation:
        lines += ["", *_generation_checks(report.generation)]
    if report.text:
        lines += ["", *_text_scores(report.text)]
    if report.worst_columns:
        lines += ["", "Worst columns:", "", "| column | score | metric |", "|---|---:|---|"]
        lines += [f"| {c.column} | {c.score:.3f} | {c.metric} |" for c in report.worst_columns]
    for name, path in report.plots.items():
        lines.append(f"\n![{name}]({assets}{path})")
    return "\n".join(lines) + "\n"


def _image_scores(report: Any) -> list[str]:
    """The image scores a reviewer checks, each beside the real-data figure it compares with."""
    images, utility, privacy = report.images, report.utility or {}, report.privacy or {}
    lines = [
        "| image score | synthetic | real reference |",
        "|---|---:|---:|",
        f"| label fidelity (real-trained classifier agrees) | {images['label_fidelity']:.1%} | |",
    ]
    if utility:
        lines.append(
            f"| accuracy on the real holdout, trained on synthetic (TSTR) vs real (TRTR) | "
            f"{utility['tstr']:.1%} | {utility['trtr']:.1%} |"
        )
    lines += [
        f"| Frechet distance to the real train images | {images['frechet_distance']:.3f} | "
        f"{images['frechet_baseline']:.3f} (holdout) |",
        f"| median distance to the nearest training image | {privacy['dcr_median']:.3f} | "
        f"{privacy['dcr_holdout_median']:.3f} (holdout) |",
        f"| near-copies of training images (RMS < {privacy['copy_distance']:g}) | "
        f"{privacy['exact_copies']} | {_percent(privacy.get('natural_copy_share'))} (holdout) |",
        "",
        f"Frechet encoder: {images['encoder']}; {images['frechet_images']:,} images a side, "
        f"{images['image_size']}x{images['image_size']} pixels.",
    ]
    if privacy.get("flagged_rows"):
        shown = ", ".join(str(i) for i in privacy["flagged_rows"])
        lines.append(f"Near-copies flagged (row numbers before splitting): {shown}.")
    by_class = images.get("label_fidelity_by_class") or {}
    if by_class:
        lines += ["", "| label | " + " | ".join(by_class) + " |"]
        lines += ["|---|" + "---:|" * len(by_class)]
        lines += ["| label fidelity | " + " | ".join(f"{v:.0%}" for v in by_class.values()) + " |"]
    return lines


def _generation_checks(generation: dict[str, Any]) -> list[str]:
    """Rejections per check and judge score distributions of a generated text version."""
    lines = [
        f"Generation: {generation['rows']:,} rows from {generation['attempts']:,} row attempts; "
        f"{generation['requests']:,} model responses ({generation['prompt_tokens']:,} prompt + "
        f"{generation['completion_tokens']:,} completion tokens)."
    ]
    if generation["checks"]:
        lines += [
            "",
            "| check | rows checked | rejected | rejection rate |",
            "|---|---:|---:|---:|",
        ]
        lines += [
            f"| {name} | {c['tried']:,} | {c['rejected']:,} | {c['rejection_rate']:.1%} |"
            for name, c in generation["checks"].items()
        ]
    for name, judge in generation["judges"].items():
        shown = ", ".join(f"{score}: {count}" for score, count in judge["scores"].items())
        lines.append(f"\nJudge {name}: mean {judge['mean']}, scores {shown}.")
    return lines


def _text_scores(text: dict[str, Any]) -> list[str]:
    """Per text column, its scores beside the real texts' (see registry.quality.text)."""
    lines = ["### Text\n"]
    for name, column in text["columns"].items():
        words, memo, utility = column["words"], column.get("memorization"), column.get("utility")

        def pair(key: str, fmt: Any = _fmt, c: dict[str, Any] = column) -> str:
            real = c.get(f"real_{key}")
            return f"{fmt(c.get(key))} | {fmt(real) if real is not None else ''}"

        def lengths(side: dict[str, Any] | None) -> str:
            return "" if not side else f"{side['mean']:.1f} / {side['median']:g} / {side['p90']:g}"

        def distinct(values: dict[str, float | None] | None) -> str:
            return " / ".join(_fmt(v) for v in values.values()) if values else ""

        rows = [
            f"| words per text (mean / median / p90) | {lengths(words['synthetic'])} | "
            f"{lengths(words.get('real'))} |",
            f"| distinct-1 / 2 / 3 | {distinct(column['distinct'])} | "
            f"{distinct(column.get('real_distinct'))} |",
            f"| near-duplicate rate | {pair('near_duplicate_rate', _percent)} |",
            f"| embedding diversity (mean cosine distance) | {pair('embedding_diversity')} |",
        ]
        if column.get("frechet_distance") is not None:
            rows.append(
                f"| Frechet distance to the real train texts | {column['frechet_distance']:.3f} | "
                f"{_fmt(column.get('frechet_baseline'))} (holdout) |"
            )
        if utility:
            rows.append(
                f"| ROC AUC on the real holdout, trained on synthetic (TSTR) vs real (TRTR) | "
                f"{_fmt(utility['tstr'])} | {_fmt(utility['trtr'])} |"
            )
        if memo:
            rows += [
                f"| exact copies of seed texts | {memo['exact_copies']} "
                f"({_percent(memo['exact_copy_share'])}) | "
                f"{_percent(memo['natural_copy_share'])} (holdout) |",
                f"| longest word n-gram shared with a seed text | {memo['longest_shared_ngram']} | "
                f"{memo['natural_longest_shared_ngram'] or ''} (holdout) |",
            ]
        lines += [
            f"| `{name}` ({column['source']}, {column['rows']:,} texts) | synthetic | real |",
            "|---|---:|---:|",
            *rows,
        ]
        if memo and memo["flagged"]:
            lines.append(
                f"\n**Memorization:** `{name}` copies seed texts beyond the natural rate "
                f"(rows {', '.join(map(str, memo['flagged_rows']))})."
            )
        lines.append("")
    encoder = text["encoder"] or f"none ({text['skipped']})"
    lines.append(f"Encoder: {encoder}. Near-duplicates: {text['near_duplicates']}.")
    return lines


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"
