"""The area map's data: nice class breaks, no class for suppressed or missing figures, and the
GeoJSON the page's script reads (a suppressed value never reaches it)."""

from __future__ import annotations

import json

import pytest

from samverka.maps import AreaFigure, area_map_data, classify, nice_step

RING = [[13.6, 60.0], [13.7, 60.0], [13.7, 60.1], [13.6, 60.0]]
SQUARE = {"type": "Polygon", "coordinates": [RING]}


def ranges(classification) -> list[tuple[float, float]]:
    return [(c.lower, c.upper) for c in classification.classes]


def test_counts_get_classes_of_five_from_zero():
    result = classify([0, 3, 13, 23, 8], n=5)
    assert ranges(result) == [(0, 4), (5, 9), (10, 14), (15, 19), (20, 24)]
    assert result.of_values == (0, 0, 2, 4, 1)


def test_classes_never_exceed_n_and_cover_every_value():
    for values in ([1, 25], [0, 99], [7, 1234, 5, 87], [2, 3, 5, 8, 13, 21, 34, 55]):
        for n in (1, 2, 3, 5, 7):
            result = classify(values, n)
            assert 1 <= len(result.classes) <= n
            for value, index in zip(values, result.of_values, strict=True):
                c = result.classes[index]
                assert c.lower <= value <= c.upper, (values, n, value, c)


def test_suppressed_and_missing_values_get_no_class():
    result = classify([None, 4, None, 9], n=5)
    assert result.of_values[0] is None and result.of_values[2] is None
    assert result.of_values[1] is not None and result.of_values[3] is not None
    assert classify([None, None]).classes == ()


def test_equal_values_make_one_class_in_the_middle_shade():
    result = classify([0, 0, 0])
    assert ranges(result) == [(0, 0)]
    assert result.classes[0].shade == 3  # not the lightest: it is a figure, not "nothing"


def test_shades_run_from_lightest_to_darkest():
    result = classify([0, 24], n=5)
    shades = [c.shade for c in result.classes]
    assert shades == sorted(shades) and shades[0] == 0 and shades[-1] == 6
    assert len(set(shades)) == len(shades)


def test_decimals_get_nice_half_open_classes():
    result = classify([0.5, 2.7, 9.9], n=5)
    assert ranges(result) == [(0, 2), (2, 4), (4, 6), (6, 8), (8, 10)]
    assert result.of_values == (0, 1, 4)


@pytest.mark.parametrize(
    ("span", "whole", "step"),
    [(4.8, True, 5), (0.3, True, 1), (0.3, False, 0.5), (21, True, 25), (2.1, False, 2.5)],
)
def test_nice_steps(span, whole, step):
    assert nice_step(span, whole) == step


def test_n_is_bounded():
    with pytest.raises(ValueError):
        classify([1, 2], n=0)
    with pytest.raises(ValueError):
        classify([1, 2], n=8)


def test_map_data_as_geojson():
    data = area_map_data(
        "Händelser per område",
        "Antal händelser i oktober.",
        [
            AreaFigure("Centrum", SQUARE, 1234),
            AreaFigure("Råda", SQUARE, 3, suppressed=True, display="<5"),
            AreaFigure("Älvstranden", SQUARE, None),
        ],
        unit="händelser",
    )
    collection = json.loads(json.dumps(data.feature_collection()))
    assert collection["type"] == "FeatureCollection"
    centrum, rada, alv = (f["properties"] for f in collection["features"])
    assert centrum == {
        "name": "Centrum",
        "value": 1234,
        "display": "1\xa0234",
        "class": 0,
        "shade": 3,
        "suppressed": False,
    }
    assert rada["value"] is None, "a suppressed figure must not reach the page"
    assert (rada["display"], rada["class"], rada["shade"], rada["suppressed"]) == (
        "<5",
        None,
        None,
        True,
    )
    assert (alv["display"], alv["class"], alv["suppressed"]) == ("–", None, False)
    assert collection["features"][0]["geometry"] == SQUARE
    assert data.has_suppressed and data.has_missing
