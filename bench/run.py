"""One whole benchmark run: throwaway PostgreSQL, data, Samverka vs two bare Flask baselines.

    /tmp/venv/bin/python bench/run.py [--sizes 10000,100000,1000000] [--rounds 5] [--duration 3]
    .venv/bin/python bench/run.py --smoke --pg-url $SAMVERKA_TEST_POSTGRES_URL   # seconds, no wrk

One database per size (same directory, ``bench_items`` with that many rows), and for each
size three gunicorn servers with the same settings: the Samverka app with the benchmark
plugin (``bench/wsgi.py``), the minimal baseline (``bench/bare.py``: same SQL, a bare HTML
table) and the page baseline (``bench/bare_page.py``: same SQL, Samverka's own templates with a
fixed context). All nine run side by side; only the one under wrk does any work. After
checking that all three list the same 50 rows on both pages, and that the page baseline's
table and ``<main>`` text are Samverka's, the measurement runs in rounds: in every round each
(size, app) gets one short wrk window, one after the other. Ratios and latency growth are
computed per round from windows seconds apart, then the median over the rounds is reported —
on a shared machine whose load drifts, that pairing matters more than long windows. Results
go to ``bench/results/<timestamp>.json``; a table is printed. See bench/README.md.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import requests
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import api_cost  # noqa: E402
import generate  # noqa: E402

import samverka_benchplugin  # noqa: E402

OWNER_ROLE = "samverka_owner"
APP_ROLE = "samverka_app"
# Samverka in the middle: in either direction of a round, each baseline's window is next to
# the Samverka window it is paired with.
APPS = ("bare_minimal", "samverka", "bare_page")
BASELINES = {"minimal": "bare_minimal", "page": "bare_page"}
# The REST API's list of the same rows (JSON, bearer token) against a bare JSON endpoint.
API_APPS = ("bare_api", "samverka_api")
TARGET_RATIO = 0.7
TARGET_GROWTH = 1.3


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# PostgreSQL: the approach of bin/services, on its own port and data directory


def pg_bin() -> Path:
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    if not found:
        raise SystemExit("no PostgreSQL binaries under /usr/lib/postgresql")
    return found[-1]


def as_postgres(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the 'postgres' user then."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.getuid() == 0 else cmd


@dataclass
class Postgres:
    port: int
    datadir: Path = field(
        default_factory=lambda: Path(tempfile.mkdtemp(prefix="samverka-bench-pg."))
    )
    started: bool = False

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        binaries = pg_bin()
        if os.getuid() == 0:
            shutil.chown(self.datadir, "postgres", "postgres")
        initdb = [str(binaries / "initdb"), "-D", str(self.datadir), "-U", "postgres"]
        initdb += ["--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]
        subprocess.run(as_postgres(initdb), check=True, capture_output=True)
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port}"
            f" -c unix_socket_directories={self.datadir}"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            # the bulk load skips WAL: TRUNCATE and COPY in one transaction
            " -c wal_level=minimal -c max_wal_senders=0"
            " -c max_connections=100 -c shared_buffers=512MB"
            " -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all"
        )
        pg_ctl = [str(binaries / "pg_ctl"), "-D", str(self.datadir)]
        pg_ctl += ["-l", str(self.datadir / "server.log"), "-w", "-t", "60", "-o", options]
        subprocess.run(as_postgres([*pg_ctl, "start"]), check=True, capture_output=True)
        self.started = True

    #: pg_stat_statements is preloaded, so the report can count each request's statements.
    statement_stats = True

    @property
    def where(self) -> str:
        return f"127.0.0.1:{self.port} in {self.datadir}"

    def database_name(self, rows: int) -> str:
        return f"samverka_bench_{rows}"

    def stop(self) -> None:
        if self.started:
            pg_ctl = [str(pg_bin() / "pg_ctl"), "-D", str(self.datadir), "-m", "fast", "-w"]
            subprocess.run(as_postgres([*pg_ctl, "stop"]), check=False, capture_output=True)
            self.started = False
        shutil.rmtree(self.datadir, ignore_errors=True)


@dataclass
class ExistingPostgres:
    """A PostgreSQL server that is already running (``--pg-url``: a superuser URL, e.g. the
    test suite's ``SAMVERKA_TEST_POSTGRES_URL``). Why: a smoke run in the test suite must not
    pay for an ``initdb`` and a server start. Its databases get names of their own (this
    process's id) and are dropped at the end; the roles are shared with the suite's (same
    names, same attributes). Without ``pg_stat_statements`` preloaded there are no statement
    counts (reported as such)."""

    admin_url: str
    databases: list[str] = field(default_factory=list)
    statement_stats = False

    @property
    def where(self) -> str:
        return make_url(self.admin_url).render_as_string(hide_password=True)

    def database_name(self, rows: int) -> str:
        name = f"samverka_bench_{os.getpid()}_{rows}"
        self.databases.append(name)
        return name

    def start(self) -> None:
        """Nothing to start."""

    def stop(self) -> None:
        admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                for name in self.databases:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            admin.dispose()
        self.databases.clear()


def create_roles(postgres: Postgres | ExistingPostgres) -> None:
    """Owner and app roles (unless they exist); neither may bypass row-level security."""
    admin = create_engine(postgres.admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(4711)"))  # as samverka.testing does
            for role in (OWNER_ROLE, APP_ROLE):
                if not conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}):
                    conn.execute(text(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS"))
            conn.execute(text("SELECT pg_advisory_unlock(4711)"))
            if postgres.statement_stats:
                conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_stat_statements"))
    finally:
        admin.dispose()


def create_database(admin_url: str, name: str) -> dict[str, str]:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name} OWNER {OWNER_ROLE}"))
    finally:
        admin.dispose()
    base = make_url(admin_url).set(database=name)
    return {
        "name": name,
        "owner": base.set(username=OWNER_ROLE).render_as_string(hide_password=False),
        "app": base.set(username=APP_ROLE).render_as_string(hide_password=False),
        "superuser": base.render_as_string(hide_password=False),
    }


def migrate_database(owner_url: str) -> list[str]:
    """``samverka db upgrade`` with a plugin host that has the benchmark plugin."""
    return generate.migrate_database(owner_url, APP_ROLE)


class Statements:
    """pg_stat_statements of the app role in one database, as deltas between snapshots."""

    def __init__(self, admin_url: str) -> None:
        self.engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")

    def snapshot(self, database: str) -> dict[int, tuple[int, float, str]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT s.queryid, s.calls, s.total_exec_time, s.query"
                    " FROM pg_stat_statements s"
                    " JOIN pg_roles r ON r.oid = s.userid"
                    " JOIN pg_database d ON d.oid = s.dbid"
                    " WHERE r.rolname = :role AND d.datname = :database"
                ),
                {"role": APP_ROLE, "database": database},
            ).all()
        return {row.queryid: (row.calls, row.total_exec_time, row.query) for row in rows}

    def dispose(self) -> None:
        self.engine.dispose()


class NoStatements:
    """No ``pg_stat_statements`` on this server: no statement counts."""

    def snapshot(self, database: str) -> dict[int, tuple[int, float, str]]:
        return {}

    def dispose(self) -> None:
        pass


def add_delta(total: dict, before: dict, after: dict) -> None:
    for queryid, (calls, exec_ms, query) in after.items():
        calls0, exec0, _ = before.get(queryid, (0, 0.0, query))
        seen = total.setdefault(queryid, [0, 0.0, query])
        seen[0] += calls - calls0
        seen[1] += exec_ms - exec0


def db_summary(total: dict, requests_done: int) -> dict:
    per = max(requests_done, 1)
    rows = sorted(total.values(), key=lambda row: (-row[0], -row[1]))
    listing = [query for _calls, _ms, query in rows if "FROM bench_items" in query]
    return {
        "statements_per_request": round(sum(row[0] for row in rows) / per, 2),
        "db_exec_ms_per_request": round(sum(row[1] for row in rows) / per, 3),
        "list_query": listing[0] if listing else None,
        "statements": [
            {
                "calls_per_request": round(calls / per, 2),
                "mean_ms": round(exec_ms / max(calls, 1), 4),
                "query": " ".join(query.split())[:200],
            }
            for calls, exec_ms, query in rows
            if calls / per >= 0.5
        ],
    }


# --------------------------------------------------------------------------------------------
# gunicorn and wrk


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    module: str
    env: dict[str, str]
    workers: int
    port: int = 0
    process: subprocess.Popen | None = None

    def launch(self) -> None:
        self.port = free_port()
        command = [sys.executable, "-m", "gunicorn", "--workers", str(self.workers)]
        command += ["--no-control-socket"]  # gunicorn 25+: one per-user socket path otherwise
        command += ["--threads", "1", "--worker-class", "sync", "--backlog", "2048"]
        command += ["--bind", f"127.0.0.1:{self.port}", "--pythonpath", str(BENCH)]
        command += ["--log-level", "warning", self.module]
        self.process = subprocess.Popen(
            command, env={**os.environ, **self.env}, start_new_session=True
        )

    def wait_ready(self, timeout: float = 180) -> None:
        """Until a worker answers (the master listens at once, workers import for a while)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name}: gunicorn exited with {self.process.returncode}")
            try:
                requests.get(self.url("/"), timeout=10, allow_redirects=False)
                return
            except requests.RequestException:
                time.sleep(0.3)
        raise SystemExit(f"{self.name}: gunicorn did not answer within {timeout:.0f} s")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)  # the master stops its workers
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def log_in(server: Server, email: str, password: str) -> str:
    """POST the real login form (CSRF included); return the ``samverka_session`` cookie.

    In production the cookie is Secure, so it is carried by hand over plain HTTP.
    """
    page = requests.get(server.url("/login"), timeout=30)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text) or re.search(
        r'name="csrf_token" value="([^"]+)"', page.text
    )
    if token is None:
        raise SystemExit("no CSRF token on /login")
    response = requests.post(
        server.url("/login"),
        data={"email": email, "password": password, "csrf_token": token.group(1)},
        headers={"Cookie": f"samverka_session={page.cookies['samverka_session']}"},
        allow_redirects=False,
        timeout=30,
    )
    if response.status_code != 302 or "samverka_session" not in response.cookies:
        raise SystemExit(f"log-in failed: HTTP {response.status_code}")
    return f"samverka_session={response.cookies['samverka_session']}"


