"""XML parts read and written with lxml, hardened: no network, no entities, no DTD loading.

Package parts that jixiao edits are parsed here, namespace-aware, so any prefix or
attribute order a writer chose works; parts jixiao does not change are never reparsed.
"""

from __future__ import annotations

import codecs
import re

from lxml import etree

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_blank_text=False,
)


# The prolog's items before the root element: white space, the XML declaration and other
# processing instructions, comments. A DOCTYPE can stand only among them.
_PROLOG_ITEM = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->", re.S)
_HEAD = 4096


def has_doctype(data: bytes) -> bool:
    """Whether the part declares a DOCTYPE. Only the prolog is read (cheap on a big
    sheet). Office never writes one; with it come entities, external or expanding."""
    head = data[:4]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        codec = "utf-16"
    elif b"\x00" in head:  # UTF-16 without a byte order mark
        codec = "utf-16-be" if head[:1] == b"\x00" else "utf-16-le"
    else:  # ASCII-compatible: the markup reads the same as latin-1
        codec, data = "latin-1", data.removeprefix(codecs.BOM_UTF8)
    found = _prolog_doctype(data[:_HEAD].decode(codec, "replace"))
    if found is None and len(data) > _HEAD:  # a prolog longer than that (a long comment)
        found = _prolog_doctype(data.decode(codec, "replace"))
    return bool(found)


def _prolog_doctype(text: str) -> bool | None:
    """Whether the prolog of ``text`` holds a DOCTYPE; None when it runs to the end."""
    text = text.removeprefix("\ufeff")
    at = 0
    while (m := _PROLOG_ITEM.match(text, at)) is not None and m.end() > at:
        at = m.end()
    if at >= len(text) or text.startswith(("<?", "<!-"), at):
        return None  # cut in the prolog (or not XML: the parser says so)
    return text.startswith("<!DOCTYPE", at)


def parse(data: bytes) -> etree._Element:
    """The root element of an XML part (raises etree.XMLSyntaxError when it is not XML)."""
    return etree.fromstring(data, _PARSER)


def serialize(root: etree._Element) -> bytes:
    """The part as Office writes it: UTF-8 with a standalone declaration."""
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def q(tag: str, ns: str = MAIN) -> str:
    """A qualified name: q("c") → "{…spreadsheetml/2006/main}c"."""
    return f"{{{ns}}}{tag}"


def canonical(data: bytes) -> bytes:
    """Canonical XML (C14N 2.0), to compare parts whatever their bytes."""
    return etree.tostring(parse(data), method="c14n2")
