"""Paragraph text: nested inline markup, whitespace, <br>, headings, Word-export HTML."""
from __future__ import annotations

from html_pages import blocks, page, paras
from parsers.blocks import Para


FILLER = "<p>" + "本机关认真贯彻落实政府信息公开条例。" * 4 + "</p>"  # a body is never tiny


def _body(body: str) -> list[str]:
    return paras(blocks(page(body=body + FILLER, h1=False, title="测试"))[0])[1:-1]


def test_nested_p_span_font_flattened_into_one_paragraph():
    assert _body('<p><span style="x"><font face="仿宋">2022年，本县</font><b>主动公开</b>'
                 '<span><span>政府信息<a href="#">1234</a>条。</span></span></span></p>') == [
        "2022年，本县主动公开政府信息1234条。"]


def test_nbsp_and_full_width_spaces_are_whitespace():
    assert _body("<p>&nbsp;&nbsp;\u3000\u3000一、总体情况&nbsp;</p><p>全年 受理 申请\u00a012 件。</p>") == [
        "一、总体情况", "全年受理申请 12 件。"]


def test_br_outside_tables_separates_paragraphs_and_divs_are_blocks():
    assert _body("<div>一、总体情况<br>第一行<br/><br/>第二行<div>内层</div>尾部</div>") == [
        "一、总体情况", "第一行", "第二行", "内层", "尾部"]


def test_heading_levels_come_from_h_tags():
    bs, _ = blocks(page(body="<h2>一、总体情况</h2><p>正文。</p><h3>（一）主动公开</h3>" + FILLER, h1=False, title="测试"))
    got = [(b.text, b.heading) for b in bs[1:-1] if isinstance(b, Para)]
    assert got == [("一、总体情况", 2), ("正文。", None), ("（一）主动公开", 3)]


def test_lists_and_inline_images_keep_order():
    assert _body("<ul><li>第一项</li><li>第二<em>项</em></li></ul><p>后文</p>") == ["第一项", "第二项", "后文"]


WORD = """
<!--[if gte mso 9]><xml><w:WordDocument><w:View>Print</w:View></w:WordDocument></xml><![endif]-->
<div class="WordSection1" style="layout-grid:15.6pt">
<p class="MsoNormal" align="center" style="text-align:center;mso-line-height-alt:20pt"><b><span
style="font-size:22.0pt;font-family:方正小标宋简体;mso-hansi-font-family:宋体">一、总体情况<span lang="EN-US"><o:p></o:p></span></span></b></p>
<p class="MsoListParagraph" style="margin-left:21pt;text-indent:-21pt;mso-list:l0 level1 lfo1"><![if !supportLists]><span
lang="EN-US" style="mso-list:Ignore">1.<span style="font:7.0pt &quot;Times New Roman&quot;">&nbsp;&nbsp;&nbsp;
</span></span><![endif]><span style="font-family:仿宋_GB2312">主动公开政府信息</span><span lang="EN-US">1234</span><span
style="font-family:仿宋_GB2312">条。<o:p></o:p></span></p>
<p class="MsoNormal"><span lang="EN-US"><o:p>&nbsp;</o:p></span></p>
</div>
"""


def test_word_export_markup():
    assert _body(WORD) == ["一、总体情况", "1. 主动公开政府信息1234条。"]


def test_preformatted_text_keeps_its_lines():
    assert _body("<pre>一、总体情况\n  全年主动公开政府信息1234条。\n\n二、主动公开政府信息情况</pre>") == [
        "一、总体情况", "全年主动公开政府信息1234条。", "二、主动公开政府信息情况"]
