"""清除标记: what 校验 wrote into a package (jixiao.hosts.package_marks), taken out.

The record in our 校验结果 sheet names every splice and every part 校验 added: each is
undone where it is still as written, so validate → clear gives back the same parts byte
for byte. A file saved since by Excel or another program has lost the record; the rows of
our 校验结果 sheet are then the record (:func:`clear_unrecorded`): a mark goes where its
formula is ours on cells those rows list, a note where it reads as they say. Without our
校验结果 sheet, nothing is taken out.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from typing import Any

from jixiao.app.marks import MARKER, plan, rows_of
from jixiao.core.layout import RESULTS_SHEET, RESULTS_SHEET_FALLBACK, split_address
from jixiao.formats.package import (
    CT_COMMENTS,
    CT_SHEET,
    Package,
    from_utf8,
    override,
    relationships,
    rels_name,
    sheet_parts,
    sheet_rows,
    to_utf8,
)
from jixiao.formats.sheet_xml import attribute, escape, unescape
from jixiao.hosts.package_marks import (
    AUTHOR,
    BORDERS,
    FILLS,
    FONTS,
    ORIGINAL,
    OUR_DXFS,
    RECORD,
    REL_PREFIX,
    RESULTS_PART,
    STYLE_LISTS,
    digest,
    legacy_drawing,
    sheet_entry,
    style_xfs,
)
from jixiao.templates.results import (
    NOT_YET,
    is_results_values,
    results_sheet_xml,
    sheet_pr,
)


def _find_record(pkg: Package, parts: dict[str, str]) -> tuple[str, dict[str, Any]] | None:
    """Our 校验结果 sheet and the record of what 校验 added that it holds."""
    for name, part in parts.items():
        if (
            part == RESULTS_PART or name in (RESULTS_SHEET, RESULTS_SHEET_FALLBACK)
        ) and part in pkg.data:
            m = RECORD.search(pkg.data[part])
            if m is None:
                continue
            try:
                record = json.loads(base64.b64decode(m.group(1)))
            except ValueError:
                continue
            if isinstance(record, dict) and record.get("v") == 1:
                return part, record
    return None


def _undo_splices(pkg: Package, part: str, entries: list[list[Any]]) -> None:
    """Put back what each recorded splice replaced, where its snippet still is as
    written: at its place, or else the one place it occurs."""
    if part not in pkg.data:
        return
    work, codec = to_utf8(pkg.data[part])
    for from_end, old, new in sorted(
        ((e[0], base64.b64decode(e[1]), base64.b64decode(e[2])) for e in entries),
        key=lambda e: -e[0],
    ):
        at = len(work) - from_end
        if at < 0 or work[at : at + len(new)] != new:
            at = work.find(new)
            if at < 0 or work.find(new, at + 1) >= 0:
                continue  # changed since, or not one place: left as it is
        work = work[:at] + old + work[at + len(new) :]
    pkg.put(part, from_utf8(work, codec))


def _undo(pkg: Package, record: dict[str, Any]) -> None:
    splices: dict[str, list[list[Any]]] = record.get("splices", {})
    added: dict[str, str] = record.get("added", {})
    # The parts 校验 created first: one the user wrote into since stays, and so does
    # what points at it. Each part is undone in one pass (places count from its end).
    done = set()
    for part in added:
        if part in splices:
            _undo_splices(pkg, part, splices[part])
            done.add(part)
    kept = {p for p, made in added.items() if p in pkg.data and digest(pkg.data[p]) != made}
    for part, entries in splices.items():
        if part not in done:
            _undo_splices(pkg, part, [e for e in entries if e[3] is None or e[3] not in kept])
    for part, made in added.items():
        if part in pkg.data and digest(pkg.data[part]) == made:
            pkg.remove(part)


def clear_marks(pkg: Package) -> None:
    parts = sheet_parts(pkg)
    found = _find_record(pkg, parts)
    if found is None:
        clear_unrecorded(pkg, parts)
        return
    results, record = found
    _undo(pkg, record)
    original = record.get("replaced", {}).get(results)
    if original is not None:
        pkg.put(results, base64.b64decode(original))  # the template's own 校验结果
    else:
        pkg.remove(results)


def clear_unrecorded(pkg: Package, parts: dict[str, str]) -> None:
    """清除标记 in a file whose record is gone (Excel or another program saved it since,
    or an earlier version of jixiao wrote it): what the rows of our 校验结果 sheet list is
    the record. A colour mark goes where its formula is ours and every cell it covers is
    listed for its sheet, a note where it still reads as those rows say. A file without
    our 校验结果 sheet holds nothing of ours: a rule or note that merely looks like ours
    is the user's."""
    rows = _recorded_rows(pkg, parts)
    if rows is None:
        return
    planned = plan(rows)
    notes = {sheet: marks.notes for sheet, marks in planned.items()}
    for name, part in parts.items():
        if part == RESULTS_PART or _text(pkg, part) is None:
            continue
        xml = pkg.text(part)
        listed: set[tuple[int, int]] = set()
        for cell in planned[name].notes if name in planned else {}:
            listed |= _cells_of([cell]) or set()
        cleaned = _clear_rules(xml, listed)
        removed: set[str] = set()
        for _, rel_type, target in relationships(pkg, part):
            if rel_type.endswith("/comments") and _text(pkg, target) is not None:
                removed = _clear_comments(pkg, target, notes.get(name, {}))
        for _, rel_type, target in relationships(pkg, part):
            if rel_type.endswith("/vmlDrawing") and target in pkg.data:
                _clear_shapes(pkg, target, removed)
        for rid, _, target in relationships(pkg, part):
            if rid.startswith(REL_PREFIX):
                if target.endswith(".xml") and _text(pkg, target) and _comment_count(pkg, target):
                    continue  # our comments part now holds a note someone else wrote: keep it
                pkg.remove(target)
                cleaned = cleaned.replace(legacy_drawing(rid), "")
                _remove_content_type(pkg, override(target, CT_COMMENTS))
        if cleaned != xml:
            pkg.put(part, cleaned)
        _remove_relationships(pkg, part, REL_PREFIX)
    _clear_results(pkg, parts)
    if _text(pkg, "xl/styles.xml") is not None:
        _remove_dxfs(pkg)
        _remove_styles(pkg)


