"""The register's pages and API: the list, a new area, a border upload (a bad file is a 422
with the message on the form and stores nothing), the area's page with its versions and
their downloads; the API's create, patch, archive and GeoJSON PUT/GET (problem+json on bad
input); a reader reads but does not write; another tenant's token sees nothing."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from samverka.areas import services as areas
from samverka.areas.models import Area, AreaBoundary
from samverka.auth import tokens
from samverka.db import TenantScope, scoped
from samverka.testing.fixtures import form_post

A = "/api/v1/tenants/sunne"
SUNNE = [[13.13, 59.83], [13.16, 59.83], [13.16, 59.85], [13.13, 59.85], [13.13, 59.83]]
FEATURE = {
    "type": "Feature",
    "properties": {},
    "geometry": {"type": "Polygon", "coordinates": [SUNNE]},
}
OSLO = {
    "type": "Polygon",
    "coordinates": [[[10.7, 59.9], [10.8, 59.9], [10.8, 60.0], [10.7, 60.0], [10.7, 59.9]]],
}
EN = {"Accept-Language": "en"}


def count(db, model, tenant) -> int:
    """Rows of ``model`` that ``tenant`` owns."""
    db.rollback()
    with scoped(db, TenantScope.for_tenant(tenant.id)):
        return db.scalar(
            select(func.count()).select_from(model).where(model.tenant_id == tenant.id)
        )


@pytest.fixture
def admin(client, login, world):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return login(client, world.admin_a)


def test_an_area_is_made_and_given_a_border_through_the_pages(admin, db, world):
    page = admin.get("/t/sunne/areas/")
    assert page.status_code == 200 and "No areas yet." in page.get_data(as_text=True)
    made = form_post(admin, "/t/sunne/areas/new", {"name": "Centrum", "kind": "district"})
    assert made.status_code == 302
    area_id = int(made.location.rstrip("/").split("/")[-1])
    url = f"/t/sunne/areas/{area_id}/boundary"
    token = (
        admin.get(url).get_data(as_text=True).split('name="csrf_token" type="hidden" value="')[1]
    )
    token = token.split('"')[0]
    bad = admin.post(
        url,
        data={"csrf_token": token, "file": (io.BytesIO(json.dumps(OSLO).encode()), "oslo.geojson")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422
    assert "outside Sweden" in bad.get_data(as_text=True)
    assert count(db, AreaBoundary, world.a) == 0
    good = admin.post(
        url,
        data={
            "csrf_token": token,
            "file": (io.BytesIO(json.dumps(FEATURE).encode()), "centrum.geojson"),
        },
        content_type="multipart/form-data",
    )
    assert good.status_code == 302, good.get_data(as_text=True)[:800]
    show = admin.get(f"/t/sunne/areas/{area_id}/").get_data(as_text=True)
    assert "Border versions" in show and "Polygon" in show
    download = admin.get(f"/t/sunne/areas/{area_id}/boundary.geojson")
    assert download.mimetype == "application/geo+json"
    assert download.get_json()["geometry"]["coordinates"] == [SUNNE]
    listed = admin.get("/t/sunne/areas/").get_data(as_text=True)
    assert "Centrum" in listed and "Urban district" in listed
    collection = admin.get("/t/sunne/areas/areas.geojson").get_json()
    assert collection["features"][0]["properties"]["name"] == "Centrum"


def test_a_duplicate_name_is_shown_on_the_form(admin, db, world):
    assert (
        form_post(admin, "/t/sunne/areas/new", {"name": "Råda", "kind": "village"}).status_code
        == 302
    )
    again = form_post(admin, "/t/sunne/areas/new", {"name": "råda", "kind": "village"})
    assert again.status_code == 422
    assert "already an area with that name" in again.get_data(as_text=True)
    assert count(db, Area, world.a) == 1


def test_a_reader_reads_but_cannot_manage(client, login, db, world, acting):
    with acting(world.a, world.admin_a):
        area = areas.create_area(db, world.a, "Centrum", "district")
        db.commit()
    login(client, world.reader_a)
    assert client.get("/t/sunne/areas/").status_code == 200
    assert client.get(f"/t/sunne/areas/{area.id}/").status_code == 200
    assert client.get("/t/sunne/areas/new").status_code == 403
    assert client.get(f"/t/sunne/areas/{area.id}/boundary").status_code == 403


@pytest.fixture
def api(client, world, db):
    def header(user, tenant):
        with scoped(db, TenantScope.for_tenant(tenant.id)):
            issued = tokens.issue_token(db, user, tenant, name="test")
        db.commit()
        return {"Authorization": f"Bearer {issued.raw}", **EN}

    class Api:
        a = header(world.admin_a, world.a)
        reader_a = header(world.reader_a, world.a)
        b = header(world.admin_b, world.b)

        def call(self, method, path, who, **kwargs):
            return client.open(path, method=method, headers=who, **kwargs)

    return Api()


def test_the_api_keeps_the_register(api, db):
    made = api.call("POST", f"{A}/areas", api.a, json={"name": "Centrum", "kind": "district"})
    assert made.status_code == 201, made.get_json()
    area_id = made.get_json()["id"]
    assert made.get_json()["has_boundary"] is False
    put = api.call(
        "PUT",
        f"{A}/areas/{area_id}/boundary",
        api.a,
        data=json.dumps(FEATURE),
        content_type="application/geo+json",
    )
    assert put.status_code == 200, put.get_json()
    assert put.get_json()["geometry"]["type"] == "Polygon"
    got = api.call("GET", f"{A}/areas/{area_id}/boundary", api.a).get_json()
    assert got["geometry"]["coordinates"] == [SUNNE]
    patched = api.call("PATCH", f"{A}/areas/{area_id}", api.a, json={"name": "Sunne centrum"})
    assert patched.get_json()["name"] == "Sunne centrum"
    assert patched.get_json()["has_boundary"] is True
    listed = api.call("GET", f"{A}/areas", api.reader_a).get_json()
    assert [a["name"] for a in listed] == ["Sunne centrum"]
    archived = api.call("POST", f"{A}/areas/{area_id}/archive", api.a)
    assert archived.status_code == 200 and archived.get_json()["archived"] is True
    assert api.call("GET", f"{A}/areas", api.a).get_json() == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (OSLO, "outside Sweden"),
        ({"type": "Point", "coordinates": [13.1, 59.8]}, "not Point"),
        ({"type": "FeatureCollection", "features": [FEATURE, FEATURE]}, "exactly one"),
    ],
)
def test_a_bad_border_is_a_422_problem_and_stores_nothing(api, db, world, body, message):
    area_id = api.call("POST", f"{A}/areas", api.a, json={"name": "Centrum"}).get_json()["id"]
    response = api.call("PUT", f"{A}/areas/{area_id}/boundary", api.a, json=body)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert message in response.get_json()["errors"]["file"][0]
    assert count(db, AreaBoundary, world.a) == 0


def test_the_api_refuses_readers_and_other_tenants(api, db, world):
    area_id = api.call("POST", f"{A}/areas", api.a, json={"name": "Centrum"}).get_json()["id"]
    assert api.call("POST", f"{A}/areas", api.reader_a, json={"name": "X"}).status_code == 403
    assert (
        api.call("PATCH", f"{A}/areas/{area_id}", api.reader_a, json={"name": "Y"}).status_code
        == 403
    )
    # Torsby's token cannot act in Sunne, nor reach Sunne's area through its own tenant
    assert api.call("GET", f"{A}/areas", api.b).status_code in (403, 404)
    own = "/api/v1/tenants/torsby"
    assert api.call("GET", f"{own}/areas/{area_id}", api.b).status_code == 404
    assert (
        api.call("PUT", f"{own}/areas/{area_id}/boundary", api.b, json=FEATURE).status_code == 404
    )
    assert count(db, AreaBoundary, world.a) == 0
