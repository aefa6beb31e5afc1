"""``phantom tui``: the Textual browser (imported only when the command runs)."""

from __future__ import annotations

from registry.cli import _registry, app


@app.command()
def tui() -> None:
    """Browse datasets, versions, cards, scores and data; compare versions; run SQL."""
    registry = _registry()
    from tui.app import PhantomApp

    PhantomApp(registry=registry).run()
