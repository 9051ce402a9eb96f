"""Downloads as a user meets them in Chromium: "Skapa export" on the overview leads to the
job's page, where (a real worker process having made the PDF) the download link appears
without a reload; the members page's links save CSV and XLSX at once. Files are saved under
their Swedish names and open as PDF, CSV and XLSX."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import openpyxl
import pytest

from samverka.testing.browser import goto, log_in

sys.path.insert(0, str(Path(__file__).parent.parent / "jobs"))
from jobkit import worker_process

pytestmark = pytest.mark.browser


def download(page, selector: str):
    with page.expect_download() as event:
        page.locator(selector).click()
    saved = event.value
    return saved.suggested_filename, Path(saved.path()).read_bytes()


def test_organisation_sheet_and_member_lists_download(page, settings, tenant_pair, db):
    from samverka.jobs.queue import connect
    from samverka.testing.fixtures import enrol_totp

    connect(settings).flushdb()
    secret = enrol_totp(db, tenant_pair.admin_a.id)
    db.close()  # the live server's threads use their own sessions
    log_in(page, tenant_pair.admin_a.email, totp_secret=secret)

    goto(page, "/t/sunne/")
    worker = worker_process(settings, 60)
    try:
        page.locator("#organisation-sheet button").click()
        page.wait_for_url("**/t/sunne/jobs/*")
        page.locator("[data-job-download]").wait_for(state="visible", timeout=30_000)
        name, data = download(page, "[data-job-download] a")
    finally:
        worker.terminate()
    assert name.startswith("Organisationsblad – Sunne kommun ") and name.endswith(".pdf")
    assert data.startswith(b"%PDF-")

    goto(page, "/t/sunne/admin/members")
    name, data = download(page, "#member-downloads a[href$='.csv']")
    assert name.startswith("Medlemmar – Sunne kommun ") and name.endswith(".csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Namn", "E-postadress", "Roller"] and len(rows) == 3

    name, data = download(page, "#member-downloads a[href$='.xlsx']")
    assert name.endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet.max_row == 3
