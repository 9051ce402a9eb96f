"""Pages and API: the indicator page's accessible chart beside a data table with counts
beside rates, the comparison's suppression note, CSV/XLSX export, the API's values, and a
tenant that has not enabled the plugin (Hagfors) finds no page, API route or nav item."""

from __future__ import annotations

import io

import openpyxl
from indicatorkit import plan_measure, put

from samverka.testing.core import api_token, in_tenant


def seed(db, acting, ind):
    for tenant, crimes, population in (
        (ind.world.a, 120, 13366),
        (ind.world.b, 90, 11387),
        (ind.munkfors, 3, 3669),
    ):
        put(db, acting, tenant, ind.crimes, "2024", crimes)
        put(db, acting, tenant, ind.population, "2024", population)


def test_the_indicator_page_has_a_chart_a_table_and_the_suppression_note(
    client, login, db, ind_web, acting
):
    ind = ind_web
    seed(db, acting, ind)
    login(client, ind.world.admin_a)
    listing = client.get("/t/sunne/indicators/")
    assert listing.status_code == 200
    assert "Anmälda våldsbrott per 100 000 invånare" in listing.get_data(as_text=True)
    page = client.get("/t/sunne/indicators/violence")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
    assert "style=" not in svg  # no inline styles: the CSP forbids them
    assert ">897,8</text>" in svg  # Sunne's 2024 rate in text on its bar, Swedish decimals
    assert "897.8" in html  # and in the page's own table
    # the chart's own table under it, with the same text as the chart
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">897,8</td>' in html
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">120</td>' in html
    assert html.count(">*<") == 2  # Munkfors (3) and, complementary, Torsby
    assert "govuk-inset-text" in html


