"""The assembler on block streams, whatever the front end: title, agency, year, version,
sections, tables by labels, images, facts, status."""
from __future__ import annotations

import pytest

from parsers.assemble import assemble, detect_version
from parsers.blocks import Image, Para, Table, TCell
from parsers.facts import find_facts
from parsers.meta import agency_from_title, find_year
from parsers.model import Report
from parsers.sections import find_headings

PARTS = ["总体情况", "主动公开政府信息情况", "收到和处理政府信息公开申请情况",
         "政府信息公开行政复议、行政诉讼情况", "存在的主要问题及改进情况", "其他需要报告的事项"]
CN = "一二三四五六"


def run(blocks) -> Report:
    r = Report()
    assemble(blocks, r)
    return r


def table(*rows: list[str]) -> Table:
    return Table([[TCell(t, {"table": 0, "row": i, "col": j}) for j, t in enumerate(row)]
                  for i, row in enumerate(rows)], {"table": 0})


@pytest.mark.parametrize("title,agency,year", [
    ("柳泉镇人民政府2021年政府信息公开工作年度报告", "柳泉镇人民政府", 2021),
    ("青石县财政局2022年度政府信息公开工作年度报告", "青石县财政局", 2022),
    ("2020年度南桥市卫生健康委员会政府信息公开工作年度报告", "南桥市卫生健康委员会", 2020),
    ("《宁州镇人民政府二〇一九年政府信息公开工作年度报告》", "宁州镇人民政府", 2019),
    ("关于青石县2018年政府信息公开工作年度报告", "青石县", 2018),
])
def test_title_agency_year(title, agency, year):
    assert agency_from_title(title) == agency and find_year(title) == year
    r = run([Para(title, heading=1), Para("一、总体情况"), Para("本年度工作平稳推进。")])
    assert (r.title, r.agency, r.year) == (title, agency, year)


def test_title_on_two_lines():
    r = run([Para("柳泉镇人民政府"), Para("2021年政府信息公开工作年度报告"), Para("一、总体情况")])
    assert (r.agency, r.year, r.title) == ("柳泉镇人民政府", 2021, "柳泉镇人民政府2021年政府信息公开工作年度报告")
    assert agency_from_title("2021年度政府信息公开工作年度报告") == ""


def test_agency_from_the_portal_metadata_table():
    r = run([table(["索引号", "11330000/2022-00012", "发布机构", "青石县财政局"], ["发布日期", "2022-01-20"]),
             Para("2021年度政府信息公开工作年度报告"), Para("一、总体情况")])
    assert (r.agency, r.year) == ("青石县财政局", 2021)


def test_broken_dates_are_not_years():
    assert find_year("统计期限自201911日起至202020年12月31日止，2019年度") == 2019


def test_year_mismatch_between_title_and_body():
    r = run([Para("柳泉镇人民政府2021年政府信息公开工作年度报告"), Para("一、总体情况"),
             Para("2020年，柳泉镇认真贯彻《条例》。")])
    assert r.year == 2021
    f = next(f for f in r.findings if f.code == "year_mismatch")
    assert (f.details["title_year"], f.details["body_year"]) == (2021, 2020)


def test_year_of_the_body_is_the_one_it_speaks_of_most():
    r = run([Para("柳泉镇人民政府2021年政府信息公开工作年度报告"),
             Para("根据《条例》（2019年修订）要求编制。统计期限自2021年1月1日起至2021年12月31日止。"),
             Para("一、总体情况"), Para("2021年，柳泉镇认真贯彻《条例》。")])
    assert r.year == 2021 and not [f for f in r.findings if f.code == "year_mismatch"]


def test_agency_completed_from_the_preamble():
    r = run([Para("洪泽区人民政府2023年政府信息公开工作年度报告"),
             Para("本报告由淮安市洪泽区人民政府办公室根据《条例》要求编制。"), Para("一、总体情况")])
    assert r.agency == "淮安市洪泽区人民政府"


@pytest.mark.parametrize("fmt", ["{cn}、{t}", "（{cn}）{t}", "{n}. {t}", "第{cn}部分 {t}", "{n}、{t}", "{cn} {t}",
                                 "({cn}) {t}"])
def test_section_numbering_styles(fmt):
    paras = [Para("青石县人民政府2022年政府信息公开工作年度报告")]
    for i, t in enumerate(PARTS):
        paras += [Para(fmt.format(cn=CN[i], n=i + 1, t=t)), Para(f"第{i + 1}部分的正文。"),
                  Para(f"（一）第{i + 1}部分的小标题"), Para("1.一个列表项；")]
    hs = find_headings([(p.text, False) for p in paras[1:]])
    assert [(h.number, h.text) for h in hs] == list(enumerate(PARTS, 1))
    r = run(paras)
    assert [(s.number, s.heading) for s in r.sections] == list(enumerate(PARTS, 1))
    assert "（一）第3部分的小标题" in r.sections[2].text


