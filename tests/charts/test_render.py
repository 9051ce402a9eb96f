"""``samverka.charts.render``: every kind gives valid, accessible, self-contained SVG whose
texts, table and description say the same numbers in the reader's locale; a suppressed
count is "<5" everywhere and never drawn as a size; output is stable and cached."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from chart_specs import ALL, bar, grouped, heat, line
from flask_babel import force_locale

from samverka.charts import SUPPRESSED, BarChart, Series, palette, render
from samverka.charts.render import cache_clear, cache_info

SVG = "{http://www.w3.org/2000/svg}"
NBSP = "\u00a0"


def parsed(rendered) -> ET.Element:
    return ET.fromstring(str(rendered.svg))  # noqa: S314 - our own output


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


@pytest.mark.parametrize("kind", sorted(ALL))
def test_each_kind_is_valid_accessible_svg(in_app, kind):
    chart = ALL[kind]()
    rendered = render(chart, cache=False)
    root = parsed(rendered)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.get("width") == "100%" and root.get("viewBox") and root.get("height") is None
    title, desc = root[0], root[1]
    assert title.tag == f"{SVG}title" and title.text == chart.title
    assert desc.tag == f"{SVG}desc" and desc.text == rendered.description
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert chart.description in rendered.description
    markup = str(rendered.svg)
    # no inline styles (the CSP forbids them), no metadata, nothing fetched from elsewhere
    assert "style=" not in markup and "<style" not in markup and "metadata" not in markup
    assert not re.search(r'href="(?!#)', markup) and "url(http" not in markup
    # every id is the chart's own, and every reference points at one of them
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids)) and all(i.startswith(rendered.key + "-") for i in ids)
    for ref in re.findall(r'url\(#([^)]+)\)|href="#([^"]+)"', markup):
        assert (ref[0] or ref[1]) in ids
    # the table has the chart's title and one row per category / label / area
    assert rendered.table.caption.startswith(chart.title)
    # the standalone file for the PDF parses too and keeps its size
    document = ET.fromstring(rendered.svg_file)  # noqa: S314
    assert document.get("width", "").endswith("pt")


@pytest.mark.parametrize("kind", sorted(ALL))
def test_suppressed_cells_say_less_than_five_in_chart_table_and_description(in_app, kind):
    rendered = render(ALL[kind](), cache=False)
    assert "<5" in texts(parsed(rendered))
    assert any("<5" in cell for row in rendered.table.rows for cell in row)
    assert "<5" in rendered.description


def test_a_bar_chart_labels_every_bar_and_draws_no_bar_for_hidden_or_missing(in_app):
    rendered = render(bar(), cache=False)
    root = parsed(rendered)
    shown = texts(root)
    for label in ("13", f"6{NBSP}848", "<5", "–", "Inbrott", "Anlagd brand"):
        assert label in shown
    colour, _hatch = palette.series_style(0)
    bars = [p for p in root.iter(f"{SVG}path") if p.get("fill") == colour]
    assert len(bars) == 2  # 13 and 6 848; the suppressed and the missing value draw nothing


def test_the_table_equals_the_input(in_app):
    rendered = render(grouped(), cache=False)
    assert rendered.table.headers == ("Kategori", "Oktober", "November")
    assert rendered.table.rows == (
        ("Inbrott", "4", "13"),
        ("Skadegörelse", "8", "6"),
        ("Anlagd brand", "5", "<5"),
    )
    heat_table = render(heat(), cache=False).table
    assert heat_table.headers[1:] == ("00–06", "06–12", "12–18", "18–24")
    assert heat_table.rows[0] == ("måndag", "5", "6", "<5", "7")
    assert heat_table.rows[2] == ("lördag", "–", "9", "11", "31")


def test_numbers_are_written_for_the_locale(in_app):
    chart = line()
    sv = render(chart, locale="sv", cache=False)
    assert ("2026-01", "7,0", "52,3") in sv.table.rows
    assert "52,3" in texts(parsed(sv)) or "44,9" in texts(parsed(sv))
    with force_locale("en"):
        en = render(chart, cache=False)
    assert ("2026-01", "7.0", "52.3") in en.table.rows
    assert en.key != sv.key  # another locale, other ids
    big = render(BarChart("B", "", ["a"], [Series("s", [6848.25])], decimals=1), cache=False)
    assert big.table.rows == (("a", f"6{NBSP}848,2"),) or big.table.rows == (
        ("a", f"6{NBSP}848,3"),
    )


def test_the_same_chart_gives_the_same_bytes_and_two_charts_other_ids(in_app):
    first = render(heat(), cache=False)
    again = render(heat(), cache=False)
    assert first is not again
    assert str(first.svg) == str(again.svg) and first.svg_file == again.svg_file
    other = render(bar(), cache=False)
    assert other.key != first.key
    assert not set(re.findall(r'id="([^"]+)"', str(first.svg))) & set(
        re.findall(r'id="([^"]+)"', str(other.svg))
    )


def test_a_page_rendered_twice_draws_once(in_app):
    cache_clear()
    chart = grouped()
    first = render(chart)
    hits = cache_info().hits
    assert render(grouped()) is first  # an equal specification, built again
    assert cache_info().hits == hits + 1


def test_specifications_are_hashable_and_checked():
    hash(bar())
    hash(ALL["map"]())
    with pytest.raises(ValueError, match="values for 2"):
        BarChart("t", "", ["a", "b"], [Series("s", [1])])
    with pytest.raises(TypeError):
        Series("s", ["many"])
    with pytest.raises(ValueError):
        Series("s", [float("nan")])
    from samverka.charts import MapFeature

    with pytest.raises(ValueError, match="Polygon or MultiPolygon"):
        MapFeature("x", {"type": "Point", "coordinates": [13.5, 60.0]}, 1)
    assert Series("s", [1, SUPPRESSED, None]).values == (1, SUPPRESSED, None)


def test_descriptions_name_each_panel_once_and_say_what_rose(in_app):
    from chart_specs import multiples

    text = render(multiples(), locale="en", cache=False).description
    assert text.startswith("En liten graf per kategori. Inbrott: from 5 (2026-01) to 16")
    assert "Inbrott: Inbrott" not in text and "<5 in 2026-03" in text


def test_threads_rendering_at_once_get_what_one_thread_gets(babel_app):
    """Gunicorn threads and job workers draw at the same time: each chart must come out as
    it does alone (matplotlib's settings and fonts are shared by the process)."""
    from concurrent.futures import ThreadPoolExecutor

    def draw(kind: str) -> str:
        with babel_app.app_context():
            return str(render(ALL[kind](), cache=False).svg)

    alone = {kind: draw(kind) for kind in ALL}
    kinds = sorted(ALL) * 3
    with ThreadPoolExecutor(max_workers=6) as pool:
        together = list(pool.map(draw, kinds))
    assert together == [alone[kind] for kind in kinds]


def test_a_chart_after_weasyprint_changed_the_prefixes_is_still_plain_svg(app):
    """WeasyPrint registers the empty prefix for "" when it first writes a PDF, which drops
    SVG's from ElementTree's process-wide registry: charts drawn after it came out as
    ``<ns0:svg>``, which no browser draws (a page rendered after a PDF had no chart)."""
    ET.register_namespace("", "")  # what weasyprint.pdf.metadata does at import
    with app.test_request_context():
        drawn = render(
            BarChart("Efter PDF", "Två staplar.", ["a", "b"], [Series("n", [1, 2])]), cache=False
        )
    assert str(drawn.svg).startswith("<svg ") and str(drawn.svg).endswith("</svg>")
    assert "ns0" not in str(drawn.svg) and b"ns0" not in drawn.svg_file
