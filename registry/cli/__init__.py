"""``phantom``: a thin Typer shell over :class:`registry.Registry`.

Each command parses options, makes one Registry call and prints the result. A
:class:`PhantomError` becomes one ``error: ...`` line on stderr and exit code 2 (``--debug``
adds the traceback); any other exception is a bug and raises. Nothing heavy is imported at
module level so that ``phantom --help`` answers at once.
"""

from __future__ import annotations

import gc
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


def _table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=False)]
    for row in [header, *rows]:
        typer.echo(
            "  ".join(
                str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)
            ).rstrip()
        )


# Commands register themselves on `app` when their module is imported.
from registry.cli import browse, build, catalog, hub, provenance, quality, review, tui  # noqa: E402

__all__ = [
    "app",
    "browse",
    "build",
    "catalog",
    "hub",
    "main",
    "provenance",
    "quality",
    "review",
    "tui",
]


#: Allocations between young collections of the cyclic garbage collector in a ``phantom``
#: process (Python's default is 700). Importing pandas, SciPy and scikit-learn allocates
#: millions of long-lived objects; at 700 the collector walks them ~400 times, 0.1-0.3 s of
#: CPU. A command is short-lived, and cycles still get collected, only in larger batches.
GC_THRESHOLD = 10_000


def main() -> None:
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    try:
        app(prog_name="phantom")
    finally:
        # The process ends here. Freezing the collector's objects spares the interpreter's
        # last collections from walking every object of pandas, SciPy and scikit-learn:
        # 0.3-0.5 s of exit after `phantom score` (objects are still freed as usual). Not
        # after DuckDB loaded: its bindings (nanobind) print every object still alive at
        # exit as a leak, dozens of lines after `phantom ls` or `phantom sql`.
        if "duckdb" not in sys.modules:
            gc.freeze()
