"""Keyset pagination: ``?limit=&cursor=``, an opaque cursor, a ``next`` link in the body.

The cursor is the last row's sort key and the path it belongs to, as base64url JSON signed
with the app's secret key (itsdangerous): clients cannot forge a position, and a cursor of
one list is refused by another. A bad cursor is a 400 problem. Keyset (``WHERE key > :last``
on an index) costs the same on page 1 and page 1000, unlike OFFSET.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode

import marshmallow as ma
from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

from samverka.api.params import bounded_integer
from samverka.api.problems import ApiProblem

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
SALT = "samverka.api.cursor"


class PageArgs(ma.Schema):
    limit = bounded_integer(
        1,
        MAX_LIMIT,
        load_default=DEFAULT_LIMIT,
        metadata={"description": f"Rows per page (1–{MAX_LIMIT})."},
    )
    cursor = ma.fields.String(
        load_default=None,
        metadata={"description": "Opaque position from a previous page's `next` link."},
    )


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def encode_cursor(key: Any) -> str:
    return _serializer().dumps({"p": request.path, "k": key})


def decode_cursor(cursor: str | None) -> Any:
    """The key after which the page starts, or None for the first page."""
    if cursor is None:
        return None
    try:
        data = _serializer().loads(cursor)
    except BadSignature:
        raise ApiProblem("invalid-cursor", "The cursor is not one this API issued.") from None
    if not isinstance(data, dict) or data.get("p") != request.path or "k" not in data:
        raise ApiProblem("invalid-cursor", "The cursor belongs to another list.")
    return data["k"]


def page(rows: Sequence[Any], limit: int, key: Callable[[Any], Any]) -> dict[str, Any]:
    """``{"items": rows[:limit], "next": link or None}``; fetch ``limit + 1`` rows so that
    the presence of a next page is known without a COUNT."""
    items = list(rows[:limit])
    following = None
    if len(rows) > limit and items:
        following = (
            request.path
            + "?"
            + urlencode({"limit": limit, "cursor": encode_cursor(key(items[-1]))})
        )
    return {"items": items, "next": following}


def page_schema(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    """A ``{"items": [item], "next": str | null}`` schema, named for the OpenAPI document."""
    return ma.Schema.from_dict(
        {
            "items": ma.fields.List(ma.fields.Nested(item), required=True),
            "next": ma.fields.String(
                required=True,
                allow_none=True,
                metadata={"description": "Link to the next page; null on the last."},
            ),
        },
        name=name,
    )
