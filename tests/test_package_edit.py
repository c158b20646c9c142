"""校验 writes its marks into packages as other programs write them (issue 13, items 7–11,
15): any namespace prefix, attribute order or encoding; 清除标记 then gives back every part
byte for byte, and a package 清除标记 would refuse is refused by 校验 first."""

from __future__ import annotations

import re
import struct
import warnings
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
from lxml import etree
from support import EXAMPLES, parts, without_cached_values
from test_paper_layout import Variant, build

import jixiao.formats.package as package_module
from jixiao.app.marks import MARKER
from jixiao.cli import main
from jixiao.formats.package import Package, sheet_parts
from jixiao.hosts.package import clear as clear_package
from jixiao.hosts.package_marks import Edits, _add_content_type

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
VML_TYPE = "application/vnd.openxmlformats-officedocument.vmlDrawing"


def imported(tmp_path: Path) -> Path:
    """A workbook as jixiao's templates write it: the whole-unit form, with buttons (VML)."""
    book = tmp_path / "book.xlsm"
    assert main(["import", str(EXAMPLES / "shifeng-2020-whole.json"), "-o", str(book)]) == 0
    return book


def paper(tmp_path: Path) -> Path:
    """A paper-layout form saved by openpyxl: no jixiao names, no drawing part."""
    build(tmp_path, "shifeng-2020-whole.json", Variant())
    return tmp_path / "shifeng-2020-whole.xlsx"


def rewrite(src: Path, dst: Path, change: Callable[[str, bytes], bytes]) -> dict[str, bytes]:
    """``src`` with each member passed through ``change``; the new parts."""
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            out.writestr(info.filename, change(info.filename, z.read(info)))
    return parts(dst)


def prefixed(data: bytes) -> bytes:
    """The part with its SpreadsheetML elements written as x:name (LibreOffice-style
    writers and some export tools do), the main namespace bound to x: instead of default."""
    text = data.decode("utf-8").replace(f'xmlns="{MAIN}"', f'xmlns:x="{MAIN}"', 1)
    return re.sub(r"<(/?)([A-Za-z_][\w.-]*)(?=[\s/>])", r"<\1x:\2", text).encode("utf-8")


def round_trip(
    book: Path, tmp_path: Path, expected: int = 1, *, cached: bool = False
) -> tuple[Path, dict[str, bytes]]:
    """validate (exit ``expected``) then clear; the marked copy, and asserts the cleared
    copy holds the input's parts byte for byte (``cached``: but the formula cells' cached
    values, which 校验 computes for a file saved without them, and which stay)."""
    original = parts(book)
    marked, cleared = tmp_path / f"v_{book.name}", tmp_path / f"c_{book.name}"
    assert main(["validate", str(book), "-o", str(marked)]) == expected
    assert parts(book) == original  # the input is never changed
    assert main(["clear", str(marked), "-o", str(cleared)]) == 0
    back = parts(cleared)
    assert list(back) == list(original)
    if cached:
        sheets = [n for n in back if n.startswith("xl/worksheets/sheet")]
        back.update({n: without_cached_values(back[n]) for n in sheets})
        original.update({n: without_cached_values(original[n]) for n in sheets})
    assert {n for n in original if back[n] != original[n]} == set()
    return marked, parts(marked)


def our_marks(book: Path, sheet: str) -> tuple[set[str], dict[str, str]]:
    """The cells our colour marks cover, and the notes, as openpyxl reads them."""
    ws = openpyxl.load_workbook(book)[sheet]
    cells = {
        str(cell)
        for cf in ws.conditional_formatting
        for rule in cf.rules
        if rule.formula == [MARKER]
        for cell in cf.sqref.ranges
    }
    notes = {c.coordinate: c.comment.text for row in ws.iter_rows() for c in row if c.comment}
    return cells, notes


