"""Numbers as the reader's locale writes them (Babel through Flask-Babel): Swedish "52,3"
and "6 848", the same text in the chart, its table and its description."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import format_decimal

from samverka.charts.specs import SUPPRESSED, Value

NO_VALUE = "–"


def decimals_for(values: Sequence[Value], decimals: int | None) -> int:
    """``decimals`` when the chart says; else 0 when every number is an int, 1 otherwise."""
    if decimals is not None:
        return max(0, decimals)
    floats = (v for v in values if isinstance(v, float))
    return 1 if any(floats) else 0


def number_text(number: float, decimals: int) -> str:
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(round(number, decimals) if decimals else round(number), pattern)


def value_text(value: Value, decimals: int) -> str:
    """A cell's text: the number, "<5" for a suppressed count, "–" for no value."""
    if value is None:
        return NO_VALUE
    if value is SUPPRESSED:
        return SUPPRESSED.value
    return number_text(value, decimals)