def _text(pkg: Package, part: str) -> str | None:
    """A part's text, None when it is missing or its bytes are not in the encoding it
    declares (left as it is)."""
    if part not in pkg.data:
        return None
    try:
        return pkg.text(part)
    except UnicodeDecodeError:
        return None


def _remove_relationships(pkg: Package, part: str, prefix: str) -> None:
    """Remove the relationships whose Id starts ``prefix`` (as 校验 wrote them)."""
    name = rels_name(part)
    text = _text(pkg, name)
    if text is None:
        return
    text = re.sub(rf'<Relationship Id="{prefix}\d+"[^>]*/>', "", text)
    if re.fullmatch(r"<\?xml[^>]*\?>\s*<Relationships [^>]*></Relationships>", text):
        pkg.remove(name)  # we made this rels part
    else:
        pkg.put(name, text)


def _remove_content_type(pkg: Package, snippet: str) -> None:
    text = _text(pkg, "[Content_Types].xml")
    if text is not None and snippet in text:
        pkg.put("[Content_Types].xml", text.replace(snippet, ""))


def _remove_dxfs(pkg: Package) -> None:
    styles = pkg.text("xl/styles.xml")
    if OUR_DXFS not in styles:
        return
    m = re.search(r'<dxfs count="(\d+)">(.*?)</dxfs>', styles, re.S)
    if m is None or not m.group(2).endswith(OUR_DXFS):
        return  # others were added after ours: leave the unused styles rather than renumber theirs
    inner = m.group(2)[: -len(OUR_DXFS)]
    count = int(m.group(1)) - 3
    new = f'<dxfs count="{count}">{inner}</dxfs>' if inner or count else '<dxfs count="0"/>'
    if not inner and count == 0 and f'<dxfs count="3">{OUR_DXFS}</dxfs>' in styles:
        new = ""  # we created the element
    pkg.put("xl/styles.xml", styles[: m.start()] + new + styles[m.end() :])


def _recorded_rows(
    pkg: Package, parts: dict[str, str]
) -> list[tuple[str, str, str, str, str]] | None:
    """The finding rows of every 校验结果 sheet of ours in the package (title in A1,
    headings in row 3); None when the package holds no such sheet."""
    rows = None
    for name, part in parts.items():
        if name in (RESULTS_SHEET, RESULTS_SHEET_FALLBACK) and part in pkg.data:
            values = sheet_rows(pkg, part)
            if is_results_values(values):
                rows = (rows or []) + rows_of(values)
    return rows


