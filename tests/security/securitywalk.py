"""Every rule of the URL map and every operation of the OpenAPI document, classified and
filled from the world, and what each kind of attacker must get back.

Nothing here is a hand list of routes: rules come from ``app.url_map``. What is listed by
hand is the meaning of each *argument name* (:data:`ARGUMENTS`) and the few rules that are
public or act only on the caller's own account (:data:`PUBLIC`, :data:`SELF`), each with the
reason. A rule whose arguments the suite cannot fill, or that falls in no class, fails the
coverage test: a new route is never silently left out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from securitykit import A, B, C, S, T, World

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
SSO_ROLE = "coordinator"  # the role C's provider maps the SSO attacker to

#: Rules anyone may use (no session needed), with the reason. Their GET must still never
#: show A's private data (the canary); they are not sent unsafe requests by the walk (the
#: log-in forms are the capability probes' business).
PUBLIC = {
    "/static/<path:filename>": "the app's assets",
    "/healthz": "liveness",
    "/readyz": "readiness",
    "/metrics": "Prometheus metrics (no tenant data; a port of its own in production)",
    "/language/<code>": "the UI language of the caller's session",
    "/login": "the log-in form",
    "/login/code": "the log-in's MFA step",
    "/login/sso": "the log-in by organisation form",
    "/login/sso/<slug>": "starts A's own SSO round trip at A's provider (anyone may try)",
    "/login/sso/<slug>/callback": "the provider's answer; refused without the flow's state",
    "/password/forgot": "the password-reset request form",
    "/password/reset/<token>": "a reset link: the token is the capability",
    "/offentligt/<slug>/medborgarloften": "A's citizen pledges, published by A on purpose",
    "/api/v1/openapi.json": "the API's description",
    "/api/v1/docs": "the API's documentation page",
}
#: Public rules whose page may show what A published (its pledges): no canary check there.
PUBLISHED = {"/offentligt/<slug>/medborgarloften"}

#: Rules without an argument, acting on the caller's own account or organisations: the walk
#: GETs them as every attacker and checks that they show nothing of A's; their unsafe
#: methods (log out, change one's own password or MFA) cannot name another organisation.
SELF = {
    "/": "the start page: the caller's own organisations",
    "/switch": "switch between the caller's own organisations",
    "/account/": "the caller's own account",
    "/account/logout-everywhere": "ends the caller's own sessions",
    "/account/mfa/disable": "the caller's own MFA",
    "/account/mfa/recovery-codes": "the caller's own MFA",
    "/account/mfa/setup": "the caller's own MFA",
    "/account/password": "the caller's own password",
    "/account/sso-link": "links the caller's own account to the login of the organisation whose"
    " verified domain the caller's own e-mail is in (no organisation can be named)",
    "/login/verify": "the step-up code of the caller's own session (a signed-in administrator"
    " without a second factor); it names nobody else",
    "/logout": "ends the caller's own session",
    "/api/v1/me": "the token's own user",
    "/api/v1/tenants": "the organisations the token's organisation may see",
    "/api/v1/consortia": "the consortia the token's organisation belongs to",
    "/api/v1/plugins": "the plugin catalogue",
    "/api/v1/record-types": "the record types",
}

#: Web endpoints a member of B may GET for the record A shared with B (the one allowed
#: exception: the receiver reads the shared record through its own organisation's pages).
SHARED_READS_WEB = {
    "picture_pages.show",  # a shared record shown as a picture the receiver may decide on
    "picture_pages.pdf",
    "record_pages.detail",
    "record_pages.record_pdf",
    "record_pages.download",
    "record_pages.versions",
    "record_pages.version_diff",
}
#: The same for the API (a B token, ``<tenant>`` = B).
SHARED_READS_API = {
    "rounds.picture_figures",
    "records.get_record",
    "records.list_attachments",
    "records.download_attachment",
    "records.list_versions",
}
#: The API's consortium directory: B belongs to S, so B's tokens may read S's entry.
MEMBER_READS_API = {"directory.consortium"}


@dataclass(frozen=True)
class Attacker:
    """One identity of another organisation (or none)."""

    key: str
    kind: str  # "user" | "token" | "anonymous"
    tenant: str | None  # its own organisation
    consortium: str | None  # the consortium it administers, if any
    role: str | None = None
    via_sso: bool = False

    @property
    def in_b(self) -> bool:
        return self.tenant == B


def attackers(world: World) -> list[Attacker]:
    """Generated from the role registry: every tenant-level role in C and in B,
    T's consortium administrator, an SSO session of C, anonymous."""
    return [session_attacker(key) for key in session_attacker_keys(world.tenant_roles)]


def session_attacker_keys(roles) -> list[str]:
    keys = [f"{prefix}:{role}" for prefix in ("c", "b") for role in roles]
    return [*keys, "kons_t", "sso_c", "anonymous"]


def token_attacker_keys(roles) -> list[str]:
    return [*(f"{prefix}:{role}" for prefix in ("c", "b") for role in roles), "anonymous"]


