"""The area map in Chromium, on a test-only page that shows the macro ``area_map`` with four
areas around Hagfors (one suppressed): one path per area, each reachable with Tab under its
accessible name, Enter shows its label, axe finds nothing serious, and nothing is requested
from anywhere but the app, unless a tile server is configured, and then only from it."""

from __future__ import annotations

import base64

import pytest
from flask import Blueprint, render_template_string

from samverka.maps import AreaFigure, area_map_data
from samverka.testing.browser import NARROW, accessibility_problems, goto, problems

pytestmark = pytest.mark.browser

TILES = "https://tiles.example.test"
# A 1×1 transparent PNG: what the stand-in tile server answers.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


def box(west: float, south: float, east: float, north: float) -> dict:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


HAGFORS = [
    AreaFigure("Centrum", box(13.67, 60.02, 13.71, 60.045), 23),
    AreaFigure("Råda", box(13.58, 60.00, 13.67, 60.04), 13),
    AreaFigure("Älvstranden", box(13.71, 60.01, 13.75, 60.045), 6),
    AreaFigure("Norra", box(13.65, 60.045, 13.73, 60.08), 3, suppressed=True, display="<5"),
]
SUPPRESSED = "Norra: färre än 5 (dold)"
LABELS = ["Centrum: 23 händelser", "Råda: 13 händelser", "Älvstranden: 6 händelser"]
PAGE = """{% extends "layout.html" %}
{% from "maps/area_map.html" import area_map %}
{% block page_title %}Karta{% endblock %}
{% block content %}<h1 class="govuk-heading-l">Lägesbild Hagfors</h1>
{{ area_map(map, id="hagfors-map") }}{% endblock %}"""


def map_page() -> Blueprint:
    """Test only: the areas register and the situation picture are wired in elsewhere."""
    bp = Blueprint("map_test", __name__)

    @bp.get("/_test/map")
    def show():
        data = area_map_data(
            "Händelser per område",
            "Antal händelser i oktober 2026 per område i Hagfors.",
            HAGFORS,
            unit="händelser",
            value_heading="Antal händelser",
        )
        return render_template_string(PAGE, map=data)

    return bp


def record_requests(page, live_server: str) -> list[str]:
    """Every request that would leave the app is answered here (tiles: a blank PNG, the rest
    aborted) and listed."""
    outside: list[str] = []
    page.set_extra_http_headers({"Accept-Language": "en"})  # the msgids, not translations

    def handle(route):
        url = route.request.url
        if url.startswith(live_server + "/"):
            return route.continue_()
        outside.append(url)
        if url.startswith(TILES + "/"):
            return route.fulfill(status=200, content_type="image/png", body=PNG)
        return route.abort()

    page.context.route("**/*", handle)
    return outside


def test_the_map_draws_every_area_for_keyboard_and_screen_reader(app, page, live_server):
    app.register_blueprint(map_page())
    outside = record_requests(page, live_server)
    goto(page, "/_test/map")
    page.wait_for_selector("#hagfors-map-map[data-area-map-ready]")

    paths = page.locator("#hagfors-map-map path.samverka-map__area")
    assert paths.count() == len(HAGFORS)
    assert page.locator("#hagfors-map-map .samverka-map__label").count() == len(HAGFORS)
    # The suppressed area is hatched, not a shade; the others are shaded by class.
    fills = page.eval_on_selector_all(
        "#hagfors-map-map path.samverka-map__area",
        "els => els.map(e => [e.getAttribute('aria-label'), getComputedStyle(e).fill])",
    )
    fill = dict(fills)
    assert "url(" in fill[SUPPRESSED], fills
    assert len({fill[label] for label in LABELS}) == 3, "three classes, three shades"

    # Tab from the map reaches each area, named for a screen reader. (Chromium would focus
    # an SVG path with a focus listener anyway; other browsers need the tabindex.)
    tabindex = "els => els.map(e => e.getAttribute('tabindex') + ' ' + e.getAttribute('role'))"
    assert page.eval_on_selector_all("#hagfors-map-map path", tabindex) == ["0 button"] * 4
    page.focus("#hagfors-map-map")
    reached = []
    for _ in HAGFORS:
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.getAttribute('aria-label')"))
    assert sorted(reached) == sorted([*LABELS, SUPPRESSED])
    focused = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert focused == "solid", "a visible focus outline on the area"
    width = "document.activeElement.getBoundingClientRect().width"
    before = page.evaluate(width)
    page.keyboard.press("Enter")  # zooms to the area, its label on top
    page.wait_for_function(f"{width} > 1.5 * {before}")
    active = page.locator(".samverka-map__label--active")
    assert active.count() == 1 and active.inner_text().startswith(reached[-1].split(":")[0])
    page.keyboard.press(" ")  # and back out to all the areas
    page.wait_for_function(f"Math.abs({width} - {before}) < 2")

    # The legend in words and the same figures in the table.
    legend = page.inner_text(".samverka-map__legend-list")
    assert legend.startswith("5–9") and "20–24" in legend and "färre än 5 (dold)" in legend
    rows = page.eval_on_selector_all(
        "#hagfors-map-table tbody tr", "rows => rows.map(r => r.innerText.replace(/\\s+/g, ' '))"
    )
    assert rows[0] == "Centrum 23" and rows[3].startswith("Norra <5")

    # axe at desktop width and at 320px (the map clips what lies beyond it: no page scroll).
    found = accessibility_problems(page, "area map")
    assert not found, "\n".join(found)
    page.set_viewport_size(NARROW)
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    assert outside == [], f"requests left the app: {outside}"


def test_without_javascript_the_table_stays_and_the_map_says_so(app, chromium, live_server):
    app.register_blueprint(map_page())
    context = chromium.new_context(base_url=live_server, locale="en", java_script_enabled=False)
    try:
        page = context.new_page()
        goto(page, "/_test/map")
        assert "The map needs JavaScript" in page.inner_text("#hagfors-map-map")
        assert page.locator("#hagfors-map-table tbody tr").count() == len(HAGFORS)
    finally:
        context.close()


def test_tiles_come_from_the_configured_server_only(app, strict_page, live_server, monkeypatch):
    settings = app.extensions["samverka"].settings
    monkeypatch.setattr(settings, "map_tile_url", TILES + "/topo/{z}/{x}/{y}.png")
    monkeypatch.setattr(settings, "map_tile_attribution", "© Lantmäteriet")
    app.register_blueprint(map_page())
    outside = record_requests(strict_page, live_server)
    response = goto(strict_page, "/_test/map")
    assert f"img-src 'self' data: {TILES};" in response.headers["content-security-policy"]
    strict_page.wait_for_selector("#hagfors-map-map .leaflet-tile-loaded")
    assert outside, "no tile was requested"
    assert all(url.startswith(TILES + "/topo/") for url in outside), outside
    assert "© Lantmäteriet" in strict_page.inner_text(".leaflet-control-attribution")
    assert not problems(strict_page), problems(strict_page)
