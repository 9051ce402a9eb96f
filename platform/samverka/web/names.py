"""Display names for ids on a page: organisations and people named on rows the viewer may
read (a measure's responsible partner, an assignment's owner in another tenant).

Tenants and users carry no tenant scope (no row-level security), so these reads are
declared scope-free; they return names only, never anything else about the row.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from samverka.auth.models import User
from samverka.db import SCOPE_FREE
from samverka.runtime import db_session
from samverka.tenants.models import Tenant


def tenant_names(ids: Iterable[int | None]) -> dict[int, str]:
    return _names(Tenant, ids)


def user_names(ids: Iterable[int | None]) -> dict[int, str]:
    return _names(User, ids)


def _names(model: type[Tenant] | type[User], ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    query = select(model.id, model.name).where(model.id.in_(wanted))
    return dict(db_session().execute(query.execution_options(**SCOPE_FREE)).all())
