"""Bounded work per document: the time limit holds inside a PDF page and its table loops, a page
is read within memory set by the page (not by its numbers), and the limits say what they cut.
No wall-clock assertions: the deadline's clock is replaced where time must run out."""
from __future__ import annotations

import re
import resource
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from mockportals.documents import pdf_bytes
from parsers import limits, parse, pdf, pdfium, rulings
from parsers.limits import LimitExceeded, Limits, TimeLimit, time_limit
from parsers.model import Report
from reportgen import generate, render_text


def codes(report: Report) -> list[str]:
    return [f.code for f in report.findings]


@pytest.fixture(scope="module")
def report_pdf() -> bytes:
    """A generated 2021 report as a PDF: ruled tables across several pages."""
    return pdf_bytes(render_text(generate(seed=6, template="2021", year=2023)).split("\n"), "report")


def one_page_pdf(content: str, width: int = 595, height: int = 842) -> bytes:
    """A PDF of one page drawing `content` (PDF operators; font /F1 is Helvetica)."""
    stream = content.encode("latin-1")
    objs = ["<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} {height}] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>",
            f"<< /Length {len(stream)} >>\nstream\n{content}\nendstream"]
    out, offsets = b"%PDF-1.4\n", []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{o}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


@contextmanager
def address_space_cap(extra: int):
    """This process's address space capped at what it maps now plus `extra`, for the block: a
    regression fails with a MemoryError instead of taking the machine's memory."""
    if not sys.platform.startswith("linux"):
        pytest.skip("RLIMIT_AS is enforced on Linux only")
    mapped = int(re.search(r"VmSize:\s+(\d+) kB", Path("/proc/self/status").read_text()).group(1)) * 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (mapped + extra, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


class Clock:
    """The deadline's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now


def test_a_page_stops_mid_read_when_the_time_runs_out(report_pdf, monkeypatch):
    """Time runs out while page 2 is being read: its own loops stop it; page 1 is kept."""
    clock = Clock()
    monkeypatch.setattr(limits, "time", clock)  # only the deadline's clock
    monkeypatch.setenv("XXGK_PARSE_SECONDS", "10")
    real_page, stopped_inside = pdfium.Document.page, []

    def page(self, index, lim=None):
        if index == 1:
            clock.now = 11.0
            try:
                return real_page(self, index, lim)
            except TimeLimit:
                stopped_inside.append(index)
                raise
        return real_page(self, index, lim)

    monkeypatch.setattr(pdfium.Document, "page", page)
    report = Report()
    blocks = pdf.to_blocks(report_pdf, report)
    assert stopped_inside == [1]
    (finding,) = [f for f in report.findings if f.code == "time_limit"]
    assert finding.details == {"pages_read": 1, "page": 2}
    assert "stopped in page 2, after 1 of" in finding.message
    assert report.status == "partial" and blocks  # what page 1 holds is kept


def test_the_deadline_is_tested_inside_the_page_and_table_loops(report_pdf):
    with pdfium.open_pdf(report_pdf) as doc:
        page = doc.page(0)
        with time_limit(-1), pytest.raises(TimeLimit):
            doc.page(0)  # reading characters and paths
    assert page.chars and page.lines
    with time_limit(-1), pytest.raises(TimeLimit):
        rulings.find_tables(page.lines, page.rects)
    cells = rulings.find_tables(page.lines, page.rects)[0][1]
    with time_limit(-1), pytest.raises(TimeLimit):
        pdf._table_rows(cells, page.chars, 1, 0, {}, Limits().max_page_edges)
    # outside a time_limit block nothing is timed
    assert pdf._table_rows(cells, page.chars, 1, 0, {}, Limits().max_page_edges)


def test_text_outside_the_page_is_not_read_at_all():
    """A run of 20,000 characters drawn far to the right of the page (a damaged Tm) never
    reaches PDFium's text page, whatever the character limit."""
    far = "BT /F1 10 Tf 1 0 0 1 50000000 700 Tm (" + "x" * 20_000 + ") Tj ET"
    near = "BT /F1 12 Tf 72 720 Td (Shown on the page) Tj ET"
    with pdfium.open_pdf(one_page_pdf(near + "\n" + far)) as doc:
        page = doc.page(0, Limits(max_page_chars=1000))
    assert "".join(c["text"] for c in page.chars) == "Shownonthepage"


def test_a_page_printing_more_characters_than_the_limit_is_skipped(monkeypatch):
    dense = "BT /F1 4 Tf 10 800 Td " + " ".join("(" + "y" * 200 + ") Tj 0 -5 Td" for _ in range(50)) + " ET"
    monkeypatch.setenv("XXGK_MAX_PAGE_CHARS", "5000")
    report = parse(one_page_pdf(dense), "application/pdf")
    (finding,) = [f for f in report.findings if f.code == "resource_limit"]
    m = re.fullmatch(r"page 1 not read: the page prints (\d+) characters; limit 5000", finding.message)
    assert m and int(m.group(1)) >= 10_000  # (PDFium counts the line breaks it makes up too)
    assert finding.details == {"page": 1} and report.status in ("partial", "failed")


def test_a_page_drawing_more_rulings_than_the_limit_is_skipped(report_pdf, monkeypatch):
    monkeypatch.setenv("XXGK_MAX_PAGE_EDGES", "20")
    report = Report()
    pdf.to_blocks(report_pdf, report)
    skipped = [f for f in report.findings if f.code == "resource_limit"]
    assert skipped and all("lines and boxes" in f.message or "cross more than" in f.message for f in skipped)
    assert report.status == "partial"


def test_crossings_and_grids_are_bounded():
    lines = [{"x0": x, "x1": x, "top": 0.0, "bottom": 500.0} for x in range(0, 500, 10)] + \
            [{"x0": 0.0, "x1": 500.0, "top": y, "bottom": y} for y in range(0, 500, 10)]
    assert len(rulings.find_tables(lines, [])[0][1]) == 49 * 49
    with pytest.raises(LimitExceeded, match="cross more than 1000 times"):
        rulings.find_tables(lines, [], max_crossings=1000)
    cells = rulings.find_tables(lines, [])[0][1]
    with pytest.raises(LimitExceeded, match="49 × 49 positions; limit 100"):
        pdf._table_rows(cells, [], 1, 0, {}, 100)


def test_a_box_drawn_out_to_a_huge_coordinate_costs_no_memory():
    """The band index of cells covers the characters' rows only: a cell whose bottom is 2**31
    (memory grew to any cap here) is as cheap as one ending at the page's foot."""
    cells = [(0.0, 0.0, 100.0, 20.0), (100.0, 0.0, 200.0, 20.0), (0.0, 20.0, 200.0, 2.0**31)]
    chars = [{"text": t, "x0": x, "x1": x + 8, "top": 5.0, "bottom": 15.0, "size": 10.0}
             for t, x in (("甲", 10.0), ("1", 110.0))] + \
            [{"text": "乙", "x0": 10.0, "x1": 18.0, "top": 30.0, "bottom": 40.0, "size": 10.0}]
    with address_space_cap(256 * 2**20):
        rows = pdf._table_rows(cells, chars, 1, 0, {}, 100)
    assert [[c.text for c in row] for row in rows] == [["甲", "1"], ["乙"]]
    assert rows[1][0].colspan == 2


# --- damage PDFium reads past without a word -----------------------------------------------------

_FLATE = re.compile(rb"(/Length )(\d+)( /Filter /FlateDecode >>\nstream\n)")


def _streams(data: bytes) -> list[re.Match]:
    return list(_FLATE.finditer(data))


def test_a_damaged_compressed_stream_is_named_and_the_report_partial(report_pdf):
    m = _streams(report_pdf)[0]  # page 1's content
    at = m.end() + int(m.group(2)) // 2
    damaged = report_pdf[:at] + bytes([report_pdf[at] ^ 0x55]) + report_pdf[at + 1:]
    report = parse(damaged, "application/pdf")
    (finding,) = [f for f in report.findings if f.code == "damaged_stream"]
    assert finding.severity == "warning" and report.status in ("partial", "failed")
    assert finding.details["objects"] == [int(re.findall(rb"(\d+) 0 obj", damaged[:m.start()])[-1])]


def test_a_stream_without_its_checksum_is_not_damage(report_pdf):
    """Some producers leave out zlib's checksum; PDFium reads such streams, and so do we."""
    out, last = b"", 0
    for m in _streams(report_pdf):
        length = int(m.group(2))
        out += report_pdf[last:m.start()] + m.group(1) + str(length - 4).encode() + m.group(3) + \
            report_pdf[m.end():m.end() + length - 4]
        last = m.end() + length
    out += report_pdf[last:]
    assert out != report_pdf
    whole, cut = parse(report_pdf, "application/pdf"), parse(out, "application/pdf")
    assert "damaged_stream" not in [f.code for f in cut.findings]
    assert [(c.table, c.row, c.column, c.value) for c in cut.cells] == \
        [(c.table, c.row, c.column, c.value) for c in whole.cells]


def test_text_drawn_off_the_sheet_is_named_printers_marks_are_not():
    on = "BT /F1 12 Tf 72 720 Td (Shown on the page) Tj ET\n"
    for y, code in (("2147483648", ["text_outside_page"]), ("-99999", ["text_outside_page"]), ("700", [])):
        report = parse(one_page_pdf(on + f"BT /F1 12 Tf 1 0 0 1 72 {y} Tm (Moved) Tj ET"), "application/pdf")
        assert [f.code for f in report.findings if f.code == "text_outside_page"] == code, y
    # outside the CropBox but on the sheet (printer's marks, the bleed): not read, not named
    marks = one_page_pdf(on + "BT /F1 6 Tf 5 5 Td (MARK) Tj ET").replace(
        b"/MediaBox [0 0 595 842]", b"/MediaBox [0 0 595 842] /CropBox [20 20 575 822]")
    report = parse(marks, "application/pdf")
    assert "text_outside_page" not in [f.code for f in report.findings]


def test_a_content_number_no_pdf_reader_reads_is_named():
    """PDFium reads a 20-digit coordinate as 0 and draws the text at the page's foot (campaign 2,
    #497: a table's 2 read as a page number, the cell blank → 0), and drops a run placed with
    `3.4e38` (no PDF number): both say nothing. The content stream is looked at for such numbers
    — 11 digits or more (beyond the 32-bit integers PDF readers keep), an exponent — outside
    strings: `damaged_stream` naming them (a report: partial, below)."""
    on = "BT /F1 12 Tf 72 720 Td (Shown on the page) Tj ET\n"
    for y in ("99999999999999999999", "3.4e38", "12345678901"):
        report = parse(one_page_pdf(on + f"BT /F1 12 Tf 1 0 0 1 72 {y} Tm (Moved) Tj ET"), "application/pdf")
        (finding,) = [f for f in report.findings if f.code == "damaged_stream"]
        assert finding.details["numbers"] == [y] and finding.severity == "warning", y
    # the same digits as text (a literal or a hex string, a name) are no damage
    for text in ("(Tel 13812345678) Tj", "<0032003000320035\n00310032003300340035> Tj", "(1e5) Tj"):
        report = parse(one_page_pdf(on + f"BT /F1 12 Tf 72 700 Td {text} ET"), "application/pdf")
        assert "damaged_stream" not in [f.code for f in report.findings], text


def test_the_campaigns_pdf_with_a_20_digit_coordinate():
    """#497 itself: the fuzz harness's seed gen2.pdf (a generated 2021 report), the y of one
    table cell's text (2 normative documents repealed) set to 20 nines in its content stream:
    read as 0 before, `ok`, without a word."""
    import zlib

    truth = generate(seed=102, template="2021", year=2021)
    seed = pdf_bytes(render_text(truth).split("\n"), truth.title)
    m = next(m for m in _streams(seed) if b"216.0 320.0 Tm <0032>" in zlib.decompress(
        seed[m.end():m.end() + int(m.group(2))]))
    length = int(m.group(2))
    body = zlib.decompress(seed[m.end():m.end() + length]).replace(
        b"216.0 320.0 Tm <0032>", b"216.0 " + b"9" * 20 + b" Tm <0032>")
    packed = zlib.compress(body)
    damaged = seed[:m.start()] + m.group(1) + str(len(packed)).encode() + m.group(3) + packed + \
        seed[m.end() + length:]
    whole, report = parse(seed, "application/pdf"), parse(damaged, "application/pdf")
    assert whole.status == "ok" and whole.cell("active", "normative_documents", "repealed").value == 2
    assert report.status == "partial"
    assert [f.details["numbers"] for f in report.findings if f.code == "damaged_stream"] == [["9" * 20]]
