"""Where a request to the benchmark page spends its time, in-process (no gunicorn, no wrk).

    .venv/bin/python bench/profile_page.py [--rows 10000] [--requests 500] [--profile]
                                           [--pg-url SUPERUSER_URL]

Builds the same database as ``run.py`` (throwaway PostgreSQL, owner and app roles, the
benchmark plugin's table), then serves the page through each app's Flask test client: the
Samverka app (production settings, connected as the RLS-bound app role), ``bare.py`` and
``bare_page.py``. It first checks that all three list the same rows and that bare_page's
page is Samverka's, then prints each app's time per request (median of interleaved batches,
wall and CPU) and, with ``--profile``,
the functions where Samverka's request spends most of its time. Quicker and steadier than a
wrk run while working on the request path; ``run.py`` remains the measurement of record.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from cryptography.fernet import Fernet

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import run  # noqa: E402


def build_database(
    rows: int, port: int, pg_url: str | None = None
) -> tuple[run.Postgres | run.ExistingPostgres, dict, dict]:
    postgres = run.ExistingPostgres(pg_url) if pg_url else run.Postgres(port)
    postgres.start()
    run.create_roles(postgres)
    args = argparse.Namespace(owner_load=False, tenant=run.generate.DEFAULT_TENANT)
    db, data = run.prepare_size(rows, postgres, args)
    return postgres, db, data


def check_pages(clients: dict, path: str) -> None:
    """Before any timing: the three apps list the same rows, and bare_page's page is
    Samverka's (but for the CSRF token and CSP nonce), on the first and the older page."""
    pages = {name: client.get(path).get_data(as_text=True) for name, client in clients.items()}
    ids = {name: run.ROW_ID.findall(page) for name, page in pages.items()}
    if len({tuple(found) for found in ids.values()}) != 1 or not ids["samverka"]:
        raise SystemExit(f"the apps list different rows: {ids}")
    older = f"{path}?before={ids['samverka'][-1]}"
    for which, url in (("first", path), ("older", older)):
        samverka = clients["samverka"].get(url).get_data(as_text=True)
        checked = run.compare_pages(samverka, clients["bare_page"].get(url).get_data(as_text=True))
        if not checked["same_document_but_csrf"]:
            diff = "\n".join(checked["document_diff"])
            raise SystemExit(f"bare_page's {which} page is not Samverka's:\n{diff}")
    print("pages checked: the same rows, bare_page's page is Samverka's")


def app_environment(db: dict, data: dict, instance: Path) -> dict[str, str]:
    return {
        "SAMVERKA_ENV": "production",
        "SAMVERKA_DATABASE_URL": db["app"],
        "SAMVERKA_DATABASE_OWNER_URL": db["owner"],
        "SAMVERKA_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "SAMVERKA_SECRET_KEY": secrets.token_urlsafe(48),
        "SAMVERKA_REDIS_URL": "redis://127.0.0.1:9/0",
        # production requires both; the benchmark sends no mail
        "SAMVERKA_SMTP_HOST": "127.0.0.1",
        "SAMVERKA_PUBLIC_URL": "http://127.0.0.1",
        "SAMVERKA_INSTANCE_PATH": str(instance),
        "SAMVERKA_LOG_LEVEL": "WARNING",
        "BENCH_DATABASE_URL": db["app"],
        "BENCH_TENANT_ID": str(data["tenant_id"]),
        "BENCH_USER_ID": str(data["reader_id"]),
        "BENCH_SECRET_KEY": secrets.token_urlsafe(48),
    }


def logged_in_client(app, email: str, password: str):
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"  # the cookie is Secure
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token.group(1)}
    )
    if response.status_code != 302:
        raise SystemExit(f"log-in failed: HTTP {response.status_code}")
    return client


def per_request_ms(clients: dict, path: str, count: int, batch: int = 25) -> dict:
    """Median over interleaved batches of each app's wall and CPU time per request.

    The apps take turns batch by batch, so a burst of load elsewhere on the machine hits all
    of them alike; CPU time (this process only) leaves out waiting for PostgreSQL.
    """
    batch = min(batch, count)
    for client in clients.values():  # warm caches, pools and Jinja
        for _ in range(min(50, count)):
            assert client.get(path).status_code == 200
    wall: dict[str, list[float]] = {name: [] for name in clients}
    cpu: dict[str, list[float]] = {name: [] for name in clients}
    for _ in range(max(1, count // batch)):
        for name, client in clients.items():
            started, started_cpu = time.perf_counter(), time.process_time()
            for _ in range(batch):
                client.get(path)
            wall[name].append((time.perf_counter() - started) / batch * 1000)
            cpu[name].append((time.process_time() - started_cpu) / batch * 1000)
    return {name: (statistics.median(wall[name]), statistics.median(cpu[name])) for name in clients}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--pg-port", type=int, default=55533)
    parser.add_argument("--pg-url", help="superuser URL of a running PostgreSQL (run.py's)")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args(argv)
    instance = Path(tempfile.mkdtemp(prefix="samverka-profile."))
    (BENCH / "results").mkdir(exist_ok=True)
    postgres, db, data = build_database(args.rows, args.pg_port, args.pg_url)
    try:
        os.environ.update(app_environment(db, data, instance))
        import bare
        import bare_page
        import wsgi

        path = f"/t/{data['tenant_slug']}/{run.samverka_benchplugin.NAME}/"
        clients = {
            "bare_minimal": bare.app.test_client(),
            "bare_page": bare_page.app.test_client(),
            "samverka": logged_in_client(wsgi.app, data["reader_email"], data["reader_password"]),
        }
        clients["samverka"].get(path)  # the first page view stores the CSRF token
        check_pages(clients, path)
        timings = per_request_ms(clients, path, args.requests)
        for name, (wall, cpu) in timings.items():
            ratio_wall = timings["bare_page"][0] / wall
            ratio_cpu = timings["bare_page"][1] / cpu
            print(
                f"{name:>13}: {wall:.3f} ms/request wall, {cpu:.3f} ms CPU;"
                f" bare_page / this: {ratio_wall:.2f} wall, {ratio_cpu:.2f} CPU"
            )
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.requests):
                clients["samverka"].get(path)
            profiler.disable()
            profiler.dump_stats(str(BENCH / "results" / "profile_page.pstats"))
            stats = pstats.Stats(profiler).sort_stats("cumulative")
            stats.print_stats(args.top)
            stats.sort_stats("tottime").print_stats(args.top)
    finally:
        postgres.stop()
        shutil.rmtree(instance, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
