"""Personal fields reach only roles that may ``tenant:records:read_personal`` in the tenant
they view in — on every page, API route, PDF and export (issue 14, finding 3).

Generated from the registries, not from a hand list: every record type in the type registry
gets a record whose every personal field holds a unique marker; every tenant role that may
not read personal data views those records, in the owning tenant and (shared records) in a
partner tenant; every GET route of the app's URL map, web and API, is requested with the
record's id in each record argument; every registered export kind is made by the real
export job (outbox, Redis, worker) in every format it offers, and downloaded. A marker in
any answer (HTML, JSON, PDF text, XLSX cells, CSV, a zip's members) fails the test. A route
whose URL arguments the test cannot fill fails it (teach ``values_for`` a value) instead of
being skipped, and the owner's administrator must see the markers on the record page, so
the walk cannot pass by showing nothing.
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import openpyxl
import pypdf
import pytest
from sqlalchemy import select

from samverka.auth import services as accounts
from samverka.auth import tokens
from samverka.db import TenantScope, scoped
from samverka.exports.jobs import JOB as EXPORT_JOB
from samverka.exports.jobs import job_token
from samverka.exports.service import FORMATS, export_kind, export_kinds
from samverka.jobs.models import OutboxJob
from samverka.jobs.outbox import enqueue
from samverka.jobs.queue import connect
from samverka.records import services
from samverka.records.disclosure import READ_PERSONAL
from samverka.records.types import FieldKind, RecordType
from samverka.testing.jobs import work_jobs

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TEXT_KINDS = (FieldKind.TEXT, FieldKind.LONGTEXT)
# Route arguments that name a record (of some type): each walk puts the marked record's id
# in all of them, so a page made for one type that shows any record is caught.
RECORD_ARGUMENTS = frozenset({"record_id", "plan_id", "agreement_id", "pledge_id", "council_id"})


# -- decoding answers ------------------------------------------------------------------------


def body_text(data: bytes, media_type: str) -> str:
    """What a person (or a program) reads in an answer: PDF text, XLSX cells, a zip's
    members, else the bytes as text."""
    if data.startswith(b"%PDF"):
        try:
            pages = pypdf.PdfReader(io.BytesIO(data)).pages
            return "\n".join(page.extract_text() or "" for page in pages)
        except pypdf.errors.PdfReadError:  # not one we made (an attachment): its bytes
            return data.decode("latin-1")
    if data.startswith(b"PK"):
        return zip_text(data, media_type)
    return data.decode("utf-8", errors="replace")


def zip_text(data: bytes, media_type: str) -> str:
    if "spreadsheet" in media_type:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        return "\n".join(
            " ".join(str(cell) for cell in row if cell is not None)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "\n".join(
            body_text(archive.read(name), "")
            for name in archive.namelist()
            if not name.endswith("/")
        )


# -- records of every type, with markers -----------------------------------------------------


def sample_value(kind: RecordType, spec, marker: str | None) -> Any:
    """A valid value for ``spec``; a personal field gets ``marker``, which only a text
    field can hold (a personal field of another kind fails: teach the test a marker)."""
    if spec.personal:
        if spec.kind not in TEXT_KINDS:
            pytest.fail(
                f"{kind.name}.{spec.name} is personal but of kind {spec.kind}: teach this test "
                "a unique value for it"
            )
        return marker
    if spec.kind is FieldKind.CHOICE:
        return spec.choice_values[0]
    if spec.kind is FieldKind.BOOLEAN:
        return True
    if spec.kind in (FieldKind.INTEGER, FieldKind.DECIMAL):
        return int(spec.minimum or 1)
    if spec.kind is FieldKind.DATE:
        return (spec.minimum or date(2026, 3, 1)).isoformat()
    return f"Text {spec.name}"


@dataclass
class Marked:
    """One record of ``type_name`` owned by tenant A; ``markers`` field → marker."""

    id: int
    type_name: str
    markers: dict[str, str]
    shared: bool
    attachment: int | None = None
    share: int | None = None


@dataclass
class Stage:
    records: list[Marked] = field(default_factory=list)


def make_record(db, world, kind: RecordType) -> Marked:
    markers = {name: f"PII{uuid.uuid4().hex[:12]}" for name in sorted(kind.personal_fields)}
    data = {spec.name: sample_value(kind, spec, markers.get(spec.name)) for spec in kind.fields}
    record = services.create_record(
        db, record_type=kind, title=f"Prov {kind.name}", data=data, user=world.admin_a
    )
    services.update_record(db, record, title=f"Prov {kind.name} v2", user=world.admin_a)
    attachment = services.add_attachment(
        db,
        record,
        filename="underlag.pdf",
        content_type="application/pdf",
        stream=io.BytesIO(PDF),
        user=world.admin_a,
    )
    share = None
    if "tenant" in kind.sharing:
        share = services.share_record(
            db, record, tenant=world.b, ground="OSL 10 kap. 2 §", user=world.admin_a
        ).id
    return Marked(record.id, kind.name, markers, share is not None, attachment.id, share)


@pytest.fixture
def stage(app, db, world, with_plugins) -> Stage:
    """Tenant A owns one record of every registered type (shared with B where the type may
    be shared); every enabled-able plugin is on in A and B, so its routes and types work."""
    host = app.extensions["samverka"].host
    for tenant in (world.a, world.b):
        with_plugins(tenant, *sorted(host.installed))
    made = Stage()
    with app.test_request_context(), scoped(db, TenantScope.for_tenant(world.a.id)):
        for kind in services.record_types():
            made.records.append(make_record(db, world, kind))
        db.commit()
    assert any(r.markers for r in made.records), "no record type declares a personal field"
    assert any(r.markers and r.shared for r in made.records), "no shared personal field"
    return made


def roles_without_personal(registry) -> list[str]:
    """Every tenant role (the core's and the plugins') that may not read personal fields."""
    return sorted(
        name
        for name, role in registry.roles.items()
        if role.level == "tenant" and not registry.decide(frozenset({name}), READ_PERSONAL)
    )


def member(db, registry, tenant, role: str, password: str):
    """A new user holding only ``role`` in ``tenant``."""
    user = accounts.create_user(
        db, f"{role}.{uuid.uuid4().hex[:6]}@{tenant.slug}.test", role.title(), password
    )
    with scoped(db, TenantScope.for_tenant(tenant.id)):
        accounts.add_member(db, registry, user, tenant, role)
    db.commit()
    return user


def bearer(db, user, tenant) -> dict[str, str]:
    with scoped(db, TenantScope.for_tenant(tenant.id)):
        issued = tokens.issue_token(db, user, tenant, name="personal fields test")
    db.commit()
    return {"Authorization": f"Bearer {issued.raw}"}


# -- export jobs -----------------------------------------------------------------------------


def export_formats(kind: str) -> tuple[str, ...]:
    return export_kind(kind).formats or tuple(FORMATS)


def make_exports(app, db, settings, viewer, tenant, records: list[Marked]) -> list[str]:
    """Every registered export kind, in every format it offers, for each of ``records``,
    made by the real job (outbox, Redis, worker) for ``viewer``; the files' tokens."""
    connection = connect(settings)
    connection.flushdb()
    with app.test_request_context(), scoped(db, TenantScope.for_tenant(tenant.id)):
        for kind, record in itertools.product(sorted(export_kinds()), records):
            for fmt in export_formats(kind):
                enqueue(
                    db,
                    EXPORT_JOB,
                    tenant_id=tenant.id,
                    max_attempts=1,
                    kind=kind,
                    spec={"format": fmt, "locale": "en", "record_id": record.id},
                    requested_by=viewer.id,
                )
        db.commit()
    work_jobs(app)
    connection.close()
    with app.app_context(), scoped(db, TenantScope.for_tenant(tenant.id)):
        jobs = db.execute(
            select(OutboxJob.id, OutboxJob.nonce, OutboxJob.status).where(
                OutboxJob.job == EXPORT_JOB
            )
        ).all()
        db.rollback()
        return [job_token(job_id, nonce) for job_id, nonce, status in jobs if status == "done"]


