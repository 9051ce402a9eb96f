"""``/t/<tenant>/areas/``: the register of areas: the list, a new area, renaming and
archiving, uploading a border (GeoJSON) and an area's page with its border versions and
their downloads. Business rules live in :mod:`samverka.areas.services`."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, SubmitField

from samverka.areas import services as areas
from samverka.areas.geometry import MAX_BYTES
from samverka.areas.models import Area
from samverka.errors import NotFound, ValidationError
from samverka.runtime import db_session
from samverka.web.context import can, current_user, require
from samverka.web.extensions import csrf
from samverka.web.forms import (
    BaseForm,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
    attach_error,
    save,
)
from samverka.web.records_forms import GovFile

bp = Blueprint("area_pages", __name__)
READ, MANAGE = "tenant:records:read", "tenant:areas:manage"
GEOJSON = "application/geo+json"
#: Room for the multipart envelope around a file of the largest accepted size.
UPLOAD_SLACK = 64 * 1024


class AreaForm(BaseForm):
    name = StringField(_l("Name"), widget=GovTextInput())
    kind = SelectField(_l("Kind"), widget=GovSelect(), choices=[])
    submit = SubmitField(_l("Save the area"), widget=GovSubmitInput())

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [(key, str(label)) for key, label in areas.KIND_LABELS.items()]


class BoundaryForm(BaseForm):
    file = FileField(_l("GeoJSON file"), widget=GovFile())
    submit = SubmitField(_l("Upload the border"), widget=GovSubmitInput())


class ArchiveForm(BaseForm):
    submit = SubmitField(_l("Archive the area"), widget=GovSubmitInput())


def _area(area_id: int) -> Area:
    try:
        return areas.get_area(db_session(), g.tenant, area_id)
    except NotFound:
        abort(404)


@bp.route("/t/<tenant_slug>/areas/")
def index():
    require(READ)
    session = db_session()
    found = areas.list_areas(session, g.tenant)
    return render_template(
        "areas_index.html",
        areas=found,
        borders=areas.current_geometries(session, found),
        kinds=areas.KIND_LABELS,
        can_manage=can(MANAGE),
    )


@bp.route("/t/<tenant_slug>/areas/areas.geojson")
def collection():
    """Every live area with its current border, for maps and GIS tools."""
    require(READ)
    session = db_session()
    body = areas.as_feature_collection(session, areas.list_areas(session, g.tenant))
    return _geojson(body, f"{g.tenant.slug}-areas.geojson")


@bp.route("/t/<tenant_slug>/areas/new", methods=["GET", "POST"])
def new():
    require(MANAGE)
    form = AreaForm()
    session = db_session()
    created: list[Area] = []

    def change() -> None:
        created.append(
            areas.create_area(session, g.tenant, form.name.data, form.kind.data, current_user())
        )

    if request.method == "POST" and save(form, change, _("The area was added.")):
        return redirect(url_for(".show", area_id=created[0].id))
    return render_template("areas_form.html", form=form, area=None), 422 if form.errors else 200


@bp.route("/t/<tenant_slug>/areas/<int:area_id>/")
def show(area_id: int):
    require(READ)
    area = _area(area_id)
    return render_template(
        "areas_show.html",
        area=area,
        versions=areas.boundary_history(db_session(), area),
        kind=areas.kind_label(area.kind),
        can_manage=can(MANAGE) and not area.archived,
        archive_form=ArchiveForm(),
    )


@bp.route("/t/<tenant_slug>/areas/<int:area_id>/edit", methods=["GET", "POST"])
def edit(area_id: int):
    require(MANAGE)
    area = _area(area_id)
    if area.archived:
        abort(404)
    form = AreaForm(obj=area)
    session = db_session()

    def change() -> None:
        areas.update_area(session, area, form.name.data, form.kind.data)

    if request.method == "POST" and save(form, change, _("The area was saved.")):
        return redirect(url_for(".show", area_id=area.id))
    return render_template("areas_form.html", form=form, area=area), 422 if form.errors else 200


@bp.route("/t/<tenant_slug>/areas/<int:area_id>/archive", methods=["POST"])
def archive(area_id: int):
    require(MANAGE)
    area = _area(area_id)
    form = ArchiveForm()
    if not form.validate_on_submit():
        abort(400)
    areas.archive_area(db_session(), area)
    db_session().commit()
    flash(_("The area was archived."), "success")
    return redirect(url_for(".index"))


@bp.route("/t/<tenant_slug>/areas/<int:area_id>/boundary", methods=["GET", "POST"])
def boundary(area_id: int):
    """Exempt from the app-wide CSRF check (it would read the body under the 2 MB cap of
    every form); the form checks its token itself, after the cap was raised to 5 MB."""
    require(MANAGE)
    request.max_content_length = MAX_BYTES + UPLOAD_SLACK
    area = _area(area_id)
    if area.archived:
        abort(404)
    if request.method == "GET":
        return render_template("areas_boundary.html", form=BoundaryForm(), area=area)
    if (request.content_length or 0) > MAX_BYTES + UPLOAD_SLACK:  # without reading the body
        form = BoundaryForm(formdata=None, meta={"csrf": False})
        form.file.errors = [_("The file may be at most 5 MB.")]
        return render_template("areas_boundary.html", form=form, area=area), 413
    form = BoundaryForm()
    if not form.validate_on_submit():
        return render_template("areas_boundary.html", form=form, area=area), 422
    upload = form.file.data
    if upload is None or not upload.filename:
        form.file.errors = [_("Choose a GeoJSON file.")]
        return render_template("areas_boundary.html", form=form, area=area), 422
    session = db_session()
    try:
        areas.set_boundary(session, area, upload.read(MAX_BYTES + 1), current_user())
    except ValidationError as error:
        session.rollback()
        attach_error(form, error)
        return render_template("areas_boundary.html", form=form, area=area), 422
    session.commit()
    flash(_("The border was saved."), "success")
    return redirect(url_for(".show", area_id=area.id))


@bp.route("/t/<tenant_slug>/areas/<int:area_id>/boundary.geojson")
def download(area_id: int):
    """The current border, or ``?version=<id>`` an earlier one, as a GeoJSON Feature."""
    require(READ)
    session = db_session()
    area = _area(area_id)
    version = request.args.get("version", type=int)
    try:
        found = (
            areas.get_boundary(session, area, version)
            if version
            else areas.current_boundary(session, area)
        )
    except NotFound:
        found = None
    if found is None:
        abort(404)
    body = {
        "type": "Feature",
        "geometry": found.geometry,
        "properties": {
            "name": area.name,
            "kind": area.kind,
            "valid_from": found.valid_from.isoformat(),
            "valid_to": found.valid_to.isoformat() if found.valid_to else None,
        },
    }
    return _geojson(body, f"area-{area.id}-{found.id}.geojson")


def _geojson(body: dict, filename: str) -> Response:
    response = Response(json.dumps(body, ensure_ascii=False), mimetype=GEOJSON)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


csrf.exempt(boundary)
