"""Plots a reviewer reads faster than numbers, saved with a version and embedded in its card.

:func:`save_plots` writes, into one folder:

* ``columns.png``: one panel per column. With real data, the real and the synthetic
  distribution overlaid: shares of rows in shared bins for numbers and datetimes (one bin per
  value for small whole numbers; a long tail is cut at the 0.5 and 99.5 percentiles of both
  frames and its rows counted in the end bins, which the panel says), and side-by-side bars of
  the most frequent categories (the rest as ``other``, nulls as ``(null)``) for categorical and
  boolean columns. Without real data (a sampler recipe) the synthetic distributions alone.
* ``correlations.png`` (only with real data and at least two numerical or datetime columns):
  the real and the synthetic Pearson correlation matrices side by side, on one colour scale
  from -1 to 1, each cell labelled.

Drawing uses matplotlib's object API on an Agg canvas (no pyplot, no global state; matplotlib
is imported only here, on first use). Sizes, dpi and fonts are fixed and the PNG carries no
``Software`` text, so the same frames give the same bytes: the files become part of a
version's content hash. Bytes can still change with the matplotlib or FreeType version, as
parquet bytes change with pyarrow's. Histograms and counts are computed with numpy/pandas
first, so matplotlib only ever draws a few hundred bars.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from registry.quality.fidelity import ColumnKind

COLUMNS_FILE = "columns.png"
CORRELATIONS_FILE = "correlations.png"
DPI = 100
PANEL_SIZE = (4.2, 2.9)  # inches per column panel, margins included
PANEL_MARGINS = (1.2, 0.15, 0.5, 0.45)  # left (category labels), right, top (title), bottom
LEGEND_HEIGHT = 0.4
CELL_SIZE = 0.45  # inches per cell of a correlation matrix
GRID_COLUMNS = 3
NUM_BINS = 40
SMALL_INTEGER_SPAN = 60  # whole numbers spanning at most this many values get a bin each
TAIL_QUANTILES = (0.005, 0.995)
TAIL_RATIO = 3.0  # cut the range to the quantiles when the full range is this much wider
TOP_CATEGORIES = 8
LABEL_CHARS = 16
REAL_COLOR = "#1f77b4"
SYNTHETIC_COLOR = "#ff7f0e"
NULL_LABEL = "(null)"
_PNG_METADATA: dict[str, str | None] = {"Software": None}


def save_plots(
    real: pd.DataFrame | None,
    synthetic: pd.DataFrame,
    folder: Path,
    *,
    columns: Sequence[str] | None = None,
    kinds: Mapping[str, ColumnKind] | None = None,
    max_columns: int = 12,
) -> dict[str, str]:
    """Draw the column and correlation plots into ``folder`` (created if missing).

    ``columns`` come first (the caller passes the worst-scoring ones), then the other columns
    in frame order, up to ``max_columns`` panels; ``"id"`` columns (keys, uuids, free text)
    are never drawn. ``kinds`` defaults to :func:`registry.quality.fidelity.column_kinds` of
    the real frame (the synthetic one without real data). A plot with nothing to show is not
    written, and a stale file of that name in ``folder`` is removed.

    Returns ``{plot name: file name relative to folder}``, e.g.
    ``{"columns": "columns.png", "correlations": "correlations.png"}``. Raises ``OSError``
    when the folder cannot be written.
    """
    from registry.quality.fidelity import column_kinds

    reference = real if real is not None else synthetic
    detected = dict(column_kinds(reference)) if kinds is None else dict(kinds)
    shared = [c for c in synthetic.columns if (real is None or c in real.columns) and c in detected]
    ordered = [c for c in (columns or []) if c in shared]
    ordered += [c for c in shared if c not in ordered]
    drawn = [c for c in ordered if detected[c] != "id"][: max(0, max_columns)]

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    saved: dict[str, str] = {}
    plots = {
        "columns": (COLUMNS_FILE, _columns_figure(real, synthetic, drawn, detected)),
        "correlations": (
            CORRELATIONS_FILE,
            _correlations_figure(real, synthetic, ordered, detected, max_columns)
            if real is not None
            else None,
        ),
    }
    for name, (file, figure) in plots.items():
        path = folder / file
        if figure is None:
            path.unlink(missing_ok=True)
            continue
        _save(figure, path)
        saved[name] = file
    return saved


# --- drawing helpers -------------------------------------------------------------------------


def _figure(width: float, height: float) -> Figure:
    """An empty figure on its own Agg canvas; axes are placed by hand (no layout engine)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


