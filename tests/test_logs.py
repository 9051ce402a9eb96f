"""Logs: secrets never reach a handler, JSON lines parse and carry the request id, and a
proxy's request id is believed only when proxies are trusted."""

from __future__ import annotations

import json
import logging
from dataclasses import replace

import pytest

from samverka import logs
from samverka.testing.fixtures import create_test_app

SECRETS = ["eyJhbGciOiJSUzI1NiJ9.payload.sig", "hunter2-pass", "s3cr3t-client", "AUTHCODE42"]


def test_secrets_are_redacted_on_the_root_handlers(app, caplog):
    caplog.set_level(logging.INFO)
    library = logging.getLogger("some.library")
    library.info("request headers: {'Authorization': 'Bearer %s'}", SECRETS[0])
    library.info("Authorization: Bearer %s", SECRETS[0])
    library.info("POST /login body: email=a@b.test&password=%s", SECRETS[1])
    library.warning("token exchange with client_secret=%s failed", SECRETS[2])
    library.info("GET /auth/callback?code=%s&state=xyz HTTP/1.1", SECRETS[3])
    library.info("connecting to postgresql+psycopg://owner:%s@db/samverka", SECRETS[1])
    library.info("config %s", {"client_secret": SECRETS[2], "issuer": "https://idp"})
    try:
        raise ValueError(f"bad token=abc{SECRETS[3]}")
    except ValueError:
        library.exception("refresh failed")
    text = caplog.text
    for secret in SECRETS:
        assert secret not in text
        assert all(secret not in record.getMessage() for record in caplog.records)
    assert text.count(logs.REDACTED) >= 8
    assert "state=xyz" in text and "https://idp" in text  # what is no secret stays


def test_redaction_keeps_ordinary_text():
    assert logs.redact("exit code=1 after 3 tries") == "exit code=1 after 3 tries"
    assert logs.redact("GET /t/sunne/admin/members 200") == "GET /t/sunne/admin/members 200"


def json_lines(err: str) -> list[dict]:
    return [json.loads(line) for line in err.splitlines() if line.startswith("{")]


def test_json_lines_carry_request_id_route_status_and_no_query(settings, samverka_plugins, capsys):
    application = create_test_app(replace(settings, log_format="json"), samverka_plugins)
    client = application.test_client()
    capsys.readouterr()
    response = client.get("/login?next=/t/sunne/&token=abc123")
    missing = client.get("/t/nosuch/")
    entries = json_lines(capsys.readouterr().err)
    access = [e for e in entries if e["logger"] == "samverka.access"]
    assert len(access) == 2, entries
    first, second = access
    assert first["request_id"] == response.headers["X-Request-ID"]
    assert second["request_id"] == missing.headers["X-Request-ID"] != first["request_id"]
    assert first["method"] == "GET" and first["path"] == "/login" and first["status"] == 200
    assert isinstance(first["duration_ms"], float) and first["level"] == "INFO"
    assert second["tenant"] == "nosuch"
    assert "abc123" not in json.dumps(entries) and "token" not in first["path"]
    assert {"time", "level", "logger", "message"} <= set(first)
    logs.configure("INFO", "text")
    application.extensions["samverka"].engine.dispose()


def test_a_proxy_request_id_is_used_only_when_proxies_are_trusted(settings, samverka_plugins):
    offered = {"X-Request-ID": "edge-7f3a9c21-0001"}
    untrusted = create_test_app(settings, samverka_plugins)
    answer = untrusted.test_client().get("/healthz", headers=offered)
    assert answer.headers["X-Request-ID"] != offered["X-Request-ID"]
    trusted = create_test_app(replace(settings, trusted_proxies=1), samverka_plugins)
    client = trusted.test_client()
    assert client.get("/healthz", headers=offered).headers["X-Request-ID"] == "edge-7f3a9c21-0001"
    forged = client.get("/healthz", headers={"X-Request-ID": 'x" injected {"level": "ERROR"}'})
    assert logs.valid_request_id(forged.headers["X-Request-ID"])
    assert "injected" not in forged.headers["X-Request-ID"]
    for application in (untrusted, trusted):
        application.extensions["samverka"].engine.dispose()


@pytest.mark.parametrize("bad", ["yaml", "JSON "])
def test_log_format_is_json_or_text(tmp_path, bad):
    from samverka.config import ConfigurationError, Settings

    with pytest.raises(ConfigurationError):
        Settings.from_env({"SAMVERKA_LOG_FORMAT": bad}, instance_path=tmp_path)
    production = Settings(env="production", log_format="")
    assert production.effective_log_format == "json"
    assert Settings(log_format="").effective_log_format == "text"


def test_logging_in_leaves_no_personal_data_or_password_in_the_logs(
    client, tenant_pair, login, caplog
):
    caplog.set_level(logging.DEBUG)
    login(client, tenant_pair.admin_a)
    client.get("/t/sunne/admin/members")
    from samverka.testing.fixtures import csrf_token

    token = csrf_token(client.get("/login").get_data(as_text=True))
    client.post(
        "/login", data={"email": "nobody@sunne.test", "password": "wrong-pw-9", "csrf_token": token}
    )
    text = caplog.text
    assert "samverka.access" in text  # the requests were logged
    for personal in ("admin@sunne.test", "nobody@sunne.test", tenant_pair.admin_a.name):
        assert personal not in text
    assert tenant_pair.password not in text and "wrong-pw-9" not in text
