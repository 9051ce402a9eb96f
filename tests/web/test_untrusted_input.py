"""Bad input from a browser never reaches a 500 or another site (findings 7, 9c, 9d):
``next=`` targets that a browser or ``urlsplit`` might read differently are refused, the
public pledges page does not confirm which organisations exist, and reset links never take
their address from the request's Host header."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import select

from samverka.db import TenantScope, platform_scope, scoped
from samverka.jobs.models import OutboxJob
from samverka.testing.fixtures import csrf_token, form_post
from samverka.workflows.agreements import services as ag

HOSTILE_NEXT = [
    "/%0d%0aSet-Cookie:%20planted=1",
    "/%0aX",
    "/%0dX",
    "/%09/evil.example",
    "/%5c%5cevil.example",  # /\\evil.example: browsers read it as //evil.example
    "/%5cevil.example",
    "/%00",
    "/t/sunne/%e2%80%ae",  # a bidi override (category Cf)
    "/ /evil.example",
    "https://evil.example/",
    "//evil.example/",
]


def _post_login(client, email, password, next_url):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    return client.post(
        f"/login?next={next_url}",
        data={"email": email, "password": password, "csrf_token": token},
    )


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_the_language_switch_refuses_a_hostile_next(client, target):
    response = client.get(f"/language/sv?next={target}")
    assert response.status_code == 302
    assert response.location == "/"
    assert "planted" not in response.headers.get("Set-Cookie", "")


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_log_in_refuses_a_hostile_next(client, tenant_pair, target):
    response = _post_login(client, "reader@sunne.test", tenant_pair.password, target)
    assert response.status_code == 302
    assert response.location == "/"


def test_a_plain_next_is_still_followed(client, tenant_pair):
    assert client.get("/language/en?next=/t/sunne/?x=1").location == "/t/sunne/?x=1"
    response = _post_login(client, "reader@sunne.test", tenant_pair.password, "/t/sunne/records/")
    assert response.location == "/t/sunne/records/"


def _publish_pledge(app, db, tenant, user) -> None:
    today = date.today()
    with app.test_request_context(), scoped(db, TenantScope.for_tenant(tenant.id, user.id)):
        ag.create_pledge(
            db,
            title="Tryggare centrum",
            data={
                "valid_from": (today - timedelta(days=30)).isoformat(),
                "public_text": "Vi lovar",
                "published": True,
            },
            activities=[],
            user=user,
        )
        db.commit()


def _shape(response, slug: str) -> tuple[int, str]:
    """Status and body with the per-request parts (nonce, request id, the path's own slug in
    the language links) blanked."""
    body = re.sub(r'nonce="[^"]+"', "", response.get_data(as_text=True)).replace(slug, "")
    body = re.sub(r"[0-9a-f]{32}", "", body)
    return response.status_code, body


def test_the_public_page_answers_the_same_for_a_missing_and_a_silent_tenant(
    app, db, client, tenant_pair
):
    headers = {"Accept-Language": "en"}
    missing = client.get("/offentligt/nowhere/medborgarloften", headers=headers)
    silent = client.get("/offentligt/torsby/medborgarloften", headers=headers)
    assert missing.status_code == 404
    assert _shape(silent, "torsby") == _shape(missing, "nowhere")
    assert "Torsby" not in silent.get_data(as_text=True)
    _publish_pledge(app, db, tenant_pair.a, tenant_pair.admin_a)
    shown = client.get("/offentligt/sunne/medborgarloften", headers=headers)
    assert shown.status_code == 200
    assert "Tryggare centrum" in shown.get_data(as_text=True)


def _reset_mail_bodies(db) -> list[str]:
    with scoped(db, platform_scope()):
        jobs = db.scalars(select(OutboxJob).where(OutboxJob.job == "core.send_mail")).all()
        return [json.loads(job.arguments)["body"] for job in jobs]


@pytest.mark.parametrize("public_url", ["", "https://samverka.example.se"])
def test_reset_links_ignore_a_forged_host(app, db, tenant_pair, public_url):
    app.extensions["samverka"].settings.public_url = public_url
    client = app.test_client()
    headers = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    page = client.get("/password/forgot", headers=headers)
    token = csrf_token(page.get_data(as_text=True))
    answer = client.post(
        "/password/forgot",
        data={"email": "reader@sunne.test", "csrf_token": token},
        headers=headers,
    )
    assert answer.status_code == 200
    [body] = _reset_mail_bodies(db)
    assert "evil.example" not in body
    expected = public_url or "http://127.0.0.1:5000"
    assert re.search(re.escape(expected) + r"/password/reset/[A-Za-z0-9_-]+", body)


def test_reset_form_post_helper_still_works(client, tenant_pair, db):
    """The ordinary path (no forged header) builds the same kind of link."""
    assert form_post(client, "/password/forgot", {"email": "reader@sunne.test"}).status_code == 200
    [body] = _reset_mail_bodies(db)
    assert "http://127.0.0.1:5000/password/reset/" in body


@pytest.mark.parametrize("segment", [str(2**64), str(2**63), str(2**31), "0", "١٢", "9" * 5000])
def test_an_impossible_id_in_a_page_address_is_a_404(client, tenant_pair, login, segment):
    """Ids in every URL are ASCII digits within INTEGER (SQLite raised on 2**64: a 500)."""
    login(client, tenant_pair.reader_a)
    for page in ("/t/sunne/records/{}", "/t/sunne/records/{}/versions"):
        response = client.get(page.format(quote(segment)))
        assert response.status_code == 404, page
