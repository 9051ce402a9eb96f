"""Bounds of every number and date a client puts in a URL (path and query).

Python's ``int()`` takes anything: ``2**64`` (which no INTEGER column binds: SQLite raises,
a 500), ``" 12"``, ``"1_000"`` and other scripts' digits (``"١٢"``). So every integer and
date parameter is declared here with its range, checked before a view runs (a 404 problem
for a path segment that cannot name anything, a 422 validation problem for a query value)
and documented in the OpenAPI document as ``minimum``/``maximum`` (dates: ``format: date``
with ``x-minimum``/``x-maximum``). ``tests/api/test_parameter_bounds.py`` fails for any new
parameter that lacks them.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import marshmallow as ma
from flask import Flask
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter, Map, ValidationError

#: Ids are INTEGER columns (32-bit signed on PostgreSQL): a larger number names nothing.
MAX_ID = 2**31 - 1
#: The years the annual cycle's pages and calendar know about.
MIN_YEAR, MAX_YEAR = 2000, 2100
#: Dates a client may ask about (filters): wide, but far from ``date.max`` (9999-12-31),
#: where a day's arithmetic (``+ timedelta(days=1)``) overflows.
MIN_DATE, MAX_DATE = date(1900, 1, 1), date(2199, 12, 31)

ASCII_INTEGER = re.compile(r"-?[0-9]{1,20}")


class IdConverter(IntegerConverter):
    """The app's ``<int:…>`` path converter: ASCII digits only, ``1``–:data:`MAX_ID` unless
    the rule says otherwise (``<int(min=2000, max=2100):year>``). A segment outside is a 404;
    werkzeug's own would take any Unicode digit and any size."""

    regex = r"[0-9]+"

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = 1,
        max: int | None = MAX_ID,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=False)

    def to_python(self, value: str) -> int:
        """A 404 for a number out of range. werkzeug's ``ValidationError`` would let the
        other methods' rules of the same path answer 405 (``PATCH /records/0``: "use GET")."""
        try:
            return super().to_python(value)
        except ValidationError:
            raise NotFound() from None


def install(app: Flask) -> None:
    """Make :class:`IdConverter` the ``int`` converter (before any route is added)."""
    app.url_map.converters["int"] = IdConverter


class StrictInteger(ma.fields.Integer):
    """An integer given as text must be ASCII digits with an optional minus sign; declare a
    ``Range`` too (see :func:`bounded_integer`)."""

    def _validated(self, value: Any) -> int:
        if isinstance(value, str) and not ASCII_INTEGER.fullmatch(value):
            raise self.make_error("invalid")
        return super()._validated(value)


def bounded_integer(low: int, high: int, **kwargs: Any) -> StrictInteger:
    """A query integer in ``low``–``high`` (both documented and checked)."""
    return StrictInteger(validate=ma.validate.Range(min=low, max=high), **kwargs)


def id_field(**kwargs: Any) -> StrictInteger:
    """A query parameter naming a row by id."""
    return bounded_integer(1, MAX_ID, **kwargs)


def bounded_date(**kwargs: Any) -> ma.fields.Date:
    """An ISO date between :data:`MIN_DATE` and :data:`MAX_DATE`."""
    return ma.fields.Date(validate=ma.validate.Range(min=MIN_DATE, max=MAX_DATE), **kwargs)