def test_headings_marked_without_numbers_and_mixed_numbering():
    paras = [Para(PARTS[0], heading=2), Para("正文"), Para("二、" + PARTS[1]), Para("正文"),
             Para("（三）" + PARTS[2]), Para("四、" + PARTS[3]), Para("五、" + PARTS[4]), Para("六、" + PARTS[5])]
    r = run(paras)
    assert [s.number for s in r.sections] == [1, 2, 3, 4, 5, 6]


def test_promised_six_delivered_five():
    paras = [Para("青石县人民政府2022年政府信息公开工作年度报告"),
             Para("本报告由总体情况、主动公开政府信息情况等六个部分组成。")]
    for i, t in enumerate(PARTS[:5]):
        paras += [Para(f"{CN[i]}、{t}"), Para("正文。")]
    r = run(paras)
    f = next(f for f in r.findings if f.code == "sections_missing")
    assert (f.details["promised"], f.details["delivered"]) == (6, 5)
    assert [f.details["section"] for f in r.findings if f.code == "section_missing"] == [6]


@pytest.mark.parametrize("labels,version", [
    (["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"], "2021"),
    (["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"], "2019"),
    (["第二十条第（九）项"], "2019"),
    (["信息内容", "上一年项目数量", "本年增/减"], "2019"),
    (["指标名称", "计量单位", "统计数", "行政复议数"], None),
])
def test_version_from_labels_not_year(labels, version):
    assert detect_version("".join(labels)) == version


def test_2019_layout_in_a_2023_report():
    r = run([Para("青石县人民政府2023年政府信息公开工作年度报告"), Para("二、主动公开政府信息情况"),
             table(["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"], ["规章", "1", "2", "3"],
                   ["規範性文件", "4", "5", "6"])])
    assert (r.year, r.template) == (2023, "2019")
    got = {(c.row, c.column): c.value for c in r.cells}
    assert got[("normative_documents", "total_published")] == 6  # traditional label matched
    assert r.cell("active", "regulations", "new_made").source == {"table": 0, "row": 1, "col": 1}


def test_pre2019_without_tables():
    r = run([Para("青石县人民政府2012年政府信息公开工作年度报告"), Para("一、概述"),
             Para("全年主动公开政府信息1200条，其中在门户网站发布信息800条。"),
             Para("二、主动公开政府信息的情况"), Para("三、依申请公开政府信息情况"),
             Para("全年共收到政府信息公开申请12件，已答复政府信息公开申请11件。"),
             Para("四、因政府信息公开申请行政复议、提起行政诉讼的情况"),
             Para("因政府信息公开被申请行政复议1件，被提起行政诉讼两件。")])
    assert (r.template, r.status) == ("pre2019", "ok")
    assert {f.key: f.value for f in r.facts} == {
        "active_disclosure_total": 1200, "portal_posts": 800, "requests_received": 12,
        "requests_answered": 11, "reviews": 1, "lawsuits": 2}
    assert r.facts[0].text.startswith("全年主动公开政府信息1200条")


def test_tables_as_images_are_recorded_not_guessed():
    r = run([Para("青石县人民政府2022年政府信息公开工作年度报告"), Para("一、总体情况"),
             Para("二、主动公开政府信息情况"), Image("/img/t1.png"),
             Para("三、收到和处理政府信息公开申请情况"), Image("/img/t2.png"),
             Para("四、政府信息公开行政复议、行政诉讼情况"), Image("/img/t3.png"),
             Para("五、存在的主要问题及改进情况"), Para("六、其他需要报告的事项")])
    assert r.cells == [] and r.status == "partial" and r.template is None
    imgs = [f for f in r.findings if f.code == "table_image"]
    assert [(f.table, f.details["src"]) for f in imgs] == [
        ("active", "/img/t1.png"), ("applications", "/img/t2.png"), ("appeals", "/img/t3.png")]


def test_appeals_transposed_one_row_per_group():
    r = run([Para("青石县人民政府2022年政府信息公开工作年度报告"), Para("四、政府信息公开行政复议、行政诉讼情况"),
             table(["", "结果维持", "结果纠正", "其他结果", "尚未审结", "总计"],
                   ["行政复议", "1", "0", "0", "1", "2"], ["未经复议直接起诉", "0", "0", "0", "0", "0"],
                   ["复议后起诉", "1", "0", "0", "0", "1"]),
             table(["申请人情况", "总计"], ["一、本年新收政府信息公开申请数量", "", "1", "", "", "", "", "1"],
                   ["逾期不补正"])])
    got = {(c.row, c.column): c.value for c in r.cells if c.table == "appeals"}
    assert got[("review", "pending")] == 1 and got[("review", "total")] == 2
    assert got[("lawsuit_after_review", "upheld")] == 1 and len(got) == 15


