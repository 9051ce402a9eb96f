"""The coordinator's overview (grouping, ordering, statuses) and the reminder job: one mail
per agreement or pledge, kind and due date, however often it runs; only the tenant's own
records, only to its coordinators and administrators."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from samverka.jobs.models import OutboxJob
from samverka.plugins.manifest import OverviewKind
from samverka.records.models import Record
from samverka.runtime import runtime
from samverka.workflows.agreements import services as ag
from samverka.workflows.compliance import services as compliance
from samverka.workflows.overview import services as overview

pytestmark = pytest.mark.usefixtures("ctx")
TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def agreement(db, world, acting, title, tenant=None, user=None, **data):
    tenant, user = tenant or world.a, user or world.admin_a
    with acting(tenant, user):
        record = ag.create_agreement(
            db,
            title=title,
            data={"valid_from": "2024-01-01"} | data,
            parties=[{"name": "Polisen"}],
            user=user,
        )
        db.commit()
        return record.id


def pledge(db, world, acting, title, **data):
    with acting(world.a, world.admin_a):
        record = ag.create_pledge(
            db,
            title=title,
            data={"valid_from": "2024-01-01", "public_text": "x", "follow_up_month": 12} | data,
            user=world.admin_a,
        )
        db.commit()
        return record.id


class OnlyThese:
    """A hook caller where nothing but ``extra`` answers (no core, no workflow)."""

    def __init__(self, extra):
        self.extra = extra

    def compliance_evidence(self, session, tenant):
        return [self.extra]


class Hooks:
    """The hook caller with a second, made-up plugin answering beside the core."""

    def __init__(self, extra):
        self.extra = extra

    def cycle_overview_items(self, session, tenant, user):
        core = runtime().host.hooks_for(())
        return [*core.cycle_overview_items(session=session, tenant=tenant, user=user), self.extra]

    def compliance_evidence(self, session, tenant):
        core = runtime().host.hooks_for(())
        return [*core.compliance_evidence(session=session, tenant=tenant), self.extra]

    def register_overview_kinds(self):
        core = runtime().host.hooks_for(())
        return [*core.register_overview_kinds(), [OverviewKind("zz_plugin", "Plugin's", 5)]]


def test_due_items_cover_expiry_review_and_follow_up(db, world, acting, monkeypatch):
    monkeypatch.setattr(ag, "today", lambda: TODAY)
    agreement(db, world, acting, "Utgår snart", valid_to="2027-01-31")
    agreement(db, world, acting, "Utgår senare", valid_to="2028-01-31")
    agreement(db, world, acting, "Granskas", until_further_notice=True, review_on="2026-11-01")
    agreement(db, world, acting, "Redan slut", valid_to="2026-10-31")
    followed = pledge(db, world, acting, "Uppföljt")
    this_year_missing = pledge(db, world, acting, "Ej uppföljt i år")
    pledge(db, world, acting, "Aldrig uppföljt")
    pledge(db, world, acting, "Slutade i våras", valid_to="2026-04-30")
    with acting(world.a, world.admin_a):
        for record_id, years in ((followed, (2025, 2026)), (this_year_missing, (2025,))):
            for year in years:
                ag.record_follow_up(
                    db,
                    db.get(Record, record_id),
                    year=year,
                    status="done",
                    text="ok",
                    user=world.admin_a,
                )
        db.commit()
        found = {
            (d.kind, d.record.title, d.due_on, d.status) for d in overview.due_items(db, world.a)
        }
    assert found == {
        ("agreement_expiry", "Utgår snart", date(2027, 1, 31), "due"),
        ("agreement_review", "Granskas", date(2026, 11, 1), "late"),
        ("pledge_follow_up", "Ej uppföljt i år", date(2026, 12, 1), "due"),
        ("pledge_follow_up", "Aldrig uppföljt", date(2025, 12, 1), "late"),
        ("pledge_follow_up", "Aldrig uppföljt", date(2026, 12, 1), "due"),
        ("pledge_follow_up", "Slutade i våras", date(2025, 12, 1), "late"),
        ("pledge_follow_up", "Slutade i våras", date(2026, 4, 30), "late"),
    }


def test_groups_follow_the_kinds_and_sort_by_due_date(db, world, acting, monkeypatch):
    monkeypatch.setattr(ag, "today", lambda: TODAY)
    agreement(db, world, acting, "B senare", valid_to="2027-02-10")
    agreement(db, world, acting, "A tidigare", valid_to="2026-12-24")
    extra = [
        {"kind": "red_measure", "title": "Röd åtgärd", "due": None, "status": "red", "url": None},
        {"kind": "round", "title": "Okt", "due": date(2026, 11, 30), "status": "weird"},
        {"kind": "round", "title": "Nov", "due": datetime(2026, 11, 25, tzinfo=UTC)},
        {"kind": "zz_plugin", "title": "Annat", "due": None, "status": "info"},
        {"kind": "undeclared", "title": "Okänt", "due": None, "status": "info"},
    ]
    with acting(world.a, world.admin_a):
        groups = overview.overview_groups(db, world.a, world.admin_a, Hooks(extra))
    assert [(g.kind, g.label) for g in groups] == [
        ("zz_plugin", "Plugin's"),  # its declared order (5) puts it first
        ("agreement_expiry", "Agreements about to expire"),
        ("round", "Open reporting rounds"),
        ("red_measure", "Red measures"),
        ("other", "Other items"),  # an undeclared kind: never its raw key
    ]
    assert [i["title"] for i in groups[1].items] == ["A tidigare", "B senare"]
    assert [i["title"] for i in groups[2].items] == ["Nov", "Okt"]
    assert groups[2].items[0]["due"] == date(2026, 11, 25)  # a datetime counts by its day
    assert groups[2].items[1]["status"] == "info"  # an unknown status is not trusted
    assert {i["organisation"] for g in groups for i in g.items} == {world.a.name}
    assert not overview.names_organisations(groups, world.a)


def test_compliance_merges_answers_and_says_no_evidence(db, world, acting):
    extra = [
        {
            "duty": "situation_picture",
            "met": True,
            "as_of": date(2026, 3, 1),
            "summary": "LB",
            "url": "/x",
        },
        {"duty": "situation_picture", "met": True, "as_of": datetime(2026, 2, 1, tzinfo=UTC)},
        {"duty": "plugin_duty", "met": False, "as_of": None, "summary": "–", "url": None},
    ]
    with acting(world.a, world.admin_a):
        rows = {r.duty: r for r in compliance.compliance_report(db, world.a, Hooks(extra))}
    assert list(rows)[:6] == [d for d, _l in compliance.DUTIES]
    assert rows["situation_picture"].met and rows["situation_picture"].as_of == date(2026, 3, 1)
    assert rows["action_plan"].answered and not rows["action_plan"].met  # no plan decided
    with acting(world.a, world.admin_a):
        alone = {r.duty: r for r in compliance.compliance_report(db, world.a, OnlyThese(extra))}
    assert not alone["action_plan"].answered and alone["action_plan"].summary == "No evidence"
    assert rows["coordination_function"].answered and not rows["coordination_function"].met
    assert "plugin_duty" in rows


def test_reminders_are_sent_once_per_record_kind_and_date(db, world, acting, monkeypatch):
    monkeypatch.setattr(ag, "today", lambda: TODAY)
    agreement(db, world, acting, "Utgår snart", valid_to="2027-01-31")
    agreement(
        db, world, acting, "Torsbys", tenant=world.b, user=world.admin_b, valid_to="2027-01-31"
    )
    with acting(world.a):
        assert overview.send_reminders(db, NOW) == 1
        db.commit()
        assert overview.send_reminders(db, NOW + timedelta(hours=6)) == 0
        db.commit()
        mails = db.scalars(select(OutboxJob).where(OutboxJob.job == "core.send_mail")).all()
        reminders = db.scalars(select(overview.CycleReminder)).all()
    sent = [json.loads(m.arguments) for m in mails]
    assert [m["to"] for m in sent] == ["admin@sunne.test"]
    assert "Utgår snart" in sent[0]["subject"]
    assert [(r.kind, r.due_on) for r in reminders] == [("agreement_expiry", date(2027, 1, 31))]


def test_a_new_due_date_is_reminded_again(db, world, acting, monkeypatch):
    monkeypatch.setattr(ag, "today", lambda: TODAY)
    record_id = agreement(db, world, acting, "Förlängs", valid_to="2027-01-31")
    with acting(world.a, world.admin_a):
        assert overview.send_reminders(db, NOW) == 1
        record = db.get(Record, record_id)
        ag.update_agreement(db, record, data={"valid_to": "2027-02-10"}, user=world.admin_a)
        db.commit()
        assert overview.send_reminders(db, NOW) == 1
        db.commit()