# -- walking the URL map ---------------------------------------------------------------------


def get_rules(app) -> list:
    return sorted(
        (rule for rule in app.url_map.iter_rules() if "GET" in (rule.methods or ())),
        key=lambda rule: rule.rule,
    )


def values_for(rule, *, slug: str, consortium: str, record: Marked, tokens_: list[str]):
    """Every combination of URL values for ``rule``; an argument the test does not know
    fails it, so that a new route is walked rather than skipped."""
    known: dict[str, list[Any]] = {
        "tenant_slug": [slug],
        "tenant": [slug],
        "slug": [slug],
        "consortium": [consortium],
        "attachment_id": [record.attachment or 0],
        "share_id": [record.share or 0],
        "number": [1, 2],  # the first version shows every field as added
        "fmt": sorted(FORMATS),
        "type_name": [record.type_name],
        "token": tokens_ or ["none"],
        "year": [2026],
        "group": ["work", "modules", "admin"],  # the tenant menu's group pages
        "name": ["testplugin"],
        "code": ["none"],
        "filename": ["none.css"],
        "job_id": [0],
        "meeting_id": [0],
        "round_id": [0],
        "unit_id": [0],
        "area_id": [0],  # areas hold names and borders of places, no personal data
        "note_id": [0],
        **{name: [record.id] for name in RECORD_ARGUMENTS},
    }
    unknown = rule.arguments - set(known)
    if unknown:
        pytest.fail(
            f"GET {rule.rule} takes {sorted(unknown)}: teach this test a value for it, so "
            "that the route is checked for personal fields"
        )
    names = sorted(rule.arguments)
    for combination in itertools.product(*(known[n] for n in names)):
        yield dict(zip(names, combination, strict=True))


