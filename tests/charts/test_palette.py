"""The palettes survive a greyscale print: series and amounts differ by clear, ordered
steps of lightness (CIE L*), and the text on a cell keeps WCAG contrast."""

from __future__ import annotations

import itertools

from samverka.charts import palette

STEP = 15  # L* units between neighbours: distinguishable printed in grey


def test_series_colours_step_from_dark_to_light():
    shades = [palette.lightness(c) for c in palette.SERIES_COLOURS]
    assert all(b - a >= STEP for a, b in itertools.pairwise(shades)), shades


def test_series_also_differ_by_hatch():
    styles = [palette.series_style(i) for i in range(8)]
    assert len(set(styles)) == 8  # colour and hatch never both repeat
    assert len(set(palette.SERIES_HATCHES)) == len(palette.SERIES_HATCHES)


def test_the_sequential_palette_runs_light_to_dark():
    shades = [palette.lightness(c) for c in palette.SEQUENTIAL]
    assert all(a - b >= 10 for a, b in itertools.pairwise(shades)), shades
    for classes in range(2, 6):
        picked = [palette.lightness(c) for c in palette.sequential(classes)]
        assert picked == sorted(picked, reverse=True) and len(set(picked)) == classes


def test_text_on_every_fill_has_enough_contrast():
    for fill in (*palette.SEQUENTIAL, palette.NEUTRAL, palette.BACKGROUND):
        assert palette.contrast(palette.text_on(fill), fill) >= 4.5, fill
