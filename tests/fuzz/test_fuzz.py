"""The bounded fuzz run of CI (issue 13): 520 cases of seed 13 through ``jixiao`` in process.

Every case must keep every property of tests/fuzz/run.py (exit 0/1/2, no 内部错误, input
unchanged, messages naming the file, validate → clear giving the package back, no entity
resolved …). A failure lists each failing case with the one command that rebuilds and runs
it alone: ``python3 -m tests.fuzz.run --seed 13 --case N --keep /tmp/fuzz-N``.
The longer run is ``make fuzz`` (README.md).
"""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from jixiao.app.inbox import FORM_SUFFIXES

from .generate import Sources, entity_payload, make_case, prefix_part, rezip, unzip
from .run import compare_packages, outputs_hold, run_cli, run_parallel, sources_in

SEED = 13
CASES = 520
SHOWN = 25  # failing cases printed in full; the rest are counted
REVIEW_CASES = 260  # the first cases, reviewed as one batch (issue 12)


@pytest.fixture(scope="module")
def fuzz_sources() -> Iterator[tuple[Sources, Path]]:
    """The bases (templates, imported examples, corpus), built once in a temporary folder."""
    with sources_in() as built:
        yield built


def test_bounded_fuzz_run(fuzz_sources: tuple[Sources, Path]) -> None:
    sources, root = fuzz_sources
    jobs = min(2, os.cpu_count() or 1)
    totals, _ = run_parallel(sources, root / "run", SEED, range(CASES), jobs)
    if totals.failures:
        shown: list[str] = []
        for f in totals.failures:
            if len(shown) < SHOWN:
                shown.append(f.describe())
        pytest.fail(
            f"{len(totals.failures)} property failures in "
            f"{len({f.case.index for f in totals.failures})} of {CASES} fuzz cases\n"
            + totals.report()
            + "\n\n"
            + "\n\n".join(shown),
            pytrace=False,
        )
    assert totals.cases == CASES
    # the run exercised what it claims: every family, every exit a user can see
    assert set(totals.families) == {"corpus", "zip", "xml", "cells", "user", "json", "issue"}
    assert {0, 1, 2} <= set(totals.exits)


def test_a_review_of_the_cases_lists_each_file_as_check_reads_it(
    fuzz_sources: tuple[Sources, Path], tmp_path: Path
) -> None:
    """Issue 12: ``jixiao review`` of a folder of damaged and odd files never stops on
    one and never says 内部错误; each file is listed once, with the forms and findings
    ``check --json`` gives it, or as unreadable with check's own reason."""
    sources, _ = fuzz_sources
    inbox = tmp_path / "收件"
    inbox.mkdir()
    paths: dict[str, int] = {}
    for index in range(REVIEW_CASES):
        case = make_case(sources, SEED, index)
        if case.suffix.lower() in FORM_SUFFIXES:
            path = inbox / f"case{index:04d}{case.suffix}"
            path.write_bytes(case.data)
            paths[str(path)] = index
    assert len(paths) > REVIEW_CASES * 0.9
    code, out, err, _ = run_cli(["check", *paths, "--json"], guard=900)
    assert code in (1, 2), err[-2000:]
    checked = {o["file"]: o for o in json.loads(out)}
    refused: dict[str, str] = {}
    for line in err.splitlines():
        found = re.match(r"错误：文件 (.+?)(，|：)(.*)$", line)
        assert found, line
        refused[found.group(1)] = found.group(3)
    assert set(checked) | set(refused) == set(paths) and not set(checked) & set(refused)
    assert refused and checked  # the batch holds both kinds

    summary, results = tmp_path / "汇总.xlsx", tmp_path / "汇总.json"
    code, out, err, _ = run_cli(
        ["review", str(inbox), "-o", str(summary), "--json", str(results), "--no-cache"], 900
    )
    assert code in (1, 2), err[-2000:]
    assert "Traceback" not in out + err and "内部错误" not in out + err
    assert summary.exists()
    listed = json.loads(results.read_text("utf-8"))["files"]
    assert sorted(r["file"] for r in listed) == sorted(paths)  # each once
    wrong = []
    for r in listed:
        case = f"case {paths[r['file']]}"
        if r["file"] in refused:
            if r["status"] == "ok" or r.get("reason") != refused[r["file"]]:
                wrong.append(f"{case}: review {r['status']} {r.get('reason')!r}, check refused")
            continue
        want = checked[r["file"]]
        for key in ("forms", "findings", "summary"):
            if r.get(key) != want[key]:
                wrong.append(f"{case}: {key} differ from check --json")
    assert not wrong, "\n".join(wrong[:SHOWN])


