"""Documents as tagged PDF: a Jinja template to HTML, then WeasyPrint to PDF/UA-1.

Every page carries the organisation, the date and the classification marking (running
header) and "Sida n av N" (footer), so a page copied or printed alone still says how it must
be handled. The PDF is tagged (PDF/UA-1) with ``lang`` and a title for screen readers.

No remote resources: the fetcher serves only the files of this package's ``static`` folder
and the document's own charts (from memory), and refuses everything else (``http:``,
``data:``, other files), so content that happens to contain ``<img src="https://...">``
neither leaks a request nor blocks the rendering.

Charts (``Section.charts``, from ``samverka.charts.render``) go in as ``<img alt="...">`` of
their SVG: WeasyPrint gives an image a Figure element with its alternative text in the PDF's
structure tree, which it does not for an inline ``<svg>`` (PDF/UA wants the text). Their
numbers follow as a table.
"""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

import jinja2
from flask_babel import force_locale, format_date, get_locale, gettext, ngettext
from markupsafe import Markup

from samverka.charts import RenderedChart
from samverka.classification import Classification, marking
from samverka.exports.tabular import ProgressCallback

MEDIA_TYPE = "application/pdf"
HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
CHARTS = STATIC / "charts"  # no such folder: the charts' URLs, answered from memory
log = logging.getLogger(__name__)
# WeasyPrint logs seven INFO lines per PDF ("Step 1 - ..."): noise in the request logs.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


@dataclass(frozen=True)
class Section:
    """A heading with paragraphs, label/value facts and a bullet list, each optional."""

    heading: str
    paragraphs: list[str] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    html: str | None = None  # trusted markup (from a module's own template), else None
    charts: list[RenderedChart] = field(default_factory=list)  # after the text, each with a table


@dataclass(frozen=True)
class Document:
    title: str
    organisation_name: str
    classification: Classification | str
    date: date
    sections: list[Section] = field(default_factory=list)


def render_pdf(
    document: Document,
    out: BinaryIO,
    *,
    locale: str | None = None,
    on_progress: ProgressCallback | None = None,
) -> None:
    """Write ``document`` as PDF to ``out``, in ``locale`` (default: the current one)."""
    from weasyprint import HTML  # imported on first use: it adds a second to every start

    chosen = locale or str(get_locale() or "sv")
    with force_locale(chosen):
        html = render_html(document, chosen)
    if on_progress:
        on_progress(0, 1)
    fetcher = local_only_fetcher(chart_files(document))
    HTML(string=html, base_url=STATIC.as_uri() + "/", url_fetcher=fetcher).write_pdf(
        out, pdf_variant="pdf/ua-1"
    )
    if on_progress:
        on_progress(1, 1)


def render_html(document: Document, locale: str) -> str:
    """The document's HTML (also useful to preview or to test the template alone)."""
    return (
        _environment()
        .get_template("document.html")
        .render(
            doc=document,
            lang=locale,
            marking=marking(document.classification),
            date_text=format_date(document.date, "long"),
            stylesheet=(STATIC / "document.css").as_uri(),
            chart_url=chart_url,
            page_of_n=Markup(page_of_n_css()),  # noqa: S704 - css_string escapes all but [A-Za-z0-9 ]
        )
    )


def chart_url(chart: RenderedChart) -> str:
    """Where the document's HTML finds a chart's SVG (served from memory by the fetcher)."""
    return f"{CHARTS.as_uri()}/{chart.key}.svg"


def chart_files(document: Document) -> dict[str, bytes]:
    """URL → SVG file of every chart in ``document``."""
    return {
        chart_url(chart): chart.svg_file
        for section in document.sections
        for chart in section.charts
    }


def page_of_n_css() -> str:
    """CSS ``content`` for "Sida 1 av N" in the current locale (the words as CSS strings)."""
    text = gettext("Page %(page)s of %(pages)s", page="\x00", pages="\x01")
    before, _, rest = text.partition("\x00")
    middle, _, end = rest.partition("\x01")
    parts = (css_string(before), "counter(page)", css_string(middle), "counter(pages)")
    return " ".join((*parts, css_string(end)))


def css_string(text: str) -> str:
    """A quoted CSS string; every character but ASCII letters, digits and spaces escaped."""
    safe = (c if c.isascii() and (c.isalnum() or c == " ") else f"\\{ord(c):06x}" for c in text)
    return '"' + "".join(safe) + '"'


_env: jinja2.Environment | None = None


def _environment() -> jinja2.Environment:
    """A Jinja environment of its own: the PDF's templates are not web pages."""
    global _env
    if _env is None:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"),
            autoescape=True,
            extensions=["jinja2.ext.i18n"],
        )
        env.install_gettext_callables(gettext, ngettext, newstyle=True)
        _env = env
    return _env


class RemoteResourceRefused(ValueError):
    """A document asked for something outside the package's own files."""


def local_only_fetcher(files: Mapping[str, bytes] | None = None):
    """A WeasyPrint URL fetcher that serves the files under ``static/`` and the SVG
    ``files`` given (URL → bytes, the document's charts), and nothing else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    own = dict(files or {})

    class LocalOnlyFetcher(URLFetcher):
        def fetch(self, url: str, headers=None) -> URLFetcherResponse:
            if url in own:
                return URLFetcherResponse(url, own[url], headers={"Content-Type": "image/svg+xml"})
            path = _local_path(url)
            if path is None:
                log.info("export: refused to fetch a %s: URL", urlsplit(url).scheme)
                raise RemoteResourceRefused(url)
            media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(
                path.as_uri(), path.read_bytes(), headers={"Content-Type": media_type}
            )

    return LocalOnlyFetcher()


def _local_path(url: str) -> Path | None:
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return None
    path = Path(unquote(parts.path)).resolve()
    if not path.is_file() or not path.is_relative_to(STATIC):
        return None
    return path
