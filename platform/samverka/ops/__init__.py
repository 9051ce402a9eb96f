"""Operations: request ids and access logs, Prometheus metrics, health and readiness probes.

:func:`init_app` is called by the app factory before the web blueprints are registered, so
the request context (and its id) exists before any other ``before_request`` logs a line.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from samverka.ops import health, metrics, request_log

    request_log.init_app(app)
    metrics.init_app(app)
    health.init_app(app)
