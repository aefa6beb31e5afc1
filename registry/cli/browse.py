"""Commands that look at a registry: ls, show.

They read through :mod:`registry.browse`, as the TUI does, so both show the same thing.
"""

from __future__ import annotations

from typing import Annotated

import typer

from registry.cli import _registry, _table, app


@app.command("ls")
def list_datasets() -> None:
    """List datasets and their released versions."""
    from registry.browse import dataset_rows

    rows = [
        [
            row.name,
            row.latest or "-",
            str(row.releases),
            row.recipe_version or "?",
            row.generator or "?",
            f"{row.rows:,}" if row.rows is not None else "-",
        ]
        for row in dataset_rows(_registry())
    ]
    _table(["name", "latest", "releases", "recipe", "generator", "rows"], rows)


@app.command()
def show(spec: Annotated[str, typer.Argument(help="name or name@version.")]) -> None:
    """Show a dataset's versions, or one version's schema, scores and files."""
    from registry.browse import dataset_row, version_detail, version_rows
    from registry.versions import VersionSpec

    registry = _registry()
    parsed = VersionSpec.parse(spec)
    if parsed.kind == "latest":
        dataset = dataset_row(registry, parsed.name)
        typer.echo(f"{dataset.name}: {dataset.description or ''}".rstrip())
        typer.echo(
            f"recipe version {dataset.recipe_version or '?'}, generator {dataset.generator or '?'}"
        )
        rows = [
            [v.version, v.content_hash[:19] + "…", v.rev[:10]]
            for v in reversed(version_rows(registry, parsed.name))
        ]
        _table(["version", "content", "commit"], rows)
        return
    detail = version_detail(registry, registry.resolve(spec).tag)
    folder = registry.fetch(detail.version)
    row, fidelity = detail.row, detail.quality.get("fidelity") or {}
    typer.echo(f"{row.tag}  {row.content_hash}")
    typer.echo(f"commit {row.rev}  generation depth {row.generation_depth}")
    typer.echo(f"rows {row.rows:,}  splits {detail.splits}" if row.rows is not None else "rows ?")
    typer.echo("columns " + ", ".join(f"{c.name}:{c.type}" for c in detail.schema))
    if detail.seed_source:
        typer.echo(f"seed {detail.seed_source} ({(detail.seed_sha256 or '?')[:19]}…)")
    if fidelity:
        typer.echo(
            f"fidelity {fidelity['score']:.3f} (shapes {fidelity['column_shapes']:.3f}, "
            f"pair trends {fidelity['column_pair_trends']})"
        )
    from registry.review import review_summary

    typer.echo(f"review {review_summary(registry.root, row.tag) or 'none'}")
    typer.echo(f"files in {folder}")
