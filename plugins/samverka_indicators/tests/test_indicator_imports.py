"""Imports: recorded Kolada pages served on loopback (pagination, a missing and a secret
value, a preliminary one), a re-run that stores nothing twice, a page that is not JSON
(a clear job error, nothing stored), CSV/XLSX with row-level errors where a period with an
error is not stored at all, and a Brå file through the configured column mapping."""

from __future__ import annotations

import http.server
import io
import json
import threading
from pathlib import Path

import openpyxl
import pytest
from indicatorkit import NAME
from samverka_indicators import imports
from samverka_indicators.models import DataValue, ImportBatch
from sqlalchemy import select

from samverka.testing.core import in_tenant, outbox_job, redis_connection, set_plugin_config
from samverka.testing.jobs import work_jobs
from samverka.toolkit import NotFound, ValidationError, enqueue

RECORDED = Path(__file__).parent / "recorded"


class Recorded(http.server.BaseHTTPRequestHandler):
    """Kolada's answers from files: any ``/…/data/…`` path is page 1, ``/page2.json`` page 2,
    ``/broken/…`` an HTML error page."""

    def do_GET(self) -> None:
        if self.path.startswith("/broken/"):
            body, kind = b"<html>502 Bad Gateway</html>", "text/html"
        elif self.path.endswith("/page2.json"):
            body, kind = (RECORDED / "kolada_page2.json").read_bytes(), "application/json"
        else:
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            text = (RECORDED / "kolada_page1.json").read_text().replace("NEXT", base)
            body, kind = text.encode(), "application/json"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def kolada():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorded)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def queue(settings):
    connection = redis_connection(settings)
    connection.flushdb()
    yield connection
    connection.flushdb()


def values(db, tenant) -> dict:
    db.expire_all()
    with in_tenant(db, tenant):
        return {
            (v.element_id, v.period, v.gender): (v.value, v.status)
            for v in db.scalars(select(DataValue))
        }


def set_config(app, db, tenant, config):
    set_plugin_config(app, db, tenant, NAME, config)


def run_job(app, db, tenant, job, **kwargs) -> str:
    with in_tenant(db, tenant):
        row = enqueue(db, job, tenant_id=tenant.id, max_attempts=1, **kwargs)
        db.commit()
        job_id = row.id
    work_jobs(app)
    db.expire_all()
    with in_tenant(db, tenant):
        found = outbox_job(db, job_id)
        return found.status, found.error_message


def test_kolada_pages_are_followed_and_rerun_stores_nothing_twice(app, db, ind, kolada, queue):
    set_config(app, db, ind.munkfors, {"kolada_base_url": kolada + "/v2"})
    status, _ = run_job(
        app,
        db,
        ind.munkfors,
        "indicators.import_kolada",
        kpis=["N07403c", "N01951"],
        years=["2022", "2023", "2024"],
    )
    assert status == "done"
    stored = values(db, ind.munkfors)
    c, p = ind.crimes, ind.population
    assert stored == {
        (c, "2022", "T"): (20, "final"),
        (c, "2023", "T"): (None, "missing"),  # never 0
        (c, "2024", "T"): (None, "secret"),  # the number Kolada sent is not kept
        (p, "2023", "T"): (3669, "final"),
        (p, "2023", "K"): (1790, "final"),
        (p, "2023", "M"): (1879, "final"),
        (p, "2024", "T"): (3650, "preliminary"),
    }
    status, _ = run_job(
        app,
        db,
        ind.munkfors,
        "indicators.import_kolada",
        kpis=["N07403c", "N01951"],
        years=["2022", "2023", "2024"],
    )
    assert status == "done"
    assert values(db, ind.munkfors) == stored
    with in_tenant(db, ind.munkfors):
        assert db.scalar(select(DataValue.id).order_by(DataValue.id.desc())) == len(stored)


def test_a_kolada_page_that_is_not_json_fails_the_job_and_stores_nothing(
    app, db, ind, kolada, queue
):
    set_config(app, db, ind.munkfors, {"kolada_base_url": kolada + "/broken"})
    status, message = run_job(
        app, db, ind.munkfors, "indicators.import_kolada", kpis=["N07403c"], years=["2024"]
    )
    assert status == "failed"
    assert "not Kolada's JSON" in message or "JSON" in message
    assert values(db, ind.munkfors) == {}


def test_the_job_is_refused_where_the_plugin_is_not_enabled(db, ind, world):
    with in_tenant(db, world.c), pytest.raises(NotFound):
        enqueue(db, "indicators.import_kolada", tenant_id=world.c.id, kpis=[], years=[])


CSV_GOOD = (
    "municipality;element;period;gender;value;status\n"
    "1762;N07403c;2023;T;31;final\n"
    "1762;N01951;2023;T;3 669;final\n"
    "1762;N07403c;2022;T;;secret\n"
)