# A colour mark covers at most the cells its rows list; a range larger than this is not ours.
_MAX_MARKED = 100_000


def _cells_of(refs: Iterable[str]) -> set[tuple[int, int]] | None:
    """The cells (row, column) that references ("B5", "B5:C7", "$B$5") cover; None when
    one is not a cell reference, or they cover too many to be marks of ours."""
    out: set[tuple[int, int]] = set()
    for ref in refs:
        ends = ref.replace("$", "").upper().split(":")
        try:
            (r1, c1), (r2, c2) = split_address(ends[0]), split_address(ends[-1])
        except (ValueError, TypeError, AttributeError):
            return None
        if len(ends) > 2 or (abs(r2 - r1) + 1) * (abs(c2 - c1) + 1) + len(out) > _MAX_MARKED:
            return None
        out.update(
            (r, c)
            for r in range(min(r1, r2), max(r1, r2) + 1)
            for c in range(min(c1, c2), max(c1, c2) + 1)
        )
    return out


# Elements found as text with any namespace prefix; their text compared after XML unescaping
# (other writers spell 校验 as &#26657;&#39564;), so untouched bytes stay as they were.
_CF_BLOCK = re.compile(
    r"<(\w+:)?conditionalFormatting\b([^>]*)>.*?</(?:\w+:)?conditionalFormatting>", re.S
)
_FORMULA = re.compile(r"<(?:\w+:)?formula>(.*?)</(?:\w+:)?formula>", re.S)
_COMMENT = re.compile(r"<(?:\w+:)?comment\b([^>]*)>(.*?)</(?:\w+:)?comment>", re.S)
_TEXT = re.compile(r"<(?:\w+:)?t(?:\s[^>]*)?>(.*?)</(?:\w+:)?t>", re.S)


def _clear_rules(xml: str, listed: set[tuple[int, int]] | None) -> str:
    """The sheet without our conditional formats: blocks whose every rule is our mark and
    whose every cell is ``listed`` (the cells our 校验结果 rows name for this sheet). They
    follow the cells (schema order), so only the text after ``sheetData`` is searched:
    the cells are most of a sheet."""
    at = max(xml.rfind("sheetData"), 0)
    if not listed or xml.find("conditionalFormatting", at) < 0:
        return xml
    ours = [m.span() for m in _CF_BLOCK.finditer(xml, at) if _is_our_rule(m, listed)]
    if not ours:
        return xml  # the same text, not a copy: nothing to put back
    kept, pos = [], 0
    for start, end in ours:
        kept.append(xml[pos:start])
        pos = end
    kept.append(xml[pos:])
    return "".join(kept)


def _attr(attrs: str, name: str) -> str | None:
    m = re.search(rf'\b{name}="([^"]*)"', attrs)
    return m.group(1) if m else None


def _is_our_rule(block: re.Match[str], listed: set[tuple[int, int]]) -> bool:
    """A conditionalFormatting block whose every rule is our mark (MARKER) on cells that
    are all ``listed``."""
    formulas = [unescape(f).strip() for f in _FORMULA.findall(block.group(0))]
    if not formulas or any(f != MARKER for f in formulas):
        return False
    sqref = attribute(block.group(2), "sqref")
    cells = _cells_of(sqref.split()) if sqref else None
    return bool(cells) and cells is not None and cells <= listed


def _comment_count(pkg: Package, part: str) -> int:
    return len(_COMMENT.findall(pkg.text(part)))