ROW_ID = re.compile(r"<tr[^>]*>\s*<td[^>]*>(\d+)</td>")


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def parse_wrk(output: str) -> dict:
    def latency(label: str) -> float | None:
        found = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M)
        return round(float(found.group(1)) * UNITS[found.group(2)], 3) if found else None

    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", output)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return {
        "requests_per_s": float(rps.group(1)) if rps else 0.0,
        "requests": int(total.group(1)) if total else 0,
        "seconds": float(total.group(2)) * UNITS[total.group(3)] / 1000 if total else 0.0,
        "p50_ms": latency("50%"),
        "p75_ms": latency("75%"),
        "p90_ms": latency("90%"),
        "p99_ms": latency("99%"),
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": dict(
            zip(("connect", "read", "write", "timeout"), map(int, errors.groups()), strict=True)
        )
        if errors
        else {},
    }


def run_wrk(url: str, cookie: str | None, seconds: int, args: argparse.Namespace) -> dict:
    """``cookie``: a Cookie value, or a whole header line (``Authorization: Bearer …``)."""
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds}s"]
    command += ["--timeout", "10s", "--latency"]
    if cookie:
        command += ["-H", cookie if cookie.startswith("Authorization:") else f"Cookie: {cookie}"]
    done = subprocess.run([*command, url], check=True, capture_output=True, text=True)
    result = parse_wrk(done.stdout)
    if result["non_2xx"] or not result["requests"]:
        raise SystemExit(f"wrk against {url}: {result['non_2xx']} non-2xx\n{done.stdout}")
    return result


