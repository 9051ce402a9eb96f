"""What every chart's drawing shares: matplotlib's settings, one figure per chart through
the object-oriented API (never pyplot: no global figure state), value classes and axis
formatting in the reader's locale, and the lock that keeps rendering thread-safe.

Why a lock: matplotlib's settings (``rcParams``) are process-wide, and its font objects are
cached and shared, so two threads drawing text at once may garble each other (gunicorn
threads, job workers). A chart costs milliseconds; rendering them one at a time is cheap.
"""

from __future__ import annotations

import io
import itertools
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import matplotlib
from flask_babel import gettext
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from samverka.charts import palette
from samverka.charts.numbers import NO_VALUE, number_text
from samverka.charts.specs import SUPPRESSED, Value, numbers

WIDTH = 5.5  # inches: 396 pt, so that 11 pt text stays ≈ 10 px on a 390-px phone
SETTINGS = {
    "svg.fonttype": "none",  # text stays text: searchable, translatable, read aloud
    "svg.hashsalt": "samverka-charts",  # stable ids: the same chart, the same bytes
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica", "Liberation Sans"],
    "font.size": 11,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "text.color": palette.INK,
    "axes.labelcolor": palette.INK,
    "axes.edgecolor": palette.MUTED,
    "xtick.color": palette.INK,
    "ytick.color": palette.INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "hatch.linewidth": 0.8,
    "figure.facecolor": palette.BACKGROUND,
    "axes.facecolor": palette.BACKGROUND,
    "path.simplify": True,
}
_lock = threading.Lock()


@contextmanager
def drawing() -> Iterator[None]:
    """One chart at a time, with the chart settings (see the module's documentation)."""
    with _lock, matplotlib.rc_context(SETTINGS):
        yield


def new_figure(height: float, width: float = WIDTH) -> Figure:
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasSVG(figure)
    return figure


def svg_of(figure: Figure) -> str:
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    return out.getvalue()


def value_axis(axis, decimals: int) -> None:
    """Ticks in the reader's locale ("6 848", "52,3"), whole numbers for counts."""
    axis.set_major_locator(MaxNLocator(nbins=5, integer=decimals == 0))
    axis.set_major_formatter(FuncFormatter(lambda x, _pos: number_text(x, decimals)))


def note_handles(values: Sequence[Value]) -> list[tuple[object, str]]:
    """Legend lines that explain "<5" and "–" when the chart has them (text, no colour)."""
    notes = []
    if any(v is SUPPRESSED for v in values):
        handle = Patch(
            facecolor=palette.NEUTRAL,
            hatch=palette.NEUTRAL_HATCH,
            edgecolor=palette.MUTED,
            linewidth=0.6,
        )
        notes.append((handle, gettext("<5: 1–4, not shown")))
    if any(v is None for v in values):
        notes.append(
            (Line2D([], [], linestyle="none"), gettext("%(dash)s: no value", dash=NO_VALUE))
        )
    return notes


def classes(values: Sequence[Value], decimals: int) -> list[tuple[float, float]]:
    """Up to five value classes with round edges, for the light → dark palettes."""
    found = numbers(values)
    if not found:
        return []
    low, high = min(found), max(found)
    if low == high:
        return [(low, high)]
    edges = list(MaxNLocator(nbins=5, integer=decimals == 0).tick_values(low, high))
    edges = [e for e in edges if e <= high] + [e for e in edges if e > high][:1]
    while len(edges) > 2 and edges[1] <= low:
        edges.pop(0)
    if edges[-1] < high:
        edges.append(high)
    return list(itertools.pairwise(edges))


def class_of(value: float, bins: list[tuple[float, float]]) -> int:
    for index, (_low, high) in enumerate(bins):
        if value < high or index == len(bins) - 1:
            return index
    return len(bins) - 1


def class_label(bins: list[tuple[float, float]], index: int, decimals: int) -> str:
    low, high = bins[index]
    last = index == len(bins) - 1
    if decimals == 0 and not last:
        high = high - 1 if high - 1 >= low else high
    if low == high:
        return number_text(low, decimals)
    return f"{number_text(low, decimals)}–{number_text(high, decimals)}"


def class_handles(bins, colours, decimals: int) -> list[tuple[object, str]]:
    return [
        (
            Patch(facecolor=colour, edgecolor=palette.MUTED, linewidth=0.6),
            class_label(bins, i, decimals),
        )
        for i, colour in enumerate(colours)
    ]


def legend_below(figure: Figure, handles: list[tuple[object, str]], columns: int = 3) -> None:
    if handles:
        figure.legend(
            [h for h, _ in handles],
            [label for _, label in handles],
            loc="outside lower center",
            ncols=min(columns, len(handles)),
            frameon=False,
            handlelength=1.6,
        )
