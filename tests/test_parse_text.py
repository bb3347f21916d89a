"""The text front end (parsers/text.py) and the assembler on every text rendering of a table."""
from __future__ import annotations

import itertools

import pytest

from parsers import parse
from parsers.blocks import Para, Table
from parsers.model import Report
from parsers.decode import decode
from parsers.text import to_blocks

TITLE = "青石县人民政府2022年政府信息公开工作年度报告"
APPS = "三、收到和处理政府信息公开申请情况"
ROWS = {  # the applications rows used below, with their printed labels
    "new_received": "一、本年新收政府信息公开申请数量",
    "carried_over": "二、上年结转政府信息公开申请数量",
    "granted": "（一）予以公开",
    "partially_granted": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "total_processed": "（七）总计",
    "carried_forward": "四、结转下年度继续办理",
}


def doc(*parts: str) -> bytes:
    return "\n\n".join([TITLE, *parts]).encode("utf-8")


def cells(r: Report, table: str = "applications") -> dict[tuple[str, str], object]:
    return {(c.row, c.column): c.value for c in r.cells if c.table == table}


def codes(r: Report) -> list[str]:
    return [f.code for f in r.findings]


APP_COLS = ["natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
            "legal_service_org", "other_org", "total"]


def row_of(r: Report, row: str) -> list:
    return [cells(r).get((row, c), "missing") for c in APP_COLS]


# --- delimited renderings ---------------------------------------------------------------------

def test_pipes_one_line_per_row():
    r = parse(doc(APPS, "\n".join([
        "申请人情况 | 总计",
        "自然人 | 法人或其他组织",
        f"{ROWS['new_received']} | 3 | 1 | 0 | 0 | 0 | 0 | 4",
        f"三、本年度办理结果 | {ROWS['granted']} | 2 | 1 | 0 | 0 | 0 | 0 | 3",
    ])), "text/plain")
    assert row_of(r, "new_received") == [3, 1, 0, 0, 0, 0, 4]
    assert row_of(r, "granted") == [2, 1, 0, 0, 0, 0, 3]
    c = r.cell("applications", "granted", "total")
    assert c.raw == "3" and c.source == {"line": 8, "field": 8}


def test_bordered_markdown_table_with_merged_cells_empty():
    r = parse(doc("## " + APPS, "\n".join([
        "| 申请人情况 | | | | | | | | 总计 |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| {ROWS['new_received']} | | 3 | 1 | 0 | 0 | 0 | 0 | 4 |",
        f"| | {ROWS['granted']} | 2 | | 0 | 0 | 0 | 0 | 2 |",
    ])), "text/markdown")
    assert row_of(r, "new_received") == [3, 1, 0, 0, 0, 0, 4]
    assert row_of(r, "granted") == [2, 0, 0, 0, 0, 0, 2]
    blank = r.cell("applications", "granted", "commercial_enterprise")
    assert blank.imputed and blank.raw == "" and blank.value == 0


def test_unbordered_pipes_keep_an_empty_first_and_last_cell():
    # section 四 with zeros printed blank: the row starts and ends with an empty cell
    r = parse(doc("四、政府信息公开行政复议、行政诉讼情况", "\n".join([
        "行政复议 | 行政诉讼",
        "结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 未经复议直接起诉 | 复议后起诉",
        " |  | 2 |  | 2 | 1 |  |  |  | 1 |  |  |  |  | ",
    ])), "text/plain")
    got = cells(r, "appeals")
    assert (got[("review", "other")], got[("review", "total")]) == (2, 2)
    assert (got[("lawsuit_direct", "upheld")], got[("lawsuit_direct", "total")]) == (1, 1)
    assert got[("lawsuit_after_review", "total")] == 0 and len(got) == 15


def test_cell_per_line_with_empty_cells():
    row = [ROWS["new_received"], "3", "", "0", "0", "0", "0", "3"]
    row2 = [ROWS["carried_over"], "", "", "", "", "", "", ""]
    text = "\n|\n".join(row) + "\n\n" + "\n|\n".join(row2) + "\n"
    blocks = to_blocks(doc(APPS, text), Report())
    tables = [b for b in blocks if isinstance(b, Table)]
    assert len(tables) == 1 and [len(r) for r in tables[0].rows] == [8, 8]
    r = parse(doc(APPS, text), "text/plain")
    assert row_of(r, "new_received") == [3, 0, 0, 0, 0, 0, 3]
    assert row_of(r, "carried_over") == [0] * 7