def smoke_window(url: str, cookie: str | None, args: argparse.Namespace) -> dict:
    """``--smoke``: ``--smoke-requests`` requests one after the other instead of a wrk window,
    in wrk's result shape. A smoke run proves the whole path still works (servers, log-in,
    page checks, report); its figures mean nothing, and it needs no wrk."""
    headers = {}
    if cookie:
        name, value = (
            cookie.split(": ", 1) if cookie.startswith("Authorization:") else ("Cookie", cookie)
        )
        headers[name] = value
    times, failed = [], 0
    started = time.perf_counter()
    for _ in range(args.smoke_requests):
        sent = time.perf_counter()
        response = requests.get(url, headers=headers, allow_redirects=False, timeout=30)
        times.append((time.perf_counter() - sent) * 1000)
        failed += response.status_code != 200
    seconds = time.perf_counter() - started
    if failed:
        raise SystemExit(f"{url}: {failed} of {len(times)} requests did not answer 200")
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return {
        "requests_per_s": round(len(times) / seconds, 2),
        "requests": len(times),
        "seconds": seconds,
        "p50_ms": round(statistics.median(times), 3),
        "p75_ms": round(cuts[74], 3),
        "p90_ms": round(cuts[89], 3),
        "p99_ms": round(cuts[98], 3),
        "non_2xx": 0,
        "socket_errors": {},
    }


def window(url: str, cookie: str | None, seconds: int, args: argparse.Namespace) -> dict:
    """One measurement window: wrk, or a few plain requests in a smoke run."""
    return smoke_window(url, cookie, args) if args.smoke else run_wrk(url, cookie, seconds, args)


# --------------------------------------------------------------------------------------------
# the run


