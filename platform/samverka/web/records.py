"""``/t/<tenant>/records``: the organisation's records and those shared with it.

Every page reads through :mod:`samverka.records.services`, which decides (named actions),
scopes (ORM criteria, RLS) and audits. A page that shows a record's content or an attachment
loads it with :func:`_load` (``services.get_record``: a read of a confidential or sensitive
record is recorded) or ``services.open_attachment``; ``tests/records/
test_audit_every_read_route.py`` walks the URL map and fails for a route that does not.
The read's audit entry is committed at once, before any change the page makes, so a change
that fails and rolls back does not take the record of the read with it.

Only the owner changes a record, sees its shares and history; a receiver reads what its
role may see of the record's type.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from samverka import clock
from samverka.auth.models import User
from samverka.classification import LABELS, Classification, marking
from samverka.errors import Conflict, Forbidden, NotFound, ValidationError
from samverka.exports import FORMATS, write
from samverka.exports.service import download_name
from samverka.exports.store import safe_filename
from samverka.records import exports as record_exports
from samverka.records import services, storage
from samverka.records.disclosure import disclose, withheld_fields
from samverka.records.models import Attachment, Record
from samverka.records.types import FieldKind, RecordType, RecordValidationError, validate
from samverka.runtime import db_session
from samverka.tenants.models import Tenant
from samverka.web.context import can, current_user, require
from samverka.web.exports import table_download
from samverka.web.extensions import csrf
from samverka.web.forms import ActionForm, attach_error
from samverka.web.records_forms import (
    ChooseTypeForm,
    FilterForm,
    RevokeForm,
    ShareForm,
    UploadForm,
    form_name,
    input_params,
    record_form_class,
)

bp = Blueprint("record_pages", __name__, url_prefix="/t/<tenant_slug>/records")
PAGE_SIZE = 50
UPLOAD_SLACK = 64 * 1024  # multipart framing and the other fields around the file
STOCKHOLM = ZoneInfo("Europe/Stockholm")
TAG_CLASSES = {
    Classification.OPEN: "govuk-tag--grey",
    Classification.INTERNAL: "govuk-tag--blue",
    Classification.CONFIDENTIAL: "govuk-tag--orange",
    Classification.SENSITIVE: "govuk-tag--red",
}


# -- helpers ---------------------------------------------------------------------------------


def _load(record_id: int, *, include_deleted: bool = False) -> Record:
    """The record through the auditing service; the read's entry is committed at once."""
    session = db_session()
    record = services.get_record(
        session,
        record_id,
        user=current_user(),
        viewer_tenant=g.tenant,
        include_deleted=include_deleted,
    )
    session.commit()
    return record


def _owner_only(record: Record) -> None:
    """Shares never move ownership: a receiver's attempt is refused like any forbidden act."""
    if record.tenant_id != g.tenant.id:
        abort(403)


def _is_owner(record: Record) -> bool:
    return record.tenant_id == g.tenant.id


def usable_types() -> list[RecordType]:
    """The core's types and those of the plugins this tenant uses."""
    return [
        kind
        for kind in services.record_types()
        if kind.plugin is None or kind.plugin in g.enabled_plugins
    ]


def type_labels() -> dict[str, str]:
    return {kind.name: str(kind.label) for kind in services.record_types()}


def tag(classification: Classification | str) -> dict[str, str]:
    """A classification as a tag: the printed marking in words, the colour only beside it."""
    level = Classification(classification)
    return {"text": marking(level), "classes": TAG_CLASSES[level], "label": str(LABELS[level])}


