"""Attachment storage outside the database, behind a small interface.

:class:`LocalStorage` keeps files in ``SAMVERKA_ATTACHMENTS_PATH`` (default
``<instance>/attachments``) under random keys (never the user's file name: no path tricks,
no personal data in paths). A file is written to a temporary name and renamed when complete,
so a reader never sees half a file. :func:`receive` enforces the limits while streaming: the
size cap and an allow-list of content types checked against the bytes' signature.

Files and transactions: a file stored in a transaction that rolls back (or whose commit
fails) is deleted again; a file removed in a transaction is deleted only after the commit
(see :func:`track_new_file`, :func:`delete_after_commit`).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Session

from samverka.errors import ValidationError
from samverka.runtime import runtime

CHUNK = 64 * 1024
NEW_FILES_KEY = "samverka.records.new_files"
DOOMED_FILES_KEY = "samverka.records.doomed_files"

OOXML = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
}
LEGACY_OFFICE = {"application/msword", "application/vnd.ms-excel"}
TEXT_TYPES = {"text/plain", "text/csv"}
DEFAULT_TYPES = frozenset(
    {"application/pdf", "image/png", "image/jpeg", *OOXML, *LEGACY_OFFICE, *TEXT_TYPES}
)
SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    **{kind: (b"PK\x03\x04",) for kind in OOXML},
    **{kind: (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",) for kind in LEGACY_OFFICE},
}


class Storage(Protocol):
    def put(self, stream: BinaryIO) -> str: ...

    def open(self, key: str) -> BinaryIO: ...

    def delete(self, key: str) -> None: ...


class LocalStorage:
    """Files in one directory, two levels of fan-out by key prefix."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not key.isalnum() or len(key) < 8:
            raise ValueError("not a storage key")
        return self.root / key[:2] / key

    def put(self, stream: BinaryIO) -> str:
        key = secrets.token_hex(20)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return key

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    def files_older_than(self, cutoff: float) -> Iterator[tuple[str | None, Path]]:
        """Every stored file (and every left-over temporary file, key None) last written
        before ``cutoff`` (a POSIX time): the candidates of :mod:`samverka.records.sweep`."""
        if not self.root.is_dir():
            return
        for folder in sorted(p for p in self.root.iterdir() if p.is_dir()):
            for path in sorted(folder.iterdir()):
                if not path.is_file() or path.stat().st_mtime >= cutoff:
                    continue
                if path.name.startswith(".incoming-"):
                    yield None, path
                elif path.name.isalnum() and path.name[:2] == folder.name:
                    yield path.name, path


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    allowed_types: frozenset[str]


def current_storage() -> LocalStorage:

    settings = runtime().settings
    return LocalStorage(settings.attachments_path or Path(settings.instance_path) / "attachments")


def current_limits() -> Limits:

    settings = runtime().settings
    types = frozenset(t.strip() for t in settings.attachment_types.split(",") if t.strip())
    return Limits(settings.attachment_max_bytes, types or DEFAULT_TYPES)


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int
    sha256: str
    content_type: str


def receive(storage: Storage, stream: BinaryIO, content_type: str, limits: Limits) -> StoredFile:
    """Read ``stream`` into a spooled buffer within the limits, check its signature, then
    store it. Nothing is stored when a limit is broken."""
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    if kind not in limits.allowed_types:
        raise ValidationError(
            _l("Files of type %(type)s cannot be attached.", type=kind or "?"), "file"
        )
    digest = hashlib.sha256()
    size = 0
    with tempfile.SpooledTemporaryFile(max_size=1024 * 1024) as buffer:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > limits.max_bytes:
                raise ValidationError(
                    _l("The file is larger than %(max)s MB.", max=_megabytes(limits.max_bytes)),
                    "file",
                )
            digest.update(chunk)
            buffer.write(chunk)
        if size == 0:
            raise ValidationError(_l("The file is empty."), "file")
        buffer.seek(0)
        head = buffer.read(8192)
        if not matches_signature(kind, head):
            raise ValidationError(
                _l("The file's content is not of type %(type)s.", type=kind), "file"
            )
        buffer.seek(0)
        key = storage.put(buffer)
    return StoredFile(key, size, digest.hexdigest(), kind)


def matches_signature(kind: str, head: bytes) -> bool:
    """Whether the first bytes fit the declared type (text: UTF-8 without NUL bytes)."""
    if kind in TEXT_TYPES:
        if b"\x00" in head:
            return False
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as error:
            return error.start >= len(head) - 3  # a character cut at the 8 KiB boundary
        return True
    signatures: Iterable[bytes] = SIGNATURES.get(kind, ())
    return any(head.startswith(sig) for sig in signatures)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}"


def track_new_file(session: Session, storage: Storage, key: str) -> None:
    """Delete the file again if the session's transaction does not commit."""
    session.info.setdefault(NEW_FILES_KEY, []).append((storage, key))


def delete_after_commit(session: Session, storage: Storage, key: str) -> None:
    """Delete the file once the transaction that stopped referencing it has committed."""
    session.info.setdefault(DOOMED_FILES_KEY, []).append((storage, key))


@event.listens_for(Session, "after_commit")
def _files_committed(session: Session) -> None:
    session.info.pop(NEW_FILES_KEY, None)
    for storage, key in session.info.pop(DOOMED_FILES_KEY, []):
        storage.delete(key)


@event.listens_for(Session, "after_transaction_end")
def _files_abandoned(session: Session, transaction) -> None:
    """A top-level transaction that ended without a commit (rollback, failed commit, close):
    the files it stored are orphans; the ones it meant to delete stay."""
    if transaction.parent is not None or transaction.nested:
        return
    if session.info.get(NEW_FILES_KEY) is None and session.info.get(DOOMED_FILES_KEY) is None:
        return
    # after_commit ran first on success and emptied both lists
    for storage, key in session.info.pop(NEW_FILES_KEY, []):
        storage.delete(key)
    session.info.pop(DOOMED_FILES_KEY, None)