@dataclass
class Target:
    """One app serving one size."""

    rows: int
    app: str
    server: Server
    database: str
    path: str = ""
    cookie: str | None = None
    windows: list[dict] = field(default_factory=list)
    statements: dict = field(default_factory=dict)

    def result(self) -> dict:
        requests_done = sum(w["requests"] for w in self.windows)
        seconds = sum(w["seconds"] for w in self.windows)

        def median(key: str) -> float:
            return round(statistics.median(w[key] for w in self.windows), 3)

        return {
            "requests": requests_done,
            "seconds": round(seconds, 2),
            "requests_per_s": round(requests_done / seconds, 1),
            "p50_ms": median("p50_ms"),
            "p90_ms": median("p90_ms"),
            "p99_ms": median("p99_ms"),
            "windows": [
                {k: w[k] for k in ("requests_per_s", "p50_ms", "p99_ms", "socket_errors")}
                for w in self.windows
            ],
            "db": db_summary(self.statements, requests_done),
        }


def prepare_size(
    rows: int, postgres: Postgres | ExistingPostgres, args: argparse.Namespace
) -> tuple[dict, dict]:
    db = create_database(postgres.admin_url, postgres.database_name(rows))
    migrate_database(db["owner"])
    data = generate.generate(
        db["owner"],
        rows,
        load_url=None if args.owner_load else db["superuser"],
        tenant=args.tenant,
    )
    data["api_token"] = api_cost.issue_token(db["owner"], data)
    log(
        f"  {db['name']}: {data['rows']:,} rows ({data['bench_tenant_rows']:,} in "
        f"{data['tenant_slug']}) loaded in {data['load_s']} s by {data['method']}, "
        f"VACUUM ANALYZE {data['vacuum_analyze_s']} s"
    )
    return db, data


def make_targets(
    rows: int, db: dict, data: dict, args: argparse.Namespace, instance: Path, secret: str
) -> list[Target]:
    """The three apps for one size (in ``APPS`` order), with the same gunicorn settings."""
    path = f"/t/{data['tenant_slug']}/{samverka_benchplugin.NAME}/"
    common = {"PYTHONDONTWRITEBYTECODE": "1"}
    samverka_env = {
        **common,
        "SAMVERKA_ENV": "production",
        "SAMVERKA_DATABASE_URL": db["app"],
        "SAMVERKA_DATABASE_OWNER_URL": db["owner"],
        "SAMVERKA_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "SAMVERKA_SECRET_KEY": secret,
        # production requires one; the list page never enqueues a job
        "SAMVERKA_REDIS_URL": "redis://127.0.0.1:9/0",
        # production requires both; the benchmark sends no mail
        "SAMVERKA_SMTP_HOST": "127.0.0.1",
        "SAMVERKA_PUBLIC_URL": "http://127.0.0.1",
        "SAMVERKA_INSTANCE_PATH": str(instance / str(rows)),
        "SAMVERKA_LOG_LEVEL": "WARNING",
    }
    bare_env = {
        **common,
        "BENCH_DATABASE_URL": db["app"],
        "BENCH_TENANT_ID": str(data["tenant_id"]),
        "BENCH_USER_ID": str(data["reader_id"]),
    }
    modules = {
        "samverka": ("wsgi:app", samverka_env),
        "bare_minimal": ("bare:app", bare_env),
        # bare_page reads the layout's context off Samverka's page once, at start-up
        "bare_page": ("bare_page:app", {**samverka_env, **bare_env, "BENCH_SECRET_KEY": secret}),
        "samverka_api": ("wsgi:app", samverka_env),
        "bare_api": ("bare_api:app", {**bare_env, "BENCH_SECRET_KEY": secret}),
    }
    api_path = f"/api/v1/tenants/{data['tenant_slug']}/{samverka_benchplugin.NAME}/items"
    bearer = f"Authorization: Bearer {data['api_token']}"
    servers = {
        app: Server(f"{app}-{rows}", module, env, args.workers)
        for app, (module, env) in modules.items()
    }
    if args.smoke:  # one Samverka server answers both: a smoke run times nothing
        servers["samverka_api"] = servers["samverka"]
    return [Target(rows, app, servers[app], db["name"], path) for app in APPS] + [
        Target(rows, app, servers[app], db["name"], api_path,
               bearer if app == "samverka_api" else None)
        for app in API_APPS
    ]  # fmt: skip


def keep_cookie(server: Server, path: str, cookie: str | None) -> str | None:
    """View the page once and keep the session cookie it sets, as a browser would.

    Samverka's log-in starts a fresh session without the CSRF token; the first page stores
    one (``csrf_token()`` in the layout) and sends the session back. A browser keeps that
    cookie; wrk replays one fixed cookie, so with the log-in cookie every measured request
    would make and write a new session. The page baseline starts one the same way.
    """
    response = fetch(server, path, cookie)
    if "samverka_session" in response.cookies:
        return f"samverka_session={response.cookies['samverka_session']}"
    return cookie


