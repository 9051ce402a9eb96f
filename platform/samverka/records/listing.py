"""Auditing lists of records (thin, used by the web pages and the list export).

A list shows a record's title, type, classification, owner and date, never its fields. The
title of a confidential or sensitive record can still say something (a name of a case), so
a page of a list that holds such records leaves one ``record.list`` entry per owner chain
naming the ids shown; a page without them leaves none. One entry per page instead of one
per row keeps the list's cost flat (see ``bench/records.py``): opening a record is what
reveals its content, and that is audited one by one by :func:`services.get_record`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy.orm import Session

from samverka.audit.events import MAX_DETAIL_ITEMS, record_event
from samverka.classification import Classification
from samverka.records.models import Record
from samverka.tenants.models import Tenant


def audit_listing(
    session: Session, records: Iterable[Record], viewer_tenant: Tenant, *, via: str = "web"
) -> int:
    """Record which confidential or sensitive records a list showed (in each owner's chain,
    naming the viewing tenant), in the caller's transaction. Returns the entries recorded."""
    by_owner: dict[int, list[int]] = defaultdict(list)
    for record in records:
        if Classification(record.classification).audited_on_read:
            by_owner[record.tenant_id].append(record.id)
    count = 0
    for owner_id, ids in sorted(by_owner.items()):
        for start in range(0, len(ids), MAX_DETAIL_ITEMS):
            record_event(
                session,
                "record.list",
                tenant_id=owner_id,
                target_type="record",
                details={
                    "record_ids": ids[start : start + MAX_DETAIL_ITEMS],
                    "viewer_tenant_id": viewer_tenant.id,
                    "shared": owner_id != viewer_tenant.id,
                    "via": via,
                },
            )
            count += 1
    return count
