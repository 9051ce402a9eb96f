"""The chart service (``samverka.charts``): time per chart kind, drawn (cache off) and
cached, against matplotlib's bare cost measured in the same run (an empty figure saved as
SVG through the same backend and settings); and a PDF with all of them.

    .venv/bin/python bench/charts.py [--rounds 30]     # ~30 s
    .venv/bin/python bench/charts.py --smoke           # one round: starts, draws, checks

The charts are those of a situation picture: events by category (13 bars), this period
against the previous one (grouped bars), 12 months per category as lines and as small
multiples, weekday × time of day (7 × 6 heat map), areas as a static map (8 polygons).
Times are medians of ``--rounds`` renders in one process (the first, which loads
matplotlib and its fonts, is reported apart as "first"). Two baselines, same process and
backend: an empty figure saved as SVG, and matplotlib's own plain bar chart of 13 counts
(default settings, no labels, no accessibility pass); ratios are drawn ÷ each.
No database: a bare Flask app with Samverka's catalogues gives the Swedish locale.
"""

from __future__ import annotations

import argparse
import io
import math
import statistics
import sys
import time
from datetime import date
from pathlib import Path

from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "platform"))

CATEGORIES = [
    "Inbrott", "Skadegörelse", "Anlagd brand", "Rån", "Hot", "Misshandel", "Narkotika",
    "Klotter", "Olovlig körning", "Stöld", "Ofredande", "Bedrägeri", "Övrigt",
]  # fmt: skip
MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]
DAYS = ["måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"]
HOURS = ["00–04", "04–08", "08–12", "12–16", "16–20", "20–24"]


def charts() -> dict:
    from samverka.charts import (
        SUPPRESSED,
        AreaMap,
        BarChart,
        HeatMap,
        LineChart,
        MapFeature,
        Series,
        SmallMultiples,
    )

    def count(i: int) -> int | object:
        value = (i * 37) % 41
        return SUPPRESSED if 0 < value < 5 else value

    def series(name: str, first: int, count_: int = 12) -> Series:
        return Series(name, [count(first + i) for i in range(count_)])

    areas = [
        MapFeature(
            f"Område {i}", hexagon(13.5 + 0.06 * (i % 4), 60.0 + 0.05 * (i // 4)), count(3 * i + 1)
        )
        for i in range(8)
    ]
    grid = [[count(d * 6 + h) for h in range(6)] for d in range(7)]
    return {
        "bars": BarChart("Per kategori", "Händelser.", CATEGORIES, [series("Nu", 0, 13)]),
        "grouped": BarChart(
            "Jämfört med förra perioden",
            "Två perioder.",
            CATEGORIES[:6],
            [series("Förra", 3, 6), series("Nu", 10, 6)],
        ),
        "lines": LineChart(
            "12 månader",
            "Per kategori.",
            MONTHS,
            [series(c, i) for i, c in enumerate(CATEGORIES[:4])],
        ),
        "multiples": SmallMultiples(
            "12 månader per kategori",
            "En graf per kategori.",
            [LineChart(c, "", MONTHS, [series(c, 5 * i)]) for i, c in enumerate(CATEGORIES[:6])],
        ),
        "heat map": HeatMap("Veckodag och tid", "Händelser.", DAYS, HOURS, grid),
        "map": AreaMap("Per område", "Områden.", areas),
    }


def hexagon(lon: float, lat: float, r: float = 0.025) -> dict:
    ring = [
        [lon + r * math.cos(math.pi / 3 * k), lat + r * 0.5 * math.sin(math.pi / 3 * k)]
        for k in range(6)
    ]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def plain_bars() -> str:
    """Matplotlib's own bar chart of 13 counts (default settings, no labels), saved as SVG:
    the bare cost of a chart through the same backend."""
    figure = Figure(figsize=(5.5, 3.2))
    FigureCanvasSVG(figure)
    figure.add_subplot().bar(range(13), [(i * 37) % 41 for i in range(13)])
    out = io.StringIO()
    figure.savefig(out, format="svg")
    return out.getvalue()


def median_ms(work, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=30, help="timed renders per kind (median)")
    parser.add_argument("--smoke", action="store_true", help="one round, checks only")
    args = parser.parse_args()
    rounds = 1 if args.smoke else args.rounds

    from flask import Flask
    from flask_babel import Babel

    from samverka.bootstrap import PACKAGE_DIR
    from samverka.charts import render
    from samverka.charts.kinds import blank_svg
    from samverka.charts.render import cache_clear
    from samverka.exports import Document, Section, render_pdf

    app = Flask("bench-charts")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(PACKAGE_DIR / "translations")
    app.config["BABEL_DEFAULT_LOCALE"] = "sv"
    Babel(app)
    with app.app_context():
        specs = charts()
        start = time.perf_counter()
        render(specs["bars"], cache=False)
        first = (time.perf_counter() - start) * 1000
        plain_bars()
        bare = median_ms(blank_svg, rounds)
        plain = median_ms(plain_bars, rounds)
        print(f"first chart of the process (fonts, text caches cold): {first:.1f} ms")
        print(f"{'kind':<12} {'drawn ms':>9} {'cached':>10} {'÷ empty':>8} {'÷ plain bars':>13}")
        print(f"{'empty figure':<12} {bare:>9.1f} {'':>10} {1:>8.2f} {bare / plain:>13.2f}")
        print(f"{'plain bars':<12} {plain:>9.1f} {'':>10} {plain / bare:>8.2f} {1:>13.2f}")
        rendered = []
        for kind, chart in specs.items():
            drawn = median_ms(lambda c=chart: render(c, cache=False), rounds)
            cache_clear()
            one = render(chart)
            cached = median_ms(lambda c=chart: render(c), max(rounds, 100))
            assert render(chart) is one, "the cache must answer an equal chart"
            assert "<5" in str(one.svg) or "&lt;5" in str(one.svg)
            assert 'role="img"' in str(one.svg)
            rendered.append(one)
            ratios = f"{drawn / bare:>8.1f} {drawn / plain:>13.2f}"
            print(f"{kind:<12} {drawn:>9.1f} {cached * 1000:>8.1f}µs {ratios}")
        document = Document(
            "Lägesbild", "Bench kommun", "internal", date(2026, 12, 1),
            [Section("Kartläggning", paragraphs=["Diagram."], charts=rendered)],
        )  # fmt: skip
        out = io.BytesIO()
        pdf = median_ms(lambda: (out.seek(0), render_pdf(document, out)), min(rounds, 3))
        print(f"PDF with the {len(rendered)} charts: {pdf:.0f} ms ({len(out.getvalue())} bytes)")
    if args.smoke:
        print("smoke run: every chart kind drew, cached and went into a PDF")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
