"""How values look on screen: scores, counts, dates, hashes and data cells."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from rich.text import Text
from textual.markup import escape

DASH = "–"
CELL_CHARS = 40
AREA_ABBREVIATIONS = {
    "fidelity": "fid",
    "utility": "util",
    "privacy": "priv",
    "conformance": "conf",
}


def esc(value: str) -> str:
    """``value`` made safe to put in Textual markup (names, messages, anything not ours)."""
    return escape(value)


def score_style(score: float | None, *, scale: float = 100.0) -> str:
    """The colour of a score: good (>= 80 %), fair (>= 60 %) or poor."""
    if score is None:
        return "dim"
    share = score / scale
    return "green" if share >= 0.8 else "yellow" if share >= 0.6 else "red"


def area_scores(areas: dict[str, float]) -> str:
    """Markup of a version's area scores, abbreviated and coloured: ``fid 81  priv 98``."""
    return "  ".join(
        f"{esc(AREA_ABBREVIATIONS.get(a, a))} [{score_style(s)}]{s:.0f}[/]"
        for a, s in areas.items()
    )


def overall_score(value: float | None) -> str:
    """Markup of an overall score, coloured, or a dash where there is none."""
    return f"[{score_style(value)}]{value:.1f}[/]" if value is not None else DASH


def score(value: float | None, *, scale: float = 100.0, digits: int = 1) -> Text:
    """A 0-100 (or 0-1, with ``scale=1``) score, coloured by verdict; a dash when unknown."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return Text(DASH, style="dim", justify="right")
    return Text(f"{value:.{digits}f}", style=score_style(value, scale=scale), justify="right")


def count(value: int | None) -> Text:
    if value is None:
        return Text(DASH, style="dim", justify="right")
    return Text(f"{value:,}", justify="right")


def date(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else DASH


def short_date(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else DASH


def gates(passed: bool | None) -> Text:
    if passed is None:
        return Text(DASH, style="dim")
    return Text("pass", style="green") if passed else Text("FAIL", style="bold red")


def text(value: str | None, *, limit: int | None = None) -> str:
    """Plain text (not markup) for a DataTable cell or a Static: a dash when empty."""
    if not value:
        return DASH
    if limit is not None and len(value) > limit:
        return value[: limit - 1] + "…"
    return value


def cell(value: Any) -> Text | str:  # Text, never a str: a str cell is read as markup
    """A data or query cell: NULL dimmed, numbers right-aligned, long text cut."""
    if value is None:
        return Text("NULL", style="dim italic")
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return Text(str(value), justify="right")
    if isinstance(value, float):
        return Text(f"{value:.6g}", justify="right")
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    shown = str(value)
    return Text(shown if len(shown) <= CELL_CHARS else shown[: CELL_CHARS - 1] + "…")


def signed(value: float | None) -> Text:
    if value is None or value == 0:
        return Text("")
    style = "green" if value > 0 else "red"
    return Text(f"{value:+,.4g}", style=style, justify="right")


def plain(value: Any) -> str:
    """A value as short text (escape it before putting it in markup)."""
    if value is None:
        return DASH
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e6 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def literal(value: Any) -> Text:
    """A value as a DataTable cell that is never read as markup."""
    return Text(plain(value))


def linked_quality(quality: dict[str, Any]) -> list[str]:
    """Markup lines of a linked-tables report (nothing for one table): each table's overall,
    the sequence lengths, the parent-child coherence and referential integrity."""
    linked = quality.get("linked")
    if not isinstance(linked, dict):
        return []
    tables = quality.get("tables") or {}
    overall = "  ".join(
        f"{esc(str(name))} {overall_score(report.get('overall'))}"
        for name, report in tables.items()
        if isinstance(report, dict)
    )
    lengths = linked.get("sequence_lengths") or {}
    real, synthetic = lengths.get("real") or {}, lengths.get("synthetic") or {}
    coherence = linked.get("coherence") or {}
    integrity = linked.get("referential_integrity") or {}

    def unit(value: Any, spec: str = ".3f") -> str:
        if not isinstance(value, int | float):
            return DASH
        return f"[{score_style(value, scale=1)}]{value:{spec}}[/]"

    return [
        f"[b]{'tables':<11}[/b] {overall or DASH}  [dim](each table's own overall)[/]",
        f"[b]{'sequences':<11}[/b] {unit(lengths.get('score'))}  [dim]1 - KS of children per "
        f"parent; mean {esc(plain(real.get('mean')))} real, "
        f"{esc(plain(synthetic.get('mean')))} synthetic[/]",
        f"[b]{'coherence':<11}[/b] {unit(coherence.get('score'))}  [dim]parent columns against "
        f"their children's aggregates (shapes {esc(plain(coherence.get('aggregate_shapes')))})[/]",
        f"[b]{'integrity':<11}[/b] {unit(integrity.get('share'), '.1%')}  [dim]of children "
        f"have a parent; {esc(plain(integrity.get('orphans')))} orphans, "
        f"{esc(plain(integrity.get('duplicate_parent_keys')))} duplicate parent keys[/]",
    ]