def test_appeals_transposed_one_row_per_outcome():
    r = run([Para("青石县人民政府2022年政府信息公开工作年度报告"), Para("四、政府信息公开行政复议、行政诉讼情况"),
             table(["", "行政复议", "未经复议直接起诉", "复议后起诉"], ["结果维持", "3", "1", "0"],
                   ["结果纠正", "1", "0", "0"], ["其他结果", "0", "0", "2"], ["尚未审结", "", "0", "0"],
                   ["总计", "4", "1", "2"]),
             table(["申请人情况", "总计"], ["逾期不补正"])])
    got = {(c.row, c.column): c.value for c in r.cells if c.table == "appeals"}
    assert got == {("review", "upheld"): 3, ("review", "corrected"): 1, ("review", "other"): 0,
                   ("review", "pending"): 0, ("review", "total"): 4, ("lawsuit_direct", "upheld"): 1,
                   ("lawsuit_direct", "corrected"): 0, ("lawsuit_direct", "other"): 0,
                   ("lawsuit_direct", "pending"): 0, ("lawsuit_direct", "total"): 1,
                   ("lawsuit_after_review", "upheld"): 0, ("lawsuit_after_review", "corrected"): 0,
                   ("lawsuit_after_review", "other"): 2, ("lawsuit_after_review", "pending"): 0,
                   ("lawsuit_after_review", "total"): 2}
    assert r.cell("appeals", "review", "pending").imputed


def test_split_tables_and_repeated_headers_read_once():
    head = ["申请人情况", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    r = run([Para("青石县人民政府2022年政府信息公开工作年度报告"), Para("三、收到和处理政府信息公开申请情况"),
             table(head, ["一、本年新收政府信息公开申请数量", "2", "0", "0", "0", "0", "0", "2"]),
             table(head, ["二、上年结转政府信息公开申请数量", "1", "0", "0", "0", "0", "0", "1"],
                   ["1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "0", "0", "0", "0", "0", "0", "0"])])
    got = {(c.row, c.column): c.value for c in r.cells}
    assert got[("new_received", "total")] == 2 and got[("carried_over", "natural_person")] == 1
    assert r.template == "2021"


@pytest.mark.parametrize("sentence,key,value", [
    ("全年主动公开政府信息599条（件）", "active_disclosure_total", 599),
    ("在镇政府门户网站主动公开信息142条", "portal_posts", 142),
    ("全年共收到政府信息公开申请36件", "requests_received", 36),
    ("已答复政府信息公开申请34件", "requests_answered", 34),
    ("因政府信息公开被申请行政复议2件", "reviews", 2),
    ("被提起行政诉讼1件", "lawsuits", 1),
    ("收取信息处理费0元", "fees_collected", 0),
    ("收取政府信息公开检索、复制、邮寄等费用0.5万元", "fees_collected", 5000),
    ("全年主动公开政府信息12,190余条", "active_disclosure_total", 12190),
    ("全年共收到政府信息公开申请十二件", "requests_received", 12),
    ("被提起行政诉讼两件", "lawsuits", 2),
])
def test_fact_patterns(sentence, key, value):
    facts = {f.key: f for f in find_facts(sentence + "。")}
    assert facts[key].value == value and facts[key].text == sentence


def test_requests_via_the_website_are_not_portal_posts():
    assert [f.key for f in find_facts("通过政府网站在线申请政府信息公开3件。")] == []


def test_assemble_never_raises_on_odd_blocks():
    r = run([Table([]), Table([[]]), Para(""), Image(""), Table([[TCell("", {})] * 40]),
             Para("（" * 5000), Table([[TCell("本年新收" * 300, {}), TCell("9" * 500, {})]])])
    assert r.status in ("ok", "partial", "failed")


def test_a_page_pointing_to_its_attachment_is_not_a_report():
    r = run([Para("溪口镇人民政府2023年政府信息公开工作年度报告", heading=1), Para("详见附件。"),
              Para("溪口镇人民政府2023年政府信息公开工作年度报告.pdf")])
    assert (r.status, r.template, r.agency, r.year) == ("failed", None, "溪口镇人民政府", 2023)
    assert [f.code for f in r.findings] == ["attachment_only"]


def test_a_copy_cut_after_its_title_is_partial_not_a_stub():
    r = run([Para("溪口镇人民政府2023年政府信息公开工作年度报告", heading=1), Para("2023年，我镇认真贯彻")])
    assert r.status == "partial"
    assert "attachment_only" not in {f.code for f in r.findings}


def test_report_dict_round_trip_keeps_the_saved_page_fields():
    from parsers import parse
    from parsers.model import Report as R

    text = ("标题: 泉水镇人民政府2023年政府信息公开工作年度报告\n发布时间: 2024-01-20 09:30\n"
            "原文链接: https://www.example.gov.cn/t1.htm\n==== 正文 ====\n一、总体情况\n全年主动公开政府信息12条。")
    r = parse(text.encode(), "text/plain")
    d = r.to_dict()
    assert (d["published_date"], d["url"]) == ("2024-01-20", "https://www.example.gov.cn/t1.htm")
    assert R.from_dict(d).to_dict() == d
