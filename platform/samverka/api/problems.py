"""RFC 9457 problem details: every error under ``/api/v1`` is ``application/problem+json``.

Each kind of problem has a stable ``type`` URI (``https://samverka.se/problems/<slug>``) that
clients may switch on; ``title`` is fixed per type, ``detail`` says what went wrong this time,
and a validation problem carries ``errors``: ``{field: [message, …]}``. The list of types is
:data:`PROBLEM_TYPES` (documented in the README).
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import marshmallow as ma
from flask import Response, json, request
from werkzeug.exceptions import HTTPException

from samverka.errors import Conflict, Forbidden, NotFound, SamverkaError, ValidationError

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://samverka.se/problems/"


@dataclass(frozen=True)
class ProblemType:
    slug: str
    status: int
    title: str

    @property
    def uri(self) -> str:
        return PROBLEM_BASE + self.slug


PROBLEM_TYPES = {
    kind.slug: kind
    for kind in (
        ProblemType("bad-request", 400, "Bad request"),
        ProblemType("malformed-json", 400, "Malformed JSON"),
        ProblemType("invalid-cursor", 400, "Invalid pagination cursor"),
        ProblemType("unauthorized", 401, "Authentication required"),
        ProblemType("forbidden", 403, "Forbidden"),
        ProblemType("not-found", 404, "Not found"),
        ProblemType("method-not-allowed", 405, "Method not allowed"),
        ProblemType("conflict", 409, "Conflict"),
        ProblemType("payload-too-large", 413, "Payload too large"),
        ProblemType("unsupported-media-type", 415, "Unsupported media type"),
        ProblemType("validation", 422, "Validation failed"),
        ProblemType("internal", 500, "Internal server error"),
    )
}
BY_STATUS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "validation",
}


class ApiProblem(Exception):
    """Raised by API code for an answer other than success."""

    def __init__(
        self,
        slug: str,
        detail: str,
        *,
        errors: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.kind = PROBLEM_TYPES[slug]
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details (for the OpenAPI document; responses are built directly)."""

    type = ma.fields.String(required=True, metadata={"format": "uri"})
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String(required=True)
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        metadata={"description": "Validation messages by field (validation problems only)."},
    )


def problem_response(
    kind: ProblemType,
    detail: str,
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": kind.uri,
        "title": kind.title,
        "status": kind.status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=kind.status, mimetype=PROBLEM_JSON)
    response.headers.update(headers or {})
    if kind.status == 401:
        response.headers.setdefault("WWW-Authenticate", 'Bearer realm="samverka"')
    return response


def handle_problem(error: ApiProblem) -> Response:
    return problem_response(error.kind, error.detail, error.errors, error.headers)


def handle_service_error(error: SamverkaError) -> Response:
    """The services' errors: the same classes the web and the CLI render their own way."""
    if isinstance(error, ValidationError):
        per_field = getattr(error, "messages", None)
        if callable(per_field):  # a record's data: every bad field at once
            errors = {f"data.{name}": [text] for name, text in per_field().items()}
            return problem_response(PROBLEM_TYPES["validation"], str(error), errors)
        field = error.field or "_schema"
        return problem_response(PROBLEM_TYPES["validation"], str(error), {field: [str(error)]})
    if isinstance(error, Conflict):
        return problem_response(PROBLEM_TYPES["conflict"], str(error))
    if isinstance(error, Forbidden):
        return problem_response(PROBLEM_TYPES["forbidden"], str(error))
    if isinstance(error, NotFound):
        return problem_response(PROBLEM_TYPES["not-found"], str(error) or "Not found.")
    return problem_response(PROBLEM_TYPES["bad-request"], str(error))


def handle_http_error(error: HTTPException) -> Response:
    """Werkzeug's and webargs' errors as problems (webargs puts field messages in ``data``)."""
    code = error.code or 500
    kind = PROBLEM_TYPES.get(BY_STATUS.get(code, ""), PROBLEM_TYPES["internal"])
    headers = {}
    if code == 405:
        headers["Allow"] = dict(error.get_headers()).get("Allow", "")
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    if code == 400 and messages == {"json": ["Invalid JSON body."]}:
        return problem_response(PROBLEM_TYPES["malformed-json"], "The body is not valid JSON.")
    if code == 422 and messages:
        errors = flatten(messages)
        detail = "; ".join(f"{field}: {' '.join(texts)}" for field, texts in errors.items())
        return problem_response(kind, detail, errors)
    detail = error.description or HTTPStatus(code).phrase
    if code == 404:
        detail = f"Nothing at {request.path}."
    return problem_response(kind, detail, headers=headers)


def handle_unexpected(error: Exception) -> Response:
    """A bug: answer a problem, never a stack trace (Flask logs the exception)."""
    from flask import current_app

    if isinstance(error, HTTPException):
        return handle_http_error(error)
    current_app.logger.exception("API request failed", exc_info=error)
    return problem_response(PROBLEM_TYPES["internal"], "The server failed to answer.")


def flatten(messages: dict, prefix: str = "") -> dict[str, list[str]]:
    """webargs' ``{location: {field: [msg]}}`` (nested for nested fields) as
    ``{"field.sub": [msg]}``; the location (json, query) is dropped."""
    out: dict[str, list[str]] = {}
    for key, value in messages.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if not prefix and key in ("json", "query", "view_args", "headers"):
            name = ""
        if isinstance(value, dict):
            out.update(flatten(value, name))
        else:
            texts = value if isinstance(value, list) else [value]
            out.setdefault(name or "_schema", []).extend(str(t) for t in texts)
    return out


def documented_statuses(*codes: int) -> list[tuple[int | str, str]]:
    """(status, component name) for ``Blueprint.alt_response``: the codes, then ``default``."""
    return [(code, HTTPStatus(code).name) for code in codes] + [("default", "DEFAULT_ERROR")]
