"""``/t/<tenant>/admin/audit``: a tenant administrator reads, filters and exports the
organisation's audit log, and reviews the random samples drawn for review.

Every read is itself recorded (``audit.read``, ``audit.export``) with the filters used; the
log is personal data about the staff whose actions it records.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import DateField, SelectField, StringField, SubmitField
from wtforms.validators import Length, Optional

from samverka.audit import queries, record_event, reviews
from samverka.audit.export import csv_lines
from samverka.audit.models import AuditEntry
from samverka.auth.models import User
from samverka.auth.services import find_user
from samverka.errors import ValidationError
from samverka.runtime import db_session
from samverka.web.context import current_user, require
from samverka.web.forms import ActionForm, BaseForm, GovSelect, GovSubmitInput, GovTextInput

bp = Blueprint("audit_review", __name__, url_prefix="/t/<tenant_slug>/admin/audit")
VIEW = "tenant:audit:view"
PAGE_SIZE = 50


class FilterForm(BaseForm):
    """Read from the query string (GET: bookmarkable, no CSRF needed for a read)."""

    class Meta:
        csrf = False

    start = DateField(_l("From (YYYY-MM-DD, UTC)"), widget=GovTextInput(), validators=[Optional()])
    end = DateField(_l("To (YYYY-MM-DD, UTC)"), widget=GovTextInput(), validators=[Optional()])
    action = SelectField(_l("Action"), widget=GovSelect(), validators=[Optional()])
    actor = StringField(
        _l("Who (e-mail address)"), widget=GovTextInput(), validators=[Optional(), Length(max=254)]
    )
    outcome = SelectField(_l("Outcome"), widget=GovSelect(), validators=[Optional()])
    target_type = StringField(
        _l("Target type"), widget=GovTextInput(), validators=[Optional(), Length(max=63)]
    )
    target_id = StringField(
        _l("Target id"), widget=GovTextInput(), validators=[Optional(), Length(max=64)]
    )
    submit = SubmitField(_l("Filter"), widget=GovSubmitInput())


def outcome_choices() -> list[tuple[str, str]]:
    return [
        ("", _("Any")),
        ("success", _("Succeeded")),
        ("denied", _("Denied")),
        ("failure", _("Failure")),
    ]


def action_choices() -> list[tuple[str, str]]:
    """The actions and areas present in this tenant's log."""
    present = db_session().scalars(
        select(AuditEntry.action).where(AuditEntry.tenant_id == g.tenant.id).distinct()
    )
    actions = sorted(set(present))
    areas = sorted({a.split(".", 1)[0] for a in actions})
    return [("", _("Any"))] + [(a, f"{a}.*") for a in areas] + [(a, a) for a in actions]


def filter_form() -> FilterForm:
    form = FilterForm(request.args)
    form.action.choices = action_choices()
    form.outcome.choices = outcome_choices()
    return form


def filters_of(form: FilterForm) -> queries.Filters:
    """The filters of a valid form; an unknown actor address matches nobody (id 0)."""
    actor_id = None
    if form.actor.data:
        user = find_user(db_session(), form.actor.data)
        actor_id = user.id if user is not None else 0
    return queries.Filters(
        start=form.start.data,
        end=form.end.data,
        action=form.action.data or None,
        actor_user_id=actor_id,
        outcome=form.outcome.data or None,
        target_type=(form.target_type.data or "").strip() or None,
        target_id=(form.target_id.data or "").strip() or None,
    )


@bp.route("/")
def index():
    require(VIEW)
    form = filter_form()
    valid = form.validate() if request.args else True
    filters = filters_of(form) if valid else queries.Filters()
    before = request.args.get("before", type=int)
    entries, following = queries.page(db_session(), g.tenant.id, filters, before, PAGE_SIZE)
    open_reviews = reviews.open_reviews(db_session(), g.tenant)
    samples = {r.id: reviews.sampled_entries(db_session(), r) for r in open_reviews}
    shown = entries + [e for rows in samples.values() for e in rows]
    record_event(
        db_session(),
        "audit.read",
        tenant_id=g.tenant.id,
        target_type="audit_log",
        details={**filters.as_details(), "rows": len(entries)},
    )
    db_session().commit()
    args = {k: v for k, v in request.args.items() if k != "before"}
    return render_template(
        "audit_review.html",
        form=form,
        entries=entries,
        names=_names(shown),
        next_url=url_for(".index", **args, before=following) if following else None,
        export_url=url_for(".export", **args),
        reviews=open_reviews,
        samples=samples,
        review_form=ActionForm(),
    ), (200 if valid else 422)


@bp.route("/export.csv")
def export():
    require(VIEW)
    form = filter_form()
    if request.args and not form.validate():
        abort(400)
    filters = filters_of(form)
    record_event(
        db_session(),
        "audit.export",
        tenant_id=g.tenant.id,
        target_type="audit_log",
        details=filters.as_details(),
    )
    db_session().commit()  # recorded before a single row leaves
    session, tenant_id = db_session(), g.tenant.id

    def lines():
        try:
            yield from csv_lines(queries.stream(session, tenant_id, filters))
        finally:  # end the read transaction with the last row, whoever closes the response
            session.rollback()

    name = f"granskningslogg-{g.tenant.slug}.csv"
    return Response(
        stream_with_context(lines()),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/reviews/<int:review_id>", methods=["POST"])
def mark_reviewed(review_id: int):
    require(VIEW)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        reviews.mark_reviewed(db_session(), g.tenant, review_id, current_user().id)
    except ValidationError:
        db_session().rollback()
        abort(404)
    db_session().commit()
    flash(_("The sample is marked as reviewed."), "success")
    return redirect(url_for(".index"))


def _names(entries: list[AuditEntry]) -> dict[int, str]:
    """Actors' names, in one query (users are not tenant rows)."""
    ids = {e.actor_user_id for e in entries if e.actor_user_id is not None}
    if not ids:
        return {}
    rows = db_session().execute(select(User.id, User.name).where(User.id.in_(ids)))
    return {user_id: name for user_id, name in rows}
