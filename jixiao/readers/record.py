"""The fill record: what the cells of a filled sheet cannot hold, kept in the workbook.

One JSON record per sheet lives in the workbook's custom document properties, split into
chunks named ``jixiao:<sheet>:<n>`` of at most 255 characters (the most Excel's property
dialog handles). Office, LibreOffice and openpyxl keep custom properties on save;
renaming the sheet orphans its record. What the record holds: jixiao.readers.template.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from jixiao.core import json_input

if TYPE_CHECKING:  # reading a record needs no openpyxl; storing one edits an openpyxl workbook
    from openpyxl.workbook.workbook import Workbook

META_PREFIX = "jixiao"
RECORD_VERSION = 1
CHUNK = 255


def record_chunks(names: Iterable[str], sheet: str) -> list[str]:
    """The property names holding one sheet's record, in order."""
    prefix = f"{META_PREFIX}:{sheet}:"
    mine = [n for n in names if n.startswith(prefix)]
    return sorted(
        (n for n in mine if n[len(prefix) :].isdigit()), key=lambda n: int(n[len(prefix) :])
    )


def load_record(properties: Mapping[str, str], sheet: str) -> dict[str, Any]:
    """One sheet's record from the workbook's custom document properties (name -> text)."""
    text = "".join(properties[n] for n in record_chunks(properties, sheet))
    if not text:
        return {}
    try:
        meta = json_input.parse(text)  # within the limits of JSON a user gives
    except json_input.JsonProblem:
        return {}  # a damaged record: the sheet alone decides
    return meta if isinstance(meta, dict) and meta.get("version") == RECORD_VERSION else {}


def store_record(wb: Workbook, sheet: str, meta: dict[str, Any]) -> None:
    from openpyxl.packaging.custom import StringProperty  # noqa: PLC0415

    for name in record_chunks(wb.custom_doc_props.names, sheet):
        del wb.custom_doc_props[name]
    # Spaces occur only inside strings here: escape them so no chunk starts or ends with
    # whitespace that an XML reader might trim.
    text = json.dumps(meta, ensure_ascii=False, separators=(",", ":")).replace(" ", "\\u0020")
    for n, start in enumerate(range(0, len(text), CHUNK), 1):
        wb.custom_doc_props.append(
            StringProperty(name=f"{META_PREFIX}:{sheet}:{n}", value=text[start : start + CHUNK])
        )
