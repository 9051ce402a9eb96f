"""The rounds API: open (422 without units), a partner reports through its own token,
bad counts are 422 naming the line, a closed round answers 409, compile queues a job, the
figures and the consortium picture."""

from __future__ import annotations

from datetime import date, timedelta

from apikit import bearer

from samverka.jobs import runner


def test_the_cycle_through_the_api(app, client, issue, world):
    start = date.today().replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    sunne = bearer(issue(world.admin_a, world.a))
    torsby = bearer(issue(world.admin_b, world.b))
    base = "/api/v1/tenants/sunne"
    units = client.get(f"{base}/report-units", headers=sunne).get_json()
    assert len(units) == 6
    partner = client.post(
        f"{base}/report-units",
        json={"name": "Polisen LPO", "kind": "police", "partner": "torsby"},
        headers=sunne,
    )
    assert partner.status_code == 201 and partner.get_json()["partner_tenant_id"] == world.b.id
    unknown = {"name": "X", "partner": "hagfors"}  # not of Sunne's consortium
    assert client.post(f"{base}/report-units", json=unknown, headers=sunne).status_code == 404
    nameless = client.post(f"{base}/report-units", json={"name": " "}, headers=sunne)
    assert nameless.status_code == 422
    refused = client.post(f"{base}/rounds", json={"period_start": "2026-03-01"}, headers=sunne)
    assert refused.status_code == 422
    assert refused.content_type.startswith("application/problem+json")
    made = client.post(
        f"{base}/rounds",
        json={"period_start": start.isoformat(), "units": [units[0]["id"], units[1]["id"]]},
        headers=sunne,
    )
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    unit = body["units"][0]["id"]
    url = f"{base}/rounds/{body['id']}/units/{unit}/report"
    bad = client.put(url, json={"lines": [{"category": "arson", "count": -2}]}, headers=sunne)
    assert bad.status_code == 422 and "lines.0.count" in bad.get_data(as_text=True)
    good = client.put(
        url, json={"lines": [{"category": "arson", "count": 6, "area": "Hamnen"}]}, headers=sunne
    )
    assert good.status_code == 200 and good.get_json()["late"] is False
    assert client.get(url, headers=sunne).get_json()["lines"][0]["count"] == 6
    # another tenant's token finds nothing here, nor the round through its own tenant
    assert client.get(url, headers=torsby).status_code == 404
    assert (
        client.get(f"/api/v1/tenants/torsby/rounds/{body['id']}", headers=torsby).status_code == 404
    )
    job = client.post(f"{base}/rounds/{body['id']}/compile", headers=sunne)
    assert job.status_code == 202
    runner.use_app(app)
    try:
        assert runner.run_outbox(job.get_json()["job_id"], world.a.id, 1) == "done"
    finally:
        runner.use_app(None)
    picture = client.get(f"{base}/rounds/{body['id']}", headers=sunne).get_json()["picture_id"]
    figures = client.get(f"{base}/pictures/{picture}/figures", headers=sunne).get_json()
    assert figures[0]["count"] == 6 and figures[0]["area"] == "Hamnen"
    assert client.post(f"{base}/rounds/{body['id']}/close", headers=sunne).status_code == 200
    late = client.put(url, json={"lines": []}, headers=sunne)
    assert late.status_code == 409
    consortium = client.post(
        f"{base}/pictures/consortium",
        json={
            "consortium": "sutohamu",
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
        },
        headers=sunne,
    )
    assert consortium.status_code == 201
    assert consortium.get_json()["table"] == {}  # Sunne's picture is not shared yet
