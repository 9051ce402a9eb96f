"""Helpers for the archive and deletion tests."""

from __future__ import annotations

import io
import zipfile

CLIENT_SECRET = "sso-client-secret-7f3a9c2e-never-exported"


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}
