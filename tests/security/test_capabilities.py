"""Administrative capabilities tried across each boundary, with valid forms and bodies.

The walk (test_walk.py) sends every unsafe route an empty form; here each administrative
action is performed as its rightful user would (the fields filled, a valid CSRF token of the
attacker's own session), by attackers of every kind, against organisation A and consortium
S. After each, nothing of A's or S's may have changed and the attacker must still not reach
A. The probes are tied to the permission registry: every administrative permission must be
probed here (or be named as covered elsewhere), so a new one cannot be forgotten.

Then the scenarios that configure one's way across a boundary: claiming A's e-mail domain
in one's own SSO settings and signing in as A's people; adding A to one's own consortium
(an invitation only A may accept); S's administrator deciding A's consortia; a session that
outlives its log-out; A's last administrator leaving A without one.
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
        "approve A's pending claim on its SSO domain",
        ("platform:identity:manage",),
        "POST",
        lambda ids, me: f"/admin/sso-domains/{ids['claim']}/approve",
    ),
    Probe(
        "reject A's claim on its SSO domain",
        ("platform:identity:manage",),
        "POST",
        lambda ids, me: f"/admin/sso-domains/{ids['claim']}/reject",
    ),
    Probe(
        "accept T's invitation on A's behalf",
        ("tenant:consortia:manage",),
        "POST",
        lambda ids, me: f"/t/{A}/admin/consortia/invitations/{ids['invitation_to_a']}/accept",
        lambda ids, me: {"on_behalf": "yes"},
    ),
    Probe(
        "decline T's invitation on A's behalf",
        ("tenant:consortia:manage",),
        "POST",
        lambda ids, me: f"/t/{A}/admin/consortia/invitations/{ids['invitation_to_a']}/decline",
    ),
    Probe(
        "take A out of S",
        ("tenant:consortia:manage",),
        "POST",
        lambda ids, me: f"/t/{A}/admin/consortia/{S}/leave",
    ),
    Probe(
        "make a role of A's its own (adopt)",
        ("tenant:members:adopt",),
        "POST",
        lambda ids, me: f"/t/{A}/admin/members/{ids['reader_a']}/adopt",
        lambda ids, me: {"role": "reader"},
    ),
    Probe(
        "withdraw S's invitation",
        ("consortium:tenants:manage",),
        "POST",
        lambda ids, me: f"/consortia/{S}/invitations/{ids['invitation_from_s']}/withdraw",
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
    "tenant:areas:manage": "the walk: every area route (A's area and its border in the arena)",
}
ADMINISTRATIVE = (":manage", ":export", ":delete", ":own", ":share", ":purge", ":adopt")

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


def changes_since(arena, before: dict) -> dict[str, list]:
    """The rows added to each table since ``before`` (every row, every tenant)."""
    now = arena.fingerprint.rows()
    return {
        name: sorted(set(now[name]) - set(rows))
        for name, rows in before.items()
        if rows != now.get(name)
    }


def open_invitation_to(arena, consortium: str, tenant: str) -> int | None:
    from samverka.db import TenantScope, scoped
    from samverka.tenants.models import ConsortiumInvitation, InvitationStatus

    with service_session(arena.app) as db:
        target = arena.world.tenants[tenant]
        with scoped(db, TenantScope.for_tenant(target.id)):
            return db.scalar(
                select(ConsortiumInvitation.id).where(
                    ConsortiumInvitation.tenant_id == target.id,
                    ConsortiumInvitation.consortium_id == arena.world.consortia[consortium].id,
                    ConsortiumInvitation.status == InvitationStatus.PENDING,
                )
            )


def test_t_admin_can_only_invite_a_and_cannot_accept_for_it(arena):
    """T's consortium administrator POSTs A into T. That is an invitation now (T's
    administrators would administer A: only A decides): A stays out of T, and out of reach,
    and the inviter cannot accept it on A's behalf. The one change is the invitation."""
    who = "kons_t"
    client, csrf = arena.clients[who], arena.csrf[who]
    world_invitation = arena.world.ids["invitation_to_a"]
    # the world's open invitation from T is withdrawn first (T's right), so that this is a
    # fresh invitation, not one refused as a duplicate
    withdrawn = client.post(
        f"/consortia/{T}/invitations/{world_invitation}/withdraw", data={"csrf_token": csrf}
    )
    assert withdrawn.status_code == 302, withdrawn.status_code
    before = arena.fingerprint.rows()
    response = client.post(f"/consortia/{T}/members", data={"tenant": A, "csrf_token": csrf})
    findings = []
    invitation = open_invitation_to(arena, T, A)
    if response.status_code != 302 or invitation is None:
        findings.append(f"inviting A did not leave an open invitation: {response.status_code}")
    if invitation is not None:
        accepted = client.post(
            f"/t/{A}/admin/consortia/invitations/{invitation}/accept",
            data={"on_behalf": "yes", "csrf_token": csrf},
        )
        if accepted.status_code not in REFUSED:
            findings.append(f"T's administrator accepted for A: {accepted.status_code}")
    if consortia_of(arena, A) != {S}:
        findings.append(
            f"A is now in {sorted(consortia_of(arena, A))} (answer {response.status_code})"
        )
    gained = {p: s for p, s in reach(client).items() if s not in REFUSED}
    if gained:
        findings.append(f"T's administrator then reaches {gained}")
    changed = changes_since(arena, before)
    others = sorted(set(changed) - {"consortium_invitations", "audit_entries", "user_sessions"})
    if others:
        findings.append(f"inviting changed more than the invitation: {others}")
    actions = [
        row for row in changed.get("audit_entries", ()) if "invitation_create" not in repr(row)
    ]
    if actions:
        findings.append(f"audit entries beyond the invitation's: {actions[:2]}")
    arena.build()  # the world's invitation was replaced
    assert not findings, "\n".join(findings)