def test_exports_as_csv_and_xlsx(client, login, db, ind_web, acting):
    ind = ind_web
    seed(db, acting, ind)
    login(client, ind.world.admin_a)
    text = client.get("/t/sunne/indicators/violence/export").get_data(as_text=True)
    assert "2024,120.0,13366.0,897.8" in text
    answer = client.get("/t/sunne/indicators/violence/export?format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(answer.data)).active
    assert [c.value for c in sheet[1]] == ["period", "numerator", "denominator", "rate"]


def token(db, user, tenant) -> str:
    return api_token(db, user, tenant)


def test_the_api_lists_indicators_and_values(client, db, ind_web, acting):
    ind = ind_web
    seed(db, acting, ind)
    headers = {"Authorization": f"Bearer {token(db, ind.world.admin_a, ind.world.a)}"}
    listing = client.get("/api/v1/tenants/sunne/indicators/", headers=headers)
    assert listing.status_code == 200, listing.get_data(as_text=True)
    assert [i["code"] for i in listing.json] == ["violence"]
    values = client.get(
        "/api/v1/tenants/sunne/indicators/violence/values?end=2024&years=1", headers=headers
    )
    assert values.status_code == 200
    assert values.json[0]["numerator"] == 120 and round(values.json[0]["rate"], 1) == 897.8


def test_a_tenant_without_the_plugin_has_no_page_api_or_nav(client, login, db, ind_web):
    ind = ind_web
    hagfors = ind.world.c
    raw = token(db, ind.world.admin_c, hagfors)
    answer = client.get(
        "/api/v1/tenants/hagfors/indicators/", headers={"Authorization": f"Bearer {raw}"}
    )
    assert answer.status_code == 404
    login(client, ind.world.admin_c)
    assert client.get("/t/hagfors/indicators/").status_code == 404
    assert client.get("/t/hagfors/indicators/violence").status_code == 404
    assert "Indikatorer" not in client.get("/t/hagfors/").get_data(as_text=True)
    client.get("/logout")


def test_the_nav_item_shows_where_enabled(client, login, ind_web):
    ind = ind_web
    login(client, ind.world.admin_a)
    assert "Indikatorer" in client.get("/t/sunne/").get_data(as_text=True)


def test_upload_shows_a_preview_with_row_errors_then_queues_the_import(client, login, db, ind_web):
    import re

    from samverka.testing.fixtures import csrf_token

    ind = ind_web
    login(client, ind.world.admin_a)
    form = client.get("/t/sunne/indicators/import")
    assert form.status_code == 200
    text = "municipality;element;period;value\n1766;N01951;2023;13366\n1766;N07403c;2024;tio\n"
    page = client.post(
        "/t/sunne/indicators/import",
        data={
            "csrf_token": csrf_token(form.get_data(as_text=True)),
            "format": "own",
            "file": (io.BytesIO(text.encode()), "sunne.csv"),
        },
        content_type="multipart/form-data",
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html[:300]
    assert "Rad 3: Värdet tio är inte ett tal." in html  # the UI is Swedish
    assert "Perioder att importera: 2023." in html
    action = re.search(r'action="(/t/sunne/indicators/import/\d+/run)"', html).group(1)
    queued = client.post(action, data={"csrf_token": csrf_token(html)})
    assert queued.status_code == 302 and "/t/sunne/jobs/" in queued.location
    again = client.post(action, data={"csrf_token": csrf_token(html)})
    assert again.location == queued.location  # one job per batch


def test_a_reader_may_not_import(client, login, ind_web):
    login(client, ind_web.world.reader_a)
    assert client.get("/t/sunne/indicators/import").status_code == 403


def test_a_kolada_import_is_queued_from_the_list_and_bad_input_refused(client, login, ind_web):
    from samverka.testing.fixtures import csrf_token

    login(client, ind_web.world.admin_a)
    html = client.get("/t/sunne/indicators/").get_data(as_text=True)
    token = csrf_token(html)
    bad = client.post(
        "/t/sunne/indicators/kolada", data={"csrf_token": token, "kpis": "N07403", "years": "24"}
    )
    assert bad.status_code == 422
    queued = client.post(
        "/t/sunne/indicators/kolada",
        data={"csrf_token": token, "kpis": "N07403c, N01951", "years": "2024"},
    )
    assert queued.status_code == 302 and "/t/sunne/jobs/" in queued.location


def sunne_plan_measure(app, db, world, acting) -> int:
    with app.test_request_context():
        return plan_measure(db, world, acting, "Trygghetsvandringar")[1]


def test_a_target_and_a_measure_are_set_on_the_page_with_errors_in_swedish(
    app, client, login, db, ind_web, acting
):
    from samverka.testing.fixtures import csrf_token

    ind = ind_web
    seed(db, acting, ind)
    measure_id = sunne_plan_measure(app, db, ind.world, acting)
    login(client, ind.world.admin_a)
    html = client.get("/t/sunne/indicators/violence").get_data(as_text=True)
    assert "Inget mål satt." in html and "Trygghetsvandringar" in html
    token = csrf_token(html)
    bad = client.post(
        "/t/sunne/indicators/violence/target",
        data={
            "csrf_token": token,
            "baseline_period": "2024",
            "target_period": "2023",
            "target_value": "800",
        },
    )
    assert bad.status_code == 422
    assert "Målperioden måste" in bad.get_data(as_text=True)
    assert 'href="#target_period"' in bad.get_data(as_text=True)  # the error summary's link
    saved = client.post(
        "/t/sunne/indicators/violence/target",
        data={
            "csrf_token": token,
            "baseline_period": "2024",
            "target_period": "2027",
            "target_value": "700",
        },
    )
    assert saved.status_code == 302
    page = client.get("/t/sunne/indicators/violence").get_data(as_text=True)
    assert "897.8 (2024)" in page and "700.0 (2027)" in page  # baseline computed, target
    assert "mål 700,0" in page  # the chart's target line is labelled in text
    linked = client.post(
        "/t/sunne/indicators/violence/measures",
        data={"csrf_token": token, "measure": str(measure_id)},
    )
    assert linked.status_code == 302
    plan_page = client.get("/t/sunne/indicators/violence").get_data(as_text=True)
    assert "Indikatorn följer ännu inte upp någon åtgärd." not in plan_page
    assert "Indikatorn följer ännu inte upp någon åtgärd." in html
    wrong = client.post(
        "/t/sunne/indicators/violence/measures", data={"csrf_token": token, "measure": "999999"}
    )
    assert wrong.status_code == 422


def test_a_reader_sees_the_target_but_no_forms(client, login, db, ind_web, acting):
    ind = ind_web
    login(client, ind.world.reader_a)
    html = client.get("/t/sunne/indicators/violence").get_data(as_text=True)
    assert "Inget mål satt." in html and 'action="/t/sunne/indicators/violence/target"' not in html
    from samverka.testing.fixtures import csrf_token

    refused = client.post(
        "/t/sunne/indicators/violence/target",
        data={"csrf_token": csrf_token(html), "baseline_period": "2024", "target_value": "1"},
    )
    assert refused.status_code == 403


def test_the_api_sets_a_target_and_attaches_a_measure(app, client, db, ind_web, acting):
    ind = ind_web
    seed(db, acting, ind)
    measure_id = sunne_plan_measure(app, db, ind.world, acting)
    headers = {"Authorization": f"Bearer {token(db, ind.world.admin_a, ind.world.a)}"}
    base = "/api/v1/tenants/sunne/indicators/violence"
    assert client.get(f"{base}/target", headers=headers).json["target"] is None
    bad = client.put(
        f"{base}/target",
        json={"baseline_period": "2019", "target_period": "2027", "target_value": 700},
        headers=headers,
    )
    assert bad.status_code == 422 and bad.content_type == "application/problem+json"
    put_answer = client.put(
        f"{base}/target",
        json={"baseline_period": "2024", "target_period": "2027", "target_value": 700},
        headers=headers,
    )
    assert put_answer.status_code == 200, put_answer.get_data(as_text=True)
    body = put_answer.json
    assert round(body["target"]["baseline_value"], 1) == 897.8
    assert body["latest"]["period"] == "2024" and body["status"] == "baseline"
    attached = client.post(f"{base}/measures", json={"id": measure_id}, headers=headers)
    assert attached.status_code == 201 and attached.json[0]["title"] == "Trygghetsvandringar"
    assert client.get(f"{base}/measures", headers=headers).json[0]["id"] == measure_id
    assert client.delete(f"{base}/target", headers=headers).status_code == 204
    assert client.delete(f"{base}/target", headers=headers).status_code == 404


def test_the_api_defines_elements_and_indicators_with_problems_for_bad_input(
    client, db, ind_web, acting
):
    ind = ind_web
    headers = {"Authorization": f"Bearer {token(db, ind.world.admin_a, ind.world.a)}"}
    base = "/api/v1/tenants/sunne/indicators"
    elements = client.get(f"{base}/elements", headers=headers).json
    assert {e["code"]: e["owner"] for e in elements} == {"N01951": "torsby", "N07403c": "torsby"}
    made = client.post(
        f"{base}/elements",
        json={"code": "klotter", "name": "Anmält klotter", "unit": "antal"},
        headers=headers,
    )
    assert made.status_code == 201 and made.json["owner"] == "sunne"
    unknown = client.post(
        f"{base}/",
        json={"code": "k", "name": "K", "numerator": "#{saknas}", "denominator": "#{N01951}"},
        headers=headers,
    )
    assert unknown.status_code == 422 and unknown.content_type == "application/problem+json"
    assert "saknas" in unknown.get_data(as_text=True)
    nan = client.post(
        f"{base}/",
        json={"code": "k", "name": "K", "numerator": "#{klotter}", "factor": "NaN"},
        headers=headers,
    )
    assert nan.status_code == 422
    indicator = client.post(
        f"{base}/",
        json={
            "code": "klotter_100k",
            "name": "Klotter per 100 000",
            "numerator": "#{klotter}",
            "denominator": "#{N01951}",
            "factor": 100000,
        },
        headers=headers,
    )
    assert indicator.status_code == 201, indicator.get_data(as_text=True)
    codes = [i["code"] for i in client.get(f"{base}/", headers=headers).json]
    assert sorted(codes) == ["klotter_100k", "violence"]


def test_the_api_comparison_suppresses_small_counts_without_numbers(client, db, ind_web, acting):
    ind = ind_web
    seed(db, acting, ind)
    headers = {"Authorization": f"Bearer {token(db, ind.world.admin_a, ind.world.a)}"}
    answer = client.get(
        "/api/v1/tenants/sunne/indicators/violence/comparison?end=2024&years=1", headers=headers
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    cells = {c["member"]: c for c in answer.json}
    assert cells["munkfors"] == {
        "member": "munkfors",
        "period": "2024",
        "numerator": None,
        "denominator": None,
        "rate": None,
        "suppressed": True,
    }
    assert cells["torsby"]["suppressed"] is True  # complementary: the total would tell
    assert cells["sunne"]["numerator"] == 120 and cells["sunne"]["suppressed"] is False
    assert cells["*"]["numerator"] == 120 + 90 + 3


def test_a_tenant_without_the_plugin_cannot_queue_its_jobs(app, db, ind_web):
    import pytest

    from samverka.toolkit import NotFound, enqueue

    hagfors = ind_web.world.c
    with app.test_request_context(), in_tenant(db, hagfors):
        with pytest.raises(NotFound):
            enqueue(
                db,
                "indicators.import_kolada",
                tenant_id=hagfors.id,
                kpis=["N07403"],
                years=["2024"],
            )
        db.rollback()
    sunne = ind_web.world.a
    with app.test_request_context(), in_tenant(db, sunne):
        assert enqueue(db, "indicators.sync_sources", tenant_id=sunne.id).id  # enabled there
        db.rollback()


def test_the_comparison_exports_without_the_suppressed_numbers(client, login, db, ind_web, acting):
    ind = ind_web
    seed(db, acting, ind)
    login(client, ind.world.admin_a)
    text = client.get("/t/sunne/indicators/violence/export?table=comparison").get_data(as_text=True)
    lines = text.splitlines()
    assert lines[0] == "member,period,numerator,denominator,rate,suppressed"
    assert "Munkfors kommun,2024,,,,True" in lines
    assert any(line.startswith("Sunne kommun,2024,120.0,13366.0,897.8") for line in lines)
    answer = client.get("/t/sunne/indicators/violence/export?table=comparison&format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(answer.data)).active
    assert sheet.max_row == 1 + 4 * 5  # three members and the total, five years
