"""Bad input answers a 4xx problem that says what is wrong, and changes nothing stored."""

from __future__ import annotations

import pytest
from apikit import bearer

from samverka.api.access import MAX_BODY

MEMBERS = "/api/v1/tenants/sunne/members"
PLUGIN = "/api/v1/tenants/sunne/plugins/testplugin"
PROBLEMS = "https://samverka.se/problems/"


def send(client, token, method, url, body: bytes | None = None, ctype="application/json"):
    headers = {**bearer(token), "Content-Type": ctype} if ctype else bearer(token)
    return client.open(url, method=method, data=body, headers=headers)


CASES = [
    (
        "malformed JSON",
        "POST",
        MEMBERS,
        b'{"email": "x@sunne.test",',
        None,
        400,
        "malformed-json",
        "line 1",
    ),
    ("not UTF-8", "POST", MEMBERS, b'{"email": "\xff"}', None, 400, "malformed-json", "UTF-8"),
    (
        "wrong type",
        "POST",
        MEMBERS,
        b'{"email": 5, "role": "reader"}',
        None,
        422,
        "validation",
        "email",
    ),
    (
        "missing field",
        "POST",
        MEMBERS,
        b'{"email": "x@sunne.test"}',
        None,
        422,
        "validation",
        "role",
    ),
    (
        "unknown field",
        "POST",
        MEMBERS,
        b'{"email": "x@sunne.test", "role": "reader", "admin": true}',
        None,
        422,
        "validation",
        "admin",
    ),
    ("an array, not an object", "POST", MEMBERS, b"[]", None, 422, "validation", "_schema"),
    (
        "unknown role",
        "POST",
        MEMBERS,
        b'{"email": "y@sunne.test", "name": "Y", "role": "god"}',
        None,
        422,
        "validation",
        "role",
    ),
    (
        "bad e-mail",
        "POST",
        MEMBERS,
        b'{"email": "not-an-address", "name": "Y", "role": "reader"}',
        None,
        422,
        "validation",
        "email",
    ),
    (
        "form-encoded",
        "POST",
        MEMBERS,
        b"email=x&role=reader",
        "application/x-www-form-urlencoded",
        415,
        "unsupported-media-type",
        "application/json",
    ),
    (
        "no content type",
        "POST",
        MEMBERS,
        b'{"email": "x"}',
        "",
        415,
        "unsupported-media-type",
        "application/json",
    ),
    (
        "oversized",
        "POST",
        MEMBERS,
        b'{"email": "' + b"x" * MAX_BODY + b'"}',
        None,
        413,
        "payload-too-large",
        str(MAX_BODY),
    ),
    (
        "unknown config key",
        "PUT",
        PLUGIN,
        b'{"config": {"greeting": "Hej", "volume": 11}}',
        None,
        422,
        "validation",
        "volume",
    ),
    ("config not an object", "PUT", PLUGIN, b'{"config": [1]}', None, 422, "validation", "config"),
    ("bad limit", "GET", MEMBERS + "?limit=0", None, None, 422, "validation", "limit"),
    ("garbage cursor", "GET", MEMBERS + "?cursor=abc", None, None, 400, "invalid-cursor", "cursor"),
    ("wrong method", "PATCH", MEMBERS, b"{}", None, 405, "method-not-allowed", "method"),
]


@pytest.mark.parametrize(
    ("method", "url", "body", "ctype", "status", "kind", "says"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_bad_input_is_a_problem_and_changes_nothing(
    client, app, db, tenant_pair, token_a, snapshot, method, url, body, ctype, status, kind, says
):
    from samverka.plugins import services as plugins

    plugins.allow_plugin(db, app.extensions["samverka"].host, "testplugin", tenant_pair.consortium)
    db.commit()
    before = snapshot()
    response = send(
        client, token_a, method, url, body, "application/json" if ctype is None else ctype
    )
    problem = response.get_json(force=True)
    assert response.status_code == status, problem
    assert response.content_type == "application/problem+json"
    assert problem["type"] == PROBLEMS + kind and problem["status"] == status
    assert (
        problem["title"]
        and says.lower() in problem["detail"].lower() + str(problem.get("errors", "")).lower()
    ), problem
    assert snapshot() == before


def test_a_cursor_of_another_list_is_refused(client, db, registry, tenant_pair, token_a):
    from samverka.auth import services as accounts
    from samverka.db import TenantScope, scoped

    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        for n in range(2):
            user = accounts.create_user(db, f"q{n}@sunne.test", f"Q {n}")
            accounts.add_member(db, registry, user, tenant_pair.a, "reader")
    db.commit()
    following = client.get(MEMBERS + "?limit=1", headers=bearer(token_a)).get_json()["next"]
    cursor = following.split("cursor=")[1]
    assert client.get(following, headers=bearer(token_a)).status_code == 200
    other = client.get(f"/api/v1/consortia?cursor={cursor}", headers=bearer(token_a))
    assert other.status_code == 400 and other.get_json()["type"].endswith("/invalid-cursor")
    tampered = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
    assert client.get(f"{MEMBERS}?cursor={tampered}", headers=bearer(token_a)).status_code == 400


def test_validation_problem_lists_errors_per_field(client, tenant_pair, token_a):
    response = send(client, token_a, "POST", MEMBERS, b'{"email": 1, "role": 2, "x": 3}')
    errors = response.get_json()["errors"]
    assert set(errors) == {"email", "role", "x"}
    assert all(isinstance(v, list) and v for v in errors.values())
