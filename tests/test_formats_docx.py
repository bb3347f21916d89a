"""The DOCX front end on documents rendered by reportgen.docx: merges as printed (gridSpan →
colspan, vMerge → rowspan with the continuations covered), text boxes read once, layout
tables unwrapped, Word heading styles, everything in document order."""
from __future__ import annotations

import pytest

from parsers import docx
from parsers.blocks import Para, Table
from parsers.model import Report
from parsers.spec import template
from reportgen import generate
from reportgen.docx import render_docx


def blocks_of(data: bytes) -> list:
    report = Report()
    out = docx.to_blocks(data, report)
    assert report.status == "ok" and not report.findings
    return out


@pytest.fixture(scope="module")
def report_2021():
    return generate(seed=31, template="2021")


@pytest.fixture(scope="module")
def plain(report_2021):
    return blocks_of(render_docx(report_2021))


def table_with(blocks, text: str) -> Table:
    return next(b for b in blocks if isinstance(b, Table) and any(text in c.text for r in b.rows for c in r))


def test_merged_header_cells(plain):
    t = table_with(plain, "申请人情况")
    first, second, third = t.rows[:3]
    note = first[0]
    assert note.text.startswith("（本列数据的勾稽关系") and (note.rowspan, note.colspan) == (3, 3)
    assert [(c.text, c.rowspan, c.colspan) for c in first[1:]] == [("申请人情况", 1, 6), ("总计", 3, 1)]
    assert [(c.text, c.rowspan, c.colspan) for c in second] == [("自然人", 2, 1), ("法人或其他组织", 1, 5)]
    assert [c.text for c in third] == ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]


def test_vertical_merge_covers_continuations(plain):
    t = table_with(plain, "三、本年度办理结果")
    results = next(c for r in t.rows for c in r if c.text == "三、本年度办理结果")
    keys = [r.key for r in template("2021").rows["applications"]]
    assert results.rowspan == keys.index("total_processed") - keys.index("granted") + 1
    withheld = next(c for r in t.rows for c in r if c.text == "（三）不予公开")
    assert withheld.rowspan == 8
    # a continuation cell is not emitted: the 2nd withheld row is its label + 7 values
    row = next(r for r in t.rows if r[0].text.startswith("2.其他法律行政法规禁止公开"))
    assert len(row) == 8


def test_values_as_printed(plain, report_2021):
    t = table_with(plain, "行政复议")
    values = [c.text for c in t.rows[-1]]
    expected = [c.raw for c in report_2021.cells if c.table == "appeals"]
    assert values == expected


def test_document_order(plain, report_2021):
    texts = [b.text if isinstance(b, Para) else "<table>" for b in plain]
    assert texts[0] == report_2021.title
    heads = [i for i, t in enumerate(texts) if t[:2] in ("二、", "三、", "四、", "五、")]
    tables = [i for i, t in enumerate(texts) if t == "<table>"]
    assert len(tables) == 3
    assert heads[0] < tables[0] < heads[1] < tables[1] < heads[2] < tables[2] < heads[3]


def test_text_box_read_once_and_layout_table_unwrapped(report_2021):
    blocks = blocks_of(render_docx(report_2021, textbox=True, nested=True, headings=True))
    paras = [b for b in blocks if isinstance(b, Para)]
    assert [p.text for p in paras].count(report_2021.title) == 1  # mc:Fallback copy skipped
    assert paras[0].text == report_2021.title
    caption = next(i for i, b in enumerate(blocks) if isinstance(b, Para) and b.text.endswith("（统计表）"))
    assert isinstance(blocks[caption + 1], Table)
    assert blocks[caption + 1].rows[0][0].text == "行政复议"
    assert sum(isinstance(b, Table) for b in blocks) == 3


def test_heading_styles(report_2021):
    blocks = blocks_of(render_docx(report_2021, headings=True))
    headings = [b.text for b in blocks if isinstance(b, Para) and b.heading == 2]
    assert [h[:2] for h in headings] == ["一、", "二、", "三、", "四、", "五、", "六、"]


def test_check_package_accepts_a_real_document(report_2021):
    from parsers.limits import Limits

    assert docx.check_package(render_docx(report_2021), Limits()) is None
