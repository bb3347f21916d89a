"""Generated reports as DOCX, PDF (LibreOffice), DOC (LibreOffice) and WPS: every cell as
generated, every printed identity break flagged, no false break, the same parts as the HTML."""
from __future__ import annotations

import pypdfium2
import pytest

from formats_corpus import CASES, FORMATS, UNRULED, Case, breaks_of, build
from parsers import parse, pdf
from parsers.blocks import Para, Table
from parsers.model import Report
from reportgen import render_html

# LibreOffice makes the PDF and DOC versions (with a Chinese font, else the PDFs have no CJK text)
pytestmark = [pytest.mark.office, pytest.mark.slow, pytest.mark.needs("soffice", "cjk-font")]

TABLE_CASES = [n for n, (gen, _) in CASES.items() if gen["template"] != "pre2019" and n not in UNRULED]


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> dict[str, Case]:
    return build(tmp_path_factory.mktemp("formats"))


@pytest.fixture(scope="session")
def parsed(corpus):
    cache = {}

    def get(name: str, fmt: str):
        if (name, fmt) not in cache:
            cache[(name, fmt)] = parse(corpus[name].paths[fmt])
        return cache[(name, fmt)]
    return get


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", TABLE_CASES)
def test_every_cell(corpus, parsed, name, fmt):
    truth = corpus[name].truth
    report = parsed(name, fmt)
    got = {(c.table, c.row, c.column): c.value for c in report.cells}
    wrong = [(c.table, c.row, c.column, c.value, got.get((c.table, c.row, c.column), "missing"))
             for c in truth.cells if got.get((c.table, c.row, c.column), "missing") != c.value]
    assert not wrong, f"{len(wrong)} of {len(truth.cells)} cells differ: {wrong[:8]}"
    assert report.template == truth.template
    assert report.year == truth.year


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", TABLE_CASES)
def test_identity_breaks_exactly(corpus, parsed, name, fmt):
    assert breaks_of(parsed(name, fmt)) == corpus[name].breaks


def test_cases_print_breaks():
    """The corpus does contain broken arithmetic (else the test above proves little)."""
    assert sum(bool(gen.get("breaks")) for gen, _ in CASES.values()) >= 3


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", list(CASES))
def test_same_parts_as_html(corpus, parsed, name, fmt):
    html = parse(render_html(corpus[name].truth), "text/html")
    report = parsed(name, fmt)
    assert [(s.number, s.heading) for s in report.sections] == [(s.number, s.heading) for s in html.sections]
    assert report.status == html.status


def test_wps_goes_through_the_doc_path(corpus):
    case = corpus["plain_2021"]
    data = case.paths["doc"].read_bytes()
    for media_type, name in (("application/vnd.ms-works", ""), ("application/kswps", ""), (None, "report.wps")):
        report = parse(data, media_type, name=name)
        got = {(c.table, c.row, c.column): c.value for c in report.cells}
        assert all(got.get((c.table, c.row, c.column)) == c.value for c in case.truth.cells), media_type or name
        assert breaks_of(report) == case.breaks


def test_word_type_declared_for_other_formats(corpus):
    """Portals serve DOCX, PDF and Word-saved web pages as application/msword: each still
    reaches its reader."""
    case = corpus["plain_2021"]
    docs = {fmt: case.paths[fmt].read_bytes() for fmt in ("docx", "pdf")}
    docs["html"] = render_html(case.truth, style="word")
    for fmt, data in docs.items():
        report = parse(data, "application/msword")
        got = {(c.table, c.row, c.column): c.value for c in report.cells}
        assert all(got.get((c.table, c.row, c.column)) == c.value for c in case.truth.cells), fmt


def test_pdf_page_numbers_and_repeated_headers(corpus):
    """The section 三 table crosses a page in the PDF; no page number leaks into the text."""
    data = corpus["plain_2021"].paths["pdf"].read_bytes()
    doc = pypdfium2.PdfDocument(data)
    printed = sum(page.get_textpage().get_text_range().count("申请人情况") for page in doc)
    doc.close()
    assert printed == 2  # LibreOffice repeats the header rows on the next page
    blocks = pdf.to_blocks(data, Report())
    paras = [b.text for b in blocks if isinstance(b, Para)]
    assert not [t for t in paras if t.strip("- ").isdigit()]
    tables = [b for b in blocks if isinstance(b, Table)]
    pages = {b.source["page"] for b in tables}
    assert len(pages) >= 2
    header_rows = [r for t in tables for r in t.rows if any("申请人情况" in c.text for c in r)]
    assert len(header_rows) == 1  # the header LibreOffice repeats on the next page is dropped


@pytest.mark.parametrize("name", sorted(UNRULED))
def test_unruled_pdf_tables(corpus, parsed, name):
    """Tables printed without rulings are found by their rows (label, then numbers): almost
    every cell; a label cut by a page break can still lose its row. No false break."""
    truth = corpus[name].truth
    report = parsed(name, "pdf")
    got = {(c.table, c.row, c.column): c.value for c in report.cells}
    right = sum(got.get((c.table, c.row, c.column), "missing") == c.value for c in truth.cells)
    assert right >= len(truth.cells) * 9 // 10, f"{right} of {len(truth.cells)}"
    assert breaks_of(report) <= corpus[name].breaks
    # DOCX and DOC keep the table structure whatever the borders: every cell
    for fmt in ("docx", "doc"):
        other = {(c.table, c.row, c.column): c.value for c in parsed(name, fmt).cells}
        assert all(other.get((c.table, c.row, c.column), "missing") == c.value for c in truth.cells), fmt