def _send(buffer: io.BytesIO | Any, filename: str, media_type: str) -> Response:
    response = send_file(
        buffer,
        mimetype=media_type,
        as_attachment=True,
        download_name=safe_filename(filename),
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _user_names(ids) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    rows = db_session().execute(select(User.id, User.name).where(User.id.in_(ids)))
    return dict(rows.all())


@bp.app_template_global("record_tag")
def record_tag(classification) -> dict[str, str]:
    return tag(classification)


# -- list, search, trash, export -------------------------------------------------------------


@bp.route("/")
def index():
    require(services.READ)
    session, user = db_session(), current_user()
    form = FilterForm(request.args)
    form.type.choices = [("", _("All types"))] + [(k.name, str(k.label)) for k in usable_types()]
    query = (request.args.get("q") or "").strip()[:200]
    chosen = request.args.get("type") or None
    if chosen not in services.record_types():
        chosen = None
    next_url = None
    if query:
        rows = services.search_records(
            session,
            query,
            viewer_tenant=g.tenant,
            user=user,
            record_type=chosen,
            limit=PAGE_SIZE,
            via="web",
        )
    else:
        rows, more = services.list_records_page(
            session,
            viewer_tenant=g.tenant,
            user=user,
            via="web",
            page_size=PAGE_SIZE,
            record_type=chosen,
            after=request.args.get("after", type=int),
        )
        if more:
            next_url = url_for(".index", type=chosen, after=rows[-1].id)
    session.commit()  # the list's audit entries
    return render_template(
        "records_list.html",
        form=form,
        records=rows,
        query=query,
        owners=record_exports.owner_names(session, rows),
        types=type_labels(),
        next_url=next_url,
        export_args={"type": chosen} if chosen else {},
        can_write=can(services.WRITE),
        can_delete=can(services.DELETE),
    )


@bp.route("/export.<fmt>")
def export_list(fmt: str):
    require(services.READ)
    if fmt not in ("csv", "xlsx"):
        abort(404)
    chosen = request.args.get("type") or None
    spec = {"user_id": current_user().id, "type": chosen, "via": "web_export"}
    table = record_exports.records_list(db_session(), g.tenant, spec)
    db_session().commit()  # the list's audit entries, before a row leaves
    return table_download(table, fmt)


@bp.route("/trash")
def trash():
    require(services.DELETE)
    session = db_session()
    rows = services.list_records(
        session, viewer_tenant=g.tenant, user=current_user(), deleted=True, limit=200, via="web"
    )
    session.commit()  # the list's audit entries
    window = services.restore_window()
    now = clock.local_now()
    items = []
    for record in rows:
        until = clock.aware(record.deleted_at) + window
        items.append(
            {
                "record": record,
                "until": until.astimezone(STOCKHOLM).date().isoformat(),
                "restorable": until > now,
            }
        )
    return render_template(
        "records_trash.html",
        items=items,
        types=type_labels(),
        names=_user_names(r.deleted_by_id for r in rows),
        days=window.days,
        form=ActionForm(),
    )


# -- create ----------------------------------------------------------------------------------


@bp.route("/new")
def new():
    """Choose the type; the form itself has an address of its own (a language switch or a
    reload keeps it)."""
    require(services.WRITE)
    types = {k.name: k for k in usable_types()}
    chosen = request.args.get("type")
    if chosen in types:
        return redirect(url_for(".new_of_type", type_name=chosen))
    form = ChooseTypeForm(request.args)
    form.type.choices = [(k.name, str(k.label)) for k in types.values()]
    status = 200
    if chosen is not None:
        form.type.errors = [_("Choose what kind of record to create.")]
        status = 422
    hints = {k.name: str(k.description) for k in types.values() if k.description}
    return render_template("records_choose_type.html", form=form, hints=hints), status


@bp.route("/new/<type_name>", methods=["GET", "POST"])
def new_of_type(type_name: str):
    require(services.WRITE)
    types = {k.name: k for k in usable_types()}
    if type_name not in types:
        abort(404)
    chosen = type_name
    kind = types[chosen]
    form = record_form_class(kind, kind.fields)()
    if request.method == "GET":
        form.classification.data = kind.default_classification.value
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            session = db_session()
            try:
                record = services.create_record(
                    session,
                    record_type=kind,
                    title=form.title.data,
                    data=form.values(),
                    classification=form.classification.data,
                    user=current_user(),
                )
            except ValidationError as error:
                session.rollback()
                _show(form, error, kind)
            else:
                session.commit()
                flash(_("The record was created."), "success")
                return redirect(url_for(".detail", record_id=record.id))
    return render_template(
        "records_form.html",
        form=form,
        kind=kind,
        params={s.name: input_params(s) for s in kind.fields},
        hidden=False,
        record=None,
        conflict=None,
    ), status


def _show(form, error: ValidationError, kind: RecordType, base: dict | None = None) -> None:
    """Every bad field at once: the services stop at a bad title before the fields, so the
    fields are checked too (the same ``validate`` the services use)."""
    if isinstance(error, RecordValidationError):
        form.show_errors(error.errors)
        return
    attach_error(form, error)
    try:
        validate(kind, {**(base or {}), **{k: v for k, v in form.values().items() if v != ""}})
    except RecordValidationError as fields:
        form.show_errors(fields.errors)


# -- detail ----------------------------------------------------------------------------------


@bp.route("/<int:record_id>")
def detail(record_id: int):
    return _detail(_load(record_id))


def _detail(record: Record, *, upload_form: UploadForm | None = None, status: int = 200):
    session, user = db_session(), current_user()
    shown = disclose(session, record, user=user, viewer_tenant=g.tenant)
    kind = shown.kind
    fields = [
        {
            "label": str(spec.label),
            "value": record_exports.display_value(
                spec.kind, shown.get(spec.name), dict(spec.choice_pairs)
            ),
            "long": spec.kind is FieldKind.LONGTEXT,
        }
        for spec in shown.fields
    ]
    owner = _is_owner(record)
    shares = services.record_shares(session, record, user=user) if owner else []
    limits = storage.current_limits()
    return render_template(
        "records_detail.html",
        record=record,
        kind=kind,
        fields=fields,
        hidden_count=len(shown.withheld),
        owner_name=session.get(Tenant, record.tenant_id).name,
        is_owner=owner,
        attachments=services.list_attachments(session, record),
        shares=shares,
        share_rows=_share_rows(shares),
        upload_form=upload_form or UploadForm(formdata=None),
        action_form=ActionForm(formdata=None),  # an upload's body may be too large to read
        max_mb=f"{limits.max_bytes / (1024 * 1024):g}",
        allowed_types=sorted(limits.allowed_types),
        can_write=owner and can(services.WRITE),
        can_delete=owner and can(services.DELETE),
        can_share=owner and can(services.SHARE),
        can_attach=owner and can(services.ATTACHMENTS),
    ), status


def _share_rows(shares) -> list[dict[str, Any]]:
    now = clock.local_now()
    rows = []
    for share in shares:
        if share.revoked_at is not None:
            status = _("Revoked")
        elif share.is_active(now):
            status = _("Active")
        elif share.valid_until is not None and clock.aware(share.valid_until) <= now:
            status = _("Expired")
        else:
            status = _("Not yet valid")
        receiver = (
            share.receiver_tenant.name
            if share.receiver_tenant_id is not None
            else _("The whole consortium %(name)s", name=share.consortium.name)
        )
        rows.append(
            {
                "share": share,
                "receiver": receiver,
                "status": status,
                "active": share.revoked_at is None
                and (share.valid_until is None or clock.aware(share.valid_until) > now),
                "valid_from": _day(share.valid_from),
                "valid_until": _last_day(share.valid_until) if share.valid_until else None,
            }
        )
    return rows


def _day(moment: datetime) -> str:
    return clock.aware(moment).astimezone(STOCKHOLM).date().isoformat()


def _last_day(moment: datetime) -> str:
    """A share ends at midnight after its last day: show that day."""
    return (clock.aware(moment).astimezone(STOCKHOLM) - timedelta(seconds=1)).date().isoformat()


@bp.route("/<int:record_id>/record.pdf")
def record_pdf(record_id: int):
    require(services.READ)
    spec = {"record_id": record_id, "user_id": current_user().id}
    document = record_exports.record_document(db_session(), g.tenant, spec)
    db_session().commit()  # the read's audit entry, before the file leaves
    buffer = io.BytesIO()
    chosen = FORMATS["pdf"]
    write(document, chosen, buffer, locale=str(get_locale()))
    buffer.seek(0)
    return _send(buffer, download_name(document.title, chosen), chosen.media_type)


# -- edit, delete, restore -------------------------------------------------------------------


@bp.route("/<int:record_id>/edit", methods=["GET", "POST"])
def edit(record_id: int):
    record = _load(record_id)
    _owner_only(record)
    require(services.WRITE)
    session = db_session()
    shown = disclose(session, record, user=current_user(), viewer_tenant=g.tenant)
    kind, specs = shown.kind, list(shown.fields)
    form_class = record_form_class(kind, specs)
    if request.method == "GET":
        values = {form_name(s.name): shown.get(s.name) for s in specs}
        form = form_class(
            data={
                "title": record.title,
                "classification": Classification(record.classification).value,
                "version": str(record.version),
                **values,
            }
        )
    else:
        form = form_class()
    conflict = None
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                services.update_record(
                    session,
                    record,
                    title=form.title.data,
                    data=form.values(),
                    classification=form.classification.data,
                    expected_version=_int(form.version.data),
                    user=current_user(),
                )
            except ValidationError as error:
                session.rollback()
                _show(form, error, kind, record.data)
            except Conflict as error:
                session.rollback()
                conflict = str(error)
                form.version.data = str(record.version)  # saving again overwrites, knowingly
                status = 409
            else:
                session.commit()
                flash(_("The record was saved."), "success")
                return redirect(url_for(".detail", record_id=record.id))
    return render_template(
        "records_form.html",
        form=form,
        kind=kind,
        params={s.name: input_params(s) for s in kind.fields},
        hidden=bool(shown.withheld),
        record=record,
        conflict=conflict,
    ), status


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@bp.route("/<int:record_id>/delete", methods=["GET", "POST"])
def delete(record_id: int):
    record = _load(record_id)
    _owner_only(record)
    require(services.DELETE)
    form = ActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        services.delete_record(db_session(), record, user=current_user())
        db_session().commit()
        flash(
            _(
                "%(title)s was moved to the wastebasket. It can be restored for %(days)s days.",
                title=record.title,
                days=services.restore_window().days,
            ),
            "success",
        )
        return redirect(url_for(".index"))
    return render_template(
        "records_delete.html", record=record, form=form, days=services.restore_window().days
    )


@bp.route("/<int:record_id>/restore", methods=["POST"])
def restore(record_id: int):
    require(services.DELETE)
    if not ActionForm().validate_on_submit():
        abort(400)
    record = _load(record_id, include_deleted=True)
    _owner_only(record)
    session = db_session()
    try:
        services.restore_record(session, record, user=current_user())
    except (ValidationError, Conflict) as error:
        session.rollback()
        flash(str(error), "error")
        return redirect(url_for(".trash"))
    session.commit()
    flash(_("%(title)s was restored.", title=record.title), "success")
    return redirect(url_for(".detail", record_id=record.id))


# -- versions --------------------------------------------------------------------------------


@bp.route("/<int:record_id>/versions")
def versions(record_id: int):
    record = _load(record_id)
    _owner_only(record)
    rows = services.record_versions(db_session(), record, user=current_user())
    return render_template(
        "records_versions.html",
        record=record,
        versions=list(reversed(rows)),
        names=_user_names(v.created_by_id for v in rows),
    )


@bp.route("/<int:record_id>/versions/<int:number>")
def version_diff(record_id: int, number: int):
    record = _load(record_id)
    _owner_only(record)
    session = db_session()
    rows = {v.version: v for v in services.record_versions(session, record, user=current_user())}
    if number not in rows:
        abort(404)
    kind = services.record_type_of(record)
    hidden = withheld_fields(session, kind, current_user(), g.tenant)
    changes = services.version_diff(rows.get(number - 1), rows[number], hidden=hidden)
    return render_template(
        "records_diff.html",
        record=record,
        version=rows[number],
        previous=rows.get(number - 1),
        changes=[_change_row(kind, change) for change in changes],
        names=_user_names([rows[number].created_by_id]),
    )


def _change_row(kind: RecordType, change) -> dict[str, Any]:
    """A change with the field's label and readable values (labels of choices, yes/no)."""
    if change.field == "title":
        label, show = _("Title"), str
    elif change.field == "classification":
        label, show = _("Classification"), lambda v: str(LABELS[Classification(v)])
    else:
        spec = kind.field(change.field)
        label = str(spec.label) if spec else change.field
        choices = dict(spec.choice_pairs) if spec else {}
        kind_of = spec.kind if spec else FieldKind.TEXT
        show = lambda v: record_exports.display_value(kind_of, v, choices)  # noqa: E731

    def value(v: Any) -> str | None:
        if v is None:
            return None
        if v == "***":
            return _("(hidden: personal data)")
        return show(v)

    return {"label": label, "before": value(change.before), "after": value(change.after)}


# -- shares ----------------------------------------------------------------------------------


def receiver_choices(record: Record) -> list[tuple[str, str]]:
    """The other members of the owner's consortia, then each consortium as a whole."""
    tenants: dict[str, str] = {}
    groups: list[tuple[str, str]] = []
    for consortium in g.tenant.consortia:
        groups.append(
            (
                f"consortium:{consortium.slug}",
                _("The whole consortium %(name)s", name=consortium.name),
            )
        )
        for member in consortium.tenants:
            if member.id != g.tenant.id:
                tenants[f"tenant:{member.slug}"] = member.name
    choices = [("", _("Choose a receiver"))]
    choices += sorted(tenants.items(), key=lambda item: item[1])
    return choices + groups


@bp.route("/<int:record_id>/shares/new", methods=["GET", "POST"])
def share(record_id: int):
    record = _load(record_id)
    _owner_only(record)
    require(services.SHARE)
    form = ShareForm()
    form.receiver.choices = receiver_choices(record)
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            session = db_session()
            try:
                _create_share(record, form)
            except ValidationError as error:
                session.rollback()
                if error.field in ("tenant", "consortium"):
                    error.field = "receiver"
                attach_error(form, error)
            else:
                session.commit()
                flash(_("The record was shared."), "success")
                return redirect(url_for(".detail", record_id=record.id, _anchor="shares"))
    return render_template(
        "records_share.html",
        record=record,
        form=form,
        needs_ground=Classification(record.classification).requires_ground,
    ), status


def _create_share(record: Record, form: ShareForm) -> None:
    kind, _sep, ref = (form.receiver.data or "").partition(":")
    if kind not in ("tenant", "consortium") or not ref:
        raise ValidationError(_("Choose who to share the record with."), "receiver")
    start = _date(form.valid_from.data, "valid_from")
    end = _date(form.valid_until.data, "valid_until")
    services.share_record(
        db_session(),
        record,
        tenant=ref if kind == "tenant" else None,
        consortium=ref if kind == "consortium" else None,
        ground=form.ground.data,
        consent_reference=form.consent_reference.data,
        valid_from=_start_of(start) if start else None,
        valid_until=_start_of(end + timedelta(days=1)) if end else None,
        user=current_user(),
    )


def _date(text: str | None, field: str) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(_("Enter a date as YYYY-MM-DD, e.g. 2026-03-31."), field) from None


def _start_of(day: date) -> datetime:
    """Midnight in Sweden, as UTC (SQLite keeps the wall time and drops the zone)."""
    return datetime.combine(day, time.min, tzinfo=STOCKHOLM).astimezone(UTC)


@bp.route("/<int:record_id>/shares/<int:share_id>/revoke", methods=["GET", "POST"])
def revoke(record_id: int, share_id: int):
    record = _load(record_id)
    _owner_only(record)
    require(services.SHARE)
    session = db_session()
    found = services.get_share(session, record, share_id)
    rows = _share_rows([found])
    form = RevokeForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                services.revoke_share(session, found, user=current_user(), reason=form.reason.data)
            except ValidationError as error:
                session.rollback()
                attach_error(form, error)
            except Conflict as error:
                session.rollback()
                flash(str(error), "error")
                return redirect(url_for(".detail", record_id=record.id, _anchor="shares"))
            else:
                session.commit()
                flash(_("The share was revoked."), "success")
                return redirect(url_for(".detail", record_id=record.id, _anchor="shares"))
    return render_template("records_revoke.html", record=record, row=rows[0], form=form), status


# -- attachments -----------------------------------------------------------------------------


@bp.route("/<int:record_id>/attachments", methods=["POST"])
def upload(record_id: int):
    """Exempt from the app-wide CSRF check (it would read the body under the 2 MB cap of
    every form); the upload form checks the token itself, after the cap was raised to the
    attachment limit."""
    require(services.ATTACHMENTS)
    limits = storage.current_limits()
    request.max_content_length = limits.max_bytes + UPLOAD_SLACK
    too_large = (request.content_length or 0) > limits.max_bytes + UPLOAD_SLACK
    record = _load(record_id)
    _owner_only(record)
    if too_large:  # answered without reading the body
        form = UploadForm(formdata=None, meta={"csrf": False})
        form.file.errors = [
            _(
                "The file is larger than %(max)s MB.",
                max=f"{limits.max_bytes / (1024 * 1024):g}",
            )
        ]
        return _detail(record, upload_form=form, status=413)
    form = UploadForm()
    if not form.validate_on_submit():
        return _detail(record, upload_form=form, status=422)
    upload = form.file.data
    if upload is None or not upload.filename:
        form.file.errors = [_("Choose a file to attach.")]
        return _detail(record, upload_form=form, status=422)
    session = db_session()
    try:
        services.add_attachment(
            session,
            record,
            filename=upload.filename,
            content_type=upload.mimetype or "application/octet-stream",
            stream=upload.stream,
            user=current_user(),
        )
    except ValidationError as error:
        session.rollback()
        form.file.errors = [str(error)]
        return _detail(record, upload_form=form, status=422)
    session.commit()
    flash(_("%(name)s was attached.", name=upload.filename), "success")
    return redirect(url_for(".detail", record_id=record.id, _anchor="attachments"))


@bp.route("/<int:record_id>/attachments/<int:attachment_id>")
def download(record_id: int, attachment_id: int):
    session = db_session()
    found = session.scalars(
        select(Attachment).where(
            Attachment.id == attachment_id,
            Attachment.record_id == record_id,
            Attachment.deleted_at.is_(None),
        )
    ).one_or_none()
    if found is None:
        raise NotFound(_("No such attachment."))
    stream = services.open_attachment(session, found, user=current_user(), viewer_tenant=g.tenant)
    session.commit()  # the read's audit entry, before the file leaves
    return _send(stream, found.filename, found.content_type)


@bp.route("/<int:record_id>/attachments/<int:attachment_id>/remove", methods=["POST"])
def remove_attachment(record_id: int, attachment_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    record = _load(record_id)
    _owner_only(record)
    require(services.ATTACHMENTS)
    session = db_session()
    found = services.get_attachment(session, record, attachment_id)
    try:
        services.remove_attachment(session, found, user=current_user())
    except (Conflict, Forbidden):
        session.rollback()
        abort(404)
    session.commit()
    flash(_("%(name)s was removed.", name=found.filename), "success")
    return redirect(url_for(".detail", record_id=record.id, _anchor="attachments"))


def init_app(app) -> None:
    """The upload checks its CSRF token itself (see :func:`upload`)."""
    csrf.exempt(upload)