def _axes(figure: Figure, left: float, bottom: float, width: float, height: float) -> Axes:
    """Axes at a position given in inches from the figure's lower left corner."""
    fig_width, fig_height = figure.get_size_inches()
    return figure.add_axes(
        (left / fig_width, bottom / fig_height, width / fig_width, height / fig_height)
    )


def _save(figure: Figure, path: Path) -> None:
    figure.savefig(path, format="png", dpi=DPI, metadata=_PNG_METADATA)
    figure.clear()


def _label(value: str) -> str:
    return value if len(value) <= LABEL_CHARS else value[: LABEL_CHARS - 1] + "…"


# --- columns ---------------------------------------------------------------------------------


def _columns_figure(
    real: pd.DataFrame | None,
    synthetic: pd.DataFrame,
    names: list[str],
    kinds: Mapping[str, ColumnKind],
) -> Figure | None:
    if not names:
        return None
    from matplotlib.patches import Patch

    grid_columns = min(GRID_COLUMNS, len(names))
    grid_rows = math.ceil(len(names) / grid_columns)
    panel_width, panel_height = PANEL_SIZE
    left, right, top, bottom = PANEL_MARGINS
    height = panel_height * grid_rows + LEGEND_HEIGHT
    figure = _figure(panel_width * grid_columns, height)
    for index, name in enumerate(names):
        row, col = divmod(index, grid_columns)
        ax = _axes(
            figure,
            col * panel_width + left,
            height - LEGEND_HEIGHT - (row + 1) * panel_height + bottom,
            panel_width - left - right,
            panel_height - top - bottom,
        )
        real_col = real[name] if real is not None else None
        if kinds[name] in ("numerical", "datetime"):
            _histogram(ax, name, kinds[name], real_col, synthetic[name])
        else:
            _bars(ax, name, kinds[name], real_col, synthetic[name])
    handles = [Patch(color=SYNTHETIC_COLOR, alpha=0.6, label="synthetic")]
    if real is not None:
        handles.insert(0, Patch(color=REAL_COLOR, alpha=0.6, label="real"))
    figure.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, 1.0),
        ncols=len(handles),
        fontsize=10,
        frameon=False,
    )
    return figure


def _title(ax: Axes, name: str, kind: str, nulls: list[float], note: str = "") -> None:
    extra = [kind]
    if any(share > 0 for share in nulls):
        shares = [_percent(share) for share in nulls]
        extra.append(
            f"missing: real {shares[0]}, synthetic {shares[1]}"
            if len(shares) == 2
            else f"missing {shares[0]}"
        )
    if note:
        extra.append(note)
    ax.set_title(f"{_label(str(name))}\n{', '.join(extra)}", fontsize=9, loc="left")
    ax.tick_params(labelsize=7)


def _percent(share: float) -> str:
    return "<1%" if 0 < share < 0.01 else f"{share:.0%}"


