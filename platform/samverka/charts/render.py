"""``render(chart)``: a chart specification to what a page or a PDF shows: an accessible
inline SVG, a text description and the same numbers as a table, in the current locale.

Rendered charts are cached (least recently used) by specification and locale: drawing one
costs tens of milliseconds, and a page shown twice, or a picture's page and its PDF, ask
for the same charts.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

from flask_babel import force_locale, get_locale
from markupsafe import Markup

from samverka.charts.describe import describe
from samverka.charts.specs import Chart
from samverka.charts.svg import accessible
from samverka.charts.tables import ChartTable, table_of

CACHE_SIZE = 128


@dataclass(frozen=True)
class RenderedChart:
    title: str
    description: str
    svg: Markup  # inline: role="img", <title>/<desc> named by aria-labelledby, width 100 %
    table: ChartTable
    svg_file: bytes  # the same drawing as a standalone SVG document (an <img> in the PDF)
    key: str  # unique per specification and locale: the prefix of the SVG's ids

    @property
    def alt(self) -> str:
        """The alternative text of the chart as an image: its title and description."""
        return f"{self.title}. {self.description}"


def render(chart: Chart, *, locale: str | None = None, cache: bool = True) -> RenderedChart:
    """``chart`` rendered in ``locale`` (default: the current one)."""
    chosen = locale or str(get_locale() or "sv")
    if not cache:
        return _render(chart, chosen)
    return _cached(chart, chosen)


@lru_cache(maxsize=CACHE_SIZE)
def _cached(chart: Chart, locale: str) -> RenderedChart:
    return _render(chart, locale)


def cache_clear() -> None:
    _cached.cache_clear()


def cache_info():
    return _cached.cache_info()


def _render(chart: Chart, locale: str) -> RenderedChart:
    from samverka.charts import kinds  # matplotlib loads on the first chart (see kinds)

    key = "chart-" + hashlib.sha256(f"{locale}\x00{chart!r}".encode()).hexdigest()[:10]
    with force_locale(locale):
        description = describe(chart)
        table = table_of(chart)
        raw = kinds.raw_svg(chart)
    drawn = accessible(raw, prefix=key, title=chart.title, description=description)
    return RenderedChart(
        title=chart.title,
        description=description,
        svg=Markup(drawn.inline),  # noqa: S704 - serialised by ElementTree, text escaped
        table=table,
        svg_file=drawn.document,
        key=key,
    )
