"""Local log-in: argon2id passwords, CSRF on every form, safe cookies and redirects.

A reader logs in here: administrators must use MFA (tests/web/test_mfa.py)."""

from __future__ import annotations

from samverka.testing.fixtures import csrf_token


def post_login(client, email, password, next_url=None):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": email, "password": password, "csrf_token": token})


def test_login_and_logout(client, tenant_pair):
    response = post_login(client, "READER@sunne.test", tenant_pair.password)
    assert response.status_code == 302
    assert client.get("/").location.endswith("/t/sunne/")
    home = client.get("/t/sunne/")
    assert home.status_code == 200
    token = csrf_token(home.get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/t/sunne/").status_code == 302  # back to the login page


def test_session_cookie_is_httponly_and_samesite(client, tenant_pair):
    response = post_login(client, "admin@sunne.test", tenant_pair.password)
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("samverka_session=")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_wrong_password_is_refused_with_a_message(client, tenant_pair):
    response = post_login(client, "admin@sunne.test", "not the password")
    assert response.status_code == 422
    assert client.get("/t/sunne/").status_code == 302


def test_unknown_user_is_refused_the_same_way(client, tenant_pair):
    wrong_password = post_login(client, "admin@sunne.test", "not the password")
    unknown = post_login(client, "nobody@sunne.test", "not the password")
    assert unknown.status_code == wrong_password.status_code == 422


def test_csrf_is_required_on_every_form(client, tenant_pair):
    response = client.post(
        "/login", data={"email": "admin@sunne.test", "password": tenant_pair.password}
    )
    assert response.status_code == 400
    post_login(client, "admin@sunne.test", tenant_pair.password)
    assert client.post("/logout").status_code == 400
    assert (
        client.post(
            "/t/sunne/admin/members", data={"email": "x@y.test", "role": "reader"}
        ).status_code
        == 400
    )


def test_next_is_followed_only_on_this_site(client, tenant_pair):
    ok = post_login(client, "reader@sunne.test", tenant_pair.password, "/t/sunne/admin/members")
    assert ok.location == "/t/sunne/admin/members"
    client.delete_cookie("samverka_session")
    evil = post_login(client, "reader@sunne.test", tenant_pair.password, "//evil.example/x")
    assert evil.location == "/"


def test_a_new_session_at_login(client, tenant_pair):
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    post_login(client, "reader@sunne.test", tenant_pair.password)
    with client.session_transaction() as session:
        assert "planted" not in session


def test_a_password_change_ends_old_sessions(client, db, tenant_pair):
    from samverka.auth import account
    from samverka.auth.models import User

    post_login(client, "reader@sunne.test", tenant_pair.password)
    assert client.get("/t/sunne/").status_code == 200
    reader = db.get(User, tenant_pair.reader_a.id)
    account.change_password(db, reader, tenant_pair.password, "a brand new password")
    db.commit()
    assert client.get("/t/sunne/").status_code == 302


def test_a_wrong_password_message_is_swedish(client, tenant_pair):
    html = post_login(client, "admin@sunne.test", "fel lösenord").get_data(as_text=True)
    assert "Fel e-postadress eller lösenord." in html
    assert "Visa lösenord" in html or "Visa" in html


def test_a_server_error_page_renders_without_the_database(app, client, tenant_pair, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from samverka.web import context

    def database_gone(*_args):
        raise OperationalError("SELECT 1", {}, Exception("the database went away"))

    post_login(client, "reader@sunne.test", tenant_pair.password)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: an error page, not a raise
    monkeypatch.setattr(context, "nav_items", database_gone)  # fails inside the layout
    response = client.get("/t/sunne/")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Något gick fel" in html
    assert "the database went away" not in html