def test_tabs_label_one_field_left_with_one_number_more():
    # the seed's (七)总计 row: the copied total sits in the label's merged field
    text = "\n".join([
        f"{ROWS['new_received']}\t\t\t5\t\t\t\t\t\t5",
        f"三、本年度办理结果\t{ROWS['granted']}\t\t5\t\t\t\t\t\t5",
        f"\t{ROWS['total_processed']}\t5\t5\t0\t0\t0\t0\t0\t5",
    ])
    r = parse(doc(APPS, text), "text/plain")
    assert row_of(r, "total_processed") == [5, 0, 0, 0, 0, 0, 5]
    assert "extra_cells" in codes(r)


def test_vertical_headers_joined_and_rows_read():
    header = "\n\n".join("\n".join(w) for w in ("申请人情况", "总计"))
    text = header + "\n" + f"{ROWS['new_received']} | 6 | 1 | 0 | 0 | 0 | 0 | 7"
    blocks = to_blocks(doc(APPS, text), Report())
    assert any(isinstance(b, Para) and b.text == "申请人情况" for b in blocks)
    r = parse(doc(APPS, text), "text/plain")
    assert row_of(r, "new_received") == [6, 1, 0, 0, 0, 0, 7]


def test_missing_natural_person_header_does_not_shift_columns():
    text = "\n".join([
        "\t\t\t申请人情况\t\t\t\t\t\t总计",
        "\t\t\t\t法人或其他组织\t\t\t\t\t",  # 自然人 not printed
        "\t\t\t\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\t",
        f"{ROWS['new_received']}\t\t\t4\t1\t0\t0\t0\t2\t7",
    ])
    r = parse(doc(APPS, text), "text/plain")
    assert row_of(r, "new_received") == [4, 1, 0, 0, 0, 2, 7]


def test_header_broken_in_halves_is_not_a_data_row():
    text = "\n".join([
        "行政\t\t\t\t\t行政\t\t\t\t\t\t\t\t\t",
        "复议\t\t\t\t\t诉讼\t\t\t\t\t\t\t\t\t",
        "结果\t结果\t其他\t尚未\t总计\t未经复议\t\t\t\t\t复议后\t\t\t\t",
        "维持\t纠正\t结果\t审结\t\t直接起诉\t\t\t\t\t起诉\t\t\t\t",
        "1\t0\t0\t0\t1\t0\t0\t0\t0\t0\t2\t0\t0\t0\t2",
    ])
    r = parse(doc("四、政府信息公开行政复议、行政诉讼情况", text), "text/plain")
    got = cells(r, "appeals")
    assert got[("review", "upheld")] == 1 and got[("lawsuit_direct", "total")] == 0
    assert got[("lawsuit_after_review", "total")] == 2


# --- positions lost: empty cells collapsed into trailing `|||` ----------------------------------

def _collapsed(rows: dict[str, list[str]]) -> str:
    """Section 三 with empty cells collapsed to the end of each row; rows not given print blank
    (every row printed: a row not printed at all would leave the column sums unchecked)."""
    from parsers.spec import template

    lines = []
    for r in template("2021").rows["applications"]:
        vals = rows.get(r.key, [""] * 7)
        filled = [v for v in vals if v]
        lines.append(ROWS.get(r.key, r.label) + "|" + "|".join(filled) + "|" * (len(vals) - len(filled)))
    return "\n".join(lines)


def test_trailing_pipes_recovered_when_the_arithmetic_is_unique():
    text = _collapsed({
        "new_received": ["5", "2", "1", "1", "1", "1", "11"],
        "carried_over": [""] * 7,
        "granted": ["5", "2", "", "", "", "", "7"],
        "partially_granted": ["", "", "1", "1", "1", "1", "4"],
        "total_processed": ["5", "2", "1", "1", "1", "1", "11"],
        "carried_forward": [""] * 7,
    })
    r = parse(doc(APPS, text), "text/plain")
    assert row_of(r, "granted") == [5, 2, 0, 0, 0, 0, 7]
    assert row_of(r, "partially_granted") == [0, 0, 1, 1, 1, 1, 4]
    inferred = {f.row for f in r.findings if f.code == "inferred_position"}
    assert inferred == {"granted", "partially_granted"}
    assert "uncertain_position" not in codes(r)


