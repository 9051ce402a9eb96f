"""Helpers the API tests import by name (a module of its own, not ``conftest``: with several
test folders in one run, ``import conftest`` would find whichever folder's came first)."""

from __future__ import annotations


def bearer(raw: str) -> dict[str, str]:
    """The ``Authorization`` header for an API token."""
    return {"Authorization": f"Bearer {raw}"}
