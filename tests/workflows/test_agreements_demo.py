"""The demo's agreements, pledges and compliance settings: seeded once (idempotent), the
SuToHaMu agreement shared with the consortium counts as evidence for every party, each
municipality's pledge is on its public page."""

from __future__ import annotations

import pytest

from samverka import demo
from samverka.db import TenantScope, scoped
from samverka.tenancy import services as tenancy
from samverka.workflows.agreements import services as ag
from samverka.workflows.compliance import services as compliance

pytestmark = pytest.mark.usefixtures("ctx")


class CoreOnly:
    def compliance_evidence(self, session, tenant):
        from samverka.runtime import runtime

        return runtime().host.hooks_for(()).compliance_evidence(session=session, tenant=tenant)


def test_the_demo_is_seeded_once_and_counts_as_evidence(app, db, registry):
    first = demo.seed(db, registry)
    db.commit()
    assert first["agreements"] == 1 and first["pledges"] == 5 and first["compliance_settings"] == 5
    again = demo.seed(db, registry)
    db.commit()
    assert (again["agreements"], again["pledges"], again["compliance_settings"]) == (0, 0, 0)
    for slug in ("sunne", "torsby", "hagfors", "munkfors"):
        tenant = tenancy.get_tenant(db, slug)
        with scoped(db, TenantScope.for_tenant(tenant.id)):
            rows = {r.duty: r for r in compliance.compliance_report(db, tenant, CoreOnly())}
            assert rows["cooperation_agreement"].met, slug
            assert rows["coordination_function"].met, slug
        shown = ag.public_pledges(db, tenant)
        assert len(shown) == 1 and shown[0]["public_text"], slug