def build_path(app, rule, values: dict) -> str:
    with app.test_request_context():
        return app.url_map.bind("localhost").build(rule.endpoint, values, method="GET")


@dataclass
class Walk:
    answered: int = 0
    shown: set[str] = field(default_factory=set)  # paths that answered 200
    leaks: list[str] = field(default_factory=list)


def logged_in(client) -> bool:
    with client.session_transaction() as session:
        return "sid" in session  # the server-side session's secret


def walk(app, client, relogin, headers, *, slug, consortium, records, tokens_, markers) -> Walk:
    """GET every route (API routes with ``headers``) for every record, logged in throughout
    (``relogin`` after a route that ends the session); note each answer with a marker."""
    seen: set[str] = set()
    found = Walk()
    for rule in get_rules(app):
        for record in records:
            for values in values_for(
                rule, slug=slug, consortium=consortium, record=record, tokens_=tokens_
            ):
                path = build_path(app, rule, values)
                if path in seen:
                    continue
                seen.add(path)
                answer = client.get(path, headers=headers if path.startswith("/api/") else {})
                found.answered += 1
                if not logged_in(client):  # the route ended the session (e.g. /login/code)
                    relogin()
                if answer.status_code == 200:
                    found.shown.add(path)
                text = body_text(answer.get_data(), answer.mimetype or "")
                leaked = sorted(m for m in markers if m in text)
                if leaked:
                    found.leaks.append(f"GET {path} ({answer.status_code}) shows {leaked}")
    return found


# -- the tests -------------------------------------------------------------------------------


def check_viewer(app, db, client, login, world, settings, viewer, tenant, records, token=True):
    """Exports made for ``viewer``, then the walk as ``viewer``: no answer holds a marker."""
    markers = {m for r in records for m in r.markers.values()}
    made = make_exports(app, db, settings, viewer, tenant, records)
    login(client, viewer)
    headers = bearer(db, viewer, tenant) if token else {}
    if token:
        assert_not_found_by_personal_data(client, headers, tenant.slug, records)
    found = walk(
        app,
        client,
        lambda: login(client, viewer),
        headers,
        slug=tenant.slug,
        consortium=world.consortium.slug,
        records=records,
        tokens_=made,
        markers=markers,
    )
    assert not found.leaks, f"{viewer.email}:\n" + "\n".join(found.leaks)
    return found, made


def assert_not_found_by_personal_data(client, headers, slug: str, records) -> None:
    """Search results: a record is never found by what its personal fields hold (the index
    holds none), while its title does find it."""
    search = f"/api/v1/tenants/{slug}/records"
    answer = client.get(search, query_string={"q": "Prov"}, headers=headers)
    if answer.status_code == 403:  # a role that may not read records
        return
    found = {item["id"] for item in answer.get_json()["items"]}
    assert {r.id for r in records} <= found, "the search found nothing: the check is vacuous"
    for record in records:
        for marker in record.markers.values():
            answer = client.get(search, query_string={"q": marker}, headers=headers)
            assert answer.get_json()["items"] == [], (record.type_name, marker)


