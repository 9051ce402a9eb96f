"""Logging: one JSON object per line (or text), a request id everywhere, secrets redacted.

Why here and not per module: log shippers parse one format, an operator follows one request
(web and the jobs it queued) by one id, and a token pasted into a URL must never reach a log
whichever library wrote the line. :func:`configure` installs the formatter and the
:class:`RedactingFilter` on the root logger's handlers (pytest's ``caplog`` handler included).
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

#: Fields of the current request or job, added to every record logged while it runs.
_context: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "samverka_log_context", default=None
)
REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
CONTEXT_FIELDS = (
    "request_id",
    "method",
    "path",
    "status",
    "duration_ms",
    "tenant",
    "job",
    "outcome",
    "error",
)
REDACTED = "[REDACTED]"

_SECRET_KEYS = (
    r"password|passwd|pwd|secret|client_secret|token|access_token|refresh_token|id_token"  # noqa: S105
    r"|api_key|apikey|session|csrf_token|code_verifier|otp|totp"
)
_REDACTIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Authorization / Proxy-Authorization / Cookie headers, as "Name: value" or a dict item.
    (
        re.compile(
            r"""(?i)((?:proxy-)?authorization|cookie|set-cookie|x-api-key)(['"]?\s*[:=]\s*['"]?)"""
            r"""[^'"\r\n]+"""
        ),
        rf"\1\2{REDACTED}",
    ),
    (re.compile(r"(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{6,}"), rf"\1 {REDACTED}"),
    # key=value in query strings and forms; "key": "value" in JSON and reprs.
    (re.compile(rf"(?i)([?&;\s]|^)({_SECRET_KEYS})=[^&\s'\"]*"), rf"\1\2={REDACTED}"),
    # An OAuth authorisation code only in query strings ("exit code=1" is no secret).
    (re.compile(r"(?i)([?&])(code)=[^&\s'\"]*"), rf"\1\2={REDACTED}"),
    (
        re.compile(
            rf"""(?i)(['"](?:{_SECRET_KEYS}|[a-z_]*(?:password|secret|token))['"]\s*:\s*)"""
            r"""(['"])(?:(?!\2).)*\2"""
        ),
        rf"\1\2{REDACTED}\2",
    ),
    # Credentials inside URLs: scheme://user:password@host
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^:/@\s]+):[^@/\s]+@"), rf"\1:{REDACTED}@"),
)


def redact(text: str) -> str:
    """``text`` with every secret-looking value replaced by ``[REDACTED]``."""
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites a record's message (arguments merged in) and exception text, redacted.

    A filter on the handlers, not on loggers: records propagated from any library's logger
    pass the root's handlers, but not the root logger's own filters.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class ContextFilter(logging.Filter):
    """Copies the request's (or job's) fields onto the record, for both formats."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in (_context.get() or {}).items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the context fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in CONTEXT_FIELDS:
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        if record.exc_info or record.exc_text:
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """Readable lines for development, with the request id when there is one."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(rid)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        rid = getattr(record, "request_id", None)
        record.rid = f" [{rid}]" if rid else ""
        return super().format(record)


class StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (a test's capture, gunicorn's
    redirection), not to the stream that was current when logging was configured."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def formatter_for(kind: str) -> logging.Formatter:
    return JsonFormatter() if kind == "json" else TextFormatter()


def configure(level: str, kind: str) -> None:
    """Root logging for this process: a stderr handler in ``kind`` format (added once), and
    the redacting and context filters on every root handler (including ones added by
    gunicorn or pytest before this call)."""
    root = logging.getLogger()
    root.setLevel(level)
    ours = [h for h in root.handlers if getattr(h, "samverka", False)]
    if not ours:
        handler = StderrHandler()
        handler.samverka = True  # type: ignore[attr-defined]
        root.addHandler(handler)
        ours = [handler]
    for handler in ours:
        handler.setFormatter(formatter_for(kind))
    for handler in root.handlers:
        protect(handler)
    logging.getLogger("alembic").setLevel(logging.WARNING)


def protect(handler: logging.Handler) -> None:
    """Add the context and redacting filters to ``handler`` unless it has them."""
    kinds = {type(f) for f in handler.filters}
    for cls in (ContextFilter, RedactingFilter):
        if cls not in kinds:
            handler.addFilter(cls())


# --- request and job context ------------------------------------------------------------------


def new_request_id() -> str:
    return uuid.uuid4().hex


def valid_request_id(value: str | None) -> bool:
    """Only plain tokens are taken from a proxy: no spaces, quotes or log-line injection."""
    return bool(value and _REQUEST_ID.match(value))


def current_context() -> dict[str, Any]:
    return _context.get() or {}


def current_request_id() -> str | None:
    return current_context().get("request_id")


def bind(**fields: Any) -> None:
    """Add fields to the current context (e.g. the tenant once it is resolved)."""
    _context.set({**current_context(), **{k: v for k, v in fields.items() if v is not None}})


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Run a block (a job) with these fields on every record; restores the outer context."""
    token = _context.set({k: v for k, v in fields.items() if v is not None})
    try:
        yield
    finally:
        _context.reset(token)


def start(**fields: Any) -> contextvars.Token:
    """Begin a request's context; :func:`finish` with the returned token ends it."""
    return _context.set({k: v for k, v in fields.items() if v is not None})


def finish(token: contextvars.Token) -> None:
    try:
        _context.reset(token)
    except ValueError:  # reset from another context (streamed responses): just clear
        _context.set(None)


# --- the one line a background job leaves ------------------------------------------------------

#: How a run of a job ended (``samverka.jobs.runner``'s outcomes), as its log line says it.
JOB_OUTCOMES = {
    "done": "done",
    "skipped": "skipped (finished before)",
    "duplicate": "skipped (another run finished first)",
    "pending": "failed ({error}), will be retried",
    "failed": "failed ({error}), given up",
}


def job_finished(
    logger: logging.Logger, outcome: str, seconds: float, tenant_id: int | None = None
) -> None:
    """Log the one line a job run leaves: which job, for whom, how it ended, how long it took
    (``job core.count_to for sunne: done in 0.4 s``), at WARNING when it failed.

    Why one line, at the end: a console (``samverka demo``) or a log search shows each job
    once, with its outcome and duration, instead of a worker library's several lines per job
    (the worker runs RQ's own loggers at WARNING). The job and tenant come from the job's log
    context (:func:`bind`), and so does the failure's exception class (``error``); a run
    that ended before it knew the tenant's name shows the tenant's id."""
    fields = current_context()
    whom = fields.get("tenant") or (f"tenant {tenant_id}" if tenant_id else "the platform")
    text = JOB_OUTCOMES.get(outcome, outcome).format(error=fields.get("error", "error"))
    level = logging.WARNING if outcome in ("pending", "failed") else logging.INFO
    logger.log(
        level,
        "job %s for %s: %s in %.1f s",
        fields.get("job", "?"),
        whom,
        text,
        seconds,
        extra={"outcome": outcome, "duration_ms": round(seconds * 1000, 1)},
    )