def fetch(server: Server, path: str, cookie: str | None) -> requests.Response:
    headers = {"Cookie": cookie} if cookie else {}
    response = requests.get(server.url(path), headers=headers, allow_redirects=False, timeout=30)
    if response.status_code != 200:
        raise SystemExit(f"{server.name}: GET {path} answered {response.status_code}")
    return response


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def element(page: str, tag: str) -> str | None:
    found = re.search(rf"<{tag}\b.*?</{tag}>", page, re.S)
    return found.group(0) if found else None


def text_of(fragment: str | None) -> str | None:
    if fragment is None:
        return None
    parser = _Text()
    parser.feed(fragment)
    return " ".join("".join(parser.parts).split())


CSRF_VALUE = re.compile(r'(name="csrf_token"[^>]*?value=")[^"]*(")')
NONCE_VALUE = re.compile(r'(nonce=")[^"]*(")')


def blank_tokens(html: str) -> str:
    """The page less what differs on every response: the CSRF token and the CSP nonce."""
    return NONCE_VALUE.sub(r"\1…\2", CSRF_VALUE.sub(r"\1…\2", html))


def compare_pages(samverka: str, page: str) -> dict:
    """The page baseline's HTML against Samverka's for the same rows.

    The ``<table>`` element must be identical and the text of ``<main>`` the same; the whole
    documents are diffed after blanking the CSRF token and CSP nonce, and the differing lines
    recorded.
    """
    table = element(samverka, "table")
    main = text_of(element(samverka, "main"))
    table_equal = table is not None and table == element(page, "table")
    main_equal = main is not None and main == text_of(element(page, "main"))
    diff = [
        line
        for line in difflib.unified_diff(
            blank_tokens(samverka).splitlines(),
            blank_tokens(page).splitlines(),
            "samverka",
            "bare_page",
            n=0,
            lineterm="",
        )
        if not line.startswith("@@")
    ]
    return {
        "table_equal": table_equal,
        "main_text_equal": main_equal,
        "same_document_but_csrf": not diff,
        "document_diff": diff[:60],
        "bytes": {"samverka": len(samverka.encode()), "bare_page": len(page.encode())},
    }


def check_pages(targets: list[Target], data: dict, whole_document: bool = False) -> dict:
    """Log in; check all apps list the same 50 rows (and the same 50 older ones), and that
    the page baseline renders Samverka's table and ``<main>`` for them (``whole_document``:
    the whole page, but for the CSRF token and CSP nonce, as the smoke run demands)."""
    ids, documents, sets_cookie = {}, {}, {}
    for target in targets:
        if target.app == "samverka":
            target.cookie = log_in(target.server, data["reader_email"], data["reader_password"])
        target.cookie = keep_cookie(target.server, target.path, target.cookie)
        response = fetch(target.server, target.path, target.cookie)
        sets_cookie[target.app] = "Set-Cookie" in response.headers
        first = response.text
        first_ids = [int(found) for found in ROW_ID.findall(first)]
        older_path = f"{target.path}?before={first_ids[-1]}" if first_ids else target.path
        older = fetch(target.server, older_path, target.cookie).text
        ids[target.app] = first_ids + [int(found) for found in ROW_ID.findall(older)]
        documents[target.app] = (first, older)
    size = samverka_benchplugin.PAGE_SIZE
    if len({tuple(found) for found in ids.values()}) != 1 or len(ids["samverka"]) != 2 * size:
        raise SystemExit(f"the pages differ or are not full: {ids}")
    if sets_cookie["bare_page"]:
        raise SystemExit("bare_page writes its session on every request")
    checks: dict = {
        which: compare_pages(documents["samverka"][n], documents["bare_page"][n])
        for n, which in enumerate(("first", "older"))
    }
    for which in ("first", "older"):
        same = checks[which]["table_equal"] and checks[which]["main_text_equal"]
        if not same or (whole_document and not checks[which]["same_document_but_csrf"]):
            diff = "\n".join(checks[which]["document_diff"])
            raise SystemExit(f"bare_page's {which} page is not Samverka's:\n{diff}")
    checks["sets_cookie"] = sets_cookie
    return checks


def measure(targets: list[Target], args: argparse.Namespace, statements: Statements) -> None:
    for target in targets:  # warm-up: compiled templates, prepared statements, caches
        window(target.server.url(target.path), target.cookie, args.warmup, args)
    for number in range(1, args.rounds + 1):
        log(f"round {number}/{args.rounds}")
        # ABBA: every other round runs backwards, so a steady drift in the machine's load
        # favours no (size, app)
        for target in targets if number % 2 else reversed(targets):
            before = statements.snapshot(target.database)
            measured = window(target.server.url(target.path), target.cookie, args.duration, args)
            add_delta(target.statements, before, statements.snapshot(target.database))
            target.windows.append(measured)