@pytest.mark.parametrize("side", ["owner", "partner"])
def test_no_route_or_export_shows_personal_fields_to_a_role_that_may_not_read_them(
    app, db, client, login, world, registry, stage, settings, side
):
    """(a) every role of the owning tenant without read_personal; (b) every such role of a
    partner tenant the records are shared with (its own roles decide)."""
    tenant = world.a if side == "owner" else world.b
    records = [r for r in stage.records if r.markers and (side == "owner" or r.shared)]
    assert records
    roles = roles_without_personal(registry)
    assert {"contributor", "reader"} <= set(roles), roles
    for role in roles:
        viewer = member(db, registry, tenant, role, world.password)
        found, made = check_viewer(app, db, client, login, world, settings, viewer, tenant, records)
        if role == "reader":  # it reads records: the walk really showed them
            for record in records:
                assert f"/t/{tenant.slug}/records/{record.id}" in found.shown, record
                assert f"/api/v1/tenants/{tenant.slug}/records/{record.id}" in found.shown
            assert made, "no export was made for the reader"


def test_administrators_above_the_tenant_see_no_personal_fields(
    app, db, client, login, world, stage, settings
):
    """The consortium's and the platform's administrators hold no role in the tenant that
    may read personal data: no page or export of the tenant shows them a marker."""
    records = [r for r in stage.records if r.markers]
    for viewer in (world.consortium_admin, world.platform_admin):
        check_viewer(app, db, client, login, world, settings, viewer, world.a, records, token=False)


def test_the_owners_administrator_sees_the_markers(app, db, client, login, world, stage):
    """The walks are not vacuous: a role that may read personal data sees every marker on
    the record page, in the record's PDF and in the API."""
    login(client, world.admin_a)
    token = bearer(db, world.admin_a, world.a)
    assert any(r.markers for r in stage.records)
    for record in stage.records:
        page = client.get(f"/t/sunne/records/{record.id}").get_data(as_text=True)
        pdf = client.get(f"/t/sunne/records/{record.id}/record.pdf")
        text = body_text(pdf.get_data(), pdf.mimetype)
        api = client.get(f"/api/v1/tenants/sunne/records/{record.id}", headers=token).get_json()
        for name, marker in record.markers.items():
            assert marker in page and marker in text, (record.type_name, marker)
            assert api["data"][name] == marker


# -- finding 3, as reported ------------------------------------------------------------------


def pdf_text(data: bytes) -> str:
    return body_text(data, "application/pdf")


@pytest.fixture
def finding(app, db, world):
    """Sunne's document (contact person) and minutes (attendees), shared with Torsby."""
    with app.test_request_context(), scoped(db, TenantScope.for_tenant(world.a.id)):
        document = services.create_record(
            db,
            record_type="core.document",
            title="Rapport",
            data={"body": "Text", "contact_person": "Kontakt Karlsson"},
            user=world.admin_a,
        )
        minutes = services.create_record(
            db,
            record_type="core.minutes",
            title="Protokoll",
            data={"meeting_date": "2026-03-01", "attendees": "Deltagare Dahlberg"},
            user=world.admin_a,
        )
        for record in (document, minutes):
            services.share_record(db, record, tenant=world.b, user=world.admin_a)
        db.commit()
        return {document.id: "Kontakt Karlsson", minutes.id: "Deltagare Dahlberg"}


@pytest.mark.parametrize("who", ["contributor_a", "reader_b"])
def test_finding_3_the_picture_page_and_pdf_show_no_personal_fields(
    app, client, login, world, finding, who
):
    """Reported: a contributor (and a partner the record was shared with) read a document's
    contact person and a minutes' attendees on ``/t/<tenant>/pictures/<id>`` and its PDF.
    Now those are a situation picture's pages only: any other record is 404."""
    viewer = getattr(world, who)
    slug = "sunne" if who.endswith("_a") else "torsby"
    login(client, viewer)
    for record_id, name in finding.items():
        page = client.get(f"/t/{slug}/pictures/{record_id}")
        pdf = client.get(f"/t/{slug}/pictures/{record_id}/picture.pdf")
        assert name not in page.get_data(as_text=True)
        assert name not in body_text(pdf.get_data(), pdf.mimetype or "")
        assert (page.status_code, pdf.status_code) == (404, 404)
        assert client.get(f"/t/{slug}/records/{record_id}").status_code == 200  # may read it


