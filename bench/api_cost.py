"""The REST API in the benchmark: a token, the JSON check, the token check's cost, the report.

``run.py`` measures ``GET /api/v1/tenants/<slug>/benchplugin/items`` (the plugin's 50 newest
rows as JSON, bearer token) under wrk against ``bare_api.py`` (the same SQL and the same
JSON, no token, no checks), in the same rounds as the page. Then, in-process, it measures what
the token check costs an API request (:func:`token_check_cost`).
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import requests
from cryptography.fernet import Fernet

import samverka_benchplugin

TARGET_TOKEN_SHARE = 0.10
WARMUP, REQUESTS = 30, 400


def issue_token(owner_url: str, data: dict) -> str:
    """An API token for the benchmark's reader in the benchmarked tenant (via the service)."""
    from sqlalchemy import select

    from samverka.auth import tokens
    from samverka.auth.models import User
    from samverka.db import TenantScope, make_engine, make_session_factory, scoped
    from samverka.tenants.models import Tenant

    engine = make_engine(owner_url)
    session = make_session_factory(engine)()
    try:
        tenant = session.get(Tenant, data["tenant_id"])
        user = session.scalar(select(User).where(User.email == data["reader_email"]))
        with scoped(session, TenantScope.for_tenant(tenant.id)):
            issued = tokens.issue_token(session, user, tenant, name="benchmark")
        session.commit()
        return issued.raw
    finally:
        session.close()
        engine.dispose()


def check_api(targets: list) -> dict:
    """Both API servers answer the same JSON (rows and ``next`` cursor) on two pages."""
    bodies = {}
    for target in targets:
        headers = {"Authorization": target.cookie.split(": ", 1)[1]} if target.cookie else {}
        first = requests.get(target.server.url(target.path), headers=headers, timeout=30)
        if first.status_code != 200:
            raise SystemExit(f"{target.server.name}: GET {target.path} -> {first.status_code}")
        following = first.json()["next"]
        second = requests.get(target.server.url(following), headers=headers, timeout=30)
        bodies[target.app] = (first.text, second.text)
        items = first.json()["items"] + second.json()["items"]
        if len(items) != 2 * samverka_benchplugin.PAGE_SIZE:
            raise SystemExit(f"{target.app}: the API pages are not full")
    same = bodies["samverka_api"] == bodies["bare_api"]
    parsed = {app: [json.loads(b) for b in pair] for app, pair in bodies.items()}
    if parsed["samverka_api"] != parsed["bare_api"]:
        raise SystemExit("the API and bare_api list different JSON")
    return {"same_json": True, "same_bytes": same}


def token_check_cost(
    db: dict, data: dict, instance: Path, secret: str, count: int = REQUESTS, warmup: int = WARMUP
) -> dict:
    """What the token check costs an API request, in-process (Flask test client, production
    settings, the RLS-bound app role): the same endpoint with the real check and with a stub
    that hands over the same caller without looking the token up (it still scopes the
    session to the tenant, and the view still asks ``authorize()``). Also the wall time
    spent inside ``authenticate`` (an upper bound: it includes the connection checkout and
    the scope round trip the list would pay anyway). Medians of per-request wall times, the two
    variants alternating request by request: robust against the load spikes of a shared
    machine."""
    from samverka.api import access
    from samverka.app import create_app
    from samverka.config import Settings
    from samverka.db import TenantScope, set_scope
    from samverka.runtime import db_session

    settings = Settings(
        instance_path=instance,
        env="production",
        database_url=db["app"],
        database_owner_url=db["owner"],
        secret_key=secret,
        encryption_keys=Fernet.generate_key().decode(),
        redis_url="redis://127.0.0.1:9/0",
        smtp_host="127.0.0.1",  # production requires it; no mail is sent here
        public_url="http://127.0.0.1",
        log_level="WARNING",
    ).with_defaults()
    app = create_app(settings, extra_plugins=[(samverka_benchplugin.NAME, samverka_benchplugin)])
    client = app.test_client()
    path = f"/api/v1/tenants/{data['tenant_slug']}/{samverka_benchplugin.NAME}/items"
    headers = {"Authorization": f"Bearer {data['api_token']}"}
    original = access.authenticate
    with app.test_request_context(path, headers=headers):
        known = original()
    inside: list[float] = []

    def timed() -> access.Caller:
        started = time.perf_counter()
        try:
            return original()
        finally:
            inside.append(time.perf_counter() - started)

    def without_check() -> access.Caller:
        set_scope(db_session(), TenantScope.for_tenant(known.tenant.id))
        return known

    def once(check: Callable) -> float:
        access.authenticate = check
        started = time.perf_counter()
        client.get(path, headers=headers)
        return time.perf_counter() - started

    try:
        for _ in range(warmup):
            once(timed), once(without_check)
        inside.clear()
        with_check, without = [], []
        for n in range(count):  # request by request, alternating, the order flipping
            pair = (timed, without_check) if n % 2 else (without_check, timed)
            for check in pair:
                (with_check if check is timed else without).append(once(check))
    finally:
        access.authenticate = original
        app.extensions["samverka"].engine.dispose()
    median_with, median_without = statistics.median(with_check), statistics.median(without)
    return {
        "requests": count,
        "request_ms": round(median_with * 1000, 3),
        "request_without_check_ms": round(median_without * 1000, 3),
        "token_check_share": round(1 - median_without / median_with, 4),
        "inside_authenticate_ms": round(statistics.median(inside) * 1000, 3),
        "inside_authenticate_share": round(statistics.median(inside) / median_with, 4),
    }


