"""XML parts read and written with lxml, hardened: no network, no entities, no DTD loading.

Package parts that jixiao edits are parsed here, namespace-aware, so any prefix or
attribute order a writer chose works; parts jixiao does not change are never reparsed.
"""

from __future__ import annotations

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
