"""The area map's server side: the macro renders the figures as a table (Swedish numbers) and
the data as a JSON block that nothing in it can break out of; the optional tile server is
checked when the settings are read and is the one origin img-src adds."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import pytest
from flask import render_template_string

import samverka
from samverka.config import ConfigurationError, Settings
from samverka.maps import MAX_CLASSES, AreaFigure, area_map_data
from samverka.testing.fixtures import create_test_app

RING = [[13.67, 60.02], [13.71, 60.02], [13.71, 60.045], [13.67, 60.045], [13.67, 60.02]]
POLYGON = {"type": "Polygon", "coordinates": [RING]}
HOSTILE = "</script><script>alert(1)</script>"
TILE_URL = (
    "https://minkarta.lantmateriet.se/map/topowebbcache?TileMatrix={z}&TileCol={x}&TileRow={y}"
)
STATIC = Path(samverka.__file__).parent / "web" / "static"
MACRO = '{% from "maps/area_map.html" import area_map %}{{ area_map(map, id="m") }}'


def render(app, data, language: str = "sv") -> str:
    with app.test_request_context("/", headers={"Accept-Language": language}):
        return render_template_string(MACRO, map=data)


def sample():
    return area_map_data(
        "Händelser per område",
        "Antal händelser i oktober.",
        [
            AreaFigure("Centrum", POLYGON, 1234),
            AreaFigure(HOSTILE, POLYGON, 7),
            AreaFigure("Norra", POLYGON, 2, suppressed=True, display="<5"),
        ],
        unit="händelser",
        value_heading="Antal",
    )


def test_the_macro_renders_heading_map_legend_and_table(app):
    html = render(app, sample(), "en")
    assert re.search(r'<h2 class="govuk-heading-m" id="m-heading">Händelser per område</h2>', html)
    assert 'data-area-map data-area-map-data="m-data"' in html
    assert 'role="region" aria-label="Map: Händelser per område"' in html
    assert "The map needs JavaScript" in html  # until the script replaces it
    assert "fewer than 5 (hidden)" in html
    assert "data-tile-url" not in html  # no tile server configured: nothing external
    rows = re.findall(r'<th scope="row" class="govuk-table__header">(.*?)</th>', html)
    assert rows == ["Centrum", "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;", "Norra"]
    assert "static/areamap.js" in html and "<script>alert" not in html


def test_the_json_block_cannot_be_broken_out_of_and_holds_the_figures(app):
    html = render(app, sample())
    block = re.search(r'<script type="application/json" id="m-data">(.*?)</script>', html, re.S)
    assert block, "the data block ends at its own </script>, not at a name's"
    collection = json.loads(block.group(1))
    names = [f["properties"]["name"] for f in collection["features"]]
    assert names == ["Centrum", HOSTILE, "Norra"]
    assert collection["features"][2]["properties"]["value"] is None


def test_the_table_speaks_swedish_numbers(app):
    html = render(app, sample(), "sv")
    assert "1\xa0234</td>" in html  # format_decimal, sv: a (non-breaking) space for thousands
    english = render(app, sample(), "en")
    assert "1,234</td>" in english


def test_tiles_are_passed_to_the_page_and_allowed_by_the_policy(settings, samverka_plugins):
    tiled = replace(settings, map_tile_url=TILE_URL, map_tile_attribution="© Lantmäteriet")
    app = create_test_app(tiled, samverka_plugins)
    html = render(app, sample())
    assert 'data-tile-url="https://minkarta.lantmateriet.se/map/topowebbcache?' in html
    assert 'data-tile-attribution="© Lantmäteriet"' in html
    policy = app.test_client().get("/login").headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://minkarta.lantmateriet.se;" in policy
    app.extensions["samverka"].engine.dispose()


def test_without_tiles_images_come_from_this_site_only(client):
    policy = client.get("/login").headers["Content-Security-Policy"]
    assert "img-src 'self' data:;" in policy


@pytest.mark.parametrize(
    "url",
    [
        "ftp://tiles.example.se/{z}/{x}/{y}.png",
        "https://{s}.tile.example.se/{z}/{x}/{y}.png",  # several origins
        "https://tiles.example.se/{z}/{x}.png",  # no {y}
        "https://tiles.example.se;script-src */{z}/{x}/{y}.png",  # a directive smuggled in
        "https://user:secret@tiles.example.se/{z}/{x}/{y}.png",
        "https://tiles.example.se {z}/{x}/{y}.png",
        "/tiles/{z}/{x}/{y}.png",
    ],
)
def test_a_bad_tile_url_is_refused(tmp_path, url):
    with pytest.raises(ConfigurationError, match="SAMVERKA_MAP_TILE_URL"):
        Settings.from_env({"SAMVERKA_MAP_TILE_URL": url}, instance_path=tmp_path)


def test_a_tile_url_names_its_origin(tmp_path):
    settings = Settings.from_env(
        {"SAMVERKA_MAP_TILE_URL": "http://127.0.0.1:8081/{z}/{x}/{y}.png"}, instance_path=tmp_path
    )
    assert settings.map_tile_origin == "http://127.0.0.1:8081"
    assert Settings.from_env({}, instance_path=tmp_path).map_tile_origin == ""


def luminance(hex_colour: str) -> float:
    """WCAG relative luminance: what is left of a colour in greyscale print."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_the_palette_darkens_steadily_so_it_survives_greyscale():
    css = (STATIC / "areamap.css").read_text()
    shades = dict(re.findall(r"\.samverka-map__shade-(\d) \{ fill: (#[0-9a-f]{6});", css))
    assert sorted(shades) == [str(i) for i in range(MAX_CLASSES)]
    grey = [luminance(shades[str(i)]) for i in range(MAX_CLASSES)]
    steps = [a - b for a, b in pairwise(grey)]
    assert all(step > 0.03 for step in steps), grey  # each class visibly darker
