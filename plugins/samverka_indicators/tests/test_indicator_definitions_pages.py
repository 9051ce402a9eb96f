"""The definitions page: members see the consortium's shared elements and indicators with
who defines them; a coordinator adds an element and an indicator over it; bad input (an
unknown element, a malformed expression, a bad factor or code) is a Swedish form message
that stores nothing; another tenant's definition cannot be edited."""

from __future__ import annotations

from samverka_indicators.models import DataElement, Indicator
from sqlalchemy import func, select

from samverka.testing.core import in_tenant
from samverka.testing.fixtures import csrf_token

PAGE = "/t/sunne/indicators/definitions"


def count(db, tenant, model) -> int:
    with in_tenant(db, tenant):
        return db.scalar(select(func.count()).select_from(model))


def test_members_see_shared_definitions_and_who_defines_them(client, login, ind_web):
    login(client, ind_web.world.reader_a)
    html = client.get(PAGE).get_data(as_text=True)
    assert "N07403c" in html and "Anmälda våldsbrott per 100 000 invånare" in html
    assert "Torsby kommun (delad)" in html
    assert 'action="/t/sunne/indicators/definitions/elements"' not in html  # a reader
    refused = client.post(
        "/t/sunne/indicators/definitions/elements",
        data={"csrf_token": csrf_token(html), "code": "x", "name": "x"},
    )
    assert refused.status_code == 403


def test_a_coordinator_adds_an_element_and_an_indicator(client, login, db, ind_web):
    world = ind_web.world
    login(client, world.admin_a)
    token = csrf_token(client.get(PAGE).get_data(as_text=True))
    saved = client.post(
        "/t/sunne/indicators/definitions/elements",
        data={
            "csrf_token": token,
            "code": "skadegorelse",
            "name": "Anmälda skadegörelsebrott",
            "unit": "antal",
            "aggregation": "sum",
            "source": "Brå",
        },
    )
    assert saved.status_code == 302
    made = client.post(
        "/t/sunne/indicators/definitions/indicators",
        data={
            "csrf_token": token,
            "code": "skadegorelse_100k",
            "name": "Skadegörelse per 100 000 invånare",
            "numerator": "#{skadegorelse}",
            "denominator": "#{N01951}",  # Torsby's shared population
            "factor": "100 000",
            "term": "short",
            "direction": "lower_better",
        },
    )
    assert made.status_code == 302
    assert made.location.endswith("/t/sunne/indicators/skadegorelse_100k")
    page = client.get(made.location)
    assert page.status_code == 200
    with in_tenant(db, world.a):
        indicator = db.scalar(select(Indicator).where(Indicator.code == "skadegorelse_100k"))
        assert (indicator.factor, indicator.shared) == (100_000.0, False)
    edit = client.get("/t/sunne/indicators/definitions/indicators/skadegorelse_100k/edit")
    assert 'value="#{skadegorelse}"' in edit.get_data(as_text=True)


def test_bad_definitions_are_swedish_form_messages_and_store_nothing(client, login, db, ind_web):
    world = ind_web.world
    login(client, world.admin_a)
    token = csrf_token(client.get(PAGE).get_data(as_text=True))
    base = {
        "csrf_token": token,
        "code": "ny",
        "name": "Ny indikator",
        "denominator": "1",
        "factor": "1",
        "term": "long",
        "direction": "lower_better",
    }
    cases = [
        ({"numerator": "#{finns_inte}"}, "indicator-numerator", "okänt dataelement"),
        ({"numerator": "#{N07403c} +"}, "indicator-numerator", "inte korrekt"),
        ({"numerator": "#{N07403c}", "factor": "noll"}, "indicator-factor", "positivt tal"),
        ({"numerator": "#{N07403c}", "factor": "nan"}, "indicator-factor", "positivt tal"),
        ({"numerator": "#{N07403c}", "code": "ny kod"}, "indicator-code", "kod"),
    ]
    for given, field, words in cases:
        answer = client.post("/t/sunne/indicators/definitions/indicators", data=base | given)
        html = answer.get_data(as_text=True)
        assert answer.status_code == 422, given
        assert f'href="#{field}"' in html and f'id="{field}-error"' in html, given
        assert words in html.lower(), (given, html[html.find("govuk-error-message") :][:300])
    assert count(db, world.a, Indicator) == 0
    element = client.post(
        "/t/sunne/indicators/definitions/elements",
        data={"csrf_token": token, "code": "x", "name": "", "aggregation": "sum"},
    )
    assert element.status_code == 422 and 'href="#element-name"' in element.get_data(as_text=True)
    assert count(db, world.a, DataElement) == 0


def test_another_tenants_definition_cannot_be_edited_here(client, login, ind_web):
    login(client, ind_web.world.admin_a)
    assert client.get("/t/sunne/indicators/definitions/elements/N07403c").status_code == 404
    assert client.get("/t/sunne/indicators/definitions/indicators/violence/edit").status_code == 404