def as_float(column: pd.Series, kind: str) -> np.ndarray:
    """float64 values, datetimes as nanoseconds since the epoch (UTC); NaN where missing."""
    if kind == "datetime":
        if not pd.api.types.is_datetime64_any_dtype(column.dtype):
            column = pd.to_datetime(column, errors="coerce", utc=True)
        if isinstance(column.dtype, pd.DatetimeTZDtype):
            column = column.dt.tz_convert("UTC").dt.tz_localize(None)
        ns = column.dt.as_unit("ns")
        return np.where(ns.notna(), ns.to_numpy("datetime64[ns]").view(np.int64), np.nan)
    if pd.api.types.is_bool_dtype(column.dtype) or pd.api.types.is_numeric_dtype(column.dtype):
        return column.to_numpy(dtype=np.float64, na_value=np.nan)
    if pd.api.types.is_timedelta64_dtype(column.dtype):
        return column.dt.total_seconds().to_numpy(dtype=np.float64, na_value=np.nan)
    return pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _histogram(
    ax: Axes, name: str, kind: str, real: pd.Series | None, synthetic: pd.Series
) -> None:
    sides = [(synthetic, SYNTHETIC_COLOR)]
    if real is not None:
        sides.insert(0, (real, REAL_COLOR))
    values = [as_float(col, kind) for col, _ in sides]
    nulls = [float(np.mean(~np.isfinite(v))) if len(v) else 0.0 for v in values]
    finite = [v[np.isfinite(v)] for v in values]
    combined = np.concatenate(finite)
    if combined.size == 0:
        _title(ax, name, kind, nulls)
        ax.text(0.5, 0.5, "no values", ha="center", va="center", transform=ax.transAxes)
        return
    edges, clipped = histogram_edges(combined, whole=kind == "numerical")
    for v, (_, color) in zip(finite, sides, strict=True):
        if v.size == 0:
            continue
        counts, _ = np.histogram(np.clip(v, edges[0], edges[-1]), bins=edges)
        shares = counts / v.size
        x = _date_numbers(edges) if kind == "datetime" else edges
        ax.stairs(shares, x, fill=True, color=color, alpha=0.45, linewidth=0)
        ax.stairs(shares, x, color=color, linewidth=1.0)
    if kind == "datetime":
        from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

        locator = AutoDateLocator(maxticks=6)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.set_ylabel("share of rows", fontsize=7)
    _title(ax, name, kind, nulls, "tails cut at 0.5-99.5%" if clipped else "")


def histogram_edges(values: np.ndarray, *, whole: bool) -> tuple[np.ndarray, bool]:
    """Shared bin edges: one per value for small whole numbers, else NUM_BINS equal bins."""
    low, high = float(values.min()), float(values.max())
    if whole and high - low <= SMALL_INTEGER_SPAN and np.array_equal(values, np.round(values)):
        return np.arange(low - 0.5, high + 1.5), False
    clipped = False
    if high > low:
        q_low, q_high = (float(q) for q in np.quantile(values, TAIL_QUANTILES))
        if q_high > q_low and high - low > TAIL_RATIO * (q_high - q_low):
            low, high, clipped = q_low, q_high, True
    if high == low:
        low, high = low - 0.5, high + 0.5
    return np.linspace(low, high, NUM_BINS + 1), clipped


def _date_numbers(ns: np.ndarray) -> np.ndarray:
    from matplotlib.dates import date2num

    return np.asarray(date2num(ns.astype(np.int64).astype("datetime64[ns]")), dtype=np.float64)


def category_shares(column: pd.Series) -> pd.Series:
    """Share of rows per category (as text), nulls as ``(null)``."""
    text = column.astype(object).where(column.notna(), NULL_LABEL).astype(str)
    return text.value_counts(normalize=True, sort=False)


