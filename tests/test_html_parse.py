"""End to end through parsers.parse: generated portal pages give back every printed cell."""
from __future__ import annotations

import pytest

from parsers import parse
from reportgen import HTML_STYLES, generate, render_html

CASES = [(style, template, enc, devs)
         for i, style in enumerate(HTML_STYLES)
         for template, enc, devs in (("2021", ("utf-8", "gbk", "gb18030")[i % 3], ()),
                                     ("2019", "gbk", ("shifted_spans", "layout_tables", "br_labels", "nbsp")))]


@pytest.mark.parametrize("style, template, encoding, deviations", CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}{'-devs' if c[3] else ''}" for c in CASES])
def test_generated_page_parses_to_its_truth(style, template, encoding, deviations):
    truth = generate(seed=100 + HTML_STYLES.index(style), template=template)
    data = render_html(truth, style=style, encoding=encoding, deviations=deviations)
    r = parse(data, "text/html")  # charset only in <meta>
    assert (r.title, r.agency, r.year) == (truth.title, truth.agency, truth.year)
    assert not [f for f in r.findings if f.code in ("encoding", "parser_error", "empty_document")]
    got = {(c.table, c.row, c.column): c.value for c in r.cells}
    if style == "table_images":
        assert got == {} and any(f.code == "table_image" for f in r.findings)
        return
    assert r.template == template and r.status == "ok"
    wrong = [(k, got.get(k, "missing"), c.value) for c in truth.cells
             if got.get(k := (c.table, c.row, c.column), "missing") != c.value]
    assert not wrong, wrong[:5]
    assert [s.number for s in r.sections] == [s.number for s in truth.sections]


def test_latin1_header_gbk_page_end_to_end():
    truth = generate(seed=5, template="2021")
    r = parse(render_html(truth, style="trs", encoding="gbk"), "text/html; charset=ISO-8859-1")
    assert r.title == truth.title and r.status == "ok"
    assert {(c.table, c.row, c.column): c.value for c in r.cells} == {
        (c.table, c.row, c.column): c.value for c in truth.cells}