def list_query_ms(statements: dict) -> float | None:
    """Mean execution time of the page's SELECT in PostgreSQL (the part the index decides)."""
    found = [(calls, ms) for calls, ms, query in statements.values() if "FROM bench_items" in query]
    calls = sum(c for c, _ in found)
    return round(sum(ms for _, ms in found) / calls, 4) if calls else None


def paired(targets: list[Target], rows: int, app: str) -> Target:
    return next(t for t in targets if t.rows == rows and t.app == app)


def ratios(samverka: Target, baseline: Target) -> list[float]:
    """Samverka ÷ baseline req/s, per round (windows seconds apart)."""
    return [
        s["requests_per_s"] / b["requests_per_s"]
        for s, b in zip(samverka.windows, baseline.windows, strict=True)
    ]


def growth(first: Target, last: Target, key: str) -> float:
    rounds = [b[key] / a[key] for a, b in zip(first.windows, last.windows, strict=True)]
    return round(statistics.median(rounds), 3)


def report_for(
    targets: list[Target],
    sizes: list[int],
    data: dict[int, dict],
    checks: dict[int, dict],
    token_costs: dict[int, dict],
) -> dict:
    out = []
    for rows in sizes:
        samverka = paired(targets, rows, "samverka")
        shown = {k: v for k, v in data[rows].items() if k != "api_token"}  # never in a report
        entry: dict = {"rows": rows, "data": shown, "page_check": checks[rows]}
        entry["api"] = api_cost.api_entry(targets, rows, token_costs[rows], paired, ratios)
        entry.update({app: paired(targets, rows, app).result() for app in APPS})
        for name, app in BASELINES.items():
            per_round = ratios(samverka, paired(targets, rows, app))
            entry[f"ratio_vs_{name}"] = round(statistics.median(per_round), 3)
            entry[f"ratio_vs_{name}_per_round"] = [round(r, 3) for r in per_round]
            entry[f"same_sql_{name}"] = (
                entry["samverka"]["db"]["list_query"] == entry[app]["db"]["list_query"]
            )
        entry["list_query_ms"] = list_query_ms(samverka.statements)
        for app in BASELINES.values():
            entry[f"{app}_list_query_ms"] = list_query_ms(paired(targets, rows, app).statements)
        out.append(entry)
    summary: dict = {"target_ratio": TARGET_RATIO, "target_growth": TARGET_GROWTH}
    for name in BASELINES:
        lowest = min(e[f"ratio_vs_{name}"] for e in out)
        summary[f"min_ratio_vs_{name}"] = lowest
        summary[f"ratio_vs_{name}_ok"] = lowest >= TARGET_RATIO
    if len(sizes) >= 2:
        first, last = sizes[0], sizes[-1]
        samverka = paired(targets, first, "samverka"), paired(targets, last, "samverka")
        p50 = growth(*samverka, "p50_ms")
        summary.update(
            growth_from=first,
            growth_to=last,
            latency_growth_p50=p50,
            latency_growth_p99=growth(*samverka, "p99_ms"),
            growth_ok=p50 <= TARGET_GROWTH,
        )
        # the same for the baselines: what the database (and the machine) alone contribute
        for app in BASELINES.values():
            pair = paired(targets, first, app), paired(targets, last, app)
            summary[f"{app}_latency_growth_p50"] = growth(*pair, "p50_ms")
    summary.update(api_cost.api_summary(out))
    summary["page_html_same"] = all(
        e["page_check"][which]["table_equal"] and e["page_check"][which]["main_text_equal"]
        for e in out
        for which in ("first", "older")
    )
    summary["page_document_same_but_csrf"] = all(
        e["page_check"][which]["same_document_but_csrf"]
        for e in out
        for which in ("first", "older")
    )
    return {"sizes": out, "summary": summary}


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def ms(value: float | None) -> str:
    """The list query's time, or a dash when the server keeps no statement statistics."""
    return f"{value:>5.3f}ms" if value is not None else f"{'-':>7}"