def test_cases_are_rebuilt_from_seed_and_index(fuzz_sources: tuple[Sources, Path]) -> None:
    """The reproducer command works only if (seed, index) alone gives the same case."""
    sources, _ = fuzz_sources
    for index in (0, 7, 123, 499):
        a, b = make_case(sources, SEED, index), make_case(sources, SEED, index)
        assert (a.family, a.mutation, a.data) == (b.family, b.mutation, b.data)
    assert make_case(sources, SEED, 1).data != make_case(sources, SEED + 1, 1).data


def _package(**parts: bytes) -> bytes:
    return rezip([(name.replace("__", "/").replace("CT", "[Content_Types].xml"), body)
                  for name, body in parts.items()])  # fmt: skip


CT = (
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="xml" ContentType="application/xml"/></Types>'
)
SHEET = (
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="1"><c r="A1"><f>1+1</f><v></v></c></row></sheetData></worksheet>'
)


def test_compare_packages_tells_given_back_from_changed() -> None:
    """The round-trip property itself: it must fail on what clear leaves behind."""
    original = rezip([("[Content_Types].xml", CT), ("xl/worksheets/sheet1.xml", SHEET)])
    assert compare_packages(original, original) == []
    # the same XML written with a prefix and a computed cached value: given back
    prefixed = prefix_part(SHEET) or b""
    computed = prefixed.replace(b"<x:v></x:v>", b"<x:v>2</x:v>")
    same = rezip([("[Content_Types].xml", CT), ("xl/worksheets/sheet1.xml", computed)])
    assert compare_packages(original, same) == []
    # a content type, a member and a changed cell left behind: each one found
    extra_ct = CT.replace(b"</Types>", b'<Default Extension="vml" ContentType="x"/></Types>')
    changed = SHEET.replace(b'<c r="A1">', b'<c r="A1" s="3">')
    left = rezip(
        [
            ("[Content_Types].xml", extra_ct),
            ("xl/worksheets/sheet1.xml", changed),
            ("xl/worksheets/jixiao_results.xml", SHEET),
        ]
    )
    found = {prop for prop, _ in compare_packages(original, left)}
    assert found == {"package", "roundtrip"}
    details = " ".join(d for _, d in compare_packages(original, left))
    assert "jixiao_results.xml" in details and "[Content_Types].xml" in details
    assert "sheet1.xml" in details


def test_generated_packages_open_as_zip(fuzz_sources: tuple[Sources, Path]) -> None:
    """XML-level and imitation cases damage a part, not the zip around it."""
    sources, _ = fuzz_sources
    for index in range(40):
        case = make_case(sources, SEED, index)
        if case.family in ("xml", "cells", "user"):
            with zipfile.ZipFile(io.BytesIO(case.data)) as z:
                assert z.testzip() is None, case.label
            assert unzip(case.data)


@pytest.mark.parametrize("kind", ["external entity", "external entity (path)"])
def test_entity_payloads_would_leak_the_token(kind: str, tmp_path: Path) -> None:
    """The xxe property means something: a parser that resolves entities shows the token,
    and the check finds it inside a zip member of an output."""
    token_file = tmp_path / "token.txt"
    token_file.write_text("TOKEN-4711", "utf-8")

    class Fixed:  # entity_payload draws the kind from rng.choice(sorted(kinds))
        def choice(self, options: list[str]) -> str:
            return kind

    label, doctype, ref = entity_payload(Fixed(), token_file)  # type: ignore[arg-type]
    assert label == kind
    unsafe = etree.XMLParser(resolve_entities=True, load_dtd=True, no_network=True)
    text = etree.tostring(etree.fromstring(f"{doctype}<r>{ref}</r>".encode(), unsafe))
    assert b"TOKEN-4711" in text
    out = tmp_path / "out.xlsx"
    out.write_bytes(rezip([("xl/sharedStrings.xml", text)]))
    assert outputs_hold("TOKEN-4711", [out], ["nothing here"]) == "out.xlsx!xl/sharedStrings.xml"
    assert outputs_hold("TOKEN-4711", [out], []) is not None
    assert outputs_hold("TOKEN-0000", [out], ["no"]) is None
