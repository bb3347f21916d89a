"""The damaged documents of a fuzz campaign (`../shared/corpus/fuzz/`, read in place): each does
what that folder's README says. The PDFs are parsed in a child process under the parse workers'
memory cap (1 GiB of address space: an allocation past it fails, and the test with it).
The parser-logic reproducers (trailing tab, duplicated row, truncated 2019 report, spliced
streams) are tested with the parser; the 20-digit cell's loading is in test_load_damaged.py."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from parsers import html, parse
from parsers.blocks import Table
from parsers.limits import Limits
from parsers.model import Report

REPO = Path(__file__).resolve().parents[1]
FUZZ = REPO.parent / "shared" / "corpus" / "fuzz"
FIXTURES = REPO / "tests" / "fixtures" / "corpus"
GIB = 2**30


def fuzz_file(name: str) -> Path:
    path = FUZZ / name
    if not path.is_file():
        pytest.skip(f"reference material missing: {path}")
    return path


def codes(report: Report) -> list[str]:
    return [f.code for f in report.findings]


# (the peak from /proc: getrusage's ru_maxrss starts at the forking parent's after exec)
_CAPPED = """
import json, re, sys
from archive.parsepool import limit_memory
assert limit_memory(int(sys.argv[2]))
from parsers import parse
r = parse(sys.argv[1])
peak = int(re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read()).group(1)) * 1024
print(json.dumps({"status": r.status, "codes": [f.code for f in r.findings], "cells": len(r.cells),
                  "template": r.template, "maxrss": peak}))
