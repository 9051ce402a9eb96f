"""My account: the header link, password change (needs the current one; other sessions end,
this one goes on) and "log out everywhere" (every session ends, this one too)."""

from __future__ import annotations

from samverka.testing.fixtures import csrf_token, form_post

NEW_PASSWORD = "another long enough password"


def log_in(client, email, password):
    token = csrf_token(client.get("/login").text)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def test_the_header_links_to_my_account(client, tenant_pair):
    assert "Mitt konto" not in client.get("/login").text
    log_in(client, "reader@sunne.test", tenant_pair.password)
    home = client.get("/t/sunne/").text
    assert 'href="/account/"' in home and "Mitt konto" in home
    page = client.get("/account/")
    assert page.status_code == 200
    assert "reader@sunne.test" in page.text
    assert "Tvåstegsverifiering" in page.text


def test_the_account_page_needs_a_login(client):
    assert client.get("/account/").location.startswith("/login")


def test_log_out_everywhere_ends_every_session(client, tenant_pair):
    other = client.application.test_client()
    log_in(other, "reader@sunne.test", tenant_pair.password)
    log_in(client, "reader@sunne.test", tenant_pair.password)
    assert other.get("/t/sunne/").status_code == 200
    token = csrf_token(client.get("/account/").text)
    assert client.post("/account/logout-everywhere", data={"csrf_token": token}).status_code == 302
    assert other.get("/t/sunne/").status_code == 302
    assert client.get("/t/sunne/").status_code == 302
    log_in(other, "reader@sunne.test", tenant_pair.password)
    assert other.get("/t/sunne/").status_code == 200  # a new log-in works as before


def test_a_password_change_ends_the_other_sessions(client, tenant_pair):
    other = client.application.test_client()
    log_in(other, "reader@sunne.test", tenant_pair.password)
    log_in(client, "reader@sunne.test", tenant_pair.password)
    wrong = form_post(
        client, "/account/password", {"current_password": "nope", "new_password": NEW_PASSWORD}
    )
    assert wrong.status_code == 422
    assert "Det nuvarande lösenordet är fel." in wrong.text
    short = form_post(
        client,
        "/account/password",
        {"current_password": tenant_pair.password, "new_password": "short"},
    )
    assert short.status_code == 422
    assert other.get("/t/sunne/").status_code == 200  # nothing changed yet
    done = form_post(
        client,
        "/account/password",
        {"current_password": tenant_pair.password, "new_password": NEW_PASSWORD},
    )
    assert done.location == "/account/"
    assert client.get("/t/sunne/").status_code == 200
    assert other.get("/t/sunne/").status_code == 302
    assert log_in(other, "reader@sunne.test", NEW_PASSWORD).status_code == 302


def test_wrong_current_passwords_are_throttled(app, client, tenant_pair):
    app.extensions["samverka"].settings.login_max_account_failures = 2
    log_in(client, "reader@sunne.test", tenant_pair.password)
    for _ in range(2):
        form_post(client, "/account/password", {"current_password": "x", "new_password": "y" * 12})
    right = form_post(
        client,
        "/account/password",
        {"current_password": tenant_pair.password, "new_password": NEW_PASSWORD},
    )
    assert right.status_code == 429
    assert "För många misslyckade försök" in right.text