def api_entry(targets: list, rows: int, cost: dict, paired: Callable, ratios: Callable) -> dict:
    samverka, bare = paired(targets, rows, "samverka_api"), paired(targets, rows, "bare_api")
    per_round = ratios(samverka, bare)
    return {
        "samverka_api": samverka.result(),
        "bare_api": bare.result(),
        "ratio_vs_bare_api": round(statistics.median(per_round), 3),
        "ratio_vs_bare_api_per_round": [round(r, 3) for r in per_round],
        "token_check": cost,
    }


def api_summary(sizes: list[dict]) -> dict:
    share = max(e["api"]["token_check"]["token_check_share"] for e in sizes)
    return {
        "min_ratio_api_vs_bare_api": min(e["api"]["ratio_vs_bare_api"] for e in sizes),
        "max_token_check_share": share,
        "target_token_check_share": TARGET_TOKEN_SHARE,
        "token_check_ok": share < TARGET_TOKEN_SHARE,
    }


def print_api(report: dict) -> None:
    print("\nREST API (JSON list of the same 50 rows, bearer token) vs bare_api.py (same SQL):")
    print(
        f"{'rows':>9} | {'api r/s':>8} {'p50':>8} {'stmt':>4} | {'bare r/s':>8} {'p50':>8} "
        f"{'stmt':>4} | {'ratio':>5} | {'request':>8} {'no check':>8} {'share':>6} {'inside':>6}"
    )
    for size in report["sizes"]:
        api = size["api"]
        s, b, cost = api["samverka_api"], api["bare_api"], api["token_check"]
        print(
            f"{size['rows']:>9,} | {s['requests_per_s']:>8.1f} {s['p50_ms']:>6.1f}ms "
            f"{s['db']['statements_per_request']:>4.1f} | {b['requests_per_s']:>8.1f} "
            f"{b['p50_ms']:>6.1f}ms {b['db']['statements_per_request']:>4.1f} | "
            f"{api['ratio_vs_bare_api']:>5.2f} | {cost['request_ms']:>6.2f}ms "
            f"{cost['request_without_check_ms']:>6.2f}ms {cost['token_check_share']:>6.1%} "
            f"{cost['inside_authenticate_share']:>6.1%}"
        )
        rounds = " ".join(f"{r:.2f}" for r in api["ratio_vs_bare_api_per_round"])
        print(f"{'':>9}   per round: {rounds}")
    summary = report["summary"]
    print(
        "in-process, per API request: with the token check, with a stub that skips the lookup; "
        "share = 1 - no check / request;\ninside = time inside authenticate() (an upper bound: "
        "with the connection checkout and scope round trip any request pays);\n"
        f"token check share of the request: max {summary['max_token_check_share']:.1%} "
        f"(target < {TARGET_TOKEN_SHARE:.0%}) "
        f"{'PASS' if summary['token_check_ok'] else 'FAIL'}"
    )
