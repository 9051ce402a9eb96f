"""Downloads as a user meets them in Chromium: the links on the overview and the members
page save files under their Swedish names, and the files open as PDF, CSV and XLSX."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from browserkit import goto, log_in

pytestmark = pytest.mark.browser


def download(page, selector: str):
    with page.expect_download() as event:
        page.locator(selector).click()
    saved = event.value
    return saved.suggested_filename, Path(saved.path()).read_bytes()


def test_organisation_sheet_and_member_lists_download(page, tenant_pair, db):
    from samverka.testing.fixtures import enrol_totp

    secret = enrol_totp(db, tenant_pair.admin_a.id)
    db.close()  # the live server's threads use their own sessions
    log_in(page, tenant_pair.admin_a.email, totp_secret=secret)

    goto(page, "/t/sunne/")
    name, data = download(page, "#organisation-sheet")
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
