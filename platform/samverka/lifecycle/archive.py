"""A tenant's whole data as one zip archive, written as it streams in.

Each module adds its part through the hook ``export_tenant_data(session, tenant, archive)``
using only three calls (records and plugins depend on exactly these)::

    archive.add_json(path, data)          # one JSON document (dates as ISO 8601)
    archive.add_jsonl(path, rows)         # JSON Lines from an iterable, streamed row by row
    archive.add_file(path, fileobj)       # bytes from a binary file object (attachments)

Paths are relative POSIX paths without ``..``; a path used twice is refused (a module must not
overwrite another's file). Every entry is written straight into the zip (ZIP64, so size is no
limit) while its SHA-256 and size are computed; :meth:`TenantArchive.close` adds a
``README.txt`` in Swedish and a ``manifest.json`` with the tenant, the time, the format
version, every file's checksum and size, and which part (module) wrote it, so the receiver can
check the archive offline (``samverka audit verify-archive FILE``).
"""

from __future__ import annotations

import enum
import hashlib
import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import PurePosixPath
from typing import IO, Any, BinaryIO
from uuid import UUID

FORMAT = "samverka-tenant-archive"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
README = "README.txt"
RESERVED = frozenset({MANIFEST, README})
CHUNK = 1024 * 1024
SEGMENT = re.compile(r"^[^\x00-\x1f\x7f\\:*?\"<>|]{1,200}$")


class ArchivePathError(ValueError):
    """A path that is absolute, climbs out (``..``), is reserved or was already used."""


def json_default(value: Any) -> Any:
    """Dates and times as ISO 8601 (naive times are UTC, as SQLite returns them), enums by
    value, decimals as text (no rounding), sets sorted."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} cannot go into a JSON archive file")


def dumps(data: Any, *, indent: int | None = 2) -> str:
    return json.dumps(data, ensure_ascii=False, indent=indent, default=json_default)


def check_path(path: str) -> str:
    """``path`` if it is a clean relative POSIX path; else :class:`ArchivePathError`."""
    if not isinstance(path, str) or not path or path.startswith("/") or "\\" in path:
        raise ArchivePathError(f"archive path {path!r} must be relative and use '/'")
    parts = PurePosixPath(path).parts
    if "/".join(parts) != path:
        raise ArchivePathError(f"archive path {path!r} is not in its plain form")
    if any(part in (".", "..") or not SEGMENT.match(part) for part in parts):
        raise ArchivePathError(f"archive path {path!r} has a forbidden part")
    if path in RESERVED:
        raise ArchivePathError(f"archive path {path!r} is reserved for the archive itself")
    return path


@dataclass(frozen=True)
class ArchiveFile:
    path: str
    size: int
    sha256: str
    part: str


class _Hashing:
    """A write-only stream into a zip entry that counts and hashes what passes."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.digest.update(data)
        self.size += len(data)
        self.target.write(data)


class TenantArchive:
    """The archive being written. ``part`` names the module whose files come next (the
    builder sets it before calling each module's hook)."""

    def __init__(self, fileobj: BinaryIO, tenant: Any, *, created_at: datetime) -> None:
        self.zip = zipfile.ZipFile(fileobj, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        self.tenant = tenant
        self.created_at = created_at
        self.part = "core"
        self.parts: list[str] = []
        self.files: list[ArchiveFile] = []
        self._paths: set[str] = set()
        self._closed = False

    # --- the interface modules use -----------------------------------------------------------

    def add_json(self, path: str, data: Any) -> None:
        """``data`` as one UTF-8 JSON document (indented for people who open it)."""
        self._write(path, lambda out: out.write(dumps(data).encode() + b"\n"))

    def add_jsonl(self, path: str, rows: Iterable[dict]) -> None:
        """One JSON object per line, written as the rows come (a query may stream them)."""

        def write(out: _Hashing) -> None:
            for row in rows:
                out.write(dumps(row, indent=None).encode() + b"\n")

        self._write(path, write)

    def add_file(self, path: str, fileobj: BinaryIO) -> None:
        """The bytes of ``fileobj`` (read to its end in 1 MiB chunks)."""

        def write(out: _Hashing) -> None:
            while chunk := fileobj.read(CHUNK):
                out.write(chunk)

        self._write(path, write)

    # --- the builder's side ------------------------------------------------------------------

    def begin_part(self, name: str) -> None:
        self.part = name
        if name not in self.parts:
            self.parts.append(name)

    def close(self, readme: str) -> None:
        """Add the README and the manifest, then finish the zip."""
        if self._closed:
            return
        self._entry(README, lambda out: out.write(readme.encode()))
        manifest = self.manifest()
        self._entry(MANIFEST, lambda out: out.write(dumps(manifest).encode() + b"\n"))
        self.zip.close()
        self._closed = True

    def manifest(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": json_default(self.created_at),
            "tenant": {"id": self.tenant.id, "slug": self.tenant.slug, "name": self.tenant.name},
            "parts": [
                {"name": part, "files": [f.path for f in self.files if f.part == part]}
                for part in self.parts
            ],
            "files": [
                {"path": f.path, "size": f.size, "sha256": f.sha256, "part": f.part}
                for f in self.files
            ],
        }

    def _write(self, path: str, write) -> None:
        path = check_path(path)
        if path in self._paths:
            raise ArchivePathError(f"archive path {path!r} was already written")
        if self._closed:
            raise ArchivePathError("the archive is already closed")
        self._paths.add(path)
        stream = self._entry(path, write)
        self.files.append(ArchiveFile(path, stream.size, stream.digest.hexdigest(), self.part))

    def _entry(self, path: str, write) -> _Hashing:
        info = zipfile.ZipInfo(path, date_time=self.created_at.timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        with self.zip.open(info, "w", force_zip64=True) as target:
            stream = _Hashing(target)
            write(stream)
        return stream
