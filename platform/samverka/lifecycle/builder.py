"""Building a tenant's archive: every installed module's part, in the tenant's scope.

The hook ``export_tenant_data`` is called for every *installed* plugin, not only the enabled
ones: a module the tenant has switched off may still hold the tenant's data, and the archive
must contain everything the tenant owns. Each implementation is called on its own, so the
manifest can say which module wrote which file, and progress moves one module at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, BinaryIO

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from samverka.lifecycle.archive import TenantArchive

ProgressCallback = Callable[[int, int], None]
PROGRESS_MESSAGE = "Exporting the organisation's data"  # msgid, translated on the page
_l("Exporting the organisation's data")

README = """\
Samverka – arkiv med all data för {name}
{line}

Arkivet skapades {created} (UTC) och innehåller allt som organisationen
"{name}" (kortnamn {slug}) äger i Samverka.

Innehåll
--------
manifest.json   Förteckning över alla filer: sökväg, storlek i byte, SHA-256-kontrollsumma
                och vilken del (kärnan eller en modul) som skrev filen. Kontrollera att
                arkivet är helt genom att räkna om kontrollsummorna.
core/           Kärnans data:
  tenant.json               organisationen: namn, typ, kommunkod, konsortier
  memberships.jsonl         medarbetare (namn, e-post) och deras roller
                            – personuppgifter, hantera enligt GDPR
  plugins.json              moduler som används och deras inställningar
  api_tokens.jsonl          API-nycklar: namn, ägare, giltighet (aldrig själva nyckeln)
  sso.json                  inloggning via organisationen (utan klienthemlighet)
  sso_role_grants.jsonl     roller som tilldelats via inloggningen
  audit/entries.jsonl       organisationens granskningslogg, i ordning (seq)
  audit/chain.json          kedjans start och huvud för kontroll av hashkedjan
  audit/reviews.jsonl       stickprovsgranskningar
  jobs.jsonl                historik över bakgrundsjobb (utan jobbens argument)
<modul>/        Data från varje installerad modul (t.ex. records/ för handlingar med
                versioner, bilagor och delningar), se manifest.json.

Format
------
JSON (UTF-8) och JSON Lines (ett JSON-objekt per rad). Tider anges enligt ISO 8601
i UTC. Hemligheter (lösenord, klienthemligheter, hashar av API-nycklar) ingår aldrig.

Granskningsloggen
-----------------
Varje post i core/audit/entries.jsonl har seq, prev_hash och hash. Varje posts hash är
SHA-256 över postens fält och föregående posts hash, så en ändrad, borttagen eller
infogad post syns. Kontrollera kedjan utan databas med:

    samverka audit verify-archive ARKIV.zip

Arkivet kan innehålla sekretessbelagda uppgifter och personuppgifter. Förvara det säkert.
"""


def readme(tenant: Any, created_at: datetime) -> str:
    title = f"Samverka – arkiv med all data för {tenant.name}"
    return README.format(
        name=tenant.name,
        slug=tenant.slug,
        created=created_at.strftime("%Y-%m-%d %H:%M"),
        line="=" * len(title),
    )


def build_archive(
    session: Session,
    host: Any,
    tenant: Any,
    out: BinaryIO,
    *,
    now: datetime,
    on_progress: ProgressCallback | None = None,
) -> TenantArchive:
    """Write ``tenant``'s archive into ``out``; the session must be scoped to the tenant."""
    archive = TenantArchive(out, tenant, created_at=now)
    parts: dict[str, list] = {}  # registration order: the core's hook modules first
    for impl in host.hook.export_tenant_data.get_hookimpls():
        parts.setdefault(host.plugin_of(impl.plugin) or "core", []).append(impl)
    total = len(parts)
    if on_progress:
        on_progress(0, total)
    arguments = {"session": session, "tenant": tenant, "archive": archive}
    for done, (part, impls) in enumerate(parts.items(), start=1):
        archive.begin_part(part)
        for impl in impls:
            impl.function(*(arguments[name] for name in impl.argnames))
        if on_progress:
            on_progress(done, total)
    archive.close(readme(tenant, now))
    return archive
