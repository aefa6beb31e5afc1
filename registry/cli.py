"""``phantom``: a thin Typer shell over :class:`registry.Registry`.

Each command parses options, makes one Registry call and prints the result. A
:class:`PhantomError` becomes one ``error: ...`` line on stderr and exit code 2 (``--debug``
adds the traceback); any other exception is a bug and raises. Nothing heavy is imported at
module level so that ``phantom --help`` answers at once.
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import click
import typer
from typer.core import TyperGroup

from registry.errors import PhantomError

if TYPE_CHECKING:
    from registry.core import Registry


class PhantomGroup(TyperGroup):
    """Translates Phantom's errors into one line and exit code 2, in one place."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PhantomError as exc:
            if ctx.meta.get("phantom.debug"):
                traceback.print_exc()
            typer.echo(f"error: {exc}", err=True)
            ctx.exit(2)


app = typer.Typer(
    cls=PhantomGroup,
    help="Phantom: a registry of versioned synthetic datasets.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def _options(
    ctx: typer.Context,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
) -> None:
    ctx.meta["phantom.debug"] = debug


def _registry(start: Path | None = None) -> Registry:
    from registry.core import Registry

    return Registry(start)


def _say(message: str) -> None:
    typer.echo(f"  {message}", err=True)


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="Folder to make a registry.")] = Path("."),
    remote: Annotated[
        Path | None, typer.Option(help="DVC remote folder (default: under ~/.local/share).")
    ] = None,
) -> None:
    """Make a folder a registry: git, DVC, a local remote, recipes/, cards/, dvc.yaml."""
    from registry.core import Registry

    registry = Registry.init(path, remote=remote)
    from registry.store import configured_remote

    typer.echo(f"registry ready at {registry.root} (DVC remote {configured_remote(registry.root)})")


@app.command()
def new(
    name: Annotated[str, typer.Argument(help="Dataset name: lowercase letters, digits, -.")],
    kind: Annotated[str, typer.Option(help="sdv or sampler.")] = "sampler",
) -> None:
    """Scaffold recipes/NAME.yaml and register its DVC stage."""
    path = _registry().new_recipe(name, kind=kind)
    typer.echo(f"wrote {path}; edit it, then run 'dvc repro'")


@app.command()
def validate(
    paths: Annotated[list[Path] | None, typer.Argument(help="Recipes (default: all).")] = None,
) -> None:
    """Check recipes: fields, seed columns, SQL expressions, DVC stages."""
    registry = _registry(paths[0].resolve().parent if paths else None)
    for recipe in registry.validate(paths):
        typer.echo(f"ok {recipe.spec}")


@app.command()
def materialize(
    recipes: Annotated[list[Path], typer.Argument(help="Recipe files to build.")],
) -> None:
    """Build data/<name>/ from recipes (dvc repro runs this for each changed recipe)."""
    for recipe_path in recipes:
        registry = _registry(recipe_path.resolve().parent)
        typer.echo(f"materializing {recipe_path}", err=True)
        result = registry.materialize(recipe_path, progress=_say)
        fidelity = (result.quality.get("fidelity") or {}).get("score")
        score = f", fidelity {fidelity:.3f}" if fidelity is not None else ""
        typer.echo(
            f"wrote {result.path.relative_to(registry.root)}: {result.manifest['rows']:,} rows, "
            f"{result.content_hash[:19]}…{score}"
        )


@app.command()
def release(name: Annotated[str, typer.Argument(help="Dataset to release.")]) -> None:
    """Tag NAME@VERSION and push its data to the DVC remote."""
    version = _registry().release(name)
    typer.echo(f"released {version.tag} ({version.content_hash[:19]}…)")


@app.command("ls")
def list_datasets() -> None:
    """List datasets and their released versions."""
    rows = []
    for summary in _registry().datasets():
        latest = summary.latest
        manifest = summary.materialized or {}
        rows.append(
            [
                summary.name,
                latest.version if latest else "-",
                str(len(summary.released)),
                summary.recipe_version,
                summary.generator,
                f"{manifest['rows']:,}" if manifest else "-",
            ]
        )
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


@app.command()
def schema() -> None:
    """Print the JSON Schema of recipes."""
    from registry.recipes import recipe_json_schema

    typer.echo(json.dumps(recipe_json_schema(), indent=2))


def _table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=False)]
    for row in [header, *rows]:
        typer.echo(
            "  ".join(
                str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)
            ).rstrip()
        )


def main() -> None:
    app(prog_name="phantom")


if __name__ == "__main__":
    sys.exit(main())
