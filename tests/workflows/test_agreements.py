"""Cooperation agreements and citizen pledges: parties, signatories, validity, annexes,
activities and yearly follow-ups; bad input changes nothing; child rows are readable where
the record is shared and nowhere else (ORM and, on PostgreSQL, RLS)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from samverka.audit.models import AuditEntry
from samverka.errors import Forbidden, ValidationError
from samverka.records import services
from samverka.records.models import Record
from samverka.workflows.agreements import services as ag

pytestmark = pytest.mark.usefixtures("ctx")

AGREEMENT = {
    "valid_from": "2025-01-01",
    "valid_to": "2027-12-31",
    "review_on": "2026-12-01",
    "problems": "Narkotika i centrum\nOtrygghet vid resecentrum\n",
}


def new_agreement(db, world, acting, **given):
    with acting(world.a, world.admin_a):
        values = {
            "title": "Samverkansöverenskommelse Sunne 2025–2027",
            "data": AGREEMENT,
            "parties": [{"tenant": "sunne"}, {"name": "Polisområde Värmland"}],
            "signatories": [
                {
                    "name": "Anna Ek",
                    "title": "KSO",
                    "party": "Sunne kommun",
                    "signed_on": "2025-01-10",
                }
            ],
        } | given
        record = ag.create_agreement(db, user=world.admin_a, **values)
        db.commit()
        return record.id


def picture_of(db, world, acting, tenant, user):
    with acting(tenant, user):
        record = services.create_record(
            db,
            record_type="core.situation_picture",
            title="Lägesbild 2025",
            data={"period_start": "2025-01-01", "period_end": "2025-12-31"},
            user=user,
        )
        db.commit()
        return record.id


def test_an_agreement_keeps_its_parties_signatories_problems_and_annexes(db, world, acting):
    picture = picture_of(db, world, acting, world.a, world.admin_a)
    agreement = new_agreement(db, world, acting, annexes=[picture])
    with acting(world.a, world.admin_a):
        record = db.get(Record, agreement)
        parts = ag.agreement_parts(db, record)
        assert [p.name for p in parts.parties] == ["Sunne kommun", "Polisområde Värmland"]
        assert parts.parties[0].party_tenant_id == world.a.id
        assert parts.signatories[0].signed_on == date(2025, 1, 10)
        assert parts.problems == ["Narkotika i centrum", "Otrygghet vid resecentrum"]
        assert [linked.id for _annex, linked in parts.annexes] == [picture]
        assert ag.has_police_party(db, record)
        actions = set(db.scalars(select(AuditEntry.action)))
    assert {"record.create", "record.agreement_parts"} <= actions


def test_update_replaces_the_lists_given_and_end_stops_validity(db, world, acting):
    agreement = new_agreement(db, world, acting)
    with acting(world.a, world.admin_a):
        record = db.get(Record, agreement)
        ag.update_agreement(
            db, record, parties=[{"name": "Sunne kommun"}, {"name": "Polisen"}], user=world.admin_a
        )
        ag.end_record(db, record, ended_on="2025-06-30", user=world.admin_a)
        db.commit()
        assert [p.name for p in ag.agreement_parts(db, record).parties] == [
            "Sunne kommun",
            "Polisen",
        ]
        assert len(ag.agreement_parts(db, record).signatories) == 1  # kept
        assert not ag.is_current(record.data, date(2025, 7, 1))
        assert ag.is_current(record.data, date(2025, 6, 30))


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"data": AGREEMENT | {"valid_to": "2024-12-31"}}, "valid_to"),
        ({"data": AGREEMENT | {"until_further_notice": True}}, "valid_to"),
        ({"data": {"valid_from": "2025-01-01"}}, "valid_to"),
        ({"data": AGREEMENT | {"review_on": "2024-01-01"}}, "review_on"),
        ({"parties": []}, "parties"),
        ({"parties": [{"name": "  "}]}, "parties"),
        ({"parties": [{"tenant": "nowhere"}]}, "parties"),
        ({"parties": [{"tenant": "hagfors"}]}, "parties"),  # on the platform, out of reach
        ({"signatories": [{"name": "X", "signed_on": "10/1"}]}, "signatories"),
        ({"annexes": [999999]}, "annexes"),
    ],
)
def test_bad_agreements_are_refused_and_nothing_is_stored(db, world, acting, given, field):
    with pytest.raises(ValidationError) as refused:
        new_agreement(db, world, acting, **given)
    assert refused.value.field == field
    db.rollback()
    with acting(world.a):
        assert db.scalars(select(Record)).all() == []
        assert db.scalars(select(ag.AgreementParty)).all() == []


def test_until_further_notice_is_open_ended(db, world, acting):
    data = {"valid_from": "2024-01-01", "until_further_notice": True}
    agreement = new_agreement(db, world, acting, data=data)
    with acting(world.a, world.admin_a):
        assert ag.is_current(db.get(Record, agreement).data, date(2040, 1, 1))


def test_an_annex_must_be_readable(db, world, acting):
    """Torsby's unshared picture cannot be an annex of Sunne's agreement."""
    hidden = picture_of(db, world, acting, world.b, world.admin_b)
    with pytest.raises(ValidationError, match="situation picture"):
        new_agreement(db, world, acting, annexes=[hidden])


def test_children_are_read_where_shared_and_written_only_by_the_owner(db, world, acting):
    agreement = new_agreement(db, world, acting)
    with acting(world.a, world.admin_a):
        services.share_record(db, db.get(Record, agreement), tenant=world.b, user=world.admin_a)
        db.commit()
    with acting(world.b, world.admin_b):
        record = db.get(Record, agreement)
        assert len(ag.agreement_parts(db, record).parties) == 2
        with pytest.raises(Forbidden):
            ag.update_agreement(db, record, parties=[{"name": "X"}], user=world.admin_b)
        db.rollback()
    with acting(world.c, world.admin_c):
        assert db.scalars(select(ag.AgreementParty)).all() == []
        assert db.scalars(select(ag.AgreementSignatory)).all() == []


@pytest.mark.postgresql_only
def test_rls_agrees(db, world, acting, app_sql):
    agreement = new_agreement(db, world, acting)
    with acting(world.a, world.admin_a):
        services.share_record(db, db.get(Record, agreement), tenant=world.b, user=world.admin_a)
        db.commit()
    for table in ("agreement_parties", "agreement_signatories"):
        assert len(app_sql((world.b.id,), f"SELECT id FROM {table}")) >= 1
        assert app_sql((world.c.id,), f"SELECT id FROM {table}") == []


@pytest.mark.postgresql_only
def test_rls_keeps_pledges_settings_and_reminders_in_their_tenant(db, world, acting, app_sql):
    from samverka.workflows.compliance import services as compliance

    pledge = new_pledge(db, world, acting)
    with acting(world.a, world.admin_a):
        record = db.get(Record, pledge)
        ag.record_follow_up(db, record, year=2025, status="done", text="ok", user=world.admin_a)
        compliance.save_settings(db, world.a, cycle_months=12)
        db.commit()
    for table in ("pledge_activities", "pledge_follow_ups", "compliance_settings"):
        assert len(app_sql((world.a.id,), f"SELECT id FROM {table}")) == 1
        assert app_sql((world.b.id,), f"SELECT id FROM {table}") == []
        assert app_sql((), f"SELECT id FROM {table}") == []


# -- pledges -----------------------------------------------------------------------------------


def new_pledge(db, world, acting, **given):
    with acting(world.a, world.admin_a):
        values = {
            "title": "Medborgarlöfte Sunne 2025",
            "data": {
                "valid_from": "2025-01-01",
                "public_text": "Vi lovar att öka tryggheten i centrum.",
                "focus_areas": "Trygghet i centrum\nNarkotika",
                "published": True,
                "internal_notes": "Hemlig anteckning",
            },
            "activities": [
                {
                    "description": "Trygghetsvandringar",
                    "owner_tenant": "sunne",
                    "owner_name": "Fritid",
                    "due_on": "2025-05-01",
                }
            ],
        } | given
        record = ag.create_pledge(db, user=world.admin_a, **values)
        db.commit()
        return record.id


def test_a_pledge_keeps_activities_and_yearly_follow_ups(db, world, acting):
    pledge = new_pledge(db, world, acting)
    with acting(world.a, world.admin_a):
        record = db.get(Record, pledge)
        ag.record_follow_up(
            db, record, year=2025, status="partly", text="Halvvägs", user=world.admin_a
        )
        ag.record_follow_up(db, record, year=2025, status="done", text="Klart", user=world.admin_a)
        db.commit()
        follow_ups = ag.follow_ups_of(db, record)
        assert [(f.year, f.status, f.text) for f in follow_ups] == [(2025, "done", "Klart")]
        activity = ag.activities_of(db, record)[0]
        assert (activity.owner_tenant_id, activity.owner_name) == (world.a.id, "Fritid")
        assert record.classification == "open"


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"year": 2024}, "year"),
        ({"year": date.today().year + 1}, "year"),
        ({"year": "x"}, "year"),
        ({"status": "great"}, "status"),
        ({"text": "  "}, "text"),
    ],
)
def test_bad_follow_ups_are_refused(db, world, acting, given, field):
    pledge = new_pledge(db, world, acting)
    with acting(world.a, world.admin_a):
        record = db.get(Record, pledge)
        values = {"year": 2025, "status": "done", "text": "Klart"} | given
        with pytest.raises(ValidationError) as refused:
            ag.record_follow_up(db, record, user=world.admin_a, **values)
        assert refused.value.field == field
        db.rollback()
        assert db.scalars(select(ag.PledgeFollowUp)).all() == []


def test_a_pledge_ending_before_it_starts_is_refused(db, world, acting):
    data = {"valid_from": "2025-01-01", "valid_to": "2024-01-01", "public_text": "x"}
    with pytest.raises(ValidationError) as refused:
        new_pledge(db, world, acting, data=data)
    assert refused.value.field == "valid_to"
    with pytest.raises(ValidationError):
        new_pledge(db, world, acting, activities=[{"description": "x", "due_on": "soon"}])


def test_is_current_respects_dates():
    data = {"valid_from": "2025-01-01", "valid_to": "2025-12-31"}
    assert ag.is_current(data, date(2025, 6, 1))
    assert not ag.is_current(data, date(2026, 1, 1))
    assert not ag.is_current(data, date(2024, 12, 31))
    assert ag.end_of(data | {"ended_on": "2025-03-01"}) == date(2025, 3, 1)
    assert date(2025, 1, 1) + timedelta(days=1) == date(2025, 1, 2)


def test_the_tenant_archive_holds_the_lists(db, world, acting):
    import io
    import json
    import zipfile
    from datetime import UTC, datetime

    from samverka.lifecycle.archive import TenantArchive
    from samverka.lifecycle.tables import export_tables

    new_agreement(db, world, acting)
    new_pledge(db, world, acting)
    out = io.BytesIO()
    archive = TenantArchive(out, world.a, created_at=datetime.now(UTC))
    archive.begin_part("core")
    counts = export_tables(db, world.a, archive, "agreements", ag.ARCHIVED_MODELS)
    archive.close("readme")
    assert counts["agreement_parties"] == 2 and counts["pledge_activities"] == 1
    with zipfile.ZipFile(out) as zipped:
        names = zipped.namelist()
        parties = zipped.read(next(n for n in names if n.endswith("agreement_parties.jsonl")))
    assert [json.loads(line)["name"] for line in parties.splitlines()] == [
        "Sunne kommun",
        "Polisområde Värmland",
    ]


def test_lines_name_only_organisations_the_owner_works_with(db, world, acting):
    """A line naming an organisation of the owner's consortia becomes that party; one naming
    an organisation outside them (Hagfors) stays a plain name, exactly like an unknown one."""
    with acting(world.a, world.admin_a):
        named = ag.organisations_named(db, ["sunne", "torsby", "hagfors", world.c.id, "x", 0])
        assert {k for k in named if isinstance(k, str)} == {"sunne", "torsby"}
        parties = ag.parties_from_lines(db, "sunne\ntorsby\nhagfors\nPolisen\n")
        assert parties == [
            {"tenant": world.a},
            {"tenant": world.b},
            {"name": "hagfors"},
            {"name": "Polisen"},
        ]
        activities = ag.activities_from_lines(db, "Vandring; torsby; Fritid\nMöte; hagfors")
        assert [(a["owner_tenant"], a["owner_name"]) for a in activities] == [
            (world.b, "Fritid"),
            (None, "hagfors"),
        ]
        with pytest.raises(ValidationError) as refused:
            ag.create_pledge(
                db,
                title="Löfte",
                data={"valid_from": "2025-01-01", "public_text": "Vi lovar."},
                activities=[{"description": "Vandring", "owner_tenant": "hagfors"}],
                user=world.admin_a,
            )
        assert refused.value.field == "activities"


def test_the_publication_rule_shows_only_public_parts_of_current_published_open_pledges(
    db, world, acting
):
    """The rule the public page calls: published, current and open; only the public parts."""
    today = date.today()
    base = {"valid_from": (today - timedelta(days=30)).isoformat(), "public_text": "Vi lovar."}
    cases = {
        "Gällande": base | {"published": True, "internal_notes": "HEMLIGT"},
        "Opublicerat": base | {"published": False},
        "Utgånget": base | {"published": True, "valid_to": (today - timedelta(1)).isoformat()},
        "Klassat": base | {"published": True},
    }
    with acting(world.a, world.admin_a):
        for title, data in cases.items():
            record = ag.create_pledge(
                db,
                title=title,
                data=data,
                activities=[{"description": "AKTIVITET"}],
                user=world.admin_a,
            )
            if title == "Klassat":
                services.update_record(db, record, classification="internal", user=world.admin_a)
        db.commit()
    shown = ag.public_pledges(db, world.a)
    assert shown == [
        {"title": "Gällande", "public_text": "Vi lovar.", "focus_areas": [], "follow_ups": []}
    ]
    assert ag.public_pledges_at(db, "nowhere") == (None, [])
    assert ag.public_pledges_at(db, "torsby") == (world.b, [])


KINDS = {
    "agreement": (
        ag.AGREEMENTS,
        AGREEMENT,
        {"parties": [{"tenant": "sunne"}], "signatories": [{"name": "Anna Ek"}]},
    ),
    "pledge": (
        ag.PLEDGES,
        {"valid_from": "2025-01-01", "public_text": "Vi lovar."},
        {"activities": [{"description": "Vandring", "owner_tenant": "torsby"}]},
    ),
}


@pytest.mark.parametrize("name", sorted(KINDS))
def test_both_kinds_share_one_create_update_and_list(db, world, acting, name):
    """One implementation for both kinds: create checks validity and lists before anything
    is stored; update replaces the lists it is given and keeps the others; listed is
    audited like every list."""
    kind, data, lists = KINDS[name]
    with acting(world.a, world.admin_a):
        with pytest.raises(ValidationError):
            ag.create(
                db, kind, title="Fel", data=data | {"valid_to": "2024-01-01"}, user=world.admin_a
            )
        db.rollback()
        assert db.scalars(select(Record)).all() == []
        record = ag.create(db, kind, title="Rätt", data=data, user=world.admin_a, **lists)
        db.commit()
        stored = {
            "agreement": lambda: [p.name for p in ag.agreement_parts(db, record).parties],
            "pledge": lambda: [a.owner_tenant_id for a in ag.activities_of(db, record)],
        }[name]
        before = stored()
        assert before in (["Sunne kommun"], [world.b.id])
        ag.update(db, kind, record, title="Ändrad", user=world.admin_a)
        db.commit()
        assert (record.title, stored()) == ("Ändrad", before)
        with pytest.raises(ValidationError):
            bad = {"parties": [{"x": 1}], "activities": [{"description": "x", "due_on": "3/4"}]}
            name_of_list = kind.lists[0]
            ag.update(db, kind, record, user=world.admin_a, **{name_of_list: bad[name_of_list]})
        db.rollback()
        assert [r.id for r in ag.listed(db, kind, viewer=world.a, user=world.admin_a, via="web")]
        other = ag.PLEDGES if kind is ag.AGREEMENTS else ag.AGREEMENTS
        with pytest.raises(ValidationError):
            ag.update(db, other, record, title="Fel sort", user=world.admin_a)
