"""Real-vs-synthetic distribution of one column, drawn with plotext."""

from __future__ import annotations

from textual_plotext import PlotextPlot

from registry.browse import Histogram

REAL_COLOR = (31, 119, 180)  # the quality plots' colours: real blue, synthetic orange
SYNTHETIC_COLOR = (255, 127, 14)
MAX_TICKS = 5


class HistogramPlot(PlotextPlot):
    """Shows a :class:`Histogram` (attribute ``histogram``), or a message when there is none."""

    DEFAULT_CSS = """
    HistogramPlot { min-height: 8; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.histogram: Histogram | None = None
        self.message = "Select a column to see its distribution."

    def show(self, histogram: Histogram | None, message: str = "") -> None:
        """Draw ``histogram``; without one, show ``message`` in place of a plot."""
        self.histogram = histogram
        self.message = message
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        if histogram is None or not histogram.labels:
            note = message or (
                f"{histogram.column}: no distribution to draw ({', '.join(histogram.notes)})"
                if histogram is not None
                else "Select a column to see its distribution."
            )
            plt.title(note)
            plt.xticks([])
            plt.yticks([])
            self.refresh()
            return
        sides = [("synthetic", histogram.synthetic, SYNTHETIC_COLOR)]
        if histogram.real is not None:
            sides.insert(0, ("real", histogram.real, REAL_COLOR))
        positions = list(range(len(histogram.labels)))
        if histogram.centers is None:  # categories: grouped bars
            plt.multiple_bar(
                histogram.labels,
                [values for _, values, _ in sides],
                labels=[label for label, _, _ in sides],
                color=[color for _, _, color in sides],
            )
        else:
            for label, values, color in sides:
                plt.plot(positions, values, label=label, color=color, marker="braille")
            step = max(1, len(positions) // MAX_TICKS)
            ticks = positions[::step]
            plt.xticks(ticks, [histogram.labels[i] for i in ticks])
        top = max([*histogram.synthetic, *(histogram.real or [])], default=0.0)
        plt.ylim(0, top * 1.1 or 1.0)
        title = f"{histogram.column} ({histogram.kind})"
        extra = [*([] if histogram.real is not None else ["synthetic only"]), *histogram.notes]
        if extra and len(title) + sum(len(e) + 2 for e in extra) <= self.size.width - 12:
            title += ": " + "; ".join(extra)  # plotext drops a title that does not fit
        plt.title(title)
        self.refresh()