def test_a_sheet_and_styles_written_with_a_prefix_get_marks_and_come_back(tmp_path):
    """Item 7: <x:worksheet>, <x:styleSheet> — the marks are in the prefixed sheet."""
    src = imported(tmp_path)
    book = tmp_path / "prefixed.xlsm"
    changed = ("xl/worksheets/sheet1.xml", "xl/styles.xml")
    members = rewrite(src, book, lambda n, d: prefixed(d) if n in changed else d)
    assert b"<x:worksheet" in members["xl/worksheets/sheet1.xml"]
    marked, _ = round_trip(book, tmp_path)
    cells, notes = our_marks(marked, "整体支出表")
    assert {"G47", "F47", "D22"} <= cells
    assert notes["G47"].startswith("【错误 S05】")


def test_a_prefixed_workbook_lists_the_results_sheet_and_clear_takes_it_out(tmp_path):
    """Item 9: <x:sheets> in workbook.xml: 校验结果 is listed, and clear removes its part,
    relationship and content type again."""
    src = imported(tmp_path)
    book = tmp_path / "prefixed.xlsm"
    rewrite(src, book, lambda n, d: prefixed(d) if n == "xl/workbook.xml" else d)
    marked, _ = round_trip(book, tmp_path)
    assert openpyxl.load_workbook(marked).sheetnames[-1] == "校验结果"


def _vml_defaults(types: bytes) -> int:
    root = etree.fromstring(types)
    return sum(
        1 for d in root.iter(f"{{{TYPES}}}Default") if d.get("Extension", "").lower() == "vml"
    )


def test_a_vml_default_spelled_another_way_is_not_added_twice_nor_removed(tmp_path):
    """Item 10: the user's Default for .vml, spelled as openpyxl writes it (" />", other
    attribute order), and notes on a sheet without a drawing part: one Default in the
    copy, and clear leaves the user's own."""
    src = paper(tmp_path)
    book = tmp_path / "types.xlsx"
    default = f'<Default ContentType="{VML_TYPE}" Extension="vml" />'

    def with_default(name: str, data: bytes) -> bytes:
        if name == "[Content_Types].xml":
            return data.replace(b"<Default ", default.encode() + b"<Default ", 1)
        return data

    members = rewrite(src, book, with_default)
    assert not [n for n in members if n.endswith(".vml")]
    marked, copy = round_trip(book, tmp_path)
    assert [n for n in copy if n.endswith(".vml")]  # notes got a drawing part
    assert _vml_defaults(copy["[Content_Types].xml"]) == 1
    _, notes = our_marks(marked, "自评表")
    assert notes


def test_a_workbook_without_a_vml_default_gets_one_and_loses_it_again(tmp_path):
    book = paper(tmp_path)
    _, copy = round_trip(book, tmp_path)
    assert _vml_defaults(copy["[Content_Types].xml"]) == 1


def test_a_utf16_drawing_part_gets_the_notes_and_comes_back_byte_for_byte(tmp_path):
    """Item 8: a VML part in UTF-16 (with its byte order mark)."""
    src = imported(tmp_path)
    book = tmp_path / "utf16.xlsm"

    def utf16(name: str, data: bytes) -> bytes:
        if not name.endswith(".vml"):
            return data
        body = re.sub(r"^<\?xml[^>]*\?>\s*", "", data.decode("utf-8"))
        return ('<?xml version="1.0" encoding="UTF-16"?>\n' + body).encode("utf-16")

    members = rewrite(src, book, utf16)
    vml = "xl/drawings/vmlDrawing1.vml"
    assert members[vml][:2] == b"\xff\xfe"
    _, copy = round_trip(book, tmp_path)
    text = copy[vml].decode("utf-16")  # still UTF-16, and ours is in it
    assert text.count('ObjectType="Note"') >= 2 and "<x:Row>46</x:Row>" in text


