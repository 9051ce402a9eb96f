"""From a chart specification to matplotlib's SVG text: the one module that loads
matplotlib (``render`` imports it on first use: matplotlib and numpy take about a second to
import, which pages without charts, the CLI and the workers need not pay)."""

from __future__ import annotations

from samverka.charts import bars, grids, lines, maps, multiples
from samverka.charts.figures import drawing, new_figure, svg_of
from samverka.charts.specs import AreaMap, BarChart, Chart, HeatMap, LineChart, SmallMultiples

DRAW = {
    BarChart: bars.draw,
    LineChart: lines.draw,
    SmallMultiples: multiples.draw,
    HeatMap: grids.draw,
    AreaMap: maps.draw,
}


def raw_svg(chart: Chart) -> str:
    """Matplotlib's SVG of ``chart`` (to be made accessible by ``samverka.charts.svg``)."""
    with drawing():
        return svg_of(DRAW[type(chart)](chart))


def blank_svg() -> str:
    """An empty figure's SVG: the benchmark's baseline (matplotlib's bare cost)."""
    with drawing():
        return svg_of(new_figure(3.2))