def print_table(report: dict) -> None:
    print()
    print(
        f"{'rows':>9} | {'samverka r/s':>12} {'p50':>8} {'p99':>8} {'stmt':>4} | "
        f"{'minimal r/s':>11} {'p50':>8} {'stmt':>4} | {'page r/s':>8} {'p50':>8} {'stmt':>4} | "
        f"{'SELECT':>7} | {'vs min':>6} {'vs page':>7}"
    )
    print("-" * 123)
    for size in report["sizes"]:
        s, m, p = size["samverka"], size["bare_minimal"], size["bare_page"]
        print(
            f"{size['rows']:>9,} | {s['requests_per_s']:>12.1f} {s['p50_ms']:>6.1f}ms "
            f"{s['p99_ms']:>6.1f}ms {s['db']['statements_per_request']:>4.1f} | "
            f"{m['requests_per_s']:>11.1f} {m['p50_ms']:>6.1f}ms "
            f"{m['db']['statements_per_request']:>4.1f} | "
            f"{p['requests_per_s']:>8.1f} {p['p50_ms']:>6.1f}ms "
            f"{p['db']['statements_per_request']:>4.1f} | {ms(size['list_query_ms'])} | "
            f"{size['ratio_vs_minimal']:>6.2f} {size['ratio_vs_page']:>7.2f}"
        )
    print("\nper round (samverka ÷ baseline, windows seconds apart):")
    for size in report["sizes"]:
        for name in BASELINES:
            rounds = " ".join(f"{r:.2f}" for r in size[f"ratio_vs_{name}_per_round"])
            print(f"{size['rows']:>9,} vs {name:<7}: {rounds}")
    summary = report["summary"]
    print(
        "\nstmt = SQL statements per request (pg_stat_statements, BEGIN/ROLLBACK included); "
        "SELECT = mean execution time of the list query in PostgreSQL;\n"
        "minimal = bare.py (same SQL, minimal HTML); "
        "page = bare_page.py (same SQL, Samverka's page from its templates)"
    )
    for name, label in (("minimal", "bare-minimal"), ("page", "bare-page")):
        print(
            f"ratio samverka/{label} (median of rounds): min "
            f"{summary[f'min_ratio_vs_{name}']:.2f} (target ≥ {TARGET_RATIO}) "
            f"{verdict(summary[f'ratio_vs_{name}_ok'])}"
        )
    if "latency_growth_p50" in summary:
        print(
            f"samverka latency growth {summary['growth_from']:,} → {summary['growth_to']:,} "
            f"rows: p50 ×{summary['latency_growth_p50']:.2f}, "
            f"p99 ×{summary['latency_growth_p99']:.2f} (target ≤ {TARGET_GROWTH}) "
            f"{verdict(summary['growth_ok'])}; p50 of bare-minimal "
            f"×{summary['bare_minimal_latency_growth_p50']:.2f}, bare-page "
            f"×{summary['bare_page_latency_growth_p50']:.2f}"
        )
    print(
        "bare-page HTML vs Samverka (same rows): <table> and <main> text "
        f"{'identical' if summary['page_html_same'] else 'DIFFER'}; whole document "
        + (
            "identical apart from the CSRF token"
            if summary["page_document_same_but_csrf"]
            else "differs (page_check.*.document_diff in the JSON)"
        )
    )
    for size in report["sizes"]:
        for which in ("first", "older"):
            for line in size["page_check"][which]["document_diff"][:12]:
                print(f"  {size['rows']:,} {which}: {line[:150]}")
    code = report.get("platform_code") or {}
    if code.get("commit"):
        changes = code["platform_changes"]
        print(
            f"platform code measured: {code['commit'][:10]}"
            + (f" + uncommitted changes in {len(changes)} file(s) under platform/ "
               f"(diff sha1 {(code['platform_diff_sha1'] or '-')[:10]})" if changes else
               ", no uncommitted changes under platform/")
        )  # fmt: skip
    api_cost.print_api(report)
    if any(size["page_check"]["sets_cookie"]["samverka"] for size in report["sizes"]):
        print("NOTE: Samverka sends Set-Cookie on every request, with the cookie of the last one")
    same_sql = all(size[f"same_sql_{name}"] for size in report["sizes"] for name in BASELINES)
    if not same_sql:
        print("WARNING: the apps sent different list queries (see db.list_query in the JSON)")


