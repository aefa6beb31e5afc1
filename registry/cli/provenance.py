"""Commands for provenance: verify a version, sign with a key, trust a signer."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from registry.cli import _registry, app


@app.command()
def verify(
    spec: Annotated[str, typer.Argument(help="Released version, e.g. fraud@1.2.0.")],
) -> None:
    """Check a version's files (sha256), its manifest's signature and its images' watermark.

    Fails with one line naming the file that differs, or the signer that is not trusted.
    """
    result = _registry().verify_version(spec)
    manifest = result.manifest
    typer.echo(f"{manifest['name']}@{manifest['version']}: {result.files} files match the manifest")
    typer.echo(f"  content  {manifest['content_hash']}")
    typer.echo(f"  manifest {result.signature.describe()}")
    if result.watermark is not None:
        typer.echo(f"  images   {result.watermark.describe()}")


@app.command()
def config(
    key: Annotated[
        str,
        typer.Argument(
            help="signing.key (yours, in git config), signing.required or "
            "signing.allowed_signers (shared, in phantom.yaml)."
        ),
    ],
    value: Annotated[str | None, typer.Argument(help="New value; omit to show it.")] = None,
) -> None:
    """Show or set a registry setting; the key decides where it is kept."""
    registry = _registry()
    if value is None:
        shown = registry.get_setting(key)
        typer.echo("(not set)" if shown is None else shown)
        return
    where = registry.set_setting(key, value)
    typer.echo(f"{key} = {value} ({where})")


@app.command()
def trust(
    key: Annotated[Path, typer.Argument(help="The signer's SSH public key, e.g. id_ed25519.pub.")],
    principal: Annotated[
        str, typer.Option("--as", help="Who signs with it, e.g. an email address.")
    ],
) -> None:
    """Trust a key to sign versions: adds it to the registry's allowed_signers (commit that)."""
    path = _registry().trust(key, principal)
    typer.echo(f"{principal} may sign versions ({path.name}); commit it")
