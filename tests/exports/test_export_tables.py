"""CSV and XLSX, read back the way a user's spreadsheet would: the csv module and openpyxl."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest

from samverka.exports import Column, Kind, Table, write_csv, write_xlsx
from samverka.exports.tabular import PROGRESS_EVERY
from samverka.exports.xlsx import sheet_title

COLUMNS = [
    Column("name", "Namn"),
    Column("count", "Antal", Kind.INTEGER),
    Column("share", "Andel", Kind.DECIMAL),
    Column("day", "Datum", Kind.DATE),
    Column("at", "Tidpunkt", Kind.DATETIME),
    Column("active", "Aktiv", Kind.BOOLEAN),
]
ROWS = [
    {
        "name": "Åsa Öberg i Ärla",
        "count": 1200,
        "share": 0.25,
        "day": date(2026, 12, 1),
        "at": datetime(2026, 12, 1, 8, 30),
        "active": True,
    },
    {"name": '=HYPERLINK("http://evil")', "count": -5, "share": Decimal("1.50")},
    {"name": "+46 70 123", "count": None, "active": False},
    {"name": "-1+1"},
    {"name": "@SUM(A1)"},
    {"name": "\tflik"},
    {"name": "\rretur"},
    {"name": 'semi;kolon "citat"\nny rad'},
]


def table(rows=None, **kwargs) -> Table:
    return Table("Medlemmar: Sunne/Torsby", COLUMNS, list(ROWS if rows is None else rows), **kwargs)


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    text = data[3:].decode("utf-8")
    assert "\r\n" in text
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def test_csv_is_utf8_with_bom_semicolons_and_swedish_excel_values():
    out = io.BytesIO()
    assert write_csv(table(), out) == len(ROWS)
    rows = read_csv(out.getvalue())
    assert rows[0] == ["Namn", "Antal", "Andel", "Datum", "Tidpunkt", "Aktiv"]
    assert rows[1] == ["Åsa Öberg i Ärla", "1200", "0,25", "2026-12-01", "2026-12-01 08:30", "Ja"]
    assert rows[2][1:3] == ["-5", "1,50"]  # typed numbers stay numbers, even negative
    assert rows[3][1] == "" and rows[3][5] == "Nej"
    assert rows[8][0] == 'semi;kolon "citat"\nny rad'  # quoted, read back whole


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (2, '\'=HYPERLINK("http://evil")'),
        (3, "'+46 70 123"),
        (4, "'-1+1"),
        (5, "'@SUM(A1)"),
        (6, "'\tflik"),
        (7, "'\rretur"),
    ],
)
def test_csv_text_that_excel_would_evaluate_is_made_inert(line, expected):
    out = io.BytesIO()
    write_csv(table(), out)
    assert read_csv(out.getvalue())[line][0] == expected


def test_csv_header_labels_are_neutralised_too():
    out = io.BytesIO()
    write_csv(Table("t", [Column("a", "=1+1")], [{"a": "x"}]), out)
    assert read_csv(out.getvalue())[0] == ["'=1+1"]


def test_xlsx_has_typed_cells_a_frozen_header_widths_and_a_sheet_title():
    out = io.BytesIO()
    assert write_xlsx(table(), out) == len(ROWS)
    out.seek(0)
    book = openpyxl.load_workbook(out)
    sheet = book.active
    assert sheet.title == "Medlemmar  Sunne Torsby"  # ":" and "/" are not allowed there
    assert book.properties.title == "Medlemmar: Sunne/Torsby"
    assert sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    assert header == ["Namn", "Antal", "Andel", "Datum", "Tidpunkt", "Aktiv"]
    assert all(c.font.b for c in sheet[1])
    first = [c.value for c in sheet[2]]
    assert first == [
        "Åsa Öberg i Ärla",
        1200,
        0.25,
        datetime(2026, 12, 1),
        datetime(2026, 12, 1, 8, 30),
        "Ja",
    ]
    assert sheet["B2"].data_type == "n" and sheet["D2"].is_date and sheet["E2"].is_date
    assert sheet["D2"].number_format == "yyyy-mm-dd"
    assert sheet["B3"].value == -5 and sheet["C3"].value == 1.5
    assert sheet["B4"].value is None and sheet["F4"].value == "Nej"
    assert sheet.column_dimensions["A"].width >= len("Åsa Öberg i Ärla")


def test_xlsx_never_writes_a_formula():
    out = io.BytesIO()
    write_xlsx(table(), out)
    out.seek(0)
    sheet = openpyxl.load_workbook(out).active
    cell = sheet["A3"]
    assert cell.value == '=HYPERLINK("http://evil")'
    assert cell.data_type == "s"  # a string, not "f" (formula)
    assert sheet["A6"].value == "@SUM(A1)" and sheet["A6"].data_type == "s"


def test_large_tables_stream_with_progress_reports():
    """50 001 rows from a generator (never a list) with the total known up front."""
    count = 50_001
    seen: list[tuple[int, int | None]] = []
    rows = ({"name": f"Rad {i}", "count": i} for i in range(count))
    out = io.BytesIO()
    big = Table("Stor", COLUMNS[:2], rows, total=count)
    assert write_xlsx(big, out, on_progress=lambda d, t: seen.append((d, t))) == count
    assert seen[0] == (PROGRESS_EVERY, count) and seen[-1] == (count, count)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    out.seek(0)
    sheet = openpyxl.load_workbook(out, read_only=True).active
    assert sheet.max_row == count + 1


def test_progress_without_a_known_total_ends_with_the_count():
    seen: list[tuple[int, int | None]] = []
    write_csv(table(), io.BytesIO(), on_progress=lambda d, t: seen.append((d, t)))
    assert seen == [(len(ROWS), len(ROWS))]


def test_rows_are_written_once():
    once = table()
    write_csv(once, io.BytesIO())
    with pytest.raises(RuntimeError):
        write_xlsx(once, io.BytesIO())


def test_sheet_titles_respect_excels_rules():
    assert sheet_title("x" * 40) == "x" * 31
    assert sheet_title("[]:*?/\\") == "Export"
