"""Samverka: a multi-tenant platform for Swedish regional crime-prevention consortia.

The core gives tenants grouped in consortia, accounts and roles, permissions decided in one
place, tenant isolation enforced centrally, and a pluggy host for domain plugins.
"""

from typing import Any

__all__ = ["create_app"]


def create_app(*args: Any, **kwargs: Any) -> Any:
    """The application factory (imported lazily so that ``import samverka.db`` stays light)."""
    from samverka.app import create_app as factory

    return factory(*args, **kwargs)
