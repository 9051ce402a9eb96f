"""Administrative capabilities tried across each boundary, with valid forms and bodies.

The walk (test_walk.py) sends every unsafe route an empty form; here each administrative
action is performed as its rightful user would (the fields filled, a valid CSRF token of the
attacker's own session), by attackers of every kind, against organisation A and consortium
S. After each, nothing of A's or S's may have changed and the attacker must still not reach
A. The probes are tied to the permission registry: every administrative permission must be
probed here (or be named as covered elsewhere), so a new one cannot be forgotten.

Then the scenarios that configure one's way across a boundary: claiming A's e-mail domain
in one's own SSO settings and signing in as A's people; adding A to one's own consortium.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from securitykit import A_DOMAIN_SSO, A_USERS_DOMAIN, C_DOMAIN, A, C, S, T, service_session
from securitywalk import session_attacker
from sqlalchemy import select

REFUSED = (403, 404)


@dataclass(frozen=True)
class Probe:
    """One administrative action against A or S: the permissions it exercises, the route,
    and the form a rightful user would send (``ids`` and the attacker's e-mail given)."""

    name: str
    permissions: tuple[str, ...]
    method: str
    path: Callable[[dict, Any], str]
    form: Callable[[dict, Any], dict] = lambda ids, me: {}
    api: bool = False


def _members_form(ids, me):
    return {"email": me.email, "name": me.name, "role": "tenant_admin"}


WEB_PROBES = [
    Probe(
        "add oneself to A as administrator",
        ("tenant:members:manage",),
        "POST",
        lambda ids, me: f"/t/{A}/admin/members",
        _members_form,
    ),
    Probe(
        "remove A's administrator",
        ("tenant:members:manage",),
        "POST",
        lambda ids, me: f"/t/{A}/admin/members/{ids['admin_a']}/remove",
        lambda ids, me: {"role": "tenant_admin"},
    ),
    Probe(
        "take over A's single sign-on (claim A's people's domain)",
        ("tenant:identity:manage",),
        "POST",
        lambda ids, me: f"/t/{A}/admin/sso",
        lambda ids, me: {
            "issuer": "https://login.evil.test",
            "client_id": "evil",
            "client_secret": "evil-secret",
            "scopes": "openid email",
            "email_claim": "email",
            "groups_claim": "groups",
            "role_map": "evil=tenant_admin",
            "domains": A_USERS_DOMAIN,
            "enabled": "y",
        },
    ),
    Probe(
        "remove A's single sign-on",
        ("tenant:identity:manage",),
        "POST",
        lambda ids, me: f"/t/{A}/admin/sso/remove",
    ),
    Probe(
        "create an API token for A",
        ("tenant:api_tokens:own",),
        "POST",
        lambda ids, me: f"/t/{A}/api-tokens/",
        lambda ids, me: {"name": "evil", "role": "tenant_admin", "expires": "30"},
    ),
    Probe(
        "revoke A's API token",
        ("tenant:api_tokens:manage",),
        "POST",
        lambda ids, me: f"/t/{A}/api-tokens/{ids['token_id']}/revoke",
    ),
    Probe(
        "configure A's module",
        ("tenant:plugins:manage",),
        "POST",
        lambda ids, me: f"/t/{A}/admin/modules/testplugin",
        lambda ids, me: {"config": '{"greeting": "pwned"}'},
    ),
    Probe(
        "disable A's module",
        ("tenant:plugins:manage",),
        "POST",
        lambda ids, me: f"/t/{A}/admin/modules/testplugin/disable",
    ),
    Probe(
        "export A's records",
        ("tenant:archive:export",),
        "POST",
        lambda ids, me: f"/t/{A}/exports/",
        lambda ids, me: {"kind": "records.list", "format": "csv"},
    ),
    Probe(
        "request A's whole archive",
        ("tenant:archive:export",),
        "POST",
        lambda ids, me: f"/t/{A}/admin/archive/",
    ),
    Probe(
        "retry A's job",
        ("tenant:jobs:manage",),
        "POST",
        lambda ids, me: f"/t/{A}/jobs/{ids['export_job']}/retry",
    ),
    Probe(
        "change A's statutory settings",
        ("tenant:compliance:manage",),
        "POST",
        lambda ids, me: f"/t/{A}/compliance/settings",
        lambda ids, me: {
            "cycle_months": "12",
            "decision_body": "Evil",
            "coordinator_name": "Evil",
            "coordination_function": "Evil",
        },
    ),
    Probe(
        "schedule A's deletion",
        ("platform:tenants:delete",),
        "POST",
        lambda ids, me: f"/admin/tenants/{A}/delete",
        lambda ids, me: {"confirm": A},
    ),
    Probe(
        "make oneself a platform administrator",
        ("platform:users:manage",),
        "POST",
        lambda ids, me: "/admin/users",
        lambda ids, me: {
            "email": "evil@mellerud.test",
            "name": "Evil",
            "password": "correct horse battery staple 2",
            "platform_admin": "y",
        },
    ),
    Probe(
        "create a consortium",
        ("platform:consortia:manage",),
        "POST",
        lambda ids, me: "/admin/consortia",
        lambda ids, me: {"name": "Evil", "slug": "evil", "county_code": "17"},
    ),
    Probe(
        "add one's own organisation to S",
        ("consortium:tenants:manage",),
        "POST",
        lambda ids, me: f"/consortia/{S}/members",
        lambda ids, me: {"tenant": C},
    ),
    Probe(
        "remove A from S",
        ("consortium:tenants:manage",),
        "POST",
        lambda ids, me: f"/consortia/{S}/members/{A}/remove",
    ),
    Probe(
        "create an organisation in S",
        ("consortium:tenants:manage",),
        "POST",
        lambda ids, me: f"/consortia/{S}/",
        lambda ids, me: {"name": "Evil", "slug": "evil-org", "kind": "ngo"},
    ),
    Probe(
        "withdraw a module from S",
        ("consortium:plugins:manage",),
        "POST",
        lambda ids, me: f"/consortia/{S}/modules/testplugin/withdraw",
    ),
    Probe(
        "configure S's module",
        ("consortium:plugins:manage",),
        "POST",
        lambda ids, me: f"/consortia/{S}/modules/testplugin/settings",
        lambda ids, me: {"config": '{"greeting": "pwned"}'},
    ),
    Probe(
        "appoint oneself administrator of S",
        ("consortium:admins:manage",),
        "POST",
        lambda ids, me: f"/consortia/{S}/admins",
        lambda ids, me: {"email": me.email},
    ),
    Probe(
        "remove S's administrator",
        ("consortium:admins:manage",),
        "POST",
        lambda ids, me: f"/consortia/{S}/admins/{ids['kons_s']}/remove",
    ),
]

API_PROBES = [
    Probe(
        "API: add oneself to A as administrator",
        ("tenant:members:manage",),
        "POST",
        lambda ids, me: f"/api/v1/tenants/{A}/members",
        lambda ids, me: {"email": me.email, "name": "Evil", "role": "tenant_admin"},
        api=True,
    ),
    Probe(
        "API: remove A's administrator's role",
        ("tenant:members:manage",),
        "DELETE",
        lambda ids, me: f"/api/v1/tenants/{A}/members/{ids['admin_a']}/roles/tenant_admin",
        api=True,
    ),
    Probe(
        "API: configure A's module",
        ("tenant:plugins:manage",),
        "PUT",
        lambda ids, me: f"/api/v1/tenants/{A}/plugins/testplugin",
        lambda ids, me: {"config": {"greeting": "pwned"}},
        api=True,
    ),
    Probe(
        "API: disable A's module",
        ("tenant:plugins:manage",),
        "DELETE",
        lambda ids, me: f"/api/v1/tenants/{A}/plugins/testplugin",
        api=True,
    ),
    Probe(
        "API: request A's archive",
        ("tenant:archive:export",),
        "POST",
        lambda ids, me: f"/api/v1/tenants/{A}/archive",
        api=True,
    ),
    Probe(
        "API: export A's records",
        ("tenant:archive:export",),
        "POST",
        lambda ids, me: f"/api/v1/tenants/{A}/exports",
        lambda ids, me: {"kind": "records.list", "format": "csv"},
        api=True,
    ),
]

#: Administrative permissions probed elsewhere, with where and why.
COVERED_ELSEWHERE = {
    "platform:plugins:manage": "CLI only (samverka plugin configure): no route",
    "platform:audit:manage": "CLI only (samverka audit verify/purge): no route",
    "platform:records:purge": "CLI only and the scheduler: no route",
    "platform:jobs:manage": "the walk: /admin/jobs/<id>/retry refuses every attacker",
    "tenant:records:delete": "the walk: every record route, A's and the IDOR variant",
    "tenant:records:share": "the walk: share and revoke routes, A's and the IDOR variant",
    "tenant:rounds:manage": "the walk: every round route",
    "tenant:indicators:manage": "the walk: every indicator route",
}
ADMINISTRATIVE = (":manage", ":export", ":delete", ":own", ":share", ":purge")

#: Attackers tried with every probe: the strongest of each kind.
PROBE_ATTACKERS = ["c:tenant_admin", "b:tenant_admin", "kons_t", "sso_c"]
TOKEN_ATTACKERS = ["c:tenant_admin", "b:tenant_admin"]


def test_every_administrative_permission_is_probed(arena):
    registry = arena.app.extensions["samverka"].registry
    probed = {p for probe in WEB_PROBES + API_PROBES for p in probe.permissions}
    administrative = {a for a in registry.permissions if a.endswith(ADMINISTRATIVE)}
    missing = sorted(administrative - probed - set(COVERED_ELSEWHERE))
    assert not missing, f"administrative permissions no probe tries: {missing}"
    assert not set(COVERED_ELSEWHERE) - set(registry.permissions), "stale COVERED_ELSEWHERE"


def reach(client) -> dict[str, int]:
    """What the attacker reaches of A and S after a probe (all must stay refused)."""
    return {
        path: client.get(path).status_code
        for path in (f"/t/{A}/", f"/t/{A}/admin/members", f"/consortia/{S}/")
    }


@pytest.mark.parametrize("who", PROBE_ATTACKERS)
def test_administrative_actions_across_the_boundary(arena, who, request):
    attacker = session_attacker(who)
    if attacker.via_sso:
        arena.use_sso(request.getfixturevalue("sso_provider"))
    own = arena.prepare(attacker)
    client, me = arena.clients[who], arena.world.users[who]
    ids = {**arena.world.ids, "admin_a": arena.world.users["admin_a"].id}
    findings = []
    for probe in WEB_PROBES:
        before = arena.fingerprint.counts(own)
        data = {**probe.form(ids, me), "csrf_token": arena.csrf[who]}
        response = client.open(probe.path(ids, me), method=probe.method, data=data)
        if response.status_code not in REFUSED:
            findings.append(f"{probe.name}: {response.status_code}")
        after = arena.fingerprint.counts(own)
        if after != before:
            findings.append(f"{probe.name}: changed {[k for k in before if before[k] != after[k]]}")
        gained = {p: s for p, s in reach(client).items() if s not in REFUSED}
        if gained:
            findings.append(f"{probe.name}: then reaches {gained}")
    changed = arena.ensure_clean(own)
    if changed:
        findings.append(f"A or S changed: {changed}")
    assert not findings, "\n".join(findings)


@pytest.mark.parametrize("who", TOKEN_ATTACKERS)
def test_administrative_api_operations_across_the_boundary(arena, who):
    from securitywalk import token_attacker

    attacker = token_attacker(who)
    own = arena.prepare(attacker)
    me = arena.world.users[who]
    ids = {**arena.world.ids, "admin_a": arena.world.users["admin_a"].id}
    headers = {"Authorization": f"Bearer {arena.world.tokens[who]}"}
    findings = []
    for probe in API_PROBES:
        before = arena.fingerprint.counts(own)
        body = probe.form(ids, me) if probe.method in ("POST", "PUT", "PATCH") else None
        response = arena.app.test_client().open(
            probe.path(ids, me), method=probe.method, json=body, headers=headers
        )
        if response.status_code not in REFUSED:
            findings.append(f"{probe.name}: {response.status_code}")
        if arena.fingerprint.counts(own) != before:
            findings.append(f"{probe.name}: changed the database")
    changed = arena.ensure_clean(own)
    if changed:
        findings.append(f"A changed: {changed}")
    assert not findings, "\n".join(findings)


# --- configuring one's way across -------------------------------------------------------------


def consortia_of(arena, slug: str) -> set[str]:
    from samverka.tenants.models import Tenant

    with service_session(arena.app) as db:
        tenant = db.scalar(select(Tenant).where(Tenant.slug == slug))
        return {c.slug for c in tenant.consortia}


def test_t_admin_cannot_add_a_to_t_and_administer_it(arena):
    """T's consortium administrator POSTs A into T: A stays out, and A stays out of reach
    (a consortium administrator administers every member)."""
    who = "kons_t"
    own = arena.prepare(session_attacker(who))
    client = arena.clients[who]
    response = client.post(
        f"/consortia/{T}/members", data={"tenant": A, "csrf_token": arena.csrf[who]}
    )
    findings = []
    if consortia_of(arena, A) != {S}:
        findings.append(
            f"A is now in {sorted(consortia_of(arena, A))} (answer {response.status_code})"
        )
    gained = {p: s for p, s in reach(client).items() if s not in REFUSED}
    if gained:
        findings.append(f"T's administrator then reaches {gained}")
    if arena.ensure_clean(own):
        findings.append("the database changed")
    assert not findings, "\n".join(findings)


def test_s_admin_cannot_add_c_to_s_and_administer_it(arena):
    """S's administrator (rightful in S) POSTs C, a member of T only, into S."""
    client = arena.owner_client("kons_s")
    token = client.get(f"/consortia/{S}/").get_data(as_text=True)
    from securitykit import CSRF

    csrf = CSRF.search(token).group(1)
    response = client.post(f"/consortia/{S}/members", data={"tenant": C, "csrf_token": csrf})
    findings = []
    if consortia_of(arena, C) != {T}:
        findings.append(
            f"C is now in {sorted(consortia_of(arena, C))} (answer {response.status_code})"
        )
    for path in (f"/t/{C}/", f"/t/{C}/admin/members"):
        status = client.get(path).status_code
        if status not in REFUSED:
            findings.append(f"S's administrator then reaches {path}: {status}")
    if findings:
        arena.build()
    else:
        arena.rebaseline()  # S's administrator's log-in is rightful
    assert not findings, "\n".join(findings)


def test_c_admin_cannot_claim_a_domain_and_sign_in_as_a_people(arena, sso_provider):
    """C's administrator lists A's people's e-mail domain (and A's own SSO domain) in C's
    SSO settings, then signs in through C's provider as A's administrator."""
    from securitysso import SSO_CLIENTS, SSO_GROUP, sso_login

    who = "c:tenant_admin"
    client = arena.clients[who]
    form = {
        "issuer": sso_provider.issuer,
        "client_id": "mellerud-app",
        "client_secret": SSO_CLIENTS["mellerud-app"],
        "scopes": "openid email profile",
        "email_claim": "email",
        "groups_claim": "groups",
        "role_map": f"{SSO_GROUP}=reader",
        "enabled": "y",
        "csrf_token": arena.csrf[who],
    }
    findings = []
    claimed = client.post(
        f"/t/{C}/admin/sso", data={**form, "domains": f"{C_DOMAIN}\n{A_DOMAIN_SSO}"}
    )
    if claimed.status_code != 422:
        findings.append(f"claiming A's SSO domain {A_DOMAIN_SSO}: {claimed.status_code}")
    client.post(f"/t/{C}/admin/sso", data={**form, "domains": f"{C_DOMAIN}\n{A_USERS_DOMAIN}"})
    victim = arena.world.users["admin_a"]
    sso_provider.accounts(
        victim={"email": victim.email, "email_verified": True, "groups": [SSO_GROUP]}
    )
    from samverka.auth.sso import client as oidc

    oidc.forget()
    browser, answer = sso_login(arena.app, C, "victim")
    with browser.session_transaction() as session:
        signed_in = session.get("user_id")
    if signed_in == victim.id:
        findings.append(f"C's provider signed in A's administrator {victim.email}")
    for path in (f"/t/{A}/", f"/t/{A}/admin/members"):
        status = browser.get(path).status_code
        if status not in (*REFUSED, 302) or (
            status == 302 and "/login" not in browser.get(path).headers.get("Location", "")
        ):
            findings.append(f"the SSO session then reaches {path}: {status}")
    arena.build()  # C's settings and people changed here
    assert not findings, "\n".join(findings) + f" (SSO answer {answer.status_code})"


def test_logout_ends_the_session(arena):
    """A session cookie kept from before ``POST /logout`` must not work afterwards."""
    from samverka.testing.fixtures import Login

    client = arena.app.test_client()
    Login()(client, arena.world.users["c:reader"])
    name = arena.app.config["SESSION_COOKIE_NAME"]
    kept = client.get_cookie(name).value
    from securitykit import csrf_of

    assert client.post("/logout", data={"csrf_token": csrf_of(client)}).status_code == 302
    client.set_cookie(name, kept)
    response = client.get(f"/t/{C}/")
    assert response.status_code in (302, 401) and response.status_code != 200, (
        f"the session still works after logging out: {response.status_code}"
    )


def test_the_last_administrator_cannot_remove_themselves(arena):
    """A's only administrator removes their own administrator role (web, then API): A
    would be left with nobody who can manage it."""
    from securitykit import CSRF

    from samverka.auth.models import User
    from samverka.tenants.models import Membership

    admin = arena.world.users["admin_a"]
    client = arena.owner_client("admin_a")
    csrf = CSRF.search(client.get(f"/t/{A}/admin/members").get_data(as_text=True)).group(1)
    client.post(
        f"/t/{A}/admin/members/{admin.id}/remove",
        data={"role": "tenant_admin", "csrf_token": csrf},
    )
    arena.app.test_client().delete(
        f"/api/v1/tenants/{A}/members/{admin.id}/roles/tenant_admin",
        headers={"Authorization": f"Bearer {arena.world.tokens['a:tenant_admin']}"},
    )
    with service_session(arena.app) as db:
        a = arena.world.tenants[A]
        from samverka.db import TenantScope, scoped

        with scoped(db, TenantScope.for_tenant(a.id)):
            admins = db.scalars(
                select(User.email)
                .join(Membership, Membership.user_id == User.id)
                .where(Membership.tenant_id == a.id, Membership.role == "tenant_admin")
            ).all()
    if admins:
        arena.rebaseline()  # the administrator's own log-in and refused attempt
    else:
        arena.build()
    assert admins, "A's last administrator removed themselves: nobody can manage A now"