def test_a_personal_field_of_a_situation_picture_stays_hidden(
    app, db, client, login, world, monkeypatch
):
    """Should a picture's part ever be personal data, its page and PDF hide it too: they
    read the fields through the disclosure door, not ``record.data``."""
    registry = app.extensions["samverka"].record_types
    picture = registry.get("core.situation_picture")
    personal = dataclasses.replace(
        picture,
        fields=tuple(
            dataclasses.replace(f, personal=True) if f.name == "limitations" else f
            for f in picture.fields
        ),
    )
    monkeypatch.setitem(registry._types, picture.name, personal)
    with app.test_request_context(), scoped(db, TenantScope.for_tenant(world.a.id)):
        record = services.create_record(
            db,
            record_type=personal,
            title="Lägesbild",
            data={
                "period_start": "2026-01-01",
                "period_end": "2026-03-31",
                "analysis": "Analys Andersson",
                "limitations": "Begränsning Bengtsson",
            },
            user=world.admin_a,
        )
        services.share_record(db, record, tenant=world.b, user=world.admin_a)
        db.commit()
    for viewer, slug, sees in [
        (world.contributor_a, "sunne", False),
        (world.reader_b, "torsby", False),
        (world.admin_a, "sunne", True),
    ]:
        login(client, viewer)
        page = client.get(f"/t/{slug}/pictures/{record.id}")
        pdf = client.get(f"/t/{slug}/pictures/{record.id}/picture.pdf")
        assert (page.status_code, pdf.status_code) == (200, 200)
        texts = [page.get_data(as_text=True), pdf_text(pdf.get_data())]
        assert all("Analys Andersson" in t for t in texts)
        assert all(("Begränsning Bengtsson" in t) is sees for t in texts), viewer.email


# -- the plugin facade ---------------------------------------------------------------------


def test_the_plugin_facade_gives_records_only_as_the_viewer_may_see_them(ctx, db, world):
    """``records()`` answers filtered views decided against the named viewer, and offers no
    way to the ORM rows (whose ``data`` holds every field)."""
    from samverka.records.disclosure import Disclosed
    from samverka.toolkit import PluginRecords, records

    facade = records()
    assert isinstance(facade, PluginRecords)
    for raw in ("get_record", "list_attachments", "record_versions", "Record"):
        assert not hasattr(facade, raw), raw
    with scoped(db, TenantScope.for_tenant(world.a.id)):
        made = facade.create_record(
            db,
            record_type="core.document",
            title="Via modulen",
            data={"body": "Text", "contact_person": "Kontakt Karlsson"},
            user=world.admin_a,
        )
        facade.share_record(db, made.id, user=world.admin_a, viewer_tenant=world.a, tenant=world.b)
        db.commit()
        admin = facade.read_record(db, made.id, user=world.admin_a, viewer_tenant=world.a)
        contributor = facade.read_record(
            db, made.id, user=world.contributor_a, viewer_tenant=world.a
        )
        listed = facade.list_records(db, user=world.contributor_a, viewer_tenant=world.a)
        found = facade.search_records(db, "modulen", user=world.reader_a, viewer_tenant=world.a)
        changed = facade.update_record(
            db, made.id, user=world.contributor_a, viewer_tenant=world.a, data={"body": "Ny"}
        )
        db.commit()
    assert isinstance(admin, Disclosed) and admin.data["contact_person"] == "Kontakt Karlsson"
    for view in (contributor, *listed, *found, changed):
        assert isinstance(view, Disclosed)
        assert "contact_person" not in view.data and view.withheld == {"contact_person"}
    assert changed.data["body"] == "Ny"
    with pytest.raises(TypeError):
        admin.data["contact_person"] = "x"  # read-only: a view, not the stored row
    with scoped(db, TenantScope.for_tenant(world.b.id)):
        partner = facade.read_record(db, made.id, user=world.reader_b, viewer_tenant=world.b)
        partner_admin = facade.read_record(db, made.id, user=world.admin_b, viewer_tenant=world.b)
        db.rollback()
    assert "contact_person" not in partner.data
    assert partner_admin.data["contact_person"] == "Kontakt Karlsson"  # its own roles decide
