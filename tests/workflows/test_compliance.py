"""The compliance service: one tenant's report, and a consortium's members side by side,
each read in that member's own scope (the scope switching lives in the service)."""

from __future__ import annotations

import pytest

from samverka.db import get_scope
from samverka.workflows.compliance import services as compliance

pytestmark = pytest.mark.usefixtures("ctx")


def test_each_member_is_read_in_its_own_scope(db, world, acting):
    with acting(world.a, world.admin_a):
        compliance.save_settings(db, world.a, cycle_months=24, decision_body="KS Sunne")
        db.commit()
    with acting(world.b, world.admin_b):
        compliance.save_settings(db, world.b, cycle_months=36, decision_body="KS Torsby")
        db.commit()
    with acting(world.a, world.consortium_admin):
        before = get_scope(db)
        reports = compliance.consortium_reports(db, world.consortium, world.consortium_admin)
        assert get_scope(db) == before  # the caller's scope is back
    by_slug = {tenant.slug: settings for tenant, settings, _rows in reports}
    assert by_slug["sunne"].decision_body == "KS Sunne"
    assert by_slug["torsby"].decision_body == "KS Torsby"
    assert all(rows for _tenant, _settings, rows in reports)
    with acting(world.b, world.admin_b):
        tenant, settings, rows = compliance.tenant_report(db, world.b)
    assert (tenant, settings.cycle_months) == (world.b, 36)
    assert [row.duty for row in rows] == [duty for duty, _label in compliance.DUTIES]
