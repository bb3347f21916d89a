"""Zero silent wrong numbers on flattened text: generated reports with random numbers, printed the
ways real text archives and extractors print them (one line with the line breaks lost, digits run
together or partly apart, one cell per line, blank cells dropped), parsed: every cell is exact,
or null with a finding on its row (or its row absent and reported missing)."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers import parse
from reportgen import generate, render_text

LEVELS = ("township", "county", "city", "province", "ministry")


def _check(truth, r) -> None:
    assert not [f for f in r.findings if f.code == "parser_error"], [f.message for f in r.findings]
    assert (r.template, r.year) == (truth.template, truth.year)
    got = {(c.table, c.row, c.column): c.value for c in r.cells}
    flagged = {(f.table, f.row) for f in r.findings if f.severity in ("warning", "error") and f.row}
    missing_rows = {(f.table, f.row) for f in r.findings if f.code == "row_missing"}
    for c in truth.cells:
        k = (c.table, c.row, c.column)
        if k not in got:
            assert (c.table, c.row) in missing_rows, f"{k} absent without a row_missing finding"
            continue
        v = got[k]
        if v is None:
            assert (c.table, c.row) in flagged, f"{k} null without a finding on its row (truth {c.value})"
        else:
            assert c.value is not None and abs(v - c.value) < 1e-9, f"{k}: printed {c.value!r}, read {v!r}"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), template=st.sampled_from(["2021", "2019"]), level=st.sampled_from(LEVELS),
       style=st.sampled_from(["oneline", "cells_lines", "nodelim"]),
       spacing=st.sampled_from([(), ("spaced_cells",), ("some_spaces",)]),
       extra=st.sampled_from([(), ("markup",), ("traditional",), ("label_spaces",)]),
       blanks=st.sampled_from(["none", "few_blank"]))
def test_flattened_reports_never_read_a_wrong_number(seed, template, level, style, spacing, extra, blanks):
    truth = generate(seed, template, level=level, blanks=blanks if style != "nodelim" else "none")
    deviations = (spacing if style == "oneline" else ()) + extra
    r = parse(render_text(truth, style, deviations).encode("utf-8"), "text/plain")
    _check(truth, r)


# --- the rules, on small one-line pages --------------------------------------------------------

HEADER = "标题: 岩前镇人民政府2023年政府信息公开工作年度报告\n发布时间: 2024-01-20 09:30\n发布机构: 行政科\n" \
         "原文链接: https://www.example.gov.cn/t20240120_1.htm\n==================== 正文 ====================\n"
APPS = ("三、收到和处理政府信息公开申请情况（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
        "申请人情况自然人法人或其他组织总计商业企业科研机构社会公益组织法律服务机构其他")


def _page(body: str):
    return parse((HEADER + body).encode("utf-8"), "text/plain")


def _row(r, row):
    cols = ("natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
            "legal_service_org", "other_org", "total")
    return [r.cell("applications", row, c).value if r.cell("applications", row, c) else "missing" for c in cols]


def test_numbering_glued_to_the_previous_rows_digits():
    r = _page("一、总体情况全年主动公开政府信息12条。" + APPS + "一、本年新收政府信息公开申请数量1000001"
              "二、上年结转政府信息公开申请数量0000000三、本年度办理结果（一）予以公开1000001（三）不予公开"
              "1.属于国家秘密00000002.其他法律行政法规禁止公开0000000（七）总计1000001四、结转下年度继续办理0000000"
              "四、政府信息公开行政复议、行政诉讼情况五、存在的主要问题及改进情况无。")
    assert _row(r, "withheld_state_secret") == [0] * 7  # "00000002." is 0000000, then "2." of the next label
    assert _row(r, "withheld_prohibited_by_law") == [0] * 7
    assert _row(r, "total_processed") == [1, 0, 0, 0, 0, 0, 1]
    assert _row(r, "carried_forward") == [0] * 7  # numbered 四、 like a part, read as the row it is
    assert [s.number for s in r.sections] == [1, 3, 4, 5]
    c = r.cell("applications", "new_received", "total")
    assert c.raw == "1" and c.source["split"] == "unique" and c.source["part"] == 6


def test_narrative_figures_next_to_row_labels_are_not_rows():
    r = _page("一、总体情况2023年，全年办理行政许可8件，行政处罚3件，其他应主动公开的政府信息10条。"
              "二、主动公开政府信息情况第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数规章000"
              "行政规范性文件0 0 12第二十条第（五）项信息内容本年处理决定数量行政许可5第二十条第（六）项信息内容"
              "本年处理决定数量行政处罚2行政强制0")
    got = {c.row: c.value for c in r.cells if c.table == "active" and c.column in ("decisions", "in_force")}
    assert got == {"regulations": 0, "normative_documents": 12, "licensing": 5, "penalty": 2, "coercion": 0}


def test_a_split_chosen_by_the_identities_is_marked():
    r = _page(APPS + "一、本年新收政府信息公开申请数量190000019二、上年结转政府信息公开申请数量0000000")
    assert _row(r, "new_received") == [19, 0, 0, 0, 0, 0, 19]
    c = r.cell("applications", "new_received", "natural_person")
    assert c.source["split"] == "identities" and c.raw == "19"
    assert any(f.code == "inferred_split" and f.row == "new_received" for f in r.findings)


def test_ambiguous_digits_stay_null_with_the_candidates():
    r = _page("二、主动公开政府信息情况第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数规章000"
              "行政规范性文件114251第二十条第（五）项信息内容本年处理决定数量行政许可0")
    assert [r.cell("active", "normative_documents", c).value for c in ("issued", "repealed", "in_force")] == [None] * 3
    f = next(f for f in r.findings if f.code == "digits_ambiguous")
    assert f.row == "normative_documents" and [1, 14, 251] in f.details["candidates"]
    assert [114, 25, 1] not in f.details["candidates"]  # 现行有效 1 < 114 − 25


def test_a_short_row_places_its_blank_by_the_identities():
    body = APPS + "一、本年新收政府信息公开申请数量0 00000二、上年结转政府信息公开申请数量0000000"
    r = _page(body)
    assert _row(r, "new_received") == [0, 0, 0, 0, 0, 0, None]  # the blank may be the 总计
    assert any(f.code == "short_row" and f.row == "new_received" for f in r.findings)


def test_a_row_that_may_be_printed_wrong_or_missing_a_blank_is_unknown():
    # 8,1,0,_,0,1,10 with its blank dropped prints 8100110: 7 digits, and no cut into 7 adds up
    r = _page(APPS + "一、本年新收政府信息公开申请数量8100110二、上年结转政府信息公开申请数量0000000")
    assert _row(r, "new_received") == [None] * 7
    # all seven printed but the total wrong: the break is reported on the numbers as printed
    r = _page(APPS + "一、本年新收政府信息公开申请数量1000002二、上年结转政府信息公开申请数量0000000")
    assert _row(r, "new_received") == [1, 0, 0, 0, 0, 0, 2]
    assert any(f.code == "identity_break" and f.row == "new_received" for f in r.findings)


def test_appeals_printed_under_part_three_are_known_by_their_labels():
    r = _page("一、总体情况无。二、主动公开政府信息情况无。三、政府信息公开行政复议、行政诉讼情况行政复议行政诉讼"
              "结果维持结果纠正其他结果尚未审结总计未经复议直接起诉复议后起诉结果维持结果纠正其他结果尚未审结总计"
              "结果维持结果纠正其他结果尚未审结总计 1 0 0 0 1 0 0 0 0 0 2 0 0 0 2四、存在的主要问题及改进情况无。")
    got = {(c.row, c.column): c.value for c in r.cells if c.table == "appeals"}
    assert got[("review", "upheld")] == 1 and got[("lawsuit_after_review", "total")] == 2
    assert [(s.number, s.heading) for s in r.sections][2] == (3, "政府信息公开行政复议、行政诉讼情况")


def test_saved_page_header():
    r = _page("一、总体情况全年主动公开政府信息12条。")
    assert r.title == "岩前镇人民政府2023年政府信息公开工作年度报告"
    assert (r.agency, r.published_date, r.url) == ("岩前镇人民政府", "2024-01-20", "https://www.example.gov.cn/t20240120_1.htm")
    assert "标题" not in r.title and all("标题" not in s.text for s in r.sections)
