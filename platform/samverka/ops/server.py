"""The gunicorn settings of ``samverka serve``: our log format and redaction on gunicorn's own
handlers, no gunicorn access log (it would carry query strings; ``samverka.access`` logs
each request without them), and the metrics port and multiprocess bookkeeping.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from samverka import logs
from samverka.config import Settings
from samverka.ops import metrics


class SamverkaLogger(Logger):
    """gunicorn's error log in our format (JSON in production), redacted like the rest."""

    log_format = "text"  # set by configure()

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers + self.access_log.handlers:
            handler.setFormatter(logs.formatter_for(self.log_format))
            logs.protect(handler)


def configure(cfg: Any, settings: Settings, engine: Any) -> None:
    """Apply the settings to a gunicorn ``cfg`` (inside ``BaseApplication.load_config``)."""
    SamverkaLogger.log_format = settings.effective_log_format
    cfg.set("logger_class", SamverkaLogger)
    cfg.set("accesslog", None)
    # X-Forwarded-* are handled in one place, ProxyFix (SAMVERKA_TRUSTED_PROXIES).
    cfg.set("forwarded_allow_ips", "")
    # gunicorn 25's control socket defaults to one path per user ($HOME/.gunicorn): several
    # servers would fight over it, and the image's home is read-only. Nothing here uses it.
    cfg.set("control_socket_disable", True)
    cfg.set("on_starting", lambda _server: metrics.reset_multiprocess_dir())
    # Connections made before the fork must not be shared by the workers.
    cfg.set("post_fork", lambda _server, _worker: engine.dispose(close=False))
    cfg.set("child_exit", lambda _server, worker: metrics.worker_exited(worker.pid))
    if settings.metrics_port:
        port = settings.metrics_port
        cfg.set("when_ready", lambda _server: metrics.serve_metrics(settings, port))