def session_attacker(key: str) -> Attacker:
    if key == "anonymous":
        return Attacker(key, "anonymous", None, None)
    if key == "kons_t":
        return Attacker(key, "user", None, T)
    if key == "sso_c":
        return Attacker(key, "user", C, None, SSO_ROLE, via_sso=True)
    prefix, role = key.split(":", 1)
    return Attacker(key, "user", C if prefix == "c" else B, None, role)


def token_attacker(key: str) -> Attacker:
    if key == "anonymous":
        return Attacker(key, "anonymous", None, None)
    prefix, role = key.split(":", 1)
    return Attacker(key, "token", C if prefix == "c" else B, None, role)


# --- arguments ---------------------------------------------------------------------------

#: Arguments that name one of A's objects: with them the walk also tries the attacker's own
#: organisation in the path (``/t/<own>/records/<A's id>``), the classic IDOR.
OBJECT_ARGUMENTS = frozenset(
    {
        "record_id",
        "attachment_id",
        "share_id",
        "plan_id",
        "measure_id",
        "council_id",
        "meeting_id",
        "assignment_id",
        "agreement_id",
        "pledge_id",
        "round_id",
        "unit_id",
        "area_id",
        "job_id",
        "token_id",
        "review_id",
        "batch_id",
        "note_id",
        "claim_id",
        "invitation_id",
        "token",
        "code",
        "user_id",
        "tenant_slug_",
    }
)


def _record(rule: str, ids: dict) -> Any:
    if "/pictures/" in rule:
        return ids["picture"]
    if "<int:share_id>" in rule:
        return ids["shared_record"]  # the share's own record (A's private one has none)
    return ids["record"]


def _slug(rule: str, ids: dict) -> str:
    return S if rule.startswith("/consortia/") else A


def _code(rule: str, ids: dict) -> str:
    if rule.startswith("/language/"):
        return "en"
    if "/definitions/elements/" in rule or "/elements/" in rule:
        return ids["element"]
    return ids["indicator"]


def _token(rule: str, ids: dict) -> str:
    if rule.startswith("/password/reset/"):
        return "x" * 43
    return ids["export_token"]


def _user(rule: str, ids: dict) -> Any:
    return ids["kons_s"] if rule.startswith("/consortia/") else ids["reader_a"]


def _invitation(rule: str, ids: dict) -> Any:
    """S's own invitation on S's pages; on A's, the one T's administrator sent A."""
    return ids["invitation_from_s"] if rule.startswith("/consortia/") else ids["invitation_to_a"]


def _job(rule: str, ids: dict) -> Any:
    return ids["archive_job"] if "/archive" in rule else ids["export_job"]


#: What each argument name means, per rule where the name is ambiguous.
ARGUMENTS: dict[str, Callable[[str, dict], Any]] = {
    "tenant_slug": lambda rule, ids: A,
    "tenant": lambda rule, ids: A,
    "consortium": lambda rule, ids: S,
    "slug": _slug,
    "tenant_slug_": lambda rule, ids: A,
    "record_id": _record,
    "attachment_id": lambda rule, ids: ids["attachment"],
    "share_id": lambda rule, ids: ids["share"],
    "number": lambda rule, ids: 1,
    "version": lambda rule, ids: 1,
    "plan_id": lambda rule, ids: ids["plan"],
    "measure_id": lambda rule, ids: ids["measure"],
    "council_id": lambda rule, ids: ids["council"],
    "meeting_id": lambda rule, ids: ids["meeting"],
    "assignment_id": lambda rule, ids: ids["assignment"],
    "agreement_id": lambda rule, ids: ids["agreement"],
    "pledge_id": lambda rule, ids: ids["pledge"],
    "round_id": lambda rule, ids: ids["round"],
    "unit_id": lambda rule, ids: ids["round_unit"],
    "area_id": lambda rule, ids: ids["area"],
    "job_id": _job,
    "token_id": lambda rule, ids: ids["token_id"],
    "review_id": lambda rule, ids: ids["review"],
    "batch_id": lambda rule, ids: ids["batch"],
    "note_id": lambda rule, ids: ids["note"],
    "claim_id": lambda rule, ids: ids["claim"],  # A's pending claim on its SSO domain
    "invitation_id": _invitation,
    # the consortium A would leave: S, its own (B, in S too, leaving S from its own page is
    # B's right, so this argument does not name an object of A's)
    "consortium_slug": lambda rule, ids: S,
    "token": _token,
    "code": _code,
    "user_id": _user,
    "name": lambda rule, ids: "testplugin",
    "role": lambda rule, ids: "reader",
    "verb": lambda rule, ids: "withdraw",
    "type_name": lambda rule, ids: "core.document",
    "fmt": lambda rule, ids: "csv",
    "year": lambda rule, ids: 2026,
    "filename": lambda rule, ids: "samverka.js",
    "group": lambda rule, ids: "work",  # a group of A's tenant menu (shell.nav_group)
}

#: For B: the record A shared with B stands in for A's private one (the allowed reads).
SHARED_OVERRIDES = {
    "record_id": "shared_record",
    "attachment_id": "shared_attachment",
    "share_id": "share",
}


