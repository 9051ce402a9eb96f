"""The PDF: text read back with pypdf; marking, organisation and date on every page, page
numbers, Swedish by default and English on request, tagged, and nothing fetched remotely."""

from __future__ import annotations

import io
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pypdf
import pytest

from samverka.exports import Classification, Document, Section, marking, render_pdf
from samverka.exports.pdf import STATIC, RemoteResourceRefused, css_string, local_only_fetcher


def long_document(classification=Classification.INTERNAL, **section) -> Document:
    return Document(
        title="Lägesbild för Sunne kommun",
        organisation_name="Sunne kommun",
        classification=classification,
        date=date(2026, 12, 1),
        sections=[
            Section("Översikt", paragraphs=["Åtgärder för ökad trygghet i Ämtervik och Östmark."]),
            Section("Åtgärder", items=[f"Åtgärd nummer {i}" for i in range(120)]),
            Section("Tillägg", **section),
        ],
    )


def pdf_of(document: Document, locale: str = "sv") -> pypdf.PdfReader:
    out = io.BytesIO()
    render_pdf(document, out, locale=locale)
    out.seek(0)
    return pypdf.PdfReader(out)


def test_every_page_carries_organisation_date_marking_and_page_numbers(in_app):
    reader = pdf_of(long_document())
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        assert "Sunne kommun" in text
        assert "1 december 2026" in text
        assert text.count("INTERN") >= 2  # header and footer
        assert f"Sida {number} av {len(pages)}" in text
    assert "Lägesbild för Sunne kommun" in pages[0]
    assert "Klassificering: INTERN" in pages[0]
    assert "Åtgärder för ökad trygghet i Ämtervik och Östmark." in pages[0]


@pytest.mark.parametrize(
    ("level", "sv", "en"),
    [
        (Classification.OPEN, "ÖPPEN", "OPEN"),
        (Classification.INTERNAL, "INTERN", "INTERNAL"),
        (Classification.CONFIDENTIAL, "KONFIDENTIELL", "CONFIDENTIAL"),
        (Classification.SENSITIVE, "SEKRETESS/KÄNSLIG", "SENSITIVE/SECRECY"),
    ],
)
def test_markings_in_swedish_and_english(in_app, level, sv, en):
    from flask_babel import force_locale

    with force_locale("sv"):
        assert marking(level) == sv
    with force_locale("en"):
        assert marking(level.value) == en


def test_english_when_the_locale_is_en(in_app):
    reader = pdf_of(long_document(Classification.CONFIDENTIAL), locale="en")
    last = len(reader.pages)
    text = reader.pages[-1].extract_text()
    assert f"Page {last} of {last}" in text and "CONFIDENTIAL" in text
    assert "December 1, 2026" in text
    assert reader.trailer["/Root"]["/Lang"] == "en"


def test_the_pdf_is_tagged_with_language_and_title(in_app):
    reader = pdf_of(long_document())
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "sv"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert reader.metadata.title == "Lägesbild för Sunne kommun"
    assert reader.metadata.author == "Sunne kommun"
    assert b"pdfuaid" in root["/Metadata"].get_data()  # declares PDF/UA-1


class Recorder(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):
        Recorder.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def listening_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Recorder.hits.clear()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_remote_resources_in_content_are_never_fetched(in_app, listening_server):
    markup = (
        f'<img src="{listening_server}/tracker.png" alt="">'
        f'<link rel="stylesheet" href="{listening_server}/x.css">'
        f'<p style="background: url({listening_server}/bg.png)">Text med bild</p>'
    )
    reader = pdf_of(long_document(html=markup, paragraphs=[f"<img src='{listening_server}/t'>"]))
    assert "Text med bild" in "".join(p.extract_text() for p in reader.pages)
    assert Recorder.hits == []


def test_the_fetcher_serves_only_the_packages_own_files():
    fetcher = local_only_fetcher()
    css = fetcher.fetch((STATIC / "document.css").as_uri())
    assert css.content_type == "text/css" and b"@page" in css.read()
    for url in (
        "https://example.org/font.woff",
        "http://127.0.0.1/x.png",
        "file:///etc/passwd",
        (STATIC / ".." / "pdf.py").as_uri(),
        "data:text/css,body{}",
        "ftp://example.org/x",
    ):
        with pytest.raises(RemoteResourceRefused):
            fetcher.fetch(url)


def test_css_strings_cannot_break_out_of_the_stylesheet():
    assert css_string('Sida"; } </style><script>') == (
        '"Sida\\000022\\00003b \\00007d \\00003c\\00002fstyle\\00003e\\00003cscript\\00003e"'
    )


def chart_document():
    from samverka.charts import SUPPRESSED, BarChart, Series, render

    chart = render(
        BarChart(
            "Händelser per kategori",
            "Antal händelser i november.",
            ["Inbrott", "Skadegörelse", "Anlagd brand"],
            [Series("November", [13, 6848, SUPPRESSED])],
        )
    )
    document = long_document()
    sections = [*document.sections, Section("Kartläggning", paragraphs=["Text."], charts=[chart])]
    return chart, Document(
        title=document.title,
        organisation_name=document.organisation_name,
        classification=document.classification,
        date=document.date,
        sections=sections,
    )


def structure(node, found: list) -> list:
    """(role, alternative text) of every element of the PDF's structure tree."""
    node = node.get_object()
    if isinstance(node, pypdf.generic.DictionaryObject):
        if "/S" in node:
            found.append((str(node["/S"]), node.get("/Alt")))
        kids = node.get("/K")
        if kids is not None:
            for kid in kids if isinstance(kids, pypdf.generic.ArrayObject) else [kids]:
                structure(kid, found)
    return found


def test_a_chart_is_a_figure_with_alternative_text_and_its_numbers_are_in_the_text(in_app):
    chart, document = chart_document()
    reader = pdf_of(document)
    tree = structure(reader.trailer["/Root"]["/StructTreeRoot"], [])
    figures = [alt for role, alt in tree if role == "/Figure"]
    assert figures == [chart.alt]
    assert "Inbrott: 13" in chart.alt and "<5" in chart.alt
    assert ("/Table", None) in tree
    text = "".join(page.extract_text() for page in reader.pages).replace("\u00a0", " ")
    for row in ("Inbrott 13", "Skadegörelse 6 848", "Anlagd brand <5"):  # the table's rows
        assert row in text
    assert b"pdfuaid" in reader.trailer["/Root"]["/Metadata"].get_data()  # still PDF/UA-1


def test_the_fetcher_serves_the_documents_charts_from_memory_and_nothing_else(in_app):
    from samverka.exports.pdf import chart_files

    chart, document = chart_document()
    files = chart_files(document)
    (url,) = files
    fetcher = local_only_fetcher(files)
    answer = fetcher.fetch(url)
    assert answer.content_type == "image/svg+xml" and answer.read() == chart.svg_file
    for refused in (url.replace(chart.key, "chart-other"), "http://127.0.0.1/x.svg"):
        with pytest.raises(RemoteResourceRefused):
            fetcher.fetch(refused)