def test_a_duplicated_member_is_refused_naming_it(tmp_path, capsys):
    src = imported(tmp_path)
    book = tmp_path / "dup.xlsm"
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(book, "w") as out:
        for info in z.infolist():
            out.writestr(info.filename, z.read(info))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Duplicate name"
            out.writestr("xl/drawings/vmlDrawing1.vml", b"<xml/>")
    capsys.readouterr()
    assert main(["validate", str(book), "-o", str(tmp_path / "o.xlsm")]) == 2
    err = capsys.readouterr().err
    assert str(book) in err and "xl/drawings/vmlDrawing1.vml" in err
    assert not (tmp_path / "o.xlsm").exists()


@pytest.mark.parametrize("maker", [imported, paper], ids=["template", "paper"])
def test_a_truncated_package_relationships_part_is_refused_before_any_copy(maker, tmp_path, capsys):
    """Item 11: validate must not write a copy that clear refuses."""
    src = maker(tmp_path)
    book = tmp_path / f"broken{src.suffix}"
    rewrite(src, book, lambda n, d: d[: len(d) // 2] if n == "_rels/.rels" else d)
    out = tmp_path / f"o{src.suffix}"
    capsys.readouterr()
    assert main(["validate", str(book), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert str(book) in err and "_rels/.rels" in err and "内部错误" not in err
    assert not out.exists()


def _patch_member(path: Path, member: str, change: Callable[[bytearray, int, int], None]) -> None:
    """Edit ``member``'s local header (offset given) and central directory entry in place."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(member)
    central = data.find(b"PK\x01\x02")
    while central >= 0:
        name_len = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46 : central + 46 + name_len] == member.encode():
            break
        central = data.find(b"PK\x01\x02", central + 4)
    change(data, info.header_offset, central)
    path.write_bytes(bytes(data))


def _method_99(data: bytearray, local: int, central: int) -> None:
    struct.pack_into("<H", data, local + 8, 99)
    struct.pack_into("<H", data, central + 10, 99)


def _corrupt(data: bytearray, local: int, central: int) -> None:
    name_len, extra_len = struct.unpack_from("<HH", data, local + 26)
    start = local + 30 + name_len + extra_len
    for k in range(start + 10, start + 30):
        data[k] ^= 0xA5


@pytest.mark.parametrize("damage", [_method_99, _corrupt], ids=["method 99", "corrupt"])
def test_a_member_the_reader_never_reads_that_cannot_be_unpacked_is_named(damage, tmp_path, capsys):
    """A member jixiao must copy (the theme) that is compressed an unknown way, or
    damaged: exit 2 naming the file and the member, no raw exception text."""
    book = imported(tmp_path)
    _patch_member(book, "xl/theme/theme1.xml", damage)
    capsys.readouterr()
    code = main(["validate", str(book), "-o", str(tmp_path / "o.xlsm")])
    err = capsys.readouterr().err
    assert code == 2, err
    assert str(book) in err and "xl/theme/theme1.xml" in err
    assert "Error" not in err and "内部错误" not in err


def test_a_users_note_that_looks_like_ours_survives_clear(tmp_path):
    """Item 15: the user's own notes, written under the author "jixiao 校验" and starting
    like ours, on a cell 校验 flags and on one it does not: clear gives them back as they
    were — 清除标记 removes what the record names, not what looks like ours."""
    src = imported(tmp_path)
    wb = openpyxl.load_workbook(src, keep_vba=True)
    ws = wb["整体支出表"]
    ws["G47"].comment = openpyxl.comments.Comment("【错误 S05】总分已核对", "jixiao 校验")
    ws["A2"].comment = openpyxl.comments.Comment("【错误 S05】我的备忘", "jixiao 校验")
    book = tmp_path / "mine.xlsm"
    wb.save(book)
    marked, _ = round_trip(book, tmp_path, cached=True)
    _, notes = our_marks(marked, "整体支出表")
    assert notes["G47"] == "【错误 S05】总分已核对" and notes["A2"] == "【错误 S05】我的备忘"
    assert notes["G20"].startswith("【提示 S10】")  # ours, beside them


def test_validating_the_marked_copy_again_gives_the_same_copy(tmp_path):
    """The record of the first run is undone by the second: nothing accumulates."""
    book = paper(tmp_path)
    once, twice = tmp_path / "once.xlsx", tmp_path / "twice.xlsx"
    assert main(["validate", str(book), "-o", str(once)]) == 1
    assert main(["validate", str(once), "-o", str(twice)]) == 1
    assert parts(twice) == parts(once)


# ---- cached values written into sheets as other programs write them (G1, G2) ---------------

SHEET = "xl/worksheets/sheet1.xml"


def formula_free(data: bytes) -> bytes:
    """A worksheet part as canonical XML without its formula cells' cached values and
    types: 校验 computes them for a file that asks to be recalculated, and they stay."""
    root = etree.fromstring(data)
    for c in root.iter(f"{{{MAIN}}}c"):
        if c.find(f"{{{MAIN}}}f") is not None:
            c.attrib.pop("t", None)
            for v in c.findall(f"{{{MAIN}}}v"):
                c.remove(v)
    return etree.tostring(root, method="c14n2")


def well_formed(members: dict[str, bytes]) -> None:
    for name, data in members.items():
        if name.endswith((".xml", ".rels", ".vml")):
            etree.fromstring(data)  # raises on a malformed part (a doubled attribute)


def cached_round_trip(book: Path, tmp_path: Path) -> dict[str, bytes]:
    """validate (exit 1: the example has findings), then clear: the copy is well-formed
    and the cleared file holds every part of the input, byte for byte but for the
    worksheets' cached values (compared as canonical XML without them). The copy."""
    original = parts(book)
    tmp_path.mkdir(exist_ok=True)
    marked, cleared = tmp_path / f"v_{book.name}", tmp_path / f"c_{book.name}"
    assert main(["validate", str(book), "-o", str(marked)]) == 1
    copy = parts(marked)
    well_formed(copy)
    assert main(["clear", str(marked), "-o", str(cleared)]) == 0
    back = parts(cleared)
    assert list(back) == list(original)
    differ = {n for n in original if back[n] != original[n]}
    assert all(n.startswith("xl/worksheets/sheet") for n in differ), differ
    assert all(formula_free(back[n]) == formula_free(original[n]) for n in differ)
    return copy


def cached_values(sheet: bytes) -> dict[str, tuple[str | None, str | None]]:
    """Each formula cell's (type, cached value), read namespace-aware."""
    root = etree.fromstring(sheet)
    out = {}
    for c in root.iter(f"{{{MAIN}}}c"):
        if c.find(f"{{{MAIN}}}f") is not None:
            v = c.find(f"{{{MAIN}}}v")
            out[c.get("r")] = (c.get("t"), None if v is None else v.text or "")
    return out


_FORMULA_CELL = re.compile(
    r'<c r="([A-Z]+\d+)"((?: [st]="[^"]*")*)>(<f>.*?</f>)(?:<v>[^<]*</v>)?</c>'
)


def respaced(data: bytes) -> bytes:
    """Every formula cell's start tag spelled as XML allows and some writers do: spaces
    around "=", single quotes, a line break before ">", ``t`` last; and a stale t="str"
    with no cached value on each (validate must replace that t, not add a second)."""

    def one(m: re.Match[str]) -> str:
        s = re.search(r's="(\d+)"', m.group(2))
        style = f"  s = '{s.group(1)}'" if s else ""
        return f"<c r=\"{m.group(1)}\"{style} t = 'str'\n>{m.group(3)}</c>"

    return _FORMULA_CELL.sub(one, data.decode("utf-8")).encode("utf-8")


def test_cells_with_attributes_spelled_otherwise_get_their_cached_values_once(tmp_path):
    """G1: validate used to add a second ``t`` to a cell spelled ``t = 'str'`` (a copy
    that clear refuses); each cell now gets one type and its value, and comes back."""
    src = imported(tmp_path)  # asks to be recalculated: validate computes cached values
    book = tmp_path / "respaced.xlsm"
    members = rewrite(src, book, lambda n, d: respaced(d) if n == SHEET else d)
    assert b"t = 'str'\n>" in members[SHEET]
    copy = cached_round_trip(book, tmp_path)
    values = cached_values(copy[SHEET])
    assert values["K17"] == (None, "10")  # a number: the stale t="str" is gone
    assert values["I17"] == (None, "1")
    assert sum(1 for t, v in values.values() if v is not None) > 1000
    # the respaced spelling of the other attributes stays as the user's file had it
    assert b"  s = '17'" in copy[SHEET]


def without_values(data: bytes) -> bytes:
    """The sheet with no cached value in any formula cell (as openpyxl saves it)."""
    return re.sub(rb"(</f>|<f[^>]*/>)<v>[^<]*</v>", rb"\1", data)


def test_a_prefixed_sheet_gets_the_same_cached_values_as_a_plain_one(tmp_path):
    """G1: <x:c>, <x:f>, <x:v>: the values are computed and written as for a sheet
    without a prefix, under the sheet's own prefix; clear gives the sheet back."""
    src = imported(tmp_path)
    plain, book = tmp_path / "plain.xlsm", tmp_path / "prefixed.xlsm"
    rewrite(src, plain, lambda n, d: without_values(d) if n == SHEET else d)
    members = rewrite(src, book, lambda n, d: prefixed(without_values(d)) if n == SHEET else d)
    assert b"<x:c " in members[SHEET] and b"</x:f><x:v>" not in members[SHEET]
    copy = cached_round_trip(book, tmp_path / "p")
    assert b"</x:f><x:v>" in copy[SHEET] and b"<v>" not in copy[SHEET]
    expected = cached_round_trip(plain, tmp_path / "q")
    values = cached_values(copy[SHEET])
    assert values == cached_values(expected[SHEET])
    assert values["K17"] == (None, "10")


def utf16(data: bytes) -> bytes:
    body = re.sub(r"^<\?xml[^>]*\?>\s*", "", data.decode("utf-8"))
    return ('<?xml version="1.0" encoding="UTF-16" standalone="yes"?>\r\n' + body).encode("utf-16")


def test_a_utf16_sheet_gets_its_cached_values_and_stays_utf16(tmp_path):
    """G2: a worksheet part in UTF-16 with its declaration: validate used to stop with an
    internal error (exit 3) writing the cached values; it writes them, in UTF-16."""
    src = imported(tmp_path)
    book = tmp_path / "utf16.xlsm"
    members = rewrite(src, book, lambda n, d: utf16(without_values(d)) if n == SHEET else d)
    assert members[SHEET][:2] == b"\xff\xfe"
    copy = cached_round_trip(book, tmp_path)
    assert copy[SHEET][:2] == b"\xff\xfe"
    assert cached_values(copy[SHEET])["K17"] == (None, "10")


def test_a_utf16_part_is_read_and_given_back_as_it_was():
    """Package.text decodes a part as its byte order mark and declaration say, and put
    encodes the text given back the same way (a UTF-16 part stays UTF-16)."""
    declaration = '<?xml version="1.0" encoding="UTF-16"?>'
    members = {
        "le.xml": (declaration + "<a>甲</a>").encode("utf-16"),
        "be.xml": ("\ufeff" + declaration + "<a>甲</a>").encode("utf-16-be"),
        "latin.xml": '<?xml version="1.0" encoding="ISO-8859-1"?><a>é</a>'.encode("latin-1"),
    }
    pkg = Package(list(members), dict(members), {})
    for name, data in members.items():
        text = pkg.text(name)
        assert "<a>" in text
        pkg.put(name, text.replace("<a>", "<a>乙"))
        assert etree.fromstring(pkg.data[name]).text.startswith("乙")
        assert pkg.data[name][:2] == data[:2]  # the same byte order mark, or none


# ---- a user's own rule with our marker's formula (G5, item 15) ------------------------------


def with_rule(data: bytes, cell: str) -> bytes:
    """The sheet with the user's own conditional format on ``cell`` whose formula is
    jixiao's marker (typed or copied by the user)."""
    formula = MARKER.replace("<", "&lt;").replace(">", "&gt;")
    rule = (
        f'<conditionalFormatting sqref="{cell}"><cfRule type="expression" priority="99">'
        f"<formula>{formula}</formula></cfRule></conditionalFormatting>"
    ).encode()
    for anchor in (b"<conditionalFormatting", b"<dataValidations", b"<pageMargins"):
        at = data.find(anchor)
        if at >= 0:
            return data[:at] + rule + data[at:]
    raise AssertionError("no place for the rule")


def test_a_users_rule_with_our_marker_formula_survives_clear_and_validate(tmp_path):
    """G5: a file without our 校验结果 sheet has nothing of ours: clear gives it back
    byte for byte, and so does validate → clear, on a cell 校验 marks (G47) and on one
    it does not (A2)."""
    src = imported(tmp_path)
    book = tmp_path / "rules.xlsm"
    rewrite(src, book, lambda n, d: with_rule(with_rule(d, "G47"), "A2") if n == SHEET else d)
    assert our_marks(book, "整体支出表")[0] == {"G47", "A2"}
    cleared = tmp_path / "cleared.xlsm"
    assert main(["clear", str(book), "-o", str(cleared)]) == 0
    assert parts(cleared) == parts(book)
    marked, _ = round_trip(book, tmp_path)
    cells, _notes = our_marks(marked, "整体支出表")
    assert {"G47", "F47", "D22", "A2"} <= cells


def test_a_users_rule_in_a_template_with_an_empty_results_sheet_survives_clear(tmp_path):
    """G5: the unit workbook ships an empty 校验结果 sheet (ours): it lists no cell, so
    no rule is ours to clear. (The host itself: ``jixiao clear`` refuses a template
    with no form filled in before it gets there.)"""
    template = Path(__file__).resolve().parents[1] / "xlsx_templates" / "部门绩效自评工作簿.xlsm"
    part = sheet_parts(Package.read(template))["整体支出表"]
    book = tmp_path / "unit.xlsm"
    rewrite(template, book, lambda n, d: with_rule(d, "A2") if n == part else d)
    cleared = tmp_path / "cleared.xlsm"
    clear_package(book, cleared)
    assert parts(cleared) == parts(book)


RECORD = re.compile(rb"<!--jixiao-record:[A-Za-z0-9+/=]*-->")


def test_a_marked_copy_without_the_record_is_still_cleared_but_for_the_users_rule(tmp_path):
    """Old marked files (an earlier version of jixiao, or the copy saved by Excel since:
    no record of the edits) are cleared by the 校验结果 rows: our colour marks and notes
    on the cells they list go; the user's rule with our formula on a cell they do not
    list (A2) stays."""
    src = imported(tmp_path)
    book = tmp_path / "rules.xlsm"
    rewrite(src, book, lambda n, d: with_rule(d, "A2") if n == SHEET else d)
    marked = tmp_path / "marked.xlsm"
    assert main(["validate", str(book), "-o", str(marked)]) == 1
    old = tmp_path / "old.xlsm"
    members = rewrite(marked, old, lambda n, d: RECORD.sub(b"", d))
    assert not any(RECORD.search(d) for d in members.values())
    cells, notes = our_marks(old, "整体支出表")
    assert {"G47", "F47", "D22", "A2"} <= cells and notes["G47"].startswith("【错误 S05】")
    cleared = tmp_path / "cleared.xlsm"
    assert main(["clear", str(old), "-o", str(cleared)]) == 0
    assert our_marks(cleared, "整体支出表") == ({"A2"}, {})
    assert "校验结果" not in openpyxl.load_workbook(cleared).sheetnames


def test_a_sheet_whose_drawing_relationship_is_lost_gets_colour_marks_only(tmp_path):
    """The sheet still names its drawing (<legacyDrawing r:id>) but its relationships lost
    it: a second drawing would make the sheet invalid, so 校验 colours the cells, adds no
    notes there, and 清除标记 gives every part back."""
    book = tmp_path / "lost.xlsm"

    def drop_vml(name: str, data: bytes) -> bytes:
        if name == "xl/worksheets/_rels/sheet1.xml.rels":
            return re.sub(rb"<Relationship\b[^>]*vmlDrawing[^>]*/>", b"", data)
        return data

    changed = rewrite(imported(tmp_path), book, drop_vml)
    assert b"vmlDrawing" not in changed["xl/worksheets/_rels/sheet1.xml.rels"]
    assert b"<legacyDrawing" in changed["xl/worksheets/sheet1.xml"]
    _marked, members = round_trip(book, tmp_path)
    assert members["xl/worksheets/sheet1.xml"].count(b"<legacyDrawing") == 1
    assert b"comments" not in members["xl/worksheets/_rels/sheet1.xml.rels"]
    cells, notes = our_marks(_marked, "整体支出表")
    assert cells and not notes


def test_a_copy_compresses_the_changed_members_and_keeps_the_others_as_they_were(tmp_path):
    """A copy's changed members are compressed together (two threads) and written with
    their own sizes and CRC; a stored member stays stored, an unchanged one keeps its
    compressed bytes, and a member jixiao adds is deflated."""
    src, out = tmp_path / "in.zip", tmp_path / "out.zip"
    body = b"<x>" + b"<c r='A1'><v>1</v></c>" * 5000 + b"</x>"
    with zipfile.ZipFile(src, "w") as z:
        z.writestr("big.xml", body, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("stored.xml", b"<s/>", compress_type=zipfile.ZIP_STORED)
        z.writestr("same.xml", body[:9000], compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("名称.xml", b"<n/>", compress_type=zipfile.ZIP_DEFLATED)
    pkg = Package.read(src)
    changed = {
        "big.xml": body.replace(b"<v>1</v>", b"<v>2</v>"),
        "stored.xml": b"<s>changed</s>",
        "名称.xml": b"<n>\xe6\x94\xb9</n>",
        "xl/added.xml": b"<added/>" * 100,
    }
    for name, data in changed.items():
        pkg.put(name, data)
    pkg.write(out, copy=True)
    with zipfile.ZipFile(src) as before, zipfile.ZipFile(out) as after:
        assert after.testzip() is None  # every CRC and size as written
        assert after.namelist() == [*before.namelist(), "xl/added.xml"]
        for name, data in changed.items():
            assert after.read(name) == data
        assert after.read("same.xml") == before.read("same.xml")
        types = {i.filename: i.compress_type for i in after.infolist()}
        assert types["stored.xml"] == zipfile.ZIP_STORED
        assert types["big.xml"] == types["xl/added.xml"] == zipfile.ZIP_DEFLATED
        assert after.getinfo("big.xml").compress_size < len(changed["big.xml"]) // 10
        old, new = before.getinfo("same.xml"), after.getinfo("same.xml")
        raw = src.read_bytes()[old.header_offset :][30 + len(b"same.xml") :][: old.compress_size]
        copied = out.read_bytes()[new.header_offset :][30 + len(b"same.xml") :][: new.compress_size]
        assert copied == raw  # not compressed again


def test_the_remembered_scan_of_a_part_follows_its_changes(tmp_path):
    """Package.scanned is read by clearing, marking and saving alike: after a part is
    changed, its elements are those of the new bytes."""
    pkg = Package.read(imported(tmp_path))
    before = [n.tag for n in pkg.scanned("[Content_Types].xml")]
    assert pkg.scanned("[Content_Types].xml") is pkg.scanned("[Content_Types].xml")
    text = pkg.data["[Content_Types].xml"].replace(
        b"</Types>", b'<Default Extension="bin" ContentType="application/x-test"/></Types>'
    )
    pkg.put("[Content_Types].xml", text)
    assert [n.tag for n in pkg.scanned("[Content_Types].xml")] == [*before, "Default"]


def test_every_part_validate_adds_has_one_content_type_and_clear_takes_them_out(tmp_path):
    """The content types of the parts 校验 adds (notes, their drawing, the 校验结果 sheet)
    are written together: each once, and 清除标记 gives the list back as it was."""
    src = paper(tmp_path)
    out, back = tmp_path / "marked.xlsx", tmp_path / "back.xlsx"
    assert main(["validate", str(src), "-o", str(out)]) == 1
    with zipfile.ZipFile(src) as z:
        original = set(z.namelist())
        types_before = z.read("[Content_Types].xml")
    with zipfile.ZipFile(out) as z:
        added = sorted(set(z.namelist()) - original - {"[Content_Types].xml"})
        root = etree.fromstring(z.read("[Content_Types].xml"))
    overrides = [e.get("PartName") for e in root.iter(f"{{{TYPES}}}Override")]
    defaults = [e.get("Extension").lower() for e in root.iter(f"{{{TYPES}}}Default")]
    assert len(overrides) == len(set(overrides)) and len(defaults) == len(set(defaults))
    parts_added = [p for p in added if "_rels/" not in p]
    assert any(p.startswith("xl/comments") for p in parts_added)
    assert any(p.endswith(".vml") for p in parts_added)
    for part in parts_added:
        assert f"/{part}" in overrides or part.rsplit(".", 1)[1] in defaults, part
    clear_package(out, back)
    with zipfile.ZipFile(back) as z:
        assert z.read("[Content_Types].xml") == types_before
        assert set(z.namelist()) == original


def test_a_content_type_asked_for_twice_is_written_once(tmp_path):
    """Entries wait in Edits.types until the record is written: asking again for a part
    (or for the .vml default) already waiting adds nothing."""
    pkg = Package.read(paper(tmp_path))
    ed = Edits(pkg)
    for _ in range(2):
        _add_content_type(ed, None, part="xl/comments_jixiao7.xml", content_type="x/comments")
        _add_content_type(ed, None, vml=True)
    ed.add_types()
    types = pkg.data["[Content_Types].xml"].decode("utf-8")
    assert types.count('PartName="/xl/comments_jixiao7.xml"') == 1
    assert types.lower().count('extension="vml"') == 1


def test_a_copy_is_whole_when_memory_runs_short_while_compressing(tmp_path, monkeypatch):
    """A member the compressing threads could not pack (MemoryError) is compressed the
    usual way: the copy still holds every member, and nothing is printed."""

    def short(*args: object) -> object:
        raise MemoryError

    shim = SimpleNamespace(**{k: getattr(zlib, k) for k in dir(zlib) if k[0] != "_"})
    shim.compressobj = short
    monkeypatch.setattr(package_module, "zlib", shim)
    src, out = tmp_path / "in.zip", tmp_path / "out.zip"
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as z:
        for k in range(6):
            z.writestr(f"part{k}.xml", b"<p/>" * (1000 + k))
    pkg = Package.read(src)
    for k in range(6):
        pkg.put(f"part{k}.xml", b"<q/>" * (1000 + k))
    pkg.write(out, copy=True)
    with zipfile.ZipFile(out) as z:
        assert z.testzip() is None
        assert [z.read(f"part{k}.xml") for k in range(6)] == [
            b"<q/>" * (1000 + k) for k in range(6)
        ]


def test_content_types_go_into_an_empty_list_too():
    """[Content_Types].xml written as <Types/>: the first entry opens it, the rest follow."""
    types = f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{TYPES}"/>'.encode()
    pkg = Package(["[Content_Types].xml"], {"[Content_Types].xml": types}, {})
    ed = Edits(pkg)
    _add_content_type(ed, None, part="xl/a.xml", content_type="x/a")
    _add_content_type(ed, "xl/b.xml", part="xl/b.xml", content_type="x/b")
    ed.add_types()
    root = etree.fromstring(pkg.data["[Content_Types].xml"])
    assert [e.get("PartName") for e in root] == ["/xl/a.xml", "/xl/b.xml"]
