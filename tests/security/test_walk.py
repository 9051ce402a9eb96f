"""Every route and API operation, tried by every identity of another organisation.

For each rule of the URL map (each method; unsafe ones with a valid CSRF token of the
attacker's own session) whose arguments point into organisation A or its consortium S, every
attacker must get 403/404 (anonymous: 401 or the log-in page), and an unsafe request must
change nothing in the database. Rules naming one of A's objects are also tried with the
attacker's own organisation in the path (``/t/<own>/records/<A's id>``). The API's
operations get the same with the attackers' tokens (problem+json). Every answer is searched
for the canary that A's private data carries. ``test_every_rule_and_operation_is_covered``
fails when a rule or operation is added that the walk cannot fill or classify.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from securitykit import CANARY, A
from securitywalk import (
    MEMBER_READS_API,
    PUBLIC,
    PUBLISHED,
    QUERY_INTO_A,
    RULE_VARIABLE,
    SHARED_OVERRIDES,
    SHARED_READS_API,
    SHARED_READS_WEB,
    UNSAFE,
    Attacker,
    build,
    example_body,
    fill,
    is_api,
    methods_of,
    names_an_object,
    own_overrides,
    rule_class,
    session_attacker,
    token_attacker,
)

REFUSED = (403, 404)
SCANNERS = ("tenant_admin",)  # roles whose own pages are searched for A's canary
PROBLEM = "application/problem+json"


@dataclass
class Findings:
    """What went wrong, one line each, for one failure message."""

    lines: list[str] = field(default_factory=list)
    requests: int = 0

    def add(self, line: str) -> None:
        self.lines.append(line)

    def report(self) -> str:
        return f"{len(self.lines)} finding(s) in {self.requests} requests:\n" + "\n".join(
            self.lines[:80]
        )


class Counts:
    """Row counts outside the attacker's own rows, read after each unsafe request and
    compared with the previous reading (GETs in between change nothing outside, or the
    end-of-test comparison of every row reports it)."""

    def __init__(self, arena, own: tuple[int, int]) -> None:
        self.arena, self.own = arena, own
        self.last = arena.fingerprint.counts(own)

    def check(self, findings: Findings, what: str) -> None:
        now = self.arena.fingerprint.counts(self.own)
        if now != self.last:
            changed = sorted(k for k in now if now[k] != self.last.get(k))
            findings.add(f"{what} changed {changed}")
        self.last = now


def rules_of(app, *, api: bool) -> list:
    return sorted((r for r in app.url_map.iter_rules() if is_api(r) == api), key=lambda r: r.rule)


def ids_of(arena) -> dict:
    return arena.world.ids


# --- the web ------------------------------------------------------------------------------


def web_variants(attacker: Attacker, rule, ids: dict) -> list[tuple[str, dict, bool]]:
    """(label, URL values, refusal expected) for one rule and attacker."""
    kind = rule_class(rule)
    found = [("A", fill(rule, ids), True)] if kind in ("tenant", "consortium", "platform") else []
    own = own_overrides(attacker, rule)
    if own is not None:
        # in its own organisation the attacker may use the page; what it must not reach is
        # A's object named in the path. Its own pages without such an object are only read
        # for the canary, by the one who sees most of them (the time goes to the rest).
        if names_an_object(rule) or attacker.role in SCANNERS or attacker.via_sso:
            found.append(("own", fill(rule, ids, own), names_an_object(rule)))
        if attacker.in_b and "record_id" in rule.arguments:
            shared = {k: ids[v] for k, v in SHARED_OVERRIDES.items()}
            found.append(("shared", fill(rule, ids, {**own, **shared}), None))
    if kind in ("public", "self"):
        found.append(("open", fill(rule, ids), rule.endpoint in QUERY_INTO_A))
    return found


def hostile_form(attacker: Attacker) -> dict[str, str]:
    """Fields the administrative forms read, filled as an attacker would: A named where an
    organisation is asked for, the strongest role, the attacker's own address. A view that
    read its form before deciding would act on them (and the state check would see it)."""
    return {
        "tenant": A,
        "role": "tenant_admin",
        "email": f"{attacker.key.replace(':', '-')}@mellerud.test",
        "name": "Angripare",
        "config": '{"greeting": "pwned"}',
        "confirm": A,
        "kind": "records.list",
        "format": "csv",
    }


def send_web(arena, attacker: Attacker, path: str, method: str, rule):
    if rule.rule in PUBLIC:
        # the same for anyone; the log-in pages would also end the attacker's session
        return arena.app.test_client().get(path)
    client = arena.clients[attacker.key]
    if method == "GET":
        return client.get(path)
    data = {**hostile_form(attacker), "csrf_token": arena.csrf[attacker.key]}
    if rule.endpoint.endswith("upload") or "attachments" in rule.rule:
        data["file"] = (io.BytesIO(b"%PDF-1.4 x"), "x.pdf", "application/pdf")
    return client.open(path, method=method, data=data)


def judge_web(attacker, rule, method, label, expect_refusal, response) -> str | None:
    """A finding, or None when the answer is what the attacker may get."""
    status = response.status_code
    body = response.get_data(as_text=True) if _textual(response) else ""
    where = f"{method} {rule.rule} [{label}] → {status}"
    if status >= 500:
        return f"{where}: server error"
    if CANARY in body and rule.rule not in PUBLISHED:
        return f"{where}: shows A's private data"
    if label == "shared":
        allowed = method == "GET" and rule.endpoint in SHARED_READS_WEB
        if status in REFUSED or (allowed and status == 200):
            return None
        if method != "GET" and status == 422:
            return None  # the receiver's change refused by the service (nothing changes)
        return f"{where}: B must not {method} A's shared record here"
    if not expect_refusal:
        return None
    if attacker.kind == "anonymous":
        if status == 401 or (status == 302 and "/login" in response.headers.get("Location", "")):
            return None
        return f"{where}: anonymous not sent to log in"
    if status in REFUSED:
        return None
    return f"{where}: not refused"


def _textual(response) -> bool:
    kind = response.content_type or ""
    return kind.startswith(("text/", "application/json", PROBLEM, "application/xml"))


def walk_web(arena, attacker: Attacker, own: tuple[int, int]) -> Findings:
    findings, counts = Findings(), Counts(arena, own)
    ids = ids_of(arena)
    for rule in rules_of(arena.app, api=False):
        for label, values, expect_refusal in web_variants(attacker, rule, ids):
            for method in methods_of(rule):
                if method != "GET" and (label == "open" or expect_refusal is False):
                    continue  # own pages and public forms: only read, for the canary
                path = build(arena.app, rule, values, method, ids)
                response = send_web(arena, attacker, path, method, rule)
                findings.requests += 1
                finding = judge_web(attacker, rule, method, label, expect_refusal, response)
                if finding:
                    findings.add(f"{finding} ({path})")
                if method in UNSAFE:
                    counts.check(findings, f"{method} {path} [{label}]")
    return findings


def test_every_web_route_refuses_each_attacker(arena, attacker_key, request):
    attacker = session_attacker(attacker_key)
    if attacker.via_sso:
        arena.use_sso(request.getfixturevalue("sso_provider"))
    own = arena.prepare(attacker)
    findings = walk_web(arena, attacker, own)
    changed = arena.ensure_clean(own)
    if changed:
        findings.add(f"the walk left the database changed: {changed}")
    assert not findings.lines, findings.report()


# --- the API ------------------------------------------------------------------------------


def api_variants(attacker: Attacker, rule, ids: dict) -> list[tuple[str, dict, bool]]:
    kind = rule_class(rule)
    found = []
    if kind == "tenant":
        found.append(("A", fill(rule, ids), True))
        if attacker.tenant is not None:
            own = {"tenant": attacker.tenant}
            found.append(("own", fill(rule, ids, own), names_an_object(rule)))
            if attacker.in_b and "record_id" in rule.arguments:
                shared = {k: ids[v] for k, v in SHARED_OVERRIDES.items()}
                found.append(("shared", fill(rule, ids, {**own, **shared}), None))
    elif kind == "consortium":
        member = attacker.in_b and rule.endpoint in MEMBER_READS_API
        found.append(("S", fill(rule, ids), not member))
    else:
        found.append(("open", fill(rule, ids), False))
    return found


def send_api(arena, attacker: Attacker, path: str, method: str, rule):
    client = arena.app.test_client()
    headers = {}
    if attacker.kind == "token":
        headers["Authorization"] = f"Bearer {arena.world.tokens[attacker.key]}"
    view = arena.app.view_functions.get(rule.endpoint)
    if method in ("POST", "PUT", "PATCH") and getattr(view, "api_multipart", False):
        upload = (io.BytesIO(b"%PDF-1.4 x"), "x.pdf", "application/pdf")
        return client.open(path, method=method, data={"file": upload}, headers=headers)
    if method in ("POST", "PUT", "PATCH"):
        body = example_body(arena.openapi(), rule.rule, method)
        return client.open(path, method=method, json=body, headers=headers)
    return client.open(path, method=method, headers=headers)


def judge_api(attacker, rule, method, label, expect_refusal, response) -> str | None:
    status = response.status_code
    body = response.get_data(as_text=True) if _textual(response) else ""
    where = f"{method} {rule.rule} [{label}] → {status}"
    if status >= 500:
        return f"{where}: server error"
    if CANARY in body:
        return f"{where}: shows A's private data"
    if label == "shared":
        allowed = method == "GET" and rule.endpoint in SHARED_READS_API
        if (status in REFUSED and response.content_type == PROBLEM) or (allowed and status == 200):
            return None
        return f"{where}: B must not {method} A's shared record here"
    if not expect_refusal:
        return None
    wanted = (401,) if attacker.kind == "anonymous" else REFUSED
    if status not in wanted:
        return f"{where}: not refused"
    if response.content_type != PROBLEM:
        return f"{where}: refusal is not problem+json"
    return None


def walk_api(arena, attacker: Attacker, own: tuple[int, int]) -> Findings:
    findings, counts = Findings(), Counts(arena, own)
    ids = ids_of(arena)
    for rule in rules_of(arena.app, api=True):
        if rule.rule in PUBLIC:
            continue
        for label, values, expect_refusal in api_variants(attacker, rule, ids):
            for method in methods_of(rule):
                if method != "GET" and expect_refusal is False:
                    continue
                path = build(arena.app, rule, values, method, ids)
                response = send_api(arena, attacker, path, method, rule)
                findings.requests += 1
                finding = judge_api(attacker, rule, method, label, expect_refusal, response)
                if finding:
                    findings.add(f"{finding} ({path})")
                if method in UNSAFE:
                    counts.check(findings, f"{method} {path} [{label}]")
    return findings


def test_every_api_operation_refuses_each_token(arena, token_key):
    attacker = token_attacker(token_key)
    own = arena.prepare(attacker)
    findings = walk_api(arena, attacker, own)
    changed = arena.ensure_clean(own)
    if changed:
        findings.add(f"the walk left the database changed: {changed}")
    assert not findings.lines, findings.report()


# --- coverage -------------------------------------------------------------------------------


def openapi_rule(path: str) -> str:
    """``/api/v1/tenants/{tenant}/records/{record_id}`` → the URL map's spelling (no
    converters): compared after removing them from the rule too."""
    return re.sub(r"\{([^}]+)\}", r"<\1>", path)


def plain(rule: str) -> str:
    """Without converters (and their arguments: ``<int(min=2000, max=2100):year>``)."""
    return RULE_VARIABLE.sub(r"<\1>", rule)


def test_every_rule_and_operation_is_covered(arena):
    """Every rule is classified and fillable; every OpenAPI operation is a rule the API walk
    sends (and every API rule but the documents is in the OpenAPI document)."""
    app, ids = arena.app, ids_of(arena)
    problems = []
    for rule in app.url_map.iter_rules():
        if rule_class(rule) == "unknown":
            problems.append(f"{rule.rule}: in no class (tenant, consortium, platform, ...)")
            continue
        try:
            values = fill(rule, ids)
            for method in methods_of(rule):
                build(app, rule, values, method)
        except LookupError as error:
            problems.append(str(error))
    walked = {
        (plain(r.rule), m)
        for r in rules_of(app, api=True)
        if r.rule not in PUBLIC
        for m in methods_of(r)
    }
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    operations = {
        (openapi_rule(path), method.upper())
        for path, item in document["paths"].items()
        for method in item
        if method.upper() in ("GET", "POST", "PUT", "PATCH", "DELETE")
    }
    assert len(operations) >= 60, len(operations)
    problems += [f"OpenAPI {m} {p} is not walked" for p, m in sorted(operations - walked)]
    problems += [f"{m} {p} is not in the OpenAPI document" for p, m in sorted(walked - operations)]
    assert not problems, "\n".join(problems)


def test_the_owner_reaches_every_object_the_walk_names(arena):
    """The walk's values are real: A's administrator (S's for consortium pages, the
    platform's for /admin) GETs every filled page without 403/404, so an attacker's 404 is
    a refusal, not a typo. A's token does the same for the API."""
    owners = {
        "tenant": arena.owner_client("admin_a"),
        "consortium": arena.owner_client("kons_s"),
        "platform": arena.owner_client("platform"),
    }
    token = arena.world.tokens["a:tenant_admin"]
    ids, missing = ids_of(arena), []
    for rule in arena.app.url_map.iter_rules():
        kind = rule_class(rule)
        if kind not in owners or "GET" not in (rule.methods or ()):
            continue
        path = build(arena.app, rule, fill(rule, ids), "GET", ids)
        if is_api(rule):
            response = arena.app.test_client().get(
                path, headers={"Authorization": f"Bearer {token}"}
            )
        else:
            response = owners[kind].get(path)
        if response.status_code in (401, 403, 404) or response.status_code >= 500:
            missing.append(f"GET {path} → {response.status_code}")
    arena.rebaseline()  # the owners' log-ins and reads are theirs to make
    assert not missing, "\n".join(missing)