def test_s_admin_cannot_decide_a_s_consortia(arena):
    """S's administrator administers A through S, but A's consortia are A's own decision:
    they can neither accept T's invitation for A nor take A out of S."""
    from securitykit import CSRF

    client = arena.owner_client("kons_s")
    csrf = CSRF.search(client.get(f"/consortia/{S}/").get_data(as_text=True)).group(1)
    ids = arena.world.ids
    before = arena.fingerprint.rows()
    findings = []
    for path, form in (
        (
            f"/t/{A}/admin/consortia/invitations/{ids['invitation_to_a']}/accept",
            {"on_behalf": "yes"},
        ),
        (f"/t/{A}/admin/consortia/invitations/{ids['invitation_to_a']}/decline", {}),
        (f"/t/{A}/admin/consortia/{S}/leave", {}),
        (f"/admin/sso-domains/{ids['claim']}/approve", {}),
    ):
        answer = client.post(path, data={**form, "csrf_token": csrf})
        if answer.status_code not in REFUSED:
            findings.append(f"POST {path}: {answer.status_code}")
    if consortia_of(arena, A) != {S} or open_invitation_to(arena, T, A) is None:
        findings.append(f"A's consortia changed: {sorted(consortia_of(arena, A))}")
    changed = sorted(set(changes_since(arena, before)) - {"user_sessions"})
    if changed:
        arena.build()
        findings.append(f"the database changed: {changed}")
    else:
        arena.rebaseline()  # S's administrator's log-in is rightful
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
    """C's provider is set up by the operator for C's own domain. C's administrator then
    lists A's own SSO domain, and A's people's e-mail domain, in C's SSO settings: both are
    refused (the first is A's claim, the second is used by A's accounts), and the sign-in
    through C's provider as A's administrator signs nobody in."""
    from securitysso import SSO_CLIENTS, SSO_GROUP, configure_c_sso
    from ssokit import APP, through_provider

    from samverka.auth.session_models import UserSession
    from samverka.auth.sso import client as oidc
    from samverka.auth.sso.models import SsoDomain

    configure_c_sso(arena, sso_provider, [C_DOMAIN])
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
    for domain in (A_DOMAIN_SSO, A_USERS_DOMAIN):
        claimed = client.post(
            f"/t/{C}/admin/sso", data={**form, "domains": f"{C_DOMAIN}\n{domain}"}
        )
        if claimed.status_code != 422:
            findings.append(f"claiming {domain} for C: {claimed.status_code}, not refused")
    c = arena.world.tenants[C]
    with service_session(arena.app) as db:
        held = set(db.scalars(select(SsoDomain.domain).where(SsoDomain.tenant_id == c.id)))
        victim = arena.world.users["admin_a"]
        sessions_before = len(
            db.scalars(select(UserSession.id).where(UserSession.user_id == victim.id)).all()
        )
    if held != {C_DOMAIN}:
        findings.append(f"C holds the domains {sorted(held)}")
    sso_provider.accounts(
        victim={"email": victim.email, "email_verified": True, "groups": [SSO_GROUP]}
    )
    oidc.forget()
    browser = arena.app.test_client()
    started = browser.get(f"/login/sso/{C}")
    location = started.headers.get("Location", "")
    if started.status_code != 302 or "/login/sso/" in location or location.startswith(APP):
        findings.append(f"C's SSO did not start: {started.status_code} {location}")
    else:
        answer = browser.get(through_provider(location, "victim"))
        if answer.status_code != 302 or "/login" not in answer.headers.get("Location", ""):
            findings.append(
                f"C's provider's answer for A's administrator: {answer.status_code}"
                f" {answer.headers.get('Location')}"
            )
    with service_session(arena.app) as db:
        sessions_after = len(
            db.scalars(select(UserSession.id).where(UserSession.user_id == victim.id)).all()
        )
    if sessions_after != sessions_before:
        findings.append(f"C's provider signed in A's administrator {victim.email}")
    for path in (f"/t/{A}/", f"/t/{A}/admin/members"):
        status = browser.get(path)
        if status.status_code in REFUSED or (
            status.status_code == 302 and "/login" in status.headers.get("Location", "")
        ):
            continue
        findings.append(f"the SSO browser then reaches {path}: {status.status_code}")
    arena.build()  # C's settings and the provider's accounts changed here
    assert not findings, "\n".join(findings)


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
    web = client.post(
        f"/t/{A}/admin/members/{admin.id}/remove",
        data={"role": "tenant_admin", "csrf_token": csrf},
    )
    api = arena.app.test_client().delete(
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
    assert (web.status_code, api.status_code) == (409, 409), "the refusal is not a conflict"
    assert api.content_type == "application/problem+json"
