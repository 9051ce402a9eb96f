"""One chart of each kind, with a suppressed cell and a missing one, for the tests."""

from __future__ import annotations

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

MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]


def square(lon: float, lat: float, size: float = 0.05) -> dict:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def multi(lon: float, lat: float) -> dict:
    return {"type": "MultiPolygon", "coordinates": [square(lon, lat)["coordinates"]]}


def bar() -> BarChart:
    return BarChart(
        "Händelser per kategori",
        "Antal händelser i november.",
        ["Inbrott", "Skadegörelse", "Anlagd brand", "Rån"],
        [Series("November", [13, 6848, SUPPRESSED, None])],
    )


def grouped() -> BarChart:
    return BarChart(
        "Jämfört med oktober",
        "Föregående period bredvid denna.",
        ["Inbrott", "Skadegörelse", "Anlagd brand"],
        [Series("Oktober", [4, 8, 5]), Series("November", [13, 6, SUPPRESSED])],
    )


def line() -> LineChart:
    return LineChart(
        "De senaste tolv månaderna",
        "Händelser per månad.",
        MONTHS,
        [
            Series("Inbrott", [7, 9, 11, 8, 6, 10, 12, 14, 9, 8, SUPPRESSED, 13]),
            Series(
                "Skadegörelse",
                [52.3, 40.1, None, 33.0, 30.2, 28.8, 31.5, 35.0, 36.1, 38.4, 41.0, 44.9],
            ),
        ],
    )


def multiples() -> SmallMultiples:
    return SmallMultiples(
        "Tolv månader per kategori",
        "En liten graf per kategori.",
        [
            LineChart(
                "Inbrott",
                "",
                MONTHS,
                [Series("Inbrott", [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16])],
            ),
            LineChart(
                "Rån", "", MONTHS, [Series("Rån", [0, 0, SUPPRESSED, 0, 0, 5, 6, 0, 0, 0, 0, 7])]
            ),
        ],
    )


def heat() -> HeatMap:
    return HeatMap(
        "Veckodag och tid på dygnet",
        "Händelser per veckodag och tid.",
        ["måndag", "fredag", "lördag"],
        ["00–06", "06–12", "12–18", "18–24"],
        [[5, 6, SUPPRESSED, 7], [8, 12, 19, 28], [None, 9, 11, 31]],
    )


def area_map() -> AreaMap:
    return AreaMap(
        "Händelser per område",
        "Hagfors tätort.",
        [
            MapFeature("Råda", square(13.60, 60.02), 13),
            MapFeature("Centrum", square(13.66, 60.02), SUPPRESSED),
            MapFeature("Älvstranden", square(13.63, 60.06), 27),
            MapFeature(
                "Ekshärad",
                {"type": "MultiPolygon", "coordinates": [square(13.70, 60.06)["coordinates"]]},
                None,
            ),
        ],
    )


ALL = {
    "bar": bar,
    "grouped": grouped,
    "line": line,
    "multiples": multiples,
    "heat": heat,
    "map": area_map,
}
