"""Commands for the Hugging Face Hub and pins: publish, pull, lock."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from registry.cli import _registry, _say, app


@app.command()
def publish(
    spec: Annotated[str, typer.Argument(help="Released version, e.g. fraud@1.2.0.")],
    repo: Annotated[str, typer.Option("--repo", help="Hub dataset repo, e.g. org/fraud.")],
    private: Annotated[
        bool, typer.Option("--private", help="Create the repo private (if it is new).")
    ] = False,
) -> None:
    """Upload a released version to a Hub dataset repo as one commit, tagged with the version.

    The endpoint follows HF_ENDPOINT; the token comes from HF_TOKEN or 'hf auth login'.
    """
    result = _registry().publish(spec, repo, private=private, progress=_say)
    for warning in result.card_warnings:
        typer.echo(f"warning: {warning}", err=True)
    if result.unchanged:
        typer.echo(f"{repo}@{result.version.version} is already published (no change)")
        return
    typer.echo(
        f"published {result.version.tag} to {repo}@{result.version.version} "
        f"(commit {result.commit[:12]}, {len(result.uploaded)} files"
        + (f", {len(result.deleted)} removed" if result.deleted else "")
        + ")"
    )


@app.command()
def pull(
    spec: Annotated[str, typer.Argument(help="Published version, e.g. org/fraud@1.2.0.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace data/<name>/ when it holds other content.")
    ] = False,
) -> None:
    """Bring a version published on the Hub into this registry's data/<name>/, verified."""
    result = _registry().pull(spec, force=force, progress=_say)
    where = f"data/{result.name}"
    if result.unchanged:
        typer.echo(f"{where} already holds {result.version.spec}")
    else:
        typer.echo(
            f"pulled {result.version.spec} into {where} ({result.version.content_hash[:19]}…)"
        )
    if result.recipe_written:
        typer.echo(f"wrote recipes/{result.name}.yaml from the published recipe")


@app.command()
def lock(
    config: Annotated[Path, typer.Argument(help="Training config (YAML) naming dataset specs.")],
    repo: Annotated[
        str | None, typer.Option("--repo", help="Registry path or git URL (default: here).")
    ] = None,
) -> None:
    """Pin the dataset specs of a training config: writes CONFIG.lock beside it."""
    from registry.pins import describe, lock_config

    written = lock_config(config, repo=repo)
    for line in describe(written):
        typer.echo(line)
    typer.echo(f"wrote {written.path}", err=True)
