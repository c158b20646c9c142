"""The fill record: what the cells of a filled sheet cannot hold, kept in the workbook.

One JSON record per sheet lives in the workbook's custom document properties, split into
chunks named ``jixiao:<sheet>:<n>`` of at most 255 characters (the most Excel's property
dialog handles). Office, LibreOffice and openpyxl keep custom properties on save;
renaming the sheet orphans its record. What the record holds: jixiao.readers.template.
"""

from __future__ import annotations

import json
from typing import Any

from openpyxl.packaging.custom import StringProperty
from openpyxl.workbook.workbook import Workbook

META_PREFIX = "jixiao"


RECORD_VERSION = 1


CHUNK = 255


def record_chunks(wb: Workbook, sheet: str) -> list[str]:
    prefix = f"{META_PREFIX}:{sheet}:"
    names = [n for n in wb.custom_doc_props.names if n.startswith(prefix)]
    return sorted(
        (n for n in names if n[len(prefix) :].isdigit()), key=lambda n: int(n[len(prefix) :])
    )


def load_record(wb: Workbook, sheet: str) -> dict[str, Any]:
    text = "".join(str(wb.custom_doc_props[n].value or "") for n in record_chunks(wb, sheet))
    if not text:
        return {}
    try:
        meta = json.loads(text)
    except json.JSONDecodeError:
        return {}  # a damaged record: the sheet alone decides
    return meta if isinstance(meta, dict) and meta.get("version") == RECORD_VERSION else {}


def store_record(wb: Workbook, sheet: str, meta: dict[str, Any]) -> None:
    for name in record_chunks(wb, sheet):
        del wb.custom_doc_props[name]
    # Spaces occur only inside strings here: escape them so no chunk starts or ends with
    # whitespace that an XML reader might trim.
    text = json.dumps(meta, ensure_ascii=False, separators=(",", ":")).replace(" ", "\\u0020")
    for n, start in enumerate(range(0, len(text), CHUNK), 1):
        wb.custom_doc_props.append(
            StringProperty(name=f"{META_PREFIX}:{sheet}:{n}", value=text[start : start + CHUNK])
        )