"""


def parse_capped(path: Path, cap: int = GIB) -> dict:
    """The parse of `path` in a child process whose address space is capped at `cap` (as a parse
    worker's is), with its peak resident size."""
    if not Path("/proc/self/status").is_file():
        pytest.skip("the peak resident size is read from /proc (Linux)")
    # (the pool's rule for a hung parse: twice the parse time limit, and half a minute)
    proc = subprocess.run([sys.executable, "-c", _CAPPED, str(path), str(cap)], capture_output=True, text=True,
                          cwd=REPO, timeout=2 * Limits().parse_seconds + 30)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


def test_pdf_with_huge_coordinates_is_read_in_bounded_memory():
    got = parse_capped(fuzz_file("pdf-huge-coordinates.pdf"))
    assert got["maxrss"] < GIB // 4  # it took any cap it was given: 2 GiB in 9–20 s, 6 GiB in 16 s
    assert "resource_limit" not in got["codes"] and "parser_error" not in got["codes"]
    # damaged rulings and text: read what is readable, and say what is not
    assert got["status"] == "partial" and got["template"] == "2021" and got["cells"] > 100
    assert "row_unmatched" in got["codes"]


def test_pdf_with_one_slow_page_is_read_in_bounded_memory():
    """1,001 runs of 5,000 characters drawn off the page: not displayed, so never read
    (it took 26.8 s and 1.3 GB)."""
    got = parse_capped(fuzz_file("pdf-one-slow-page.pdf"))
    assert got["maxrss"] < GIB // 4
    assert (got["status"], got["template"], got["cells"], got["codes"]) == ("ok", "2021", 200, ["text_outside_page"])


def test_the_time_limit_holds_inside_the_slow_page(monkeypatch):
    """Had its page been slow, the deadline stops it inside the page: time runs out while
    page 3 is read (the deadline's clock is moved by hand), pages 1 and 2 are kept."""
    from parsers import limits, pdfium

    data = fuzz_file("pdf-one-slow-page.pdf").read_bytes()

    class Clock:
        now = 0.0

        def monotonic(self) -> float:
            return self.now

    clock = Clock()
    monkeypatch.setattr(limits, "time", clock)
    real_page = pdfium.Document.page

    def page(self, index, lim=None):
        if index == 2:
            clock.now = 2 * Limits().parse_seconds
        return real_page(self, index, lim)

    monkeypatch.setattr(pdfium.Document, "page", page)
    report = parse(data, "application/pdf")
    (finding,) = [f for f in report.findings if f.code == "time_limit"]
    assert finding.details == {"pages_read": 2, "page": 3} and report.status == "partial"


def test_html_declaring_charset_idna_is_decoded_by_sniffing():
    """`h01_trs_2021.html` re-encoded as GBK, declaring `idna` (a codec, but no page's)."""
    report = parse(fuzz_file("html-charset-idna.html"), "text/html")
    assert "parser_error" not in codes(report)
    assert report.findings[0].message == "<meta> charset 'idna' is unknown or unusable; ignored"
    expected = json.loads((FIXTURES / "h01_trs_2021.expected.json").read_text(encoding="utf-8"))
    assert {(c.table, c.row, c.column): c.value for c in report.cells} == \
        {(c["table"], c["row"], c["column"]): c["value"] for c in expected["cells"]}
    assert (report.status, report.agency, report.year) == ("ok", expected["agency"], expected["year"])


@pytest.mark.parametrize("charset", ["idna", "punycode", "utf-7", "base64", "unicode_escape", "utf-16", "x-nonsense"])
def test_any_unusable_declared_charset_is_ignored(charset):
    page = (FIXTURES / "h01_trs_2021.html").read_bytes().replace(b'charset=utf-8"', f'charset={charset}"'.encode())
    for declared in (None, charset):  # in <meta>, and in the HTTP header too
        report = parse(page, f"text/html; charset={declared}" if declared else "text/html")
        assert report.status == "ok" and len(report.cells) == 200
        assert all(f.code == "encoding" and "unknown or unusable; ignored" in f.message for f in report.findings)


def test_html_with_a_5000_digit_colspan_is_read_with_the_span_clamped():
    data = fuzz_file("html-colspan-5000-digits.html").read_bytes()
    report = parse(data, "text/html")
    assert "parser_error" not in codes(report)
    # the table is read; the text itself was destroyed by a re-encoding (its labels are mojibake)
    tables = [b for b in html.to_blocks(data, Report()) if isinstance(b, Table)]
    spans = [c.colspan for t in tables for row in t.rows for c in row]
    # 26 colspans open with runs of 22 to 4,691 digits: each is clamped to 500 columns
    assert len(re.findall(rb'colspan="\d{22,}', data)) == 26
    assert len(tables) == 2 and max(spans) == 500 and spans.count(500) >= 20


def test_a_5000_digit_colspan_on_a_header_loses_no_number():
    page = (FIXTURES / "h26_word_2019_printing.html").read_bytes()
    damaged = page.replace(b"colspan=2", b'colspan="' + b"1" * 5000 + b'"', 1)
    expected = json.loads((FIXTURES / "h26_word_2019_printing.expected.json").read_text(encoding="utf-8"))
    report = parse(damaged, "text/html")
    assert damaged != page and report.status == "ok"
    assert {(c.table, c.row, c.column): c.value for c in report.cells} == \
        {(c["table"], c["row"], c["column"]): c["value"] for c in expected["cells"]}


def test_html_span_attributes_are_clamped():
    assert [html._count(v) for v in ("2", " 3 ", "2px", "0", "", None, "999", "1" * 5000, "0" * 4000 + "7",
                                     "٣", "x")] == [2, 3, 2, 1, 1, 1, 500, 500, 7, 3, 1]


@pytest.mark.parametrize("name, damage", [
    ("docx-bogus-root.docx", "word/document.xml has the root element <bogus>, not w:document"),
    ("docx-zip-version-122.docx", "not a readable DOCX (zip) package: NotImplementedError: zip file version 12.2"),
])
def test_damaged_docx_fails_with_a_finding_naming_the_damage(name, damage):
    report = parse(fuzz_file(name))
    assert report.status == "failed"
    assert [(f.code, f.severity) for f in report.findings] == [("corrupt", "error")]
    assert damage in report.findings[0].message
