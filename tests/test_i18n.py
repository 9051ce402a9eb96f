"""The message catalogues: complete, placeholder-safe, compiled, and actually used.

When a test here fails after UI strings changed, run ``bin/update-translations``, translate
the new entries in ``platform/samverka/translations/sv/LC_MESSAGES/messages.po`` and run the
script again (it compiles the ``.mo`` files).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "platform" / "samverka" / "translations"
LOCALES = ("sv", "en")
# The same keywords as bin/update-translations passes to ``pybabel extract``.
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "lazy_pgettext": ((1, "c"), 2),
}
PLACEHOLDER = re.compile(r"%\((\w+)\)[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa]")

MessageKey = tuple[str, str | None]


def first_id(msgid: str | tuple[str, ...]) -> str:
    return msgid if isinstance(msgid, str) else msgid[0]


def po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def load_po(locale: str) -> Catalog:
    with po_path(locale).open("rb") as f:
        return read_po(f, locale=locale)


def entries(catalog: Catalog) -> Iterator[Message]:
    return (message for message in catalog if message.id)


@pytest.fixture(scope="module")
def extracted() -> dict[MessageKey, str]:
    """Every msgid in the code and templates, found the way ``pybabel extract`` finds them."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f, filename="babel.cfg")
    found: dict[MessageKey, str] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",)
    ):
        msgid = first_id(message)
        if msgid:
            found.setdefault((msgid, context), f"{filename}:{lineno}")
    return found


def test_extraction_covers_code_and_templates(extracted):
    sources = {where.split(":")[0] for where in extracted.values()}
    assert any(s.endswith(".py") for s in sources), sources
    assert any(s.endswith(".html") for s in sources), sources
    assert ("Log in", None) in extracted
    assert not any(s.startswith("tests") for s in sources), "tests/ must not be extracted"


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated(extracted, locale):
    catalog = load_po(locale)
    problems = []
    for (msgid, context), where in sorted(extracted.items()):
        message = catalog.get(msgid, context)
        strings = () if message is None else message.string
        strings = (strings,) if isinstance(strings, str) else strings
        if message is None:
            problems.append(f"missing  {msgid!r} ({where})")
        elif message.fuzzy:
            problems.append(f"fuzzy    {msgid!r} ({where})")
        elif not strings or not all(strings):
            problems.append(f"empty    {msgid!r} ({where})")
    assert not problems, (
        f"{len(problems)} message(s) not translated in {po_path(locale).relative_to(ROOT)}; "
        "run bin/update-translations and translate them:\n" + "\n".join(problems)
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_no_fuzzy_entries(locale):
    catalog = load_po(locale)
    fuzzy = [first_id(m.id) for m in entries(catalog) if m.fuzzy]
    assert not fuzzy, f"fuzzy entries in {locale}: {fuzzy}"


class _Probe(Mapping):
    """Formats any placeholder: ``1`` works for %s, %d and %r alike."""

    def __getitem__(self, key: str) -> int:
        return 1

    def __iter__(self):
        return iter(())

    def __len__(self) -> int:
        return 0


@pytest.mark.parametrize("locale", LOCALES)
def test_placeholders_are_kept(locale):
    catalog = load_po(locale)
    problems = []
    for message in entries(catalog):
        ids = (message.id,) if isinstance(message.id, str) else message.id
        strings = (message.string,) if isinstance(message.string, str) else message.string
        wanted = {p.group(0) for msgid in ids for p in PLACEHOLDER.finditer(msgid)}
        for string in filter(None, strings):
            got = {p.group(0) for p in PLACEHOLDER.finditer(string)}
            # A plural form may leave out the count ("en organisation"), nothing else.
            ok = got <= wanted if len(ids) > 1 else got == wanted
            if not ok:
                problems.append(f"{first_id(message.id)!r}: {sorted(got)} != {sorted(wanted)}")
                continue
            # Jinja's _() always applies %, so a stray "%" must be written "%%".
            try:
                string % _Probe()
            except (ValueError, TypeError) as error:
                problems.append(f"{first_id(message.id)!r}: {string!r} does not format: {error}")
    assert not problems, f"placeholders differ in {locale}:\n" + "\n".join(problems)


def catalogue_contents(catalog: Catalog) -> dict[MessageKey, object]:
    return {(first_id(m.id), m.context): m.string for m in entries(catalog)}


@pytest.mark.parametrize("locale", LOCALES)
def test_mo_files_match_po_files(locale):
    compiled = BytesIO()
    write_mo(compiled, load_po(locale))
    compiled.seek(0)
    fresh = read_mo(compiled)
    with po_path(locale).with_suffix(".mo").open("rb") as f:
        committed = read_mo(f)
    assert catalogue_contents(committed) == catalogue_contents(fresh), (
        f"{locale}/LC_MESSAGES/messages.mo is out of date; run bin/update-translations"
    )
    assert committed.plural_forms == fresh.plural_forms


def test_login_page_in_swedish(client):
    html = client.get("/login", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Logga in" in html
    assert "Hoppa till huvudinnehållet" in html
    assert '<html lang="sv"' in html
    assert "Log in" not in html


def test_login_page_in_english(client):
    html = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Log in" in html
    assert "Logga in" not in html


def test_chosen_language_wins_over_browser(client):
    response = client.get("/language/en", headers={"Accept-Language": "sv"})
    assert response.status_code == 302
    html = client.get("/login", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Log in" in html
    assert "Logga in" not in html