def git(*command: str) -> str | None:
    """Read-only git (no optional locks: the index is not refreshed)."""
    try:
        done = subprocess.run(
            ["git", "--no-optional-locks", "-C", str(BENCH.parent), *command],
            check=True,
            capture_output=True,
            text=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout


def platform_state() -> dict:
    """The platform code the servers load: commit, and uncommitted changes under platform/."""
    head = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--", "platform")
    diff = git("diff", "HEAD", "--", "platform")
    return {
        "commit": head.strip() if head else None,
        "platform_dirty": bool(status.strip()) if status is not None else None,
        "platform_changes": status.splitlines() if status else [],
        "platform_diff_sha1": hashlib.sha1(diff.encode()).hexdigest() if diff else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", help="rows per database (10000,100000,1000000; smoke: 1000)")
    parser.add_argument("--rounds", type=int, help="measurement rounds (5; smoke: 1)")
    parser.add_argument("--duration", type=int, default=3, help="seconds per wrk window")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of wrk per server")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--workers", type=int, help="gunicorn workers, all apps (2; smoke: 1)")
    parser.add_argument("--pg-port", type=int, default=55532)
    parser.add_argument(
        "--pg-url",
        help="superuser URL of a running PostgreSQL to use instead of starting one "
        "(databases of its own, dropped at the end; no statement counts)",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="prove the run works end to end in seconds: smallest size, one round of a few "
        "plain requests instead of wrk, the whole page must be Samverka's; no targets",
    )
    parser.add_argument("--smoke-requests", type=int, default=5, help="requests per window")
    parser.add_argument("--results", type=Path, default=BENCH / "results", help="JSON folder")
    parser.add_argument("--tenant", default=generate.DEFAULT_TENANT)
    parser.add_argument(
        "--owner-load",
        action="store_true",
        help="load rows as the owner (temp table + INSERT ... SELECT), not COPY as superuser",
    )
    parser.add_argument("--show", metavar="JSON", help="print the table of an earlier run")
    args = parser.parse_args(argv)
    if args.show:
        shown = json.loads(Path(args.show).read_text())
        if "ratio_vs_page" not in shown["sizes"][0]:
            raise SystemExit(f"{args.show}: written by an earlier run.py (one baseline)")
        print_table(shown)
        return 0
    args.sizes = args.sizes or ("1000" if args.smoke else "10000,100000,1000000")
    args.rounds = args.rounds or (1 if args.smoke else 5)
    args.workers = args.workers or (1 if args.smoke else 2)
    if not args.smoke and shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    sizes = [int(s) for s in args.sizes.split(",")]
    load_before = [round(x, 2) for x in os.getloadavg()]
    started = time.perf_counter()
    postgres = ExistingPostgres(args.pg_url) if args.pg_url else Postgres(args.pg_port)
    instance = Path(tempfile.mkdtemp(prefix="samverka-bench-instance."))
    secret = secrets.token_urlsafe(48)
    targets: list[Target] = []
    statements = None
    code: dict = {}
    try:
        log(f"PostgreSQL on {postgres.where}")
        postgres.start()
        create_roles(postgres)
        data, databases = {}, {}
        for rows in sizes:
            log(f"database for {rows:,} rows: migrate, generate")
            db, data[rows] = prepare_size(rows, postgres, args)
            databases[rows] = db
            targets += make_targets(rows, db, data[rows], args, instance, secret)
        code = platform_state()  # what the servers import now; later edits do not reach them
        servers = list({id(t.server): t.server for t in targets}.values())
        log(f"starting {len(servers)} gunicorn servers ({args.workers} sync workers each)")
        for server in servers:
            server.launch()
        for server in servers:
            server.wait_ready()
        checks = {}
        for rows in sizes:
            checks[rows] = check_pages(
                [t for t in targets if t.rows == rows and t.app in APPS], data[rows], args.smoke
            )
            checks[rows]["api"] = api_cost.check_api(
                [t for t in targets if t.rows == rows and t.app in API_APPS]
            )
        log("pages checked: all apps list the same rows, bare_page renders Samverka's page")
        statements = Statements(postgres.admin_url) if postgres.statement_stats else NoStatements()
        measure(targets, args, statements)
        log("token check: time per API request, in-process")
        sample = {"count": args.smoke_requests, "warmup": 1} if args.smoke else {}
        token_costs = {
            rows: api_cost.token_check_cost(
                databases[rows], data[rows], instance / f"inproc-{rows}", secret, **sample
            )
            for rows in sizes
        }
    finally:
        for target in targets:
            target.server.stop()
        if statements is not None:
            statements.dispose()
        log("stopping PostgreSQL" if postgres.statement_stats else "dropping the databases")
        postgres.stop()
        shutil.rmtree(instance, ignore_errors=True)
    report = {
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "samverka_commit": code["commit"],
        "platform_code": code,
        "settings": {
            key: getattr(args, key)
            for key in (
                "rounds",
                "duration",
                "warmup",
                "threads",
                "connections",
                "workers",
                "tenant",
                "smoke",
            )
        },
        "machine": {
            "cpus": os.cpu_count(),
            "loadavg_before": load_before,
            "loadavg_after": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        **report_for(targets, sizes, data, checks, token_costs),
        "wall_s": round(time.perf_counter() - started, 1),
    }
    out = args.results / f"{datetime.now():%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print_table(report)
    print(f"\nwritten to {out} ({report['wall_s']} s)")
    if args.smoke:  # it ran and the pages matched; a few requests decide no target
        print("smoke run: every server answered and bare_page's page is Samverka's")
        return 0
    summary = report["summary"]
    ok = all(summary[f"ratio_vs_{name}_ok"] for name in BASELINES)
    return 0 if ok and summary.get("growth_ok", True) else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # servers and PostgreSQL are already stopped
        sys.exit(130)
