"""The fuzz campaign's reproducers of silent wrong numbers and parser errors in the assembler
(../shared/corpus/fuzz, read at run time; skipped with the reason when absent), and the rules
behind them on small documents of our own."""
from __future__ import annotations

from pathlib import Path

import pytest

from parsers import parse

FUZZ = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "fuzz"


def _fuzz(name: str):
    path = FUZZ / name
    if not path.is_file():
        pytest.skip(f"reference material absent: {path}")
    return parse(path)


def _cells(r, table):
    return {(c.row, c.column): c.value for c in r.cells if c.table == table}


def _codes(r):
    return {f.code for f in r.findings}


def test_a_value_after_a_trailing_tab_is_read_not_imputed():
    r = _fuzz("text-trailing-tab.txt")
    coercion = r.cell("active", "coercion", "decisions")
    assert coercion.value == 3 and not coercion.imputed and coercion.raw == "3"
    assert "parser_error" not in _codes(r)


def test_a_number_inside_a_label_cell_is_never_a_blank():
    from parsers.assemble import assemble
    from parsers.blocks import Para, Table, TCell
    from parsers.model import Report

    r = Report()
    assemble([Para("泉水镇人民政府2023年政府信息公开工作年度报告"), Para("二、主动公开政府信息情况"),
              Table([[TCell("信息内容"), TCell("本年制发件数"), TCell("本年废止件数"), TCell("现行有效件数")],
                     [TCell("规章"), TCell("0"), TCell("0"), TCell("0")],
                     [TCell("信息内容"), TCell("本年处理决定数量")], [TCell("行政处罚"), TCell("26")],
                     [TCell("行政强制 | 3"), TCell("")]])], r)
    assert r.cell("active", "penalty", "decisions").value == 26
    assert r.cell("active", "coercion", "decisions").value is None
    assert any(f.code == "value_unreadable" and f.row == "coercion" for f in r.findings)


def test_an_appeals_data_row_printed_again_is_read_once():
    r = _fuzz("html-appeals-row-twice.html")
    got = _cells(r, "appeals")
    outcomes = ("upheld", "corrected", "other", "pending", "total")
    assert [got[("review", o)] for o in outcomes] == [5, 0, 2, 1, 8]
    assert [got[("lawsuit_direct", o)] for o in outcomes] == [2, 0, 0, 0, 2]
    assert [got[("lawsuit_after_review", o)] for o in outcomes] == [3, 0, 1, 1, 5]
    assert "duplicate_row" in _codes(r)


APPEALS_HEAD = ["四、政府信息公开行政复议、行政诉讼情况", "行政复议 | 行政诉讼",
                "结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 未经复议直接起诉 | 复议后起诉"]


def test_a_data_row_printed_again_with_other_values_is_unknown():
    rows = ["1 | 0 | 0 | 0 | 1 | 0 | 0 | 0 | 0 | 0 | 2 | 0 | 0 | 0 | 2",
            "3 | 0 | 0 | 0 | 3 | 0 | 0 | 0 | 0 | 0 | 2 | 0 | 0 | 0 | 2"]
    r = parse("\n".join(["甲县人民政府2022年政府信息公开工作年度报告", *APPEALS_HEAD, *rows]).encode(), "text/plain")
    assert set(_cells(r, "appeals").values()) == {None}
    assert any(f.code == "duplicate_row" and f.severity == "warning" for f in r.findings)


def test_a_template_row_printed_twice():
    head = ["甲县人民政府2022年政府信息公开工作年度报告", "三、收到和处理政府信息公开申请情况"]
    row = "一、本年新收政府信息公开申请数量 | {} | 0 | 0 | 0 | 0 | 0 | {}"
    same = parse("\n".join(head + [row.format(2, 2), row.format(2, 2)]).encode(), "text/plain")
    assert same.cell("applications", "new_received", "total").value == 2
    other = parse("\n".join(head + [row.format(2, 2), row.format(5, 5)]).encode(), "text/plain")
    assert other.cell("applications", "new_received", "total").value is None
    assert any(f.code == "duplicate_row" and f.row == "new_received" for f in other.findings)


def test_a_2019_report_cut_short_is_partial_whatever_it_shows():
    r = _fuzz("text-truncated-2019.txt")
    assert r.status == "partial" and r.template is None
    incomplete = next(f for f in r.findings if f.code == "incomplete")
    assert set(incomplete.details["missing"]["tables"]) == {"active", "applications", "appeals"}


def test_spliced_pdf_streams_read_what_is_readable():
    r = _fuzz("pdf-spliced-streams.pdf")
    assert "parser_error" not in _codes(r)
    assert r.status in ("ok", "partial") and r.cells


def test_a_cell_beyond_the_archives_integer_range_is_null_with_a_finding():
    r = _fuzz("text-cell-20-digits.txt")
    c = r.cell("applications", "new_received", "natural_person")
    assert c.value is None and c.raw == "99999999999999999999"
    assert any(f.code == "value_out_of_range" and f.row == "new_received" for f in r.findings)
    assert all(c.value is None or abs(c.value) < 2**63 for c in r.cells)


def test_a_fact_beyond_the_archives_integer_range_is_not_taken():
    text = "甲县人民政府2022年政府信息公开工作年度报告\n一、总体情况\n全年主动公开政府信息99999999999999999999条。"
    r = parse(text.encode(), "text/plain")
    assert not [f for f in r.facts if f.key == "active_disclosure_total"]
    assert any(f.code == "value_out_of_range" for f in r.findings)


def test_the_applications_solver_skips_rows_no_identity_reads():
    """The IndexError of the spliced PDF, on a document of our own: a 2021 report printing
    2019's （六）其他处理 row beside its sub-rows, several rows ambiguous."""
    from reportgen import generate, render_text

    truth = generate(21, "2021", level="city")
    text = render_text(truth, "nodelim").replace("（六）其他处理1.", "（六）其他处理0000000\n1.")
    r = parse(text.encode(), "text/plain")
    assert "parser_error" not in _codes(r)
