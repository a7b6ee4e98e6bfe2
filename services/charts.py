"""The house style of every chart the bot draws: sizes, colours, ticks, title, grid, the PNG.

matplotlib without pyplot: no global state, so charts render safely in worker threads.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import Any

CHART_DPI = 100
WIDE_CHART_INCHES = (9.0, 5.0)  # 900 x 500 px at CHART_DPI: the admin console's charts
GOOD_COLOR = "#2e9d5b"
FAIR_COLOR = "#e0a526"
POOR_COLOR = "#d2483c"
LINE_COLOR = "#4a78c2"
GRID_COLOR = "#e6e6e6"
LEGEND_BAND = 0.07  # the figure's bottom share kept for a legend below the axes


def new_figure(size: tuple[float, float] = WIDE_CHART_INCHES) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=size, dpi=CHART_DPI)
    FigureCanvasAgg(figure)
    return figure


def thinned_ticks(axes: Any, positions: Sequence[float], labels: Sequence[str], most: int) -> None:
    """At most about `most` labelled ticks along x: every n-th position."""
    step = max(1, math.ceil(len(positions) / most))
    axes.set_xticks(positions[::step], labels=labels[::step], fontsize=8.5)


def finish_chart_png(
    figure: Any, axes: Any, *, title: str, axis_label: str | None = None,
    value_axis: str = "y", hidden_spines: Sequence[str] = ("top", "right"),
    legend_band: float = 0.0,
) -> bytes:  # fmt: skip
    """The style every chart shares (title, a light grid on the value axis, no box), laid out
    above `legend_band` (a legend the caller placed below), then the PNG bytes."""
    axes.set_title(title, fontsize=12, loc="left")
    if axis_label is not None:
        (axes.set_xlabel if value_axis == "x" else axes.set_ylabel)(axis_label, fontsize=9)
    axes.grid(axis=value_axis, color=GRID_COLOR, linewidth=0.6)
    axes.set_axisbelow(True)
    for side in hidden_spines:
        axes.spines[side].set_visible(False)
    figure.tight_layout(rect=(0, legend_band, 1, 1))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=CHART_DPI, metadata={"Software": None})
    return buffer.getvalue()