def test_trailing_pipes_ambiguous_parts_stay_unknown_total_known():
    text = _collapsed({
        "new_received": ["", "3", "", "", "", "", "3"],
        "granted": ["", "3", "", "", "", "", "3"],
        "total_processed": ["", "3", "", "", "", "", "3"],
    })
    r = parse(doc(APPS, text), "text/plain")
    assert row_of(r, "granted") == [None] * 6 + [3]
    unsure = {(f.row, f.column) for f in r.findings if f.code == "uncertain_position"}
    assert ("granted", "natural_person") in unsure and ("granted", "total") not in unsure


# --- no delimiters: digits of adjacent cells run together ---------------------------------------

def test_digits_run_together_split_by_the_row_identity():
    text = "\n".join([
        f"{ROWS['new_received']}123000015",  # 12,3,0,0,0,0,15: the only cut whose total adds up
        f"{ROWS['carried_over']}0000000",
    ])
    r = parse(doc(APPS, text), "text/plain")
    assert row_of(r, "new_received") == [12, 3, 0, 0, 0, 0, 15]
    assert row_of(r, "carried_over") == [0] * 7
    assert {f.row for f in r.findings if f.code == "inferred_split"} == {"new_received"}
    c = r.cell("applications", "new_received", "commercial_enterprise")
    assert c.raw == "3" and c.source["part"] == 1


def test_digits_run_together_ambiguous_stay_null():
    text = "\n".join(["二、主动公开政府信息情况", "第二十条第（一）项",
                      "信息内容本年制发件数本年废止件数现行有效件数", "规章21778", "行政规范性文件000"])
    r = parse(doc(text), "text/plain")
    got = cells(r, "active")
    assert got[("regulations", "issued")] is None and got[("regulations", "in_force")] is None
    assert got[("normative_documents", "in_force")] == 0  # one way only
    amb = [f for f in r.findings if f.code == "digits_ambiguous"]
    assert [(f.row, f.details["columns"]) for f in amb] == [("regulations", ["issued", "repealed", "in_force"])]
    # every cut with 现行有效 ≥ 制发 − 废止 is listed (217/7/8 is not: 8 < 210)
    assert [2, 17, 78] in amb[0].details["candidates"] and [217, 7, 8] not in amb[0].details["candidates"]


# --- decoding ---------------------------------------------------------------------------------

SAMPLE = TITLE + "\n一、总体情况\n全年主动公开政府信息599条。"


@pytest.mark.parametrize("data,charset", [
    (SAMPLE.encode("utf-8"), None),
    (b"\xef\xbb\xbf" + SAMPLE.encode("utf-8"), None),
    (SAMPLE.encode("gbk"), None),
    (SAMPLE.encode("gb18030"), "gb18030"),
    (SAMPLE.encode("utf-16"), None),  # with BOM
    (SAMPLE.encode("utf-16-le"), None),  # without
])
def test_decodings(data, charset):
    text, _, problems = decode(data, charset, html=False)
    assert text == SAMPLE
    assert not problems


def test_a_wrong_declaration_falls_back_and_is_reported():
    text, enc, problems = decode(SAMPLE.encode("gbk"), "utf-8", html=False)
    assert (text, enc) == (SAMPLE, "gb18030")
    assert problems == ["declared utf-8 but the bytes are not valid utf-8"]


def test_lossy_decoding_is_reported():
    r = Report()
    blocks = to_blocks(SAMPLE.encode("utf-8")[:-1] + b"\xff\xfe\x81", r)
    assert blocks[0].text.startswith(TITLE)
    assert [f.code for f in r.findings] == ["encoding"]


# --- every generated rendering: never a wrong number -------------------------------------------