def _bars(ax: Axes, name: str, kind: str, real: pd.Series | None, synthetic: pd.Series) -> None:
    sides = [(synthetic, SYNTHETIC_COLOR)]
    if real is not None:
        sides.insert(0, (real, REAL_COLOR))
    shares = [category_shares(col) for col, _ in sides]
    nulls = [float(s.get(NULL_LABEL, 0.0)) for s in shares]
    total = pd.concat(shares, axis=1).fillna(0.0).sum(axis=1)
    # most frequent first; ties (and equal shares) in a fixed, readable order
    order = sorted(total.index, key=lambda label: (-round(float(total[label]), 12), label))
    top = order[:TOP_CATEGORIES]
    if len(order) > TOP_CATEGORIES + 1:
        labels = [*top, f"other ({len(order) - TOP_CATEGORIES})"]
    else:
        labels, top = order, order
    if _all_numbers(top):
        labels = sorted(top, key=float) + labels[len(top) :]
        top = labels[: len(top)]
    height = 0.8 / len(sides)
    positions = np.arange(len(labels))
    for i, (share, (_, color)) in enumerate(zip(shares, sides, strict=True)):
        heights = [float(share.get(label, 0.0)) for label in top]
        if len(labels) > len(top):
            heights.append(max(0.0, 1.0 - sum(heights)))
        offset = (i - (len(sides) - 1) / 2) * height
        ax.barh(positions + offset, heights, height=height, color=color, alpha=0.75)
    ax.set_yticks(positions, [_label(label) for label in labels], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("share of rows", fontsize=7)
    _title(ax, name, kind, nulls)


def _all_numbers(labels: list[str]) -> bool:
    try:
        [float(label) for label in labels]
    except ValueError:
        return False
    return bool(labels)


# --- correlations ----------------------------------------------------------------------------


def _correlations_figure(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    names: list[str],
    kinds: Mapping[str, ColumnKind],
    max_columns: int,
) -> Figure | None:
    continuous = [n for n in names if kinds[n] in ("numerical", "datetime")][: max(0, max_columns)]
    if len(continuous) < 2:
        return None
    matrices = [_correlation(frame, continuous, kinds) for frame in (real, synthetic)]

    import matplotlib

    colormap = matplotlib.colormaps["RdBu_r"].with_extremes(bad="#d9d9d9")
    labels = [_label(str(n)) for n in continuous]
    font = max(5.0, min(8.0, 70 / len(continuous)))
    side = CELL_SIZE * len(continuous)  # one matrix, inches
    label_space = 0.25 + max(len(label) for label in labels) * 0.6 * font / 72
    gap, bar_pad, bar_width, bar_labels, title_space = 0.35, 0.25, 0.18, 0.75, 0.45
    width = label_space + 2 * side + gap + bar_pad + bar_width + bar_labels
    figure = _figure(width, title_space + side + label_space)
    image = None
    for index, (matrix, title) in enumerate(zip(matrices, ("real", "synthetic"), strict=True)):
        ax = _axes(figure, label_space + index * (side + gap), label_space, side, side)
        image = ax.imshow(matrix, cmap=colormap, vmin=-1.0, vmax=1.0, interpolation="nearest")
        ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=font)
        ax.set_yticks(range(len(labels)), labels if index == 0 else [], fontsize=font)
        ax.set_title(f"{title}: Pearson r", fontsize=10)
        for (row, col), value in np.ndenumerate(matrix):
            text = "n/a" if np.isnan(value) else f"{round(value, 2) + 0.0:.2f}"
            color = "white" if not np.isnan(value) and abs(value) > 0.6 else "black"
            ax.text(col, row, text, ha="center", va="center", fontsize=font * 0.85, color=color)
    bar = _axes(figure, label_space + 2 * side + gap + bar_pad, label_space, bar_width, side)
    figure.colorbar(image, cax=bar, label="correlation")
    bar.tick_params(labelsize=7)
    return figure


def _correlation(
    frame: pd.DataFrame, names: list[str], kinds: Mapping[str, ColumnKind]
) -> np.ndarray:
    """Pearson r on rows where both are present; centred first so datetimes keep precision."""
    columns = {}
    for n in names:
        values = as_float(frame[n], kinds[n])
        values[~np.isfinite(values)] = np.nan
        present = values[~np.isnan(values)]
        columns[n] = values - present.mean() if present.size else values
    matrix = pd.DataFrame(columns).corr(method="pearson", min_periods=2).to_numpy()
    return np.clip(matrix, -1.0, 1.0)


__all__ = ["COLUMNS_FILE", "CORRELATIONS_FILE", "save_plots"]
