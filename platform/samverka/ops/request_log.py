"""Per request: a request id (a trusted proxy's ``X-Request-ID`` or a new one) bound to every
log line, returned in the response, and one access-log line without the query string.

The id is taken from the request only when ``SAMVERKA_TRUSTED_PROXIES`` > 0: the ingress then
sets it, and a client cannot choose what lands in the logs. A malformed id is replaced.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, g, request

from samverka import logs

access_log = logging.getLogger("samverka.access")
#: Probes and scrapes every few seconds: logged at DEBUG, not INFO.
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
_LOG_CONTEXT_KEY = "samverka.log_context"  # where the request keeps its logging context


def init_app(app: Flask) -> None:
    trust = app.extensions["samverka"].settings.trusted_proxies > 0
    app.before_request(lambda: begin(trust))
    app.url_value_preprocessor(_note_tenant)
    app.after_request(end)
    app.teardown_request(_clear)


def begin(trust_header: bool) -> None:
    offered = request.headers.get(logs.REQUEST_ID_HEADER) if trust_header else None
    g.request_id = offered if logs.valid_request_id(offered) else logs.new_request_id()
    g.request_started = time.perf_counter()
    request.environ[_LOG_CONTEXT_KEY] = logs.start(
        request_id=g.request_id, method=request.method, path=request.path
    )


def _note_tenant(_endpoint: str | None, values: dict | None) -> None:
    """The organisation in the URL (``/t/<slug>/``): a slug, no personal data."""
    if values and values.get("tenant_slug"):
        g.log_tenant = values["tenant_slug"]


def end(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id is None:  # before_request did not run (an earlier hook failed)
        return response
    response.headers[logs.REQUEST_ID_HEADER] = request_id
    duration_ms = round((time.perf_counter() - g.request_started) * 1000, 1)
    tenant = g.get("tenant")
    extra = {
        "status": response.status_code,
        "duration_ms": duration_ms,
        "tenant": tenant.slug if tenant is not None else g.get("log_tenant"),
    }
    level = logging.DEBUG if request.path in QUIET_PATHS else logging.INFO
    access_log.log(
        level,
        "%s %s %s %.1fms",
        request.method,
        request.path,
        response.status_code,
        duration_ms,
        extra={k: v for k, v in extra.items() if v is not None},
    )
    return response


def _clear(_exc: BaseException | None = None) -> None:
    token = request.environ.pop(_LOG_CONTEXT_KEY, None)
    if token is not None:
        logs.finish(token)
