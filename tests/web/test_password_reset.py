"""Password reset by e-mail through a real SMTP server (aiosmtpd on loopback): the link
arrives, works once, dies when used, expired or when the password changes; an unknown
address gets the very same answer; the reset ends every session."""

from __future__ import annotations

import re
import socket
import threading
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from samverka.testing.fixtures import csrf_token, form_post
from samverka.testing.jobs import work_jobs

NEW_PASSWORD = "a new and long enough password"


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list = []
        self.arrived = threading.Event()

    async def handle_DATA(self, _server, _session, envelope) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        self.arrived.set()
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def inbox():
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port
    yield handler
    controller.stop()


@pytest.fixture
def settings(settings, inbox):
    settings.smtp_host = "127.0.0.1"
    settings.smtp_port = inbox.port
    settings.smtp_starttls = False  # the loopback test server speaks plain SMTP
    settings.mail_from = "Samverka <no-reply@samverka.test>"
    return settings


def ask_for_link(client, email):
    """Ask, then run the queued jobs: the mail goes through the outbox and a worker."""
    answer = form_post(client, "/password/forgot", {"email": email})
    work_jobs(client.application)
    return answer


def link_in(message) -> str:
    body = message.get_body(("plain",)).get_content()
    return re.search(r"http://127\.0\.0\.1:5000(/password/reset/[A-Za-z0-9_-]+)", body).group(1)


def choose(client, path, password=NEW_PASSWORD):
    token = csrf_token(client.get(path).text)
    return client.post(path, data={"new_password": password, "csrf_token": token})


def log_in(client, email, password):
    token = csrf_token(client.get("/login").text)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def test_the_link_arrives_by_smtp_and_works_once(client, tenant_pair, inbox):
    answer = ask_for_link(client, "reader@sunne.test")
    assert answer.status_code == 200
    assert inbox.arrived.wait(5), "no mail arrived"
    message = inbox.messages[0]
    assert message["To"] == "reader@sunne.test"
    assert message["Subject"] == "Välj ett nytt lösenord för Samverka"
    path = link_in(message)

    assert client.get(path).headers["Referrer-Policy"] == "no-referrer"
    short = choose(client, path, "short")
    assert short.status_code == 422
    assert "Lösenordet måste ha minst 12 tecken." in short.text
    done = choose(client, path)
    assert done.location == "/login"
    assert log_in(client, "reader@sunne.test", tenant_pair.password).status_code == 422
    assert log_in(client, "reader@sunne.test", NEW_PASSWORD).status_code == 302

    again = client.get(path)
    assert again.status_code == 410
    assert "Länken har redan använts" in again.text


def without_nonces(page: str) -> str:
    """The page less its per-response CSP nonces (they differ on every response)."""
    return re.sub(r'nonce="[^"]+"', 'nonce=""', page)


def test_an_unknown_address_gets_the_same_answer(client, tenant_pair, inbox):
    unknown = ask_for_link(client, "nobody@sunne.test")
    known = ask_for_link(client, "reader@sunne.test")
    assert inbox.arrived.wait(5)
    assert unknown.status_code == known.status_code == 200
    assert without_nonces(unknown.text) == without_nonces(known.text)
    assert [m["To"] for m in inbox.messages] == ["reader@sunne.test"]


def test_an_expired_link_is_refused(client, tenant_pair, inbox, frozen_clock):
    ask_for_link(client, "reader@sunne.test")
    assert inbox.arrived.wait(5)
    path = link_in(inbox.messages[0])
    frozen_clock.advance(minutes=31)
    expired = client.get(path)
    assert expired.status_code == 410
    assert "Länken har gått ut." in expired.text
    assert log_in(client, "reader@sunne.test", tenant_pair.password).status_code == 302


def test_a_changed_password_kills_the_link(client, tenant_pair, inbox):
    ask_for_link(client, "reader@sunne.test")
    assert inbox.arrived.wait(5)
    path = link_in(inbox.messages[0])
    log_in(client, "reader@sunne.test", tenant_pair.password)
    changed = form_post(
        client,
        "/account/password",
        {"current_password": tenant_pair.password, "new_password": "yet another long password"},
    )
    assert changed.status_code == 302
    assert client.get(path).status_code == 410


def test_a_made_up_link_is_refused(client, tenant_pair):
    response = client.get("/password/reset/not-a-real-token")
    assert response.status_code == 410
    assert "Länken är ogiltig." in response.text


def test_a_reset_ends_every_session(client, tenant_pair, inbox):
    elsewhere = client.application.test_client()
    log_in(elsewhere, "reader@sunne.test", tenant_pair.password)
    assert elsewhere.get("/t/sunne/").status_code == 200
    ask_for_link(client, "reader@sunne.test")
    assert inbox.arrived.wait(5)
    choose(client, link_in(inbox.messages[0]))
    assert elsewhere.get("/t/sunne/").status_code == 302


def test_without_smtp_the_mail_goes_to_a_file(app, client, tenant_pair, caplog):
    settings = app.extensions["samverka"].settings
    settings.smtp_host = ""
    with caplog.at_level("INFO", logger="samverka.mail"):
        ask_for_link(client, "reader@sunne.test")
    files = list((settings.instance_path / "mail").glob("*.eml"))
    assert len(files) == 1
    assert "/password/reset/" in files[0].read_text()
    assert f"mail written to {files[0]}" in caplog.text
    assert "/password/reset/" not in caplog.text  # the link (and token) never reach the log


def test_a_mail_server_that_is_down_changes_nothing_visible(app, client, tenant_pair, caplog):
    settings = app.extensions["samverka"].settings
    settings.smtp_port = free_port()  # nothing listens there
    with caplog.at_level("WARNING", logger="samverka.jobs.runner"):
        answer = ask_for_link(client, "reader@sunne.test")
    assert answer.status_code == 200
    assert "Kontrollera din e-post" in answer.text
    assert "job core.send_mail for the platform: failed (ConnectionRefusedError)" in caplog.text
    assert "/password/reset/" not in caplog.text
    with app.app_context():  # kept for a later attempt (exponential backoff), not lost
        from samverka.db import platform_scope, set_scope
        from samverka.jobs.models import OutboxJob
        from samverka.runtime import db_session

        set_scope(db_session(), platform_scope())  # a platform job: not in any tenant's scope
        job = db_session().query(OutboxJob).one()
        assert (job.status, job.attempts, job.error_class) == (
            "pending",
            1,
            "ConnectionRefusedError",
        )