@pytest.mark.parametrize("style,template,blanks,seed", [
    (s, t, b, n) for (s, t, b), n in zip(
        itertools.product(("tabs", "pipes", "cell_per_line", "trailing_pipes", "nodelim", "vertical_headers",
                           "markdown"), ("2021", "2019"), ("none", "zeros_blank", "total_blank")),
        itertools.count(7))
    if not (s == "nodelim" and b != "none")  # blanks vanish without delimiters
])
def test_generated_rendering(style, template, blanks, seed):
    from reportgen import generate, render_text

    truth = generate(seed=seed, template=template, blanks=blanks)
    r = parse(render_text(truth, style=style).encode("utf-8"), "text/plain")
    assert (r.agency, r.year, r.template, r.status) == (truth.agency, truth.year, truth.template, "ok")
    assert [(s.number, s.heading) for s in r.sections] == [(s.number, s.heading) for s in truth.sections]
    got = {(c.table, c.row, c.column): c.value for c in r.cells}
    unsure = {(f.table, f.row, f.column) for f in r.findings if f.code.startswith("uncertain_")}
    unsure |= {(f.table, f.row, c) for f in r.findings if f.code == "digits_ambiguous" for c in f.details["columns"]}
    for c in truth.cells:
        k = (c.table, c.row, c.column)
        assert got[k] == c.value or (got[k] is None and k in unsure), (k, c.value, got[k])
    if style not in ("nodelim", "trailing_pipes"):
        assert not unsure


# --- Markdown as PDF extractors write it ---------------------------------------------------------

def test_markdown_cells_broken_with_br_and_unread_headers():
    r = parse(doc(APPS, "\n".join([
        "|（本列数据的勾稽关系为：第一项加第<br>二项之和，等于第三项加第四项之和）|Col2|Col3|申请人情况|Col5|总计|",
        "|---|---|---|---|---|---|",
        f"|一、本年新收政府<br>信息公开申请数量|||3|1|0|0|0|0|4|",
    ])), "text/markdown")
    assert row_of(r, "new_received") == [3, 1, 0, 0, 0, 0, 4]
    assert r.cell("applications", "new_received", "natural_person").raw == "3"


def test_an_html_table_inside_markdown_is_read_with_its_spans():
    table = ("<table><tr><td colspan=\"3\">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td>"
             "<td colspan=\"6\">申请人情况</td><td>总计</td></tr>"
             "<tr><td colspan=\"3\">一、本年新收政府信息公开申请数量</td><td>3</td><td>1</td><td>0</td><td>0</td>"
             "<td>0</td><td>0</td><td>4</td></tr>"
             "<tr><td rowspan=\"2\">三、本年度办理结果</td><td colspan=\"2\">（一）予以公开</td><td>2</td><td>1</td>"
             "<td>0</td><td>0</td><td>0</td><td>0</td><td>3</td></tr></table>")
    at = table.index("<tr><td rowspan")  # the table goes over two lines
    r = parse(doc("## " + APPS, "前言" + table[:at], table[at:]), "text/markdown")
    assert row_of(r, "new_received") == [3, 1, 0, 0, 0, 0, 4]
    assert row_of(r, "granted") == [2, 1, 0, 0, 0, 0, 3]


def test_a_short_delimited_row_is_never_read_as_if_its_blanks_were_at_the_end():
    # 5 and 12 printed for three columns: 5,12,blank / 5,blank,12 / blank,5,12 — or 5,1,2 run
    # together: no reading is taken
    text = "\n".join(["二、主动公开政府信息情况", "第二十条第（五）项",
                      "信息内容 | 上一年项目数量 | 本年增/减 | 处理决定数量", "行政许可 | 5 | 12",
                      "规章 | 0 | 0 | 0", "规范性文件 | 0 | 0 | 0"])
    r = parse(doc(text), "text/plain")
    assert [r.cell("active", "licensing", c).value for c in ("items_prev_year", "items_change", "decisions")] == \
        [None, None, None]
    # a field printing several numbers is never one number
    r = parse(doc(APPS, "一、本年新收政府信息公开申请数量 | 1 0 0 0 0 0 1"), "text/plain")
    assert row_of(r, "new_received") == [1, 0, 0, 0, 0, 0, 1]
