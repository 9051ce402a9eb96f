"""Helpers for the SSO tests: the browser's part at the provider, the app's round trip."""

from __future__ import annotations

import html
import re
import socket
from urllib.parse import urljoin

import requests

APP = "http://localhost"


def free_port() -> int:
    """A loopback port nobody listens on (for the provider, or a provider that is down)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def through_provider(location: str, login: str) -> str:
    """Act as the browser at the provider: log in as ``login`` (any password), consent, and
    return the URL the provider sends the browser back to (the app's callback)."""
    browser = requests.Session()
    url = location
    for _ in range(12):
        if url.startswith(APP):
            return url
        page = browser.get(url, allow_redirects=False, timeout=10)
        if page.is_redirect:
            url = urljoin(url, page.headers["Location"])
            continue
        assert page.status_code == 200, page.text[:300]
        action = html.unescape(re.search(r'action="([^"]+)"', page.text).group(1))
        prompt = re.search(r'name="prompt" value="(\w+)"', page.text).group(1)
        data = {"prompt": prompt, "login": login, "password": "any"}
        answer = browser.post(urljoin(url, action), data=data, allow_redirects=False, timeout=10)
        assert answer.is_redirect, answer.text[:300]
        url = urljoin(url, answer.headers["Location"])
    raise AssertionError("the provider never sent the browser back")


def start(client, slug: str = "sunne"):
    response = client.get(f"/login/sso/{slug}")
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return response.headers["Location"]


def sso_login(client, login: str = "anna", slug: str = "sunne"):
    """The whole round trip; the app's answer to the callback."""
    return client.get(through_provider(start(client, slug), login))


def onward_target(response) -> str:
    """Where an onward page sends the browser: its refresh and its link must agree."""
    assert response.status_code == 200, response.status_code
    page = response.get_data(as_text=True)
    refresh = re.search(r'<meta http-equiv="refresh" content="0; url=([^"]+)">', page)
    link = re.search(r'<a class="govuk-link" href="([^"]+)">', page)
    assert refresh and link, page[:500]
    assert refresh.group(1) == link.group(1)
    return html.unescape(refresh.group(1))


def flashed(client) -> str:
    """The login page the browser lands on after a refusal (with its message)."""
    return client.get("/login").get_data(as_text=True)


def audit(db, action: str) -> list:
    """The audit entries of ``action`` in every chain (tenant and platform), oldest first."""
    from sqlalchemy import select

    from samverka.audit.models import AuditEntry
    from samverka.audit.scope import all_chains_scope
    from samverka.db import scoped

    db.expire_all()
    with scoped(db, all_chains_scope(db)):
        return db.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        ).all()
