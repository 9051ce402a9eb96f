"""The adversarial suite's world: a target organisation with data of every kind, and the
attackers generated from the registries.

The world is the demo's organisations, people, plans, councils, agreements, pledges and
indicators (``samverka.demo``, without its year of reporting rounds, which takes most of its
time) plus what the demo leaves out, all made through the services:

* **A** (``sunne``) in consortium **S** (``sutohamu``) with a second member **B**
  (``torsby``): a record of every registered type (plugins' included) whose titles carry
  :data:`CANARY`, one record shared to B (with an attachment and two versions), an agreement,
  a pledge and a situation picture that are shared with nobody, a reporting round with a
  report, an API token, an SSO provider, a finished archive and export, an audit sample
  review, an indicator and a data element of A's own, an indicator import batch and a
  test-plugin note. A's claim on its SSO domain is pending (no platform administrator has
  approved it), and T's administrator has invited A to T (open: only A may decide it).
* **C** (``mellerud-kommun``) in consortium **T** (``mellerud``), outside S.
* S has invited an organisation of a third consortium (only S's administrators may
  withdraw that invitation).

Attackers are users of C and of B, one per tenant-level role of the registry, the consortium
administrator of T, an SSO session through C's provider, API tokens of C and B per role, and
anonymous.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from samverka.db import TenantScope, make_engine, scoped

A, B, C = "sunne", "torsby", "mellerud-kommun"
S, T = "sutohamu", "mellerud"
CANARY = "KANARIE-SUNNE"  # in every private title and text of A's; never in an attacker's page
SHARED_MARK = "DELAD-TILL-TORSBY"  # the record A shared with B (B may read it)
A_DOMAIN_SSO = "sunne.se"  # the domain A's own SSO provider claims
A_USERS_DOMAIN = "sunne.test"  # the domain of A's people (nobody's SSO claims it)
C_DOMAIN = "mellerud.test"
PASSWORD = "correct horse battery staple"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
INDICATOR_CODE = "SEC_A_ONLY"
ELEMENT_CODE = "SEC_A_ELEM"


@dataclass
class World:
    """Ids and objects of the world; ``values`` fills URL arguments pointing into A or S."""

    ids: dict[str, Any] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)  # key -> User
    tenants: dict[str, Any] = field(default_factory=dict)  # slug -> Tenant
    consortia: dict[str, Any] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # attacker key -> raw API token
    shared_record_ids: frozenset[int] = frozenset()  # A's records B may read (shared to B/S)
    tenant_roles: tuple[str, ...] = ()

    def user(self, key: str):
        return self.users[key]


def session_of(app: Flask):
    return app.extensions["samverka"].sessions()


@contextmanager
def service_session(app: Flask) -> Iterator[Any]:
    """A database session inside a request context (services ask ``runtime()``)."""
    from flask_babel import force_locale

    session = session_of(app)
    try:
        with app.test_request_context(), force_locale("en"):
            yield session
    finally:
        session.close()


def tenant_roles(registry) -> tuple[str, ...]:
    """Every tenant-level role the core and the plugins registered."""
    return tuple(sorted(r.name for r in registry.roles.values() if r.level == "tenant"))


def build_world(app: Flask) -> World:
    """The demo, then everything it lacks; returns the ids the walk fills URLs with."""
    from samverka.auth import services as accounts
    from samverka.tenants.models import Consortium, Tenant

    registry = app.extensions["samverka"].registry
    world = World(tenant_roles=tenant_roles(registry))
    with service_session(app) as db:
        _seed_demo(db, registry)
        db.commit()
        world.tenants = {t.slug: t for t in db.scalars(select(Tenant))}
        world.consortia = {c.slug: c for c in db.scalars(select(Consortium))}
        a, b, c = (world.tenants[s] for s in (A, B, C))
        users = world.users
        users["admin_a"] = accounts.find_user(db, "admin@sunne.test")
        users["kons_s"] = accounts.find_user(db, "konsortium@sutohamu.test")
        users["platform"] = accounts.find_user(db, "admin@samverka.test")
        for role in world.tenant_roles:
            for key, tenant, domain in (("c", c, C_DOMAIN), ("b", b, "torsby.test")):
                user = accounts.create_user(
                    db, f"sec-{role.replace('_', '-')}@{domain}", f"{key.upper()} {role}", PASSWORD
                )
                with scoped(db, TenantScope.for_tenant(tenant.id)):
                    accounts.add_member(db, registry, user, tenant, role)
                users[f"{key}:{role}"] = user
        users["kons_t"] = accounts.create_user(db, "kons@mellerud.test", "Kons T", PASSWORD)
        accounts.add_consortium_admin(db, users["kons_t"], world.consortia[T])
        users["reader_a"] = accounts.create_user(db, "sec-reader@sunne.test", "Läsare A", PASSWORD)
        with scoped(db, TenantScope.for_tenant(a.id)):
            accounts.add_member(db, registry, users["reader_a"], a, "reader")
        db.commit()
        world.ids.update(kons_s=users["kons_s"].id, reader_a=users["reader_a"].id)
        _fill_a(app, db, world)
        _attacker_tokens(db, world)
        _invitations(db, world)
        db.commit()
        world.shared_record_ids = _shared_with_b(db, world)
        private = {world.ids[k] for k in ("record", "plan", "council", "agreement", "pledge")}
        assert not private & world.shared_record_ids, "the walk's private objects are shared"
        db.expunge_all()
    _run_jobs(app, world)
    return world


def _seed_demo(db, registry) -> None:
    """``samverka.demo.seed`` without its year of reporting rounds (most of its time): the
    consortia, organisations and logins, plans, councils, agreements, pledges, plugins."""
    from samverka import demo
    from samverka.auth import services as accounts
    from samverka.demo import agreements as agreements_demo
    from samverka.demo.action_plans import seed_plans
    from samverka.tenancy import services as tenancy

    consortia = {
        slug: tenancy.create_consortium(db, slug, name, county)
        for slug, name, county in demo.CONSORTIA
    }
    tenants = {
        slug: tenancy.create_tenant(
            db, slug, name, kind, code, population, [consortia[g] for g in groups]
        )
        for slug, name, kind, code, population, groups in demo.TENANTS
    }
    for login in demo.LOGINS:
        user = accounts.find_user(db, login.email) or accounts.create_user(
            db, login.email, login.name, PASSWORD, platform_admin=login.platform_admin
        )
        if login.consortium:
            accounts.add_consortium_admin(db, user, consortia[login.consortium])
        if login.tenant:
            with scoped(db, TenantScope.for_tenant(tenants[login.tenant].id)):
                accounts.add_member(db, registry, user, tenants[login.tenant], login.role)
    db.flush()
    seed_plans(db)
    agreements_demo.seed_agreements(db)
    demo._seed_plugins(db)


def _round(db, world: World) -> None:
    """A reporting round of A's with its default units (one unit's report filed)."""
    from samverka.workflows.rounds import services as rounds
    from samverka.workflows.rounds.models import RoundUnit

    a, admin = world.tenants[A], world.users["admin_a"]
    units = rounds.ensure_default_units(db, a, user=admin)
    round_ = rounds.open_round(
        db, a, unit_ids=[u.id for u in units], period_start="2026-01-01", user=admin
    )
    world.ids["round"] = round_.id
    world.ids["report_unit"] = units[0].id
    unit = db.scalars(
        select(RoundUnit)
        .where(RoundUnit.round_id == round_.id, RoundUnit.reporter_tenant_id == a.id)
        .order_by(RoundUnit.id)
    ).first()
    category = rounds.categories_of(db, a)[0][0]
    rounds.submit_report(
        db, unit, lines=[{"category": category, "count": 3, "area": CANARY}], user=admin
    )
    world.ids["round_unit"] = unit.id


def _area(db, world: World) -> None:
    """An area of A's register with a border (names and borders of places: readable by A's
    consortium partners, so no canary; written by A only)."""
    from samverka.areas import services as areas

    a, admin = world.tenants[A], world.users["admin_a"]
    with scoped(db, TenantScope.for_tenant(a.id, admin.id)):
        area = areas.create_area(db, a, "Centrum", "district", admin)
        ring = [[13.13, 59.83], [13.16, 59.83], [13.16, 59.85], [13.13, 59.85], [13.13, 59.83]]
        areas.set_geometry(db, area, {"type": "Polygon", "coordinates": [ring]}, admin)
    world.ids["area"] = area.id


def _fill_a(app: Flask, db, world: World) -> None:
    """A's data beyond the demo's (each kind the URL map's arguments name)."""
    from samverka.auth import tokens
    from samverka.auth.sso import domains
    from samverka.auth.sso import services as sso
    from samverka.exports.jobs import request_export
    from samverka.lifecycle.export import request_archive
    from samverka.records import services as records
    from samverka.records.models import Record
    from samverka_testplugin import Note

    a, admin = world.tenants[A], world.users["admin_a"]
    ids = world.ids
    with scoped(db, TenantScope.for_tenant(a.id, admin.id)):
        for kind in records.record_types():
            record = records.create_record(
                db,
                record_type=kind,
                title=f"{CANARY} {kind.name}",
                data=_data_for(kind),
                user=admin,
            )
            ids.setdefault("records_by_type", {})[kind.name] = record.id
        shared = records.create_record(
            db,
            record_type="core.document",
            title=f"{SHARED_MARK} delad med Torsby",
            data={"body": f"{SHARED_MARK} delad text"},
            classification="confidential",
            user=admin,
        )
        records.update_record(db, shared, data={"body": f"{SHARED_MARK} ny text"}, user=admin)
        attachment = records.add_attachment(
            db,
            shared,
            filename="underlag.pdf",
            content_type="application/pdf",
            stream=io.BytesIO(PDF),
            user=admin,
        )
        share = records.share_record(
            db, shared, tenant=world.tenants[B], ground="OSL 10 kap. 2 §", user=admin
        )
        private = records.create_record(
            db,
            record_type="core.document",
            title=f"{CANARY} privat",
            data={"body": f"{CANARY} privat text"},
            classification="sensitive",
            user=admin,
        )
        records.update_record(db, private, data={"body": f"{CANARY} privat text 2"}, user=admin)
        private_attachment = records.add_attachment(
            db,
            private,
            filename="privat.pdf",
            content_type="application/pdf",
            stream=io.BytesIO(PDF),
            user=admin,
        )
        ids.update(
            shared_record=shared.id,
            shared_attachment=attachment.id,
            share=share.id,
            record=private.id,
            attachment=private_attachment.id,
        )
        issued = tokens.issue_token(db, admin, a, name=f"{CANARY} token")
        ids["token_id"] = issued.token.id
        sso.set_provider(
            db,
            app.extensions["samverka"].registry,
            a,
            sso.ProviderSettings(
                issuer="https://login.sunne.se",
                client_id="sunne-app",
                client_secret="sunne-secret",
                role_map={"sunne-staff": "reader"},
                domains=[A_DOMAIN_SSO],
            ),
        )
        # pending: nobody has proven sunne.se yet (the platform administrators' queue)
        ids["claim"] = domains.tenant_claims(db, a)[0].id
        archive = request_archive(db, a)
        export = request_export(db, a, "records.list", "csv", requested_by=admin.id)
        ids.update(archive_job=archive.id, export_job=export.id)
        note = Note(tenant_id=a.id, text=f"{CANARY} anteckning")
        db.add(note)
        db.flush()
        ids["note"] = note.id
        _workflow_ids(db, world)
        _indicator_ids(db, world)
        _review(db, world)
        assert db.scalar(select(Record.id).where(Record.id == private.id)) is not None
    db.commit()


def _data_for(kind) -> dict[str, Any]:
    """Valid data for a record type: each required field with a plausible value."""
    data: dict[str, Any] = {}
    for spec in kind.fields:
        if not spec.required:
            continue
        sort = str(spec.kind)
        if sort == "date":
            data[spec.name] = "2026-01-15"
        elif sort in ("integer", "decimal"):
            data[spec.name] = max(1, int(spec.minimum or 1)) if sort == "integer" else "1"
        elif sort == "boolean":
            data[spec.name] = True
        elif sort == "choice":
            choice = spec.choices[0]
            data[spec.name] = choice[0] if isinstance(choice, tuple | list) else choice
        else:
            data[spec.name] = f"{CANARY} {spec.name}"
    return data


def _workflow_ids(db, world: World) -> None:
    """Plans, councils, meetings, rounds of A (the demo's), and an agreement and a pledge of
    A's that are shared with nobody."""
    from samverka.records import services as records
    from samverka.records.models import Record
    from samverka.workflows.action_plans.services import PlanCause, PlanMeasure
    from samverka.workflows.agreements import services as ag
    from samverka.workflows.councils.services import COUNCIL_TYPE, CouncilAssignment, CouncilMeeting
    from samverka.workflows.cycle_types import ACTION_PLAN_TYPE

    a, admin, ids = world.tenants[A], world.users["admin_a"], world.ids

    def first(statement):
        found = db.scalars(statement.limit(1)).first()
        assert found is not None, f"the world lacks {statement}"
        return found

    plan = first(
        select(Record)
        .where(Record.tenant_id == a.id, Record.type_name == ACTION_PLAN_TYPE)
        .where(~Record.title.like(f"{CANARY}%"))
        .order_by(Record.id)
    )
    ids["plan"] = plan.id
    ids["measure"] = first(
        select(PlanMeasure.id).where(PlanMeasure.record_id == plan.id).order_by(PlanMeasure.id)
    )
    ids["cause"] = first(
        select(PlanCause.id).where(PlanCause.record_id == plan.id).order_by(PlanCause.id)
    )
    council = first(
        select(Record)
        .where(Record.tenant_id == a.id, Record.type_name == COUNCIL_TYPE)
        .where(~Record.title.like(f"{CANARY}%"))
        .order_by(Record.id)
    )
    ids["council"] = council.id
    ids["meeting"] = first(
        select(CouncilMeeting.id)
        .where(CouncilMeeting.record_id == council.id)
        .order_by(CouncilMeeting.id)
    )
    ids["assignment"] = first(
        select(CouncilAssignment.id)
        .where(CouncilAssignment.tenant_id == a.id)
        .order_by(CouncilAssignment.id)
    )
    _round(db, world)
    _area(db, world)
    agreement = ag.create_agreement(
        db,
        title=f"{CANARY} överenskommelse",
        data={
            **_data_for(records.record_types().get(ag.AGREEMENT_TYPE)),
            "valid_from": "2026-01-01",
            "valid_to": "2026-12-31",
        },
        parties=[{"tenant": A}],
        user=admin,
    )
    pledge = ag.create_pledge(
        db,
        title=f"{CANARY} medborgarlöfte",
        data={**_data_for(records.record_types().get(ag.PLEDGE_TYPE)), "valid_from": "2026-01-01"},
        activities=[{"description": CANARY, "owner_name": "Sunne", "due_on": "2026-06-30"}],
        user=admin,
    )
    ids.update(agreement=agreement.id, pledge=pledge.id)
    ids["picture"] = ids["records_by_type"]["core.situation_picture"]


def _indicator_ids(db, world: World) -> None:
    """An indicator and a data element that only A has, and an import batch of A's."""
    from samverka_indicators.models import DataElement, ImportBatch, Indicator

    a = world.tenants[A]
    element = DataElement(tenant_id=a.id, code=ELEMENT_CODE, name=f"{CANARY} element")
    indicator = Indicator(
        tenant_id=a.id,
        code=INDICATOR_CODE,
        name=f"{CANARY} indikator",
        numerator="#{" + ELEMENT_CODE + "}",
    )
    batch = ImportBatch(
        tenant_id=a.id,
        kind="csv",
        filename="sec.csv",
        content=b"element,period,value\n",
        created_at=datetime.now(UTC),
    )
    db.add_all([element, indicator, batch])
    db.flush()
    world.ids.update(element=ELEMENT_CODE, indicator=INDICATOR_CODE, batch=batch.id)


def _review(db, world: World) -> None:
    """A sample review of A's audit log (drawn as the scheduler would)."""
    from datetime import timedelta

    from samverka.audit.models import AuditReview
    from samverka.audit.reviews import due_sample_reviews

    due_sample_reviews(db, datetime.now(UTC) + timedelta(seconds=1), period_days=1)
    a = world.tenants[A]
    with scoped(db, TenantScope.for_tenant(a.id)):
        world.ids["review"] = db.scalar(
            select(AuditReview.id).where(AuditReview.tenant_id == a.id).limit(1)
        )
    assert world.ids["review"], "no audit review was drawn for A"


#: The organisation S invites (not an attacker's: its invitation is S's object to guard).
S_INVITEE = "gagnef-kommun"


def _invitations(db, world: World) -> None:
    """Open invitations: T's administrator invites A (the inviter must still not decide for
    A), and S invites an organisation of another consortium (only S may withdraw it)."""
    from samverka.tenancy import invitations

    a, invitee = world.tenants[A], world.tenants[S_INVITEE]
    with scoped(db, TenantScope.for_tenant(a.id)):
        to_a = invitations.invite(db, world.consortia[T], a, invited_by=world.users["kons_t"].id)
    with scoped(db, TenantScope.for_tenant(invitee.id)):
        from_s = invitations.invite(
            db, world.consortia[S], invitee, invited_by=world.users["kons_s"].id
        )
    world.ids.update(invitation_to_a=to_a.id, invitation_from_s=from_s.id)


def _attacker_tokens(db, world: World) -> None:
    """An API token of every tenant-level role in C and in B."""
    from samverka.auth import tokens

    for key, slug in (("c", C), ("b", B)):
        tenant = world.tenants[slug]
        for role in world.tenant_roles:
            user = world.users[f"{key}:{role}"]
            with scoped(db, TenantScope.for_tenant(tenant.id)):
                issued = tokens.issue_token(db, user, tenant, name="attack", role=role)
            world.tokens[f"{key}:{role}"] = issued.raw
    a = world.tenants[A]
    with scoped(db, TenantScope.for_tenant(a.id)):
        owner = tokens.issue_token(db, world.users["admin_a"], a, name="owner's control")
    world.tokens["a:tenant_admin"] = owner.raw


def _shared_with_b(db, world: World) -> frozenset[int]:
    """A's records that B may read: shared to B, or to a consortium B belongs to."""
    from samverka.records.models import RecordShare

    a = world.tenants[A]
    with scoped(db, TenantScope.for_tenant(a.id)):
        rows = db.execute(
            select(RecordShare.record_id, RecordShare.tenant_id, RecordShare.consortium_id)
        ).all()
    b_consortia = {c.id for c in world.tenants[B].consortia}
    return frozenset(
        record
        for record, tenant, consortium in rows
        if tenant == world.tenants[B].id or consortium in b_consortia
    )


def _run_jobs(app: Flask, world: World) -> None:
    """Run A's archive and export jobs (so that their files exist) as a worker would, in
    this process and without the queue (RQ's burst worker waits on Redis for long)."""
    from samverka.exports.jobs import export_of
    from samverka.jobs import runner
    from samverka.jobs.models import OutboxJob

    a = world.tenants[A]
    previous = runner._app
    runner.use_app(app)
    try:
        for job in (world.ids["archive_job"], world.ids["export_job"]):
            assert runner.run_outbox(job, a.id, 1) == "done", job
    finally:
        runner.use_app(previous)
    with service_session(app) as db, scoped(db, TenantScope.for_tenant(a.id)):
        stored = export_of(db.get(OutboxJob, world.ids["export_job"]))
        assert stored is not None, "the export job made no file"
        world.ids["export_token"] = stored.token


# --- the database's state, to prove a refused request changed nothing ----------------------

#: Columns that move on requests that change nothing of substance.
VOLATILE = {
    "api_tokens": {"last_used_at"},
    "users": {"last_login_at", "totp_last_step", "updated_at"},
}
#: Tables whose rows a refused request may add or move: log-in bookkeeping, and the audit
#: chains' heads (they move with every entry; the entries themselves are compared).
NOISE_TABLES = {"login_attempts", "alembic_version", "audit_chain_heads"}
#: Audit entries a refused request may write: failed log-ins (the public SSO pages), and the
#: reads of the record A shared with B (a receiver's refused edit loads it first).
AUDIT_NOISE = ("auth.login_failed", "record.read", "record.attachment_read", "record.list")
#: Tables of one user's own settings (MFA enrolment from the account page) and sessions (the
#: server-side session of the attacker's own browser: its ``last_seen_at`` moves with every
#: request, ``/logout-everywhere`` ends it; nobody else's session may change).
USER_TABLES = {"users": "id", "mfa_recovery_codes": "user_id", "user_sessions": "user_id"}


class Fingerprint:
    """The database's state outside the attacker's own organisation: row counts of every
    table (one statement, per unsafe request) and every row (per test). Read as the owner,
    with RLS opened to all tenants. Rows of the attacker's own organisation are left out: it
    may change its own data (its own pages create default units, audit its own exports)."""

    def __init__(self, owner_url: str) -> None:
        from sqlalchemy import inspect

        self.engine = make_engine(owner_url)
        with self.engine.connect() as conn:
            inspector = inspect(conn)
            names = sorted(set(inspector.get_table_names()) - NOISE_TABLES)
            self.tables = [n for n in names if not n.startswith("records_fts")]
            self.owned = {
                n
                for n in self.tables
                if "tenant_id" in {c["name"] for c in inspector.get_columns(n)}
            }
        self._counts: dict[int, Any] = {}

    def _open(self, conn) -> None:
        if self.engine.dialect.name == "postgresql":
            conn.execute(
                text(
                    "SELECT set_config('samverka.tenant_ids', string_agg(id::text, ','), false)"
                    " FROM tenants"
                )
            )

    def _where(self, name: str, own: tuple[int, int]) -> str:
        tenant, user = (int(x) for x in own)
        conditions = []
        if name in self.owned:
            conditions.append(f"(tenant_id IS NULL OR tenant_id <> {tenant})")
        if name in USER_TABLES:
            conditions.append(f"{USER_TABLES[name]} <> {user}")
        if name == "audit_entries":
            noise = ", ".join(f"'{action}'" for action in AUDIT_NOISE)
            conditions.append(f"action NOT IN ({noise})")
        return " WHERE " + " AND ".join(conditions) if conditions else ""

    def counts(self, own: tuple[int, int] = (0, 0)) -> dict[str, int]:
        """Row counts outside ``own`` = (the attacker's organisation, its user)."""
        if own not in self._counts:
            self._counts[own] = text(
                "SELECT "
                + ", ".join(
                    f'(SELECT count(*) FROM "{name}"{self._where(name, own)})'
                    for name in self.tables
                )
            )
        with self.engine.connect() as conn:
            self._open(conn)
            row = conn.execute(self._counts[own]).one()
        return dict(zip(self.tables, row, strict=True))

    def rows(self, own: tuple[int, int] = (0, 0)) -> dict[str, list]:
        """Every row of every table outside ``own`` (volatile columns left out)."""
        found = {}
        with self.engine.connect() as conn:
            self._open(conn)
            for name in self.tables:
                result = conn.execute(text(f'SELECT * FROM "{name}"{self._where(name, own)}'))
                keep = [i for i, c in enumerate(result.keys()) if c not in VOLATILE.get(name, ())]
                found[name] = sorted(
                    (tuple(repr(row[i]) for i in keep) for row in result), key=repr
                )
        return found

    def dispose(self) -> None:
        self.engine.dispose()


# --- clients --------------------------------------------------------------------------------

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def csrf_of(client: FlaskClient, url: str = "/account/") -> str:
    page = client.get(url).get_data(as_text=True)
    found = CSRF.search(page)
    assert found, f"no CSRF token at {url}"
    return found.group(1)


def registered_tenant_roles() -> tuple[str, ...]:
    """The tenant-level roles of the core, the installed plugins and the test plugin, read
    at collection time (the attackers are test parameters, one per role)."""
    import samverka_testplugin
    from samverka.bootstrap import build_host

    host = build_host([(samverka_testplugin.NAME, samverka_testplugin)])
    roles = [role for found in host.hook.register_roles() for role in found]
    return tuple(sorted({r.name for r in roles if r.level == "tenant"}))
