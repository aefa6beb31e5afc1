"""Commands that make and release datasets: init, new, validate, materialize, release, schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from registry.cli import _registry, _say, app


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="Folder to make a registry.")] = Path("."),
    remote: Annotated[
        str | None,
        typer.Option(
            help="DVC remote: a folder, or any URL DVC supports (s3://, gs://, azure://, "
            "ssh://, https://...). Default: a folder under ~/.local/share."
        ),
    ] = None,
) -> None:
    """Make a folder a registry: git, DVC, a local remote, recipes/, cards/, dvc.yaml."""
    from registry.core import Registry

    registry = Registry.init(path, remote=remote)
    typer.echo(f"registry ready at {registry.root} (DVC remote {registry.remote_url()})")


@app.command()
def new(
    name: Annotated[str, typer.Argument(help="Dataset name: lowercase letters, digits, -.")],
    kind: Annotated[
        str,
        typer.Option(
            help="table (real tables: TabularARGN, Phantom's copula or the best of both), sdv, "
            "sampler, diffusion or llm."
        ),
    ] = "table",
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
    executor: Annotated[
        str | None,
        typer.Option(
            help="Who samples the shards: local or ray (default: $PHANTOM_EXECUTOR, else local)."
        ),
    ] = None,
    address: Annotated[
        str | None,
        typer.Option(help="Ray cluster address (default: $RAY_ADDRESS, else a local Ray)."),
    ] = None,
) -> None:
    """Build data/<name>/ from recipes (dvc repro runs this for each changed recipe)."""
    for recipe_path in recipes:
        registry = _registry(recipe_path.resolve().parent)
        typer.echo(f"materializing {recipe_path}", err=True)
        result = registry.materialize(
            recipe_path, progress=_say, executor=executor, address=address
        )
        overall = result.quality.get("overall")
        score = f", overall {overall:.1f}/100" if overall is not None else ""
        typer.echo(
            f"wrote {result.path.relative_to(registry.root)}: {result.manifest['rows']:,} rows, "
            f"{result.content_hash[:19]}…{score}"
        )


@app.command()
def release(name: Annotated[str, typer.Argument(help="Dataset to release.")]) -> None:
    """Tag NAME@VERSION and push its data to the DVC remote."""
    version = _registry().release(name)
    typer.echo(f"released {version.tag} ({version.content_hash[:19]}…)")


@app.command()
def schema() -> None:
    """Print the JSON Schema of recipes."""
    from registry.recipes import recipe_json_schema

    typer.echo(json.dumps(recipe_json_schema(), indent=2))