def _clear_comments(pkg: Package, part: str, ours: dict[str, str]) -> set[str]:
    """Remove the notes 校验 wrote: at a cell of the record, still reading exactly as
    written. A note a user wrote there, or ours after a user changed it, stays.
    Returns the cells whose note went."""
    if part not in pkg.data:
        return set()
    text = pkg.text(part)
    removed: set[str] = set()

    def drop(m: re.Match[str]) -> str:
        cell, body = _attr(m.group(1), "ref"), m.group(2)
        shown = unescape("".join(_TEXT.findall(body)))
        if cell in ours and shown.replace("\r\n", "\n") == ours[cell]:
            removed.add(cell)
            return ""
        return m.group(0)

    cleaned = _COMMENT.sub(drop, text)
    authors = re.findall(r"<author>(.*?)</author>", cleaned)
    used = {_attr(a, "authorId") for a, _ in _COMMENT.findall(cleaned)}
    used = {int(a) for a in used if a and a.isdigit()}
    last = len(authors) - 1
    if authors and authors[last] == escape(AUTHOR) and last not in used:
        cleaned = cleaned.replace(f"<author>{escape(AUTHOR)}</author></authors>", "</authors>")
    if cleaned != text:
        pkg.put(part, cleaned)
    return removed


def _clear_shapes(pkg: Package, part: str, cells: set[str]) -> None:
    """Remove the VML shapes of removed notes: our own block, and the shapes Excel wrote for
    notes 校验 added in Excel (found by their row and column). VML is edited as bytes."""
    vml = pkg.data[part]
    cleaned = re.sub(rb"<!--jixiao-->.*?<!--/jixiao-->", b"", vml, flags=re.S)
    for cell in cells:
        row, col = split_address(cell)
        shape = (
            rb"<v:shape\b(?:(?!</v:shape>).)*?<x:ClientData ObjectType=\"Note\">(?:(?!</v:shape>).)*?"
            + f"<x:Row>{row - 1}</x:Row>\\s*<x:Column>{col - 1}</x:Column>".encode()
            + rb".*?</v:shape>"
        )
        cleaned = re.sub(shape, b"", cleaned, flags=re.S)
    if cleaned != vml:
        pkg.put(part, cleaned)


def _clear_results(pkg: Package, parts: dict[str, str]) -> None:
    for name, part in parts.items():
        if part == RESULTS_PART:
            wb = pkg.text("xl/workbook.xml")
            wb = re.sub(sheet_entry(r'[^"]*', r"\d+", rf"{REL_PREFIX}\d+", pattern=True), "", wb)
            pkg.put("xl/workbook.xml", wb)
            pkg.remove(RESULTS_PART)
            _remove_relationships(pkg, "xl/workbook.xml", REL_PREFIX)
            _remove_content_type(pkg, override(RESULTS_PART, CT_SHEET))
        elif name == RESULTS_SHEET and part in pkg.data:
            values = sheet_rows(pkg, part)
            if not is_results_values(values):
                continue
            xml = pkg.text(part)
            kept = ORIGINAL.search(xml)
            if kept:
                pkg.put(part, base64.b64decode(kept.group(1)))
            elif len(values) > 3 or (values[1][:1] != [NOT_YET] if len(values) > 1 else True):
                pkg.put(part, results_sheet_xml(None, sheet_pr(xml)))  # results from another run
            # else: still the empty sheet, as the template or another tool wrote it


def _list(styles: str, tag: str) -> re.Match[str] | None:
    return re.search(rf'<{tag}\b([^>]*?)count="(\d+)"([^>]*)>(.*?)</{tag}>', styles, re.S)


def _remove_styles(pkg: Package) -> None:
    """Take our styles out again where they are still the last of each list."""
    if "xl/styles.xml" not in pkg.data:
        return
    styles = pkg.text("xl/styles.xml")
    found = {tag: _list(styles, tag) for tag, _, _ in STYLE_LISTS}
    if any(m is None for m in found.values()):
        return
    fonts, fills, borders = (int(found[t].group(2)) for t in ("fonts", "fills", "borders"))  # type: ignore[union-attr]
    ours = {
        "fonts": FONTS,
        "fills": FILLS,
        "borders": BORDERS,
        "cellXfs": style_xfs(fonts - 4, fills - 1, borders - 1),
    }
    if not all(found[t].group(4).endswith(ours[t]) for t in ours):  # type: ignore[union-attr]
        return  # something was added after ours: leave the unused styles rather than renumber
    for tag, _block, n in STYLE_LISTS:
        m = _list(styles, tag)
        assert m is not None
        inner = m.group(4)[: -len(ours[tag])]
        new = f'<{tag}{m.group(1)}count="{int(m.group(2)) - n}"{m.group(3)}>{inner}</{tag}>'
        styles = styles[: m.start()] + new + styles[m.end() :]
    pkg.put("xl/styles.xml", styles)
