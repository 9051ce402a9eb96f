"""A small file store for finished exports: per-tenant folders, unguessable names, expiry.

Files live under ``<instance>/exports/<tenant id>/``; each is named by 256 random bits
(``secrets.token_urlsafe``) and has a JSON sidecar with its download name, media type,
size and expiry. A lookup needs both the tenant and the token, so a token leaked to another
organisation's user still finds nothing. Writes go to a temporary name first and are
renamed into place, so a reader never sees half a file and a failed export leaves nothing.

A background job names its file itself (``token=``, derived from the job: see
:func:`samverka.exports.jobs.job_token`): a job run again after a crash finds the file it
made before instead of making a second one. ``requested_by`` binds a file to the user who
asked for it: only that user downloads it.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from samverka import clock
from samverka.errors import NotFound

DEFAULT_LIFETIME = timedelta(days=7)
TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")
UNSAFE_IN_NAME = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;]+')


@dataclass
class PendingExport:
    """The file being written (``file``) and, once the block has ended, ``stored``."""

    file: BinaryIO
    stored: StoredExport | None = None


@dataclass(frozen=True)
class StoredExport:
    tenant_id: int
    token: str
    filename: str
    media_type: str
    size: int
    created_at: str
    expires_at: str
    action: str = "tenant:dashboard:view"  # what a downloader must be allowed to do
    job_id: int | None = None  # the outbox job that made it (a job's page finds it by this)
    download_event: str | None = None  # an audit action recorded at every download
    requested_by: int | None = None  # the only user who may download it (None: any allowed)

    def may_download(self, user_id: int | None) -> bool:
        return self.requested_by is None or self.requested_by == user_id

    def expired(self, now: datetime) -> bool:
        return datetime.fromisoformat(self.expires_at) <= now


class ExportStore:
    def __init__(self, root: Path, lifetime: timedelta = DEFAULT_LIFETIME) -> None:
        self.root = Path(root)
        self.lifetime = lifetime

    @contextmanager
    def create(
        self,
        tenant_id: int,
        filename: str,
        media_type: str,
        *,
        action: str = "tenant:dashboard:view",
        now: datetime | None = None,
        job_id: int | None = None,
        download_event: str | None = None,
        lifetime: timedelta | None = None,
        token: str | None = None,
        requested_by: int | None = None,
    ) -> Iterator[PendingExport]:
        """Write into ``pending.file``; after the block ``pending.stored`` describes the file.
        An exception inside the block leaves nothing behind. ``job_id`` ties the file to the
        job that made it (:meth:`find_for_job`); ``download_event`` is an audit action that
        every download records (whole-tenant archives); ``lifetime`` overrides the store's.
        ``token``: the file's name (43 URL-safe characters), e.g. derived from a job; a file
        of that name is replaced atomically, so there is never more than one.
        ``requested_by``: the only user who may download it."""
        folder = self._folder(tenant_id)
        folder.mkdir(parents=True, exist_ok=True)
        if token is None:
            token = secrets.token_urlsafe(32)
        elif not TOKEN.match(token):
            raise ValueError("an export token is 43 URL-safe characters")
        partial = folder / f".{token}.partial"
        try:
            with partial.open("wb") as out:
                pending = PendingExport(out)
                yield pending
            created = now or clock.now()
            stored = StoredExport(
                tenant_id=tenant_id,
                token=token,
                filename=safe_filename(filename),
                media_type=media_type,
                size=partial.stat().st_size,
                created_at=created.isoformat(),
                expires_at=(created + (lifetime or self.lifetime)).isoformat(),
                action=action,
                job_id=job_id,
                download_event=download_event,
                requested_by=requested_by,
            )
            meta = self._meta_path(tenant_id, token)
            meta_partial = meta.with_name(f".{token}.json.partial")
            meta_partial.write_text(json.dumps(asdict(stored)))
            os.replace(partial, self._data_path(tenant_id, token))
            os.replace(meta_partial, meta)
            pending.stored = stored
        finally:
            partial.unlink(missing_ok=True)
            folder.joinpath(f".{token}.json.partial").unlink(missing_ok=True)

    def get(self, tenant_id: int, token: str, *, now: datetime | None = None) -> StoredExport:
        """The export of ``tenant_id`` named ``token``; NotFound when absent, foreign or expired."""
        if not TOKEN.match(token or ""):
            raise NotFound("no such export")
        try:
            stored = StoredExport(**json.loads(self._meta_path(tenant_id, token).read_text()))
        except (OSError, ValueError, TypeError) as error:
            raise NotFound("no such export") from error
        if stored.tenant_id != tenant_id or stored.expired(now or clock.now()):
            raise NotFound("no such export")
        if not self._data_path(tenant_id, token).is_file():
            raise NotFound("no such export")
        return stored

    def find_for_job(
        self, tenant_id: int, job_id: int, *, now: datetime | None = None
    ) -> StoredExport | None:
        """The newest live file that job ``job_id`` made for ``tenant_id`` (None: none yet).

        Reads the tenant's sidecars only: a tenant holds a handful of live exports."""
        found: StoredExport | None = None
        for meta in self._folder(tenant_id).glob("*.json"):
            try:
                stored = self.get(tenant_id, meta.stem, now=now)
            except NotFound:
                continue
            if stored.job_id == job_id and (found is None or stored.created_at > found.created_at):
                found = stored
        return found

    def remove_tenant(self, tenant_id: int) -> int:
        """Delete every file of a tenant (the tenant is being deleted); returns how many."""
        folder = self._folder(tenant_id)
        if not folder.is_dir():
            return 0
        removed = len(list(folder.glob("*.data")))
        shutil.rmtree(folder, ignore_errors=True)
        return removed

    def open(self, stored: StoredExport) -> BinaryIO:
        return self._data_path(stored.tenant_id, stored.token).open("rb")

    def purge_expired(self, *, now: datetime | None = None) -> int:
        """Delete every expired export (a scheduled job calls this); returns how many."""
        moment = now or clock.now()
        removed = 0
        for meta in self.root.glob("*/*.json"):
            try:
                expired = StoredExport(**json.loads(meta.read_text())).expired(moment)
            except (OSError, ValueError, TypeError):
                expired = True
            if expired:
                meta.with_suffix(".data").unlink(missing_ok=True)
                meta.unlink(missing_ok=True)
                removed += 1
        for partial in self.root.glob("*/.*.partial"):  # left by a process that died writing
            with suppress(OSError):
                if partial.stat().st_mtime < moment.timestamp() - self.lifetime.total_seconds():
                    partial.unlink()
        return removed

    def _folder(self, tenant_id: int) -> Path:
        return self.root / str(int(tenant_id))

    def _data_path(self, tenant_id: int, token: str) -> Path:
        return self._folder(tenant_id) / f"{token}.data"

    def _meta_path(self, tenant_id: int, token: str) -> Path:
        return self._folder(tenant_id) / f"{token}.json"


def safe_filename(name: str) -> str:
    """A download name that keeps å, ä and ö but no path, quote or control character."""
    name = unicodedata.normalize("NFC", name)
    name = UNSAFE_IN_NAME.sub(" ", name).strip(" .")
    name = re.sub(r"\s+", " ", name)
    return name[:120] or "export"