def check(db, ind, text: str):
    with in_tenant(db, ind.munkfors):
        checked = imports.check_rows(db, ind.munkfors, imports.read_table("csv", text.encode()))
        counts = imports.store(db, ind.munkfors.id, checked)
        db.commit()
    return checked, counts


def test_a_good_csv_is_stored_and_a_rerun_changes_nothing(db, ind):
    checked, counts = check(db, ind, CSV_GOOD)
    assert checked.errors == [] and counts.inserted == 3
    checked, counts = check(db, ind, CSV_GOOD)
    assert (counts.inserted, counts.updated, counts.unchanged) == (0, 0, 3)
    assert values(db, ind.munkfors)[(ind.crimes, "2022", "T")] == (None, "secret")


def test_csv_row_errors_and_a_period_with_an_error_is_not_stored_at_all(db, ind):
    text = (
        "municipality;element;period;value\n"
        "1762;N07403c;2023;31\n"
        "1762;N01951;2023;tretusen\n"  # non-numeric: 2023 rejected as a whole
        "1762;N01951;2024;3650\n"
        "1762;N07403c;2024-01;4\n"  # bad period
        "9999;N07403c;2024;4\n"  # unknown municipality: 2024 rejected
        "1762;X99;2022;1\n"  # unknown element: 2022 rejected
    )
    checked, counts = check(db, ind, text)
    assert [(e.line, e.message) for e in checked.errors] == [
        (3, "The value tretusen is not a number."),
        (5, "The period 2024-01 is not a year (2024), quarter (2024Q1) or month (202401)."),
        (6, "Unknown municipality code 9999 (this organisation: 1762)."),
        (7, "Unknown data element X99."),
    ]
    assert checked.bad_periods == {"2022", "2023", "2024"}
    assert counts.stored == 0 and values(db, ind.munkfors) == {}


def test_a_wrong_column_is_an_error_before_any_row(db, ind):
    checked, counts = check(db, ind, "kommun;element;period;value\n1762;N01951;2023;1\n")
    assert [e.message for e in checked.errors] == [
        "Unknown column kommun; expected municipality, element, period, gender, value, status.",
        "The column municipality is missing.",
    ]
    assert counts.stored == 0


def test_xlsx_upload_runs_as_a_job(app, db, ind, queue):
    book = openpyxl.Workbook()
    sheet = book.active
    for row in CSV_GOOD.strip().split("\n"):
        sheet.append(row.split(";"))
    data = io.BytesIO()
    book.save(data)
    with in_tenant(db, ind.munkfors):
        batch = ImportBatch(
            tenant_id=ind.munkfors.id, kind="xlsx", filename="v.xlsx", content=data.getvalue()
        )
        db.add(batch)
        db.commit()
        batch_id = batch.id
    status, _ = run_job(app, db, ind.munkfors, "indicators.import_batch", batch_id=batch_id)
    assert status == "done"
    assert values(db, ind.munkfors)[(ind.population, "2023", "T")] == (3669, "final")
    db.expire_all()
    with in_tenant(db, ind.munkfors):
        batch = db.get(ImportBatch, batch_id)
        assert batch.status == "done" and json.loads(batch.report)["inserted"] == 3


def test_a_bra_file_through_the_column_mapping(app, db, ind, queue):
    mapping = {
        "municipality": "Kommun",
        "period": "År",
        "value": "Antal",
        "category": "Brottskategori",
        "elements": {"Våldsbrott": "N07403c"},
    }
    set_config(app, db, ind.munkfors, {"bra_mapping": mapping})
    with in_tenant(db, ind.munkfors):
        batch = ImportBatch(
            tenant_id=ind.munkfors.id,
            kind="bra_csv",
            filename="bra.csv",
            content=(RECORDED / "bra_2024.csv").read_bytes(),
        )
        db.add(batch)
        db.commit()
        batch_id = batch.id
    status, _ = run_job(app, db, ind.munkfors, "indicators.import_batch", batch_id=batch_id)
    assert status == "done"
    assert values(db, ind.munkfors) == {(ind.crimes, "2024", "T"): (33, "final")}
    db.expire_all()
    with in_tenant(db, ind.munkfors):
        assert json.loads(db.get(ImportBatch, batch_id).report)["skipped"] == 2


def test_a_bra_file_missing_a_mapped_column(db, ind):
    with in_tenant(db, ind.munkfors):
        checked = imports.check_bra(
            db,
            ind.munkfors,
            [["Kommun", "År"]],
            {"municipality": "Kommun", "period": "År", "value": "Antal", "category": "Brott"},
        )
    assert [e.message for e in checked.errors] == [
        "The column Antal is missing.",
        "The column Brott is missing.",
    ]


def test_fetch_kolada_refuses_an_html_answer(ctx, kolada):
    with pytest.raises(ValidationError, match="not Kolada's JSON"):
        imports.fetch_kolada(kolada + "/broken/data/kpi/N1/municipality/1762/year/2024")
