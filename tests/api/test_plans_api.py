"""The action plan and council API: a plan built through it (a measure without a cause and
a problem that does not exist are 422 problems, nothing stored), flags, follow-ups; councils,
meetings, assignments reaching another tenant; the calendar; outsiders see nothing."""

from __future__ import annotations

import pytest

from samverka.auth import tokens
from samverka.db import TenantScope, scoped


@pytest.fixture
def api(client, db, world):
    def issue(user, tenant):
        with scoped(db, TenantScope.for_tenant(tenant.id)):
            issued = tokens.issue_token(db, user, tenant, name="test")
        db.commit()
        return {"Authorization": f"Bearer {issued.raw}"}

    class Api:
        a = issue(world.admin_a, world.a)
        b = issue(world.admin_b, world.b)
        c = issue(world.admin_c, world.c)

        def call(self, method, path, who, **kwargs):
            return client.open(path, method=method, headers=who, **kwargs)

    return Api()


A = "/api/v1/tenants/sunne"


def record(api, type_name, title, data):
    response = api.call(
        "POST", f"{A}/records", api.a, json={"type": type_name, "title": title, "data": data}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_a_plan_through_the_api(api):
    picture = record(
        api,
        "core.situation_picture",
        "Lägesbild",
        {"period_start": "2026-01-01", "period_end": "2026-06-30", "problems": "Klotter\nRån"},
    )
    plan = record(api, "core.action_plan", "Plan", {"title": "Plan", "valid_from": "2026-01-01"})
    base = f"{A}/action-plans/{plan}"
    bad = api.call(
        "POST",
        f"{base}/causes",
        api.a,
        json={"description": "X", "picture_id": picture, "problem_number": 3},
    )
    assert bad.status_code == 422 and "problem_number" in bad.get_json()["errors"]
    cause = api.call(
        "POST",
        f"{base}/causes",
        api.a,
        json={"description": "Rån", "picture_id": picture, "problem_number": 2},
    ).get_json()
    assert cause["number"] == 1 and cause["problem_text"] == "Rån" and cause["without_measures"]
    missing = api.call(
        "POST", f"{base}/measures", api.a, json={"title": "M", "due_on": "2026-05-01"}
    )
    assert missing.status_code == 422
    wrong = api.call(
        "POST",
        f"{base}/measures",
        api.a,
        json={"cause_id": 99999, "title": "M", "due_on": "2026-05-01"},
    )
    assert wrong.status_code == 422 and "cause" in wrong.get_json()["errors"]
    measure = api.call(
        "POST",
        f"{base}/measures",
        api.a,
        json={
            "cause_id": cause["id"],
            "title": "Kameror",
            "due_on": "2026-05-01",
            "responsible_tenant": "torsby",
        },
    )
    assert measure.status_code == 201, measure.get_json()
    measure_id = measure.get_json()["id"]
    red = api.call(
        "POST", f"{base}/measures/{measure_id}/follow-ups", api.a, json={"status": "red"}
    )
    assert red.status_code == 201 and red.get_json()["status"] == "red"
    got = api.call("GET", base, api.a).get_json()
    assert got["causes_without_measures"] == 0
    assert got["causes"][0]["measures"][0]["follow_ups"][0]["status"] == "red"
    assert [p["id"] for p in api.call("GET", f"{A}/action-plans", api.a).get_json()["items"]] == [
        plan
    ]
    # Torsby (not shared) and Hagfors see nothing
    assert api.call("GET", f"/api/v1/tenants/torsby/action-plans/{plan}", api.b).status_code == 404
    assert api.call("GET", "/api/v1/tenants/hagfors/action-plans", api.c).get_json()["items"] == []


def test_councils_through_the_api(api, world):
    made = api.call(
        "POST",
        f"{A}/records",
        api.a,
        json={"type": "core.council", "title": "BRÅ Sunne", "data": {"kind": "bra_council"}},
    )
    council = made.get_json()["id"]
    meeting = api.call(
        "POST",
        f"{A}/councils/{council}/meetings",
        api.a,
        json={"meeting_on": "2026-03-01", "place": "Kommunhuset", "agenda": ["Lägesbild"]},
    )
    assert meeting.status_code == 201 and meeting.get_json()["agenda"] == ["Lägesbild"]
    assignment = api.call(
        "POST",
        f"{A}/councils/{council}/assignments",
        api.a,
        json={"title": "Statistik", "owner_tenant": "torsby", "owner_user": world.admin_b.email},
    )
    assert assignment.status_code == 201, assignment.get_json()
    bad = api.call(
        "POST",
        f"{A}/councils/{council}/assignments",
        api.a,
        json={"title": "X", "owner_tenant": "nowhere"},
    )
    assert bad.status_code == 422
    mine = api.call("GET", "/api/v1/tenants/torsby/my-assignments", api.b).get_json()["items"]
    assert [a["title"] for a in mine] == ["Statistik"]
    detail = api.call("GET", f"{A}/councils/{council}", api.a).get_json()
    assert detail["meetings_per_year"] == 4 and len(detail["assignments"]) == 1
    year = api.call("GET", f"{A}/calendar/2026", api.a).get_json()
    assert [e["kind"] for e in year["items"]] == ["meeting"]
    assert api.call("GET", "/api/v1/tenants/hagfors/councils", api.c).get_json()["items"] == []
    assert api.call("GET", f"/api/v1/tenants/hagfors/councils/{council}", api.c).status_code == 404


def test_the_plan_list_costs_the_same_queries_for_one_plan_or_many(app, api, db, world):
    """The API's plan list: flagged causes and owners in one query each, whatever the count."""
    from querykit import counted

    from samverka.db import TenantScope, scoped
    from samverka.records import services
    from samverka.workflows.action_plans import services as plans

    api.call("GET", "/api/v1/tenants/sunne/action-plans", api.a)  # the token's first use
    costs = []
    for more in (1, 5):
        with app.test_request_context(), scoped(db, TenantScope.for_tenant(world.a.id)):
            for i in range(more):
                record = services.create_record(
                    db,
                    record_type="core.action_plan",
                    title=f"Plan {i}",
                    data={"title": f"Plan {i}", "valid_from": "2026-01-01"},
                    user=world.admin_a,
                )
                plans.add_cause(db, record, description=f"Orsak {i}", user=world.admin_a)
            db.commit()
        with counted(app) as statements:
            listed = api.call("GET", "/api/v1/tenants/sunne/action-plans", api.a)
        assert listed.status_code == 200
        assert all(item["causes_without_measures"] == 1 for item in listed.get_json()["items"])
        costs.append(len(statements))
    print("statements of the API plan list (1 plan, 6 plans):", costs)
    assert costs[0] == costs[1]
