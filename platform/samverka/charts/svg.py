"""Matplotlib's SVG made fit for a page: accessible, self-contained and stable.

* ``role="img"`` with a ``<title>`` and ``<desc>`` named by ``aria-labelledby``;
* every ``id`` prefixed per chart, so two charts on one page do not clash, and matplotlib's
  unreferenced group ids (``figure_1``, ``patch_3``) dropped;
* no ``style`` attributes or ``<style>`` element (the Content-Security-Policy allows no inline
  styles): they become presentation attributes, which it does not govern;
* no metadata (creator, date), no external references: the same chart gives the same bytes;
* ``width="100%"`` with the ``viewBox``, so the chart scales to a phone; the file for the PDF
  keeps its size in points.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
HREF = f"{{{XLINK}}}href"
URL_REF = re.compile(r"url\(#([^)]+)\)")
#: What matplotlib's ``<style>`` says for every element (inherited from the root instead).
ROOT_DEFAULTS = {"stroke-linejoin": "round", "stroke-linecap": "butt"}


@dataclass(frozen=True)
class AccessibleSvg:
    inline: str  # for the page: <svg role="img" ...>
    document: bytes  # a standalone file (for <img> in the PDF)


def accessible(raw: str, *, prefix: str, title: str, description: str) -> AccessibleSvg:
    """Rewrite matplotlib's SVG ``raw`` (see the module's documentation)."""
    root = ET.fromstring(raw)  # noqa: S314 - our own renderer's output, not user input
    _drop_metadata_and_styles(root)
    _inline_styles(root)
    _prefix_ids(root, prefix)
    for name, value in ROOT_DEFAULTS.items():
        root.set(name, value)
    width, height = root.attrib.pop("width"), root.attrib.pop("height")
    root.attrib.pop("version", None)
    title_id, desc_id = f"{prefix}-title", f"{prefix}-desc"
    root.set("role", "img")
    root.set("aria-labelledby", f"{title_id} {desc_id}")
    root.set("class", "samverka-chart")
    heading = ET.Element(f"{{{SVG}}}title", id=title_id)
    heading.text = title
    desc = ET.Element(f"{{{SVG}}}desc", id=desc_id)
    desc.text = description
    root.insert(0, desc)
    root.insert(0, heading)
    root.set("width", "100%")
    inline = _serialise(root, encoding="unicode")
    root.set("width", width)
    root.set("height", height)
    document = _serialise(root, encoding="utf-8", xml_declaration=True)
    return AccessibleSvg(inline, document)


def _serialise(root: ET.Element, **options) -> str | bytes:
    """``root`` as XML with SVG as the default namespace and ``xlink:`` for links.

    ElementTree's prefixes are one registry for the whole process, and other libraries change
    it: WeasyPrint registers the empty prefix for "" when it first writes a PDF, which drops
    SVG's, and every chart drawn after that came out as ``<ns0:svg>``, which no browser draws.
    So both prefixes are registered again just before each write (charts are drawn one at a
    time, under the chart service's lock)."""
    ET.register_namespace("", SVG)
    ET.register_namespace("xlink", XLINK)
    return ET.tostring(root, **options)


def _drop_metadata_and_styles(root: ET.Element) -> None:
    for parent in root.iter():
        for child in list(parent):
            if child.tag in (f"{{{SVG}}}metadata", f"{{{SVG}}}style"):
                parent.remove(child)
    for defs in root.findall(f"{{{SVG}}}defs"):
        if len(defs) == 0:
            root.remove(defs)


def _inline_styles(root: ET.Element) -> None:
    """``style="fill: #fff; stroke: #000"`` → ``fill="#fff" stroke="#000"``."""
    for element in root.iter():
        style = element.attrib.pop("style", "")
        for declaration in style.split(";"):
            name, _, value = declaration.partition(":")
            if name.strip() and value.strip():
                element.set(name.strip(), value.strip())
        if "d" in element.attrib:
            element.set("d", " ".join(element.get("d", "").split()))
        if element.get("transform", "").startswith("rotate(-0 "):
            del element.attrib["transform"]  # matplotlib's no-op rotation of every text


def _prefix_ids(root: ET.Element, prefix: str) -> None:
    """Prefix the ids that are referenced; drop the others."""
    referenced: set[str] = set()
    for element in root.iter():
        for name, value in element.attrib.items():
            if name == HREF and value.startswith("#"):
                referenced.add(value[1:])
            referenced.update(URL_REF.findall(value))
    for element in root.iter():
        for name, value in list(element.attrib.items()):
            if name == "id":
                if value in referenced:
                    element.set("id", f"{prefix}-{value}")
                else:
                    del element.attrib["id"]
            elif name == HREF and value.startswith("#"):
                element.set(name, f"#{prefix}-{value[1:]}")
            elif "url(#" in value:
                element.set(name, URL_REF.sub(lambda m: f"url(#{prefix}-{m.group(1)})", value))