class Unfillable(LookupError):
    """The suite does not know what an argument of a rule means."""


#: A URL rule's variable: ``<name>``, ``<int:name>`` or ``<int(min=2000, max=2100):name>``.
RULE_VARIABLE = re.compile(r"<(?:[a-z_]+(?:\([^)]*\))?:)?([a-z_][a-z0-9_]*)>")


def openapi_path(rule: str) -> str:
    """``/t/<int(min=1):x>`` → ``/t/{x}``: the OpenAPI document's spelling of a rule."""
    return RULE_VARIABLE.sub(r"{\1}", rule)


def fill(rule, ids: dict, overrides: dict | None = None) -> dict[str, Any]:
    """The URL values of ``rule`` pointing into A (or S); ``overrides`` by argument name."""
    unknown = sorted(rule.arguments - set(ARGUMENTS))
    if unknown:
        raise Unfillable(
            f"{rule.rule} takes {unknown}: teach tests/security/securitywalk.py ARGUMENTS "
            "what they mean, so that the route is attacked"
        )
    values = {name: ARGUMENTS[name](rule.rule, ids) for name in rule.arguments}
    values.update({k: v for k, v in (overrides or {}).items() if k in rule.arguments})
    return values


# --- classes of rules ----------------------------------------------------------------------


def rule_class(rule) -> str:
    """tenant | consortium | platform | public | self (or "unknown": fails coverage)."""
    path = rule.rule
    if path in PUBLIC:
        return "public"
    if path in SELF:
        return "self"
    if "tenant_slug" in rule.arguments or "tenant" in rule.arguments:
        return "tenant"
    if path.startswith("/consortia/") or "consortium" in rule.arguments:
        return "consortium"
    if path.startswith("/admin/"):
        return "platform"
    return "unknown"


def methods_of(rule) -> list[str]:
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


def is_api(rule) -> bool:
    return rule.rule.startswith("/api/")


def own_overrides(attacker: Attacker, rule) -> dict[str, Any] | None:
    """The attacker's own organisation (or consortium) in the path, A's objects elsewhere:
    None when the attacker has none of the kind the rule needs."""
    kind = rule_class(rule)
    if kind == "tenant":
        if attacker.tenant is None:
            return None
        return {"tenant_slug": attacker.tenant, "tenant": attacker.tenant}
    if kind == "consortium":
        own = attacker.consortium or (T if attacker.tenant == C else None)
        if own is None:
            return None
        return {"slug": own, "consortium": own}
    return None


def names_an_object(rule) -> bool:
    return bool(rule.arguments & OBJECT_ARGUMENTS)


#: Object ids some views take from the query string (``?measure=``): endpoint → query
#: argument → key of the world's ids (or a literal for ``/switch``'s organisation).
QUERY: dict[str, dict[str, str]] = {
    "plan_pages.follow_up": {"measure": "measure"},
    "plan_pages.edit_measure": {"measure": "measure"},
    "plan_pages.new_measure": {"cause": "cause"},
    "council_pages.new_assignment": {"meeting": "meeting"},
    "round_pages.status": {"job": "export_job"},
    "shell.switch_tenant": {"tenant": "=" + A},
}
#: Rules of the caller's own whose query names A (``/switch?tenant=A``): refused.
QUERY_INTO_A = {"shell.switch_tenant"}


def build(app, rule, values: dict, method: str, ids: dict | None = None) -> str:
    from urllib.parse import urlencode

    with app.test_request_context():
        path = app.url_map.bind("localhost").build(rule.endpoint, values, method=method)
    query = QUERY.get(rule.endpoint)
    if query and ids is not None:
        filled = {k: v[1:] if v.startswith("=") else ids[v] for k, v in query.items()}
        path += "?" + urlencode(filled)
    return path


# --- API bodies ----------------------------------------------------------------------------


def example_body(document: dict, rule: str, method: str) -> dict:
    """A body that passes the operation's schema (its required fields, plausibly typed), so
    that a 422 cannot hide what the view does with A's object."""
    path = openapi_path(rule)
    operation = document["paths"].get(path, {}).get(method.lower(), {})
    content = operation.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    if schema is None:
        return {}
    return _example(document, schema) or {}


def _example(document: dict, schema: dict, depth: int = 0) -> Any:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return _example(document, document["components"]["schemas"][name], depth)
    for combined in ("allOf", "oneOf", "anyOf"):
        if combined in schema:
            return _example(document, schema[combined][0], depth)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "object":
        if depth > 3:
            return {}
        required = set(schema.get("required", ()))
        return {
            name: _example(document, spec, depth + 1)
            for name, spec in schema.get("properties", {}).items()
            if name in required
        }
    if kind == "array":
        return []
    if kind == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if kind == "number":
        return 1
    if kind == "boolean":
        return True
    if schema.get("format") == "date":
        return "2026-02-01"
    if schema.get("format") == "date-time":
        return "2026-02-01T10:00:00+00:00"
    if schema.get("format") == "email":
        return "x@mellerud.test"
    return "x" * max(1, int(schema.get("minLength", 1)))
