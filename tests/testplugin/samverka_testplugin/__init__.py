"""A small plugin that proves the host: a page, a permission, a nav item, a table, a job.

It touches the core only through :mod:`samverka.toolkit`.
"""

from __future__ import annotations

import io
import threading
import time
from datetime import timedelta
from pathlib import Path

import marshmallow as ma
from flask import Blueprint, abort, render_template
from sqlalchemy import String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from samverka.toolkit import (
    ApiBlueprint,
    Base,
    NavItem,
    PeriodicJob,
    Permission,
    PluginManifest,
    Role,
    TenantOwned,
    api_require,
    authorize,
    current_tenant,
    db_session,
    hookimpl,
    plugin_config,
    report_progress,
)

NAME = "testplugin"
HERE = Path(__file__).parent


class Note(TenantOwned, Base):
    __tablename__ = "testplugin_notes"
    __table_args__ = {"info": {"plugin": NAME}}

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(200))


bp = Blueprint("testplugin", __name__, template_folder="templates")


@bp.route("/")
def index():
    if not authorize("tenant:testplugin_notes:view"):
        abort(403)
    notes = db_session().scalars(select(Note).order_by(Note.id)).all()
    return render_template(
        "testplugin/index.html",
        notes=notes,
        greeting=plugin_config(NAME)["greeting"],
        tenant=current_tenant(),
    )


@bp.route("/notes/<int:note_id>")
def note(note_id: int):
    if not authorize("tenant:testplugin_notes:view"):
        abort(403)
    found = db_session().get(Note, note_id)
    if found is None:
        abort(404)
    return {"id": found.id, "text": found.text, "tenant_id": found.tenant_id}


api_bp = ApiBlueprint("testplugin_api", __name__, description="The test plugin's notes.")


class NoteSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    text = ma.fields.String(required=True)


@api_bp.route("/notes", methods=["GET"])
@api_bp.response(200, NoteSchema(many=True))
@api_bp.problems(403, 404)
def api_notes():
    """The tenant's notes (404 in a tenant that has not enabled the plugin)."""
    api_require("tenant:testplugin_notes:view")
    return db_session().scalars(select(Note).order_by(Note.id)).all()


def count_notes(tenant_id: int, marker: str = "") -> int:
    count = db_session().scalar(select(func.count()).select_from(Note))
    db_session().add(Note(text=f"counted {count} {marker}".strip()))
    return count


@hookimpl
def register_manifest() -> PluginManifest:
    return PluginManifest(
        name=NAME,
        title="Testmodul",
        description="Proves the plugin host.",
        version="1",
        config_schema={
            "type": "object",
            "properties": {
                "greeting": {"type": "string", "minLength": 1},
                "max_notes": {"type": "integer", "minimum": 1},
                "colour": {"enum": ["red", "green"]},
            },
            "required": ["greeting"],
            "additionalProperties": False,
        },
        default_config={"greeting": "Hej", "max_notes": 10},
        migrations=HERE / "migrations" / "versions",
    )


@hookimpl
def register_roles() -> list[Role]:
    return [Role("note_taker", "Note taker", "tenant")]


@hookimpl
def register_permissions() -> list[Permission]:
    return [
        Permission(
            "tenant:testplugin_notes:view", "See notes", ("tenant_admin", "reader", "note_taker")
        )
    ]


@hookimpl
def register_blueprints() -> list[Blueprint]:
    return [bp]


@hookimpl
def register_api_blueprints() -> list[ApiBlueprint]:
    return [api_bp]


@hookimpl
def register_nav_items(tenant, user) -> list[NavItem]:
    return [NavItem("Anteckningar", "testplugin.index", "tenant:testplugin_notes:view", 50)]


def add_note(tenant_id: int, text: str, hold: str = "", fail_while: str = "") -> None:
    """One note per run; waits while the file ``hold`` exists (a test kills the worker
    then), fails while the file ``fail_while`` exists (retries, then failed)."""
    report_progress(0, 1, "Counting")  # before the job's first write (SQLite: one writer)
    db_session().add(Note(text=text))
    while hold and Path(hold).exists():
        time.sleep(0.05)
    if fail_while and Path(fail_while).exists():
        raise RuntimeError(f"refused for {text}")  # a message that may name someone


TICKS: list[str] = []  # which scheduler thread ran the periodic job (tests/jobs)


def tick(session, now) -> None:
    TICKS.append(threading.current_thread().name)


@hookimpl
def register_jobs() -> dict:
    return {"count_notes": count_notes, "add_note": add_note}


@hookimpl
def register_periodic_jobs() -> list[PeriodicJob]:
    return [PeriodicJob("testplugin.tick", timedelta(milliseconds=50), tick)]


RELEASED: list[tuple[int, int]] = []  # (tenant id, its notes then): before_tenant_delete calls
REFUSE_DELETION = "refuse deletion"  # a note with this text makes the hook raise


@hookimpl
def export_tenant_data(session, tenant, archive) -> None:
    """The tenant's notes, and a file, in the whole-tenant archive (tests/lifecycle)."""
    rows = session.execute(select(Note.id, Note.text).order_by(Note.id))
    archive.add_jsonl("testplugin/notes.jsonl", (dict(row._mapping) for row in rows))
    archive.add_file("testplugin/greeting.txt", io.BytesIO(f"Hej från {tenant.slug}".encode()))


@hookimpl
def before_tenant_delete(session, tenant) -> None:
    """Proves the hook runs inside the deletion, in the tenant's scope (it sees the notes)."""
    texts = session.scalars(select(Note.text)).all()
    if REFUSE_DELETION in texts:
        raise RuntimeError("the test plugin refuses to let go")
    RELEASED.append((tenant.id, len(texts)))


@hookimpl
def register_record_types():
    """A type that may never be shared, with a personal field (records tests)."""
    from samverka.toolkit import Classification, FieldKind, FieldSpec, RecordType

    return [
        RecordType(
            name=f"{NAME}.case",
            label="Case",
            fields=(
                FieldSpec("body", FieldKind.LONGTEXT, "Body"),
                FieldSpec("person", FieldKind.TEXT, "Person", personal=True),
            ),
            default_classification=Classification.SENSITIVE,
            retention=timedelta(days=365),
            sharing=frozenset(),
        )
    ]


@hookimpl
def measure_summaries(session, tenant, measure):
    """One fixed indicator per measure (the action plans' hook for the indicators plugin)."""
    return [{"label": "Test indicator", "value": measure.id}]


@hookimpl
def cycle_calendar_entries(session, tenant, year):
    """One entry on midsummer's eve (the annual calendar's hook)."""
    from datetime import date

    return [{"date": date(year, 6, 19), "title": "Test entry", "kind": "testplugin", "url": None}]


@hookimpl
def situation_picture_sections(session, tenant, period) -> list[dict]:
    """A section for compiled situation pictures (tests of the hook)."""
    start, end = period
    return [{"title": "Testmodulens avsnitt", "text": f"{tenant.slug} {start} – {end}"}]
