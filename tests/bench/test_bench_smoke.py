"""Every benchmark in ``bench/`` runs end to end at its smallest size: a smoke run.

Why: benchmarks rot when nothing runs them (``bench/run.py`` failed for weeks because its
page baseline answered 500 after the layout gained a link). These tests time nothing; they
prove that each script still starts, builds its data, reaches every app and baseline it
compares, and that the baselines still answer the same rows and pages as Samverka (the
scripts' own checks: ``run.py``'s page and API checks, ``profile_page.py``'s, the equality
asserts of ``indicators.py`` and ``pictures.py``). Each script runs as a subprocess, as a
person runs it: the benchmark plugin's model must not join this process's metadata. They
use the suite's PostgreSQL (``--pg-url``, databases of their own) rather than starting one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from samverka.testing import databases

BENCH = Path(__file__).resolve().parents[2] / "bench"


def run_script(script: str, *args: str, timeout: float = 240) -> str:
    """``python bench/<script> args``; its stdout, or a failure with its output."""
    done = subprocess.run(
        [sys.executable, str(BENCH / script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        check=False,
    )
    assert done.returncode == 0, (
        f"{script} exited with {done.returncode}\n"
        f"--- stdout\n{done.stdout[-4000:]}\n--- stderr\n{done.stderr[-6000:]}"
    )
    return done.stdout


def backends(request: pytest.FixtureRequest) -> str:
    """The backends this run tests (``--samverka-db``), as the scripts' ``--backend``."""
    return request.config.getoption("--samverka-db")


@pytest.mark.postgresql_only
def test_run_py_smoke_serves_every_app_and_bare_page_is_samverkas_page(samverka_backend, tmp_path):
    """The whole run: migrate, generate, five gunicorn servers, log-in, the page and API
    checks (bare_page's whole document equals Samverka's but for the CSRF token and CSP
    nonce), one round of plain requests, the in-process token check, the report."""
    output = run_script(
        "run.py", "--smoke", "--pg-url", databases.postgres_admin_url(), "--results", str(tmp_path)
    )
    assert "smoke run: every server answered and bare_page's page is Samverka's" in output
    (written,) = tmp_path.glob("*.json")
    report = json.loads(written.read_text())
    (size,) = report["sizes"]
    assert size["rows"] == 1000
    assert report["summary"]["page_html_same"] and report["summary"]["page_document_same_but_csrf"]
    assert size["page_check"]["api"]["same_json"]
    for app in ("samverka", "bare_minimal", "bare_page"):
        assert size[app]["requests"] == 5, app
    assert size["api"]["token_check"]["requests"] == 5


@pytest.mark.postgresql_only
def test_profile_page_checks_the_pages_then_times_the_three_apps(samverka_backend):
    output = run_script(
        "profile_page.py",
        *("--rows", "1000", "--requests", "5", "--pg-url", databases.postgres_admin_url()),
    )
    assert "pages checked: the same rows, bare_page's page is Samverka's" in output
    for app in ("bare_minimal", "bare_page", "samverka"):
        assert f"{app}: " in output


@pytest.mark.postgresql_only
def test_outbox_bench_moves_jobs_all_three_ways(samverka_backend, tmp_path):
    output = run_script(
        "outbox.py",
        *("--jobs", "20", "--pg-url", databases.postgres_admin_url(), "--results", str(tmp_path)),
    )
    (written,) = tmp_path.glob("outbox-*.json")
    rates = json.loads(written.read_text())["jobs_per_second"]
    assert set(rates) == {
        "direct_rq",
        "outbox_one_per_transaction",
        "outbox_batched_write",
        "outbox_dispatcher",
        "outbox_batched_total",
    }
    assert all(rate > 0 for rate in rates.values())
    assert output.startswith("20 jobs")


@pytest.mark.postgresql_only
def test_generate_migrates_and_fills_a_database_as_the_owner(samverka_backend):
    """``generate.py`` by hand, on a fresh database: ``--migrate``, then the directory and
    the rows through the owner's path (temporary table, INSERT under a scope of all tenants;
    ``run.py``'s smoke run covers the superuser COPY)."""
    admin_url = databases.postgres_admin_url()
    name = f"samverka_bench_generate_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(4711)"))  # as samverka.testing does
        for role in (databases.OWNER_ROLE, databases.APP_ROLE):
            if not conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}):
                conn.execute(text(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS"))
        conn.execute(text("SELECT pg_advisory_unlock(4711)"))
        conn.execute(text(f'CREATE DATABASE "{name}" OWNER {databases.OWNER_ROLE}'))
    owner = make_url(admin_url).set(database=name, username=databases.OWNER_ROLE)
    try:
        output = run_script(
            "generate.py",
            *("--owner-url", owner.render_as_string(hide_password=False), "--rows", "300"),
            *("--migrate", databases.APP_ROLE),
        )
    finally:
        databases.drop_postgresql_database(name)
        admin.dispose()
    summary = json.loads(output)
    assert summary["directory_created"] and summary["tenants"] == 393
    assert summary["rows"] == 300 and summary["method"] == "copy-to-temp+insert-select"
    assert summary["bench_tenant_rows"] > 100  # half of a small table, two full pages


def test_records_bench_times_list_and_detail_with_and_without_the_read_audit(request):
    output = run_script(
        "records.py", "--records", "3", "--requests", "2", "--backend", backends(request)
    )
    rows = [line.split() for line in output.splitlines()]
    measured = [row for row in rows if row and row[0] in ("sqlite", "postgresql")]
    assert len(measured) == 2 * (2 if backends(request) == "both" else 1), output
    # the audit of reads writes one entry per list page and per detail view, audit on
    assert all(int(row[-1]) > 0 for row in measured)


def test_indicators_bench_totals_equal_the_two_level_sql(request):
    """``check`` inside the script asserts the plugin's totals equal the hand-written
    two-level query's, complete and with holes."""
    output = run_script(
        "indicators.py",
        *("--tenants", "2", "--periods", "200", "--rounds", "1", "--import-periods", "20"),
        *("--backend", backends(request)),
    )
    assert "50 values of tenant" in output  # the holes run had holes (the quarters)
    assert "import rows" in output


def test_pictures_bench_service_and_sql_agree(request):
    output = run_script(
        "pictures.py",
        *("--members", "2", "--units", "2", "--months", "1", "--repeat", "1"),
        *("--backend", backends(request)),
    )
    assert "seeded and compiled 2 pictures" in output
    assert "ratio" in output


def test_charts_bench_draws_caches_and_prints_every_kind():
    """No database: every chart kind drawn and cached (the script asserts the cache answers
    and that each chart says "<5" for its suppressed cells), then a PDF with all of them."""
    output = run_script("charts.py", "--smoke", timeout=120)
    for kind in ("bars", "grouped", "lines", "multiples", "heat map", "map", "plain bars"):
        assert f"\n{kind} " in output, output
    assert "smoke run: every chart kind drew, cached and went into a PDF" in output
