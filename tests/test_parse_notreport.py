"""What is published where reports are but is not one — the blank official template, a cover
letter without its report, an unrelated document — never becomes an `ok` report: `failed` with a
`not_a_report` finding saying why. A report inside a cover letter, or one whose tables are all
blank but whose parts say something, is a report."""
from __future__ import annotations

from parsers import parse
from reportgen import generate, render_text

PARTS = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
         "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]
ACTIVE = ["第二十条第（一）项", "信息内容\t本年制发件数\t本年废止件数\t现行有效件数", "规章\t\t\t", "行政规范性文件\t\t\t"]
APPS = ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）\t申请人情况\t总计",
        "一、本年新收政府信息公开申请数量\t\t\t\t\t\t\t", "二、上年结转政府信息公开申请数量\t\t\t\t\t\t\t"]


def _parse(*lines: str):
    return parse("\n".join(lines).encode("utf-8"), "text/plain")


def _not_a_report(r) -> str:
    assert r.status == "failed", (r.status, [f.to_dict() for f in r.findings])
    f = next(f for f in r.findings if f.code == "not_a_report")
    assert f.severity == "error"
    return f.message


def test_the_blank_official_template():
    r = _parse("附件", "中华人民共和国政府信息公开工作年度报告格式", PARTS[0], PARTS[1], *ACTIVE, PARTS[2], *APPS,
               *PARTS[3:])
    assert "template" in _not_a_report(r)


def test_the_blank_template_with_placeholders():
    r = _parse("XX市XX局20XX年政府信息公开工作年度报告", PARTS[0], "（本部分由各行政机关填写）", PARTS[1], *ACTIVE,
               PARTS[2], *APPS, *PARTS[3:])
    assert "template" in _not_a_report(r)


def test_a_cover_letter_without_its_report():
    r = _parse("关于报送2020年度政府信息公开工作年度报告的函", "区政府办公室：",
               "根据《中华人民共和国政府信息公开条例》要求，现将我局2020年度政府信息公开工作年度报告报送给你们，请查收。",
               "附件：平潭综合实验区某局2020年度政府信息公开工作年度报告", "某局", "2021年1月20日")
    assert "cover letter" in _not_a_report(r)


def test_an_unrelated_manual():
    r = _parse("政务公开平台用户操作手册", "一、系统概述", "本系统用于发布信息，支持栏目管理和内容审核。",
               "二、登录方法", "在浏览器中输入地址，输入用户名和密码后登录。", "三、信息发布", "点击新增按钮，填写标题和正文后保存。")
    assert "unrelated" in _not_a_report(r)


def test_an_unrelated_notice_without_a_title():
    r = _parse("各有关单位：", "一、会议时间", "2023年5月10日上午9时。", "二、会议地点", "县政府三楼会议室。",
               "三、参会人员", "各单位分管负责同志。")
    assert r.status == "failed" and "not_a_report" in {f.code for f in r.findings}


def test_tables_blank_but_parts_written_is_a_report():
    r = parse(render_text(generate(129, "2021", level="township", blanks="table_blank"), "tabs").encode(), "text/plain")
    assert r.status == "ok" and "not_a_report" not in {f.code for f in r.findings}


def test_a_report_in_a_cover_letter_is_parsed():
    truth = generate(25, "2019", level="county")
    text = render_text(truth, "pipes").replace(truth.title, f"{truth.agency}关于报送{truth.year}年度政府信息公开工作年度报告的函")
    r = parse(text.encode(), "text/plain")
    assert r.status == "ok" and r.title.endswith("的函") and r.agency == truth.agency and len(r.cells) == len(truth.cells)
