"""The demo's consortia, organisations and logins, with real municipality codes and
populations (DOMAIN.md §6). Idempotent."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from samverka.auth import services as accounts
from samverka.auth.models import User
from samverka.auth.permissions import PermissionRegistry
from samverka.db import TenantScope, scoped
from samverka.tenancy import services as tenancy
from samverka.tenants.models import Consortium, Tenant

DEMO_PASSWORD = "samverka-demo-2026"  # noqa: S105 - printed on purpose: demo only

CONSORTIA = [
    ("sutohamu", "SuToHaMu – Sunne, Torsby, Hagfors, Munkfors", "17"),
    ("mellerud", "Brottsförebyggande samverkan Mellerud", "14"),
    ("gagnef", "Brottsförebyggande samverkan Gagnef", "20"),
]

# slug, name, kind, municipality code, population (end of 2023; Mellerud 2024), consortia
TENANTS = [
    ("sunne", "Sunne kommun", "municipality", "1766", 13366, ["sutohamu"]),
    ("torsby", "Torsby kommun", "municipality", "1737", 11387, ["sutohamu"]),
    ("hagfors", "Hagfors kommun", "municipality", "1783", 11536, ["sutohamu"]),
    ("munkfors", "Munkfors kommun", "municipality", "1762", 3669, ["sutohamu"]),
    ("polisen-lpo-torsby", "Polisen, lokalpolisområde Torsby", "police", None, None, ["sutohamu"]),
    ("lansstyrelsen-varmland", "Länsstyrelsen Värmland", "county_board", None, None, ["sutohamu"]),
    ("agera-varmland", "AGERA Värmland", "ngo", None, None, ["sutohamu"]),
    (
        "region-varmland",
        "Region Värmland (akutmottagningen Torsby)",
        "region",
        None,
        None,
        ["sutohamu"],
    ),
    ("mellerud-kommun", "Melleruds kommun", "municipality", "1461", 9052, ["mellerud"]),
    (
        "polisen-ostra-fyrbodal",
        "Polisen, lokalpolisområde Östra Fyrbodal",
        "police",
        None,
        None,
        ["mellerud"],
    ),
    ("gagnef-kommun", "Gagnefs kommun", "municipality", "2026", 10430, ["gagnef"]),
    (
        "polisen-falun-borlange",
        "Polisen, lokalpolisområde Falun-Borlänge",
        "police",
        None,
        None,
        ["gagnef"],
    ),
]


@dataclass(frozen=True)
class DemoLogin:
    email: str
    name: str
    what: str
    tenant: str | None = None
    role: str | None = None
    consortium: str | None = None
    platform_admin: bool = False


LOGINS = [
    DemoLogin(
        "admin@samverka.test", "Ada Plattform", "platform administrator", platform_admin=True
    ),
    DemoLogin(
        "konsortium@sutohamu.test",
        "Karin Konsortie",
        "SuToHaMu consortium admin",
        consortium="sutohamu",
    ),
    DemoLogin("admin@sunne.test", "Sara Sunne", "tenant admin, Sunne", "sunne", "tenant_admin"),
    DemoLogin(
        "samordnare@hagfors.test",
        "Hans Hagfors",
        "coordinator, Hagfors and Munkfors",
        "hagfors",
        "coordinator",
    ),
    DemoLogin("samordnare@hagfors.test", "Hans Hagfors", "", "munkfors", "coordinator"),
    DemoLogin("skola@torsby.test", "Tove Torsby", "contributor, Torsby", "torsby", "contributor"),
    DemoLogin(
        "kommunpolis@polisen.test",
        "Per Polis",
        "reader, Polisen LPO Torsby",
        "polisen-lpo-torsby",
        "reader",
    ),
    DemoLogin(
        "lansstyrelsen@varmland.test",
        "Lena Län",
        "reader, Länsstyrelsen Värmland",
        "lansstyrelsen-varmland",
        "reader",
    ),
    DemoLogin(
        "samordnare@mellerud.test",
        "Maja Mellerud",
        "coordinator, Mellerud",
        "mellerud-kommun",
        "coordinator",
    ),
    DemoLogin(
        "samordnare@gagnef.test",
        "Gustav Gagnef",
        "coordinator, Gagnef",
        "gagnef-kommun",
        "coordinator",
    ),
]


def seed_organisations(session: Session, registry: PermissionRegistry) -> dict[str, int]:
    """The consortia, organisations and demo logins: what is missing is created, what exists
    is left. Returns counts of what was created."""
    created = {"consortia": 0, "tenants": 0, "users": 0}
    consortia: dict[str, Consortium] = {}
    for slug, name, county in CONSORTIA:
        existing = session.scalar(select(Consortium).where(Consortium.slug == slug))
        if existing is None:
            existing = tenancy.create_consortium(session, slug, name, county)
            created["consortia"] += 1
        consortia[slug] = existing
    for slug, name, kind, code, population, groups in TENANTS:
        tenant = session.scalar(select(Tenant).where(Tenant.slug == slug))
        if tenant is None:
            tenancy.create_tenant(
                session, slug, name, kind, code, population, [consortia[g] for g in groups]
            )
            created["tenants"] += 1
    for login in LOGINS:
        user = session.scalar(select(User).where(User.email == login.email))
        if user is None:
            user = accounts.create_user(
                session, login.email, login.name, DEMO_PASSWORD, platform_admin=login.platform_admin
            )
            created["users"] += 1
        if login.consortium:
            accounts.add_consortium_admin(session, user, consortia[login.consortium])
        if login.tenant:
            tenant = tenancy.get_tenant(session, login.tenant)
            with scoped(session, TenantScope.for_tenant(tenant.id)):
                accounts.add_member(session, registry, user, tenant, login.role or "reader")
    session.flush()
    return created


def logins_text(base_url: str) -> str:
    lines = [f"Samverka demo: {base_url}/login", f"Password for every demo user: {DEMO_PASSWORD}"]
    for login in LOGINS:
        if login.what:
            lines.append(f"  {login.email:<32} {login.what}")
    return "\n".join(lines)
