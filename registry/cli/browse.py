"""Commands that look at a registry: ls, show."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from registry.cli import _registry, _table, app


@app.command("ls")
def list_datasets() -> None:
    """List datasets and their released versions."""
    rows = [
        [
            row["name"],
            row["latest"] or "-",
            str(row["releases"]),
            row["recipe_version"] or "?",
            row["generator"] or "?",
            f"{row['workspace_rows']:,}" if row["workspace_rows"] is not None else "-",
        ]
        for row in _registry().catalog().datasets()
    ]
    _table(["name", "latest", "releases", "recipe", "generator", "rows (workspace)"], rows)


@app.command()
def show(spec: Annotated[str, typer.Argument(help="name or name@version.")]) -> None:
    """Show a dataset's versions, or one version's manifest and scores."""
    from registry.versions import VersionSpec

    registry = _registry()
    parsed = VersionSpec.parse(spec)
    if parsed.kind == "latest":
        recipe = registry.load_recipe(parsed.name)
        typer.echo(f"{recipe.name}: {recipe.description}")
        typer.echo(f"recipe version {recipe.version}, generator {recipe.generator.kind}")
        rows = [
            [v.version, v.content_hash[:19] + "…", v.rev[:10]]
            for v in registry.versions(parsed.name)
        ]
        _table(["version", "content", "commit"], rows)
        return
    version = registry.resolve(spec)
    folder = registry.fetch(version)
    manifest = json.loads((folder / "manifest.json").read_text())
    quality = json.loads((folder / "quality.json").read_text())
    fidelity = quality.get("fidelity") or {}
    typer.echo(f"{version.tag}  {version.content_hash}")
    typer.echo(f"commit {version.rev}  generation depth {manifest['generation_depth']}")
    typer.echo(f"rows {manifest['rows']:,}  splits {manifest['splits']}")
    typer.echo("columns " + ", ".join(f"{c['name']}:{c['type']}" for c in manifest["columns"]))
    if manifest.get("seed"):
        typer.echo(f"seed {manifest['seed']['source']} ({manifest['seed']['sha256'][:19]}…)")
    if fidelity:
        typer.echo(
            f"fidelity {fidelity['score']:.3f} (shapes {fidelity['column_shapes']:.3f}, "
            f"pair trends {fidelity['column_pair_trends']})"
        )
    typer.echo(f"files in {folder}")
