"""Colours that survive greyscale printing: series differ by a clear step of lightness
*and* a hatch pattern (nothing is said by colour alone); amounts run light → dark.

The lightness is CIE L* (what a greyscale print keeps); ``tests/charts/test_palette.py``
checks that the steps are ordered and far enough apart.
"""

from __future__ import annotations

INK = "#0b0c0c"  # text and outlines (GOV.UK text colour)
GRID = "#b1b4b6"
MUTED = "#505a5f"
BACKGROUND = "#ffffff"
#: Suppressed and "no value" cells: a light neutral, hatched when suppressed.
NEUTRAL = "#f3f2f1"
NEUTRAL_HATCH = "////"

#: Series, dark → light, each with its own hatch (the first plain).
SERIES_COLOURS = ("#12436d", "#4a86c5", "#9dbfe0", "#e8eef5")
SERIES_HATCHES = ("", "////", "....", "xxx")
#: Line styles and markers, so lines differ without colour too.
LINE_STYLES = ("-", "--", ":", "-.")
LINE_MARKERS = ("o", "s", "^", "D")

#: Amounts (heat map, choropleth), light → dark (ColorBrewer "Blues", 5 classes).
SEQUENTIAL = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")


def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    """WCAG relative luminance of ``#rrggbb``."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _linear(r) + 0.7152 * _linear(g) + 0.0722 * _linear(b)


def lightness(colour: str) -> float:
    """CIE L* (0 black … 100 white) of ``#rrggbb``."""
    y = luminance(colour)
    return 116 * y ** (1 / 3) - 16 if y > 216 / 24389 else y * 24389 / 27


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio between two colours."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def text_on(colour: str) -> str:
    """Black or white text, whichever reads better on ``colour``."""
    return INK if contrast(INK, colour) >= contrast("#ffffff", colour) else "#ffffff"


def series_style(index: int) -> tuple[str, str]:
    """(colour, hatch) of series number ``index``; more series than colours repeat the
    colours with other hatches."""
    colours, hatches = SERIES_COLOURS, SERIES_HATCHES
    return colours[index % len(colours)], hatches[(index + index // len(colours)) % len(hatches)]


def sequential(classes: int) -> tuple[str, ...]:
    """``classes`` steps of the sequential palette, spread from light to dark."""
    if classes <= 1:
        return (SEQUENTIAL[2],)
    last = len(SEQUENTIAL) - 1
    return tuple(SEQUENTIAL[round(i * last / (classes - 1))] for i in range(classes))
