"""Finding the report body inside portal chrome, and the title."""
from __future__ import annotations

import pytest

from html_pages import BODY, TITLE, blocks, page, paras, tables, texts
from parsers.blocks import Para

CHROME_WORDS = ("繁體版", "无障碍", "当前位置", "字体", "打印", "关闭", "主办单位", "索引号", "发布机构",
                "依申请公开", "政府信息公开年报")


def _body_only(bs) -> None:
    ps = paras(bs)
    assert ps[0] == TITLE and ps[1] == "本报告根据《中华人民共和国政府信息公开条例》编制。"
    assert ps[-1] == "六、其他需要报告的事项"
    assert not [p for p in ps if any(w in p for w in CHROME_WORDS)]
    assert ps.count(TITLE) == 1
    assert len(tables(bs)) == 1 and texts(tables(bs)[0])[0] == ["第二十条第（一）项"]


@pytest.mark.parametrize("container", [
    '<div class="TRS_Editor">', '<div class="trs_editor_view">', '<div class="TRS_UEDITOR">',
    '<div class="trs_paper_default custom">', '<div id="zoom">', '<div class="zoom">', '<div id="zoomcon">',
    '<div id="UCAP-CONTENT">', '<div id="ivs_content">', '<div class="article-content">',
])
def test_known_containers(container):
    bs, report = blocks(page(container=container))
    _body_only(bs)
    assert report.findings == []


@pytest.mark.parametrize("container", ['<div class="main-text">', '<table class="layout"><tr><td>', "<section>"])
def test_unknown_container_found_by_numbered_headings(container):
    bs, _ = blocks(page(container=container))
    _body_only(bs)


def test_inner_known_container_preferred_over_outer():
    html = page(container='<div class="pages_content"><div class="pages-date">2023-01-18 来源：青石县</div>'
                          '<div id="UCAP-CONTENT">').replace("</div>" + "\n<p class=\"tools\">",
                                                              "</div></div>\n<p class=\"tools\">")
    bs, _ = blocks(html)
    _body_only(bs)


def test_decoy_known_container_without_content_is_ignored():
    html = page(container="<div class=\"content-body\">").replace(
        '<div class="fontsize">', '<div class="zoom">字号</div><div class="fontsize">')
    bs, _ = blocks(html)
    _body_only(bs)


def test_metadata_table_is_not_a_report_table_and_not_the_title():
    bs, _ = blocks(page(h1=False, title="政府信息公开"))  # no usable <h1>/<title>
    assert all("索引号" not in c.text for t in tables(bs) for row in t.rows for c in row)
    assert not [p for p in paras(bs) if "青石县人民政府办公室" in p]


@pytest.mark.parametrize("head, h1, title, want", [
    ('<meta name="ArticleTitle" content="  青石县2022年政府信息公开工作年度报告 ">', False, "首页", "青石县2022年政府信息公开工作年度报告"),
    ("", True, TITLE, TITLE),
    ("", False, TITLE, TITLE),  # from <title>, the site name after "_" dropped
])
def test_title_sources(head, h1, title, want):
    bs, _ = blocks(page(head=head, h1=h1, title=title))
    first = bs[0]
    assert isinstance(first, Para) and first.heading == 1 and first.text == want
    assert sum(isinstance(b, Para) and b.heading == 1 for b in bs) == 1


def test_title_repeated_at_body_start_is_not_duplicated():
    bs, _ = blocks(page(body=f'<p style="text-align:center"><b>{TITLE}</b></p>' + BODY))
    assert paras(bs).count(TITLE) == 1 and bs[0].heading == 1


def test_page_without_headings_or_tables_keeps_the_paragraph_text():
    body = "<p>" + "本机关按照要求开展政府信息公开工作。" * 5 + "</p><p>第二段。</p>"
    html = ("<html><body><div class='nav'><a>首页</a><a>政务公开</a></div>"
            f"<div class='x'><div class='y'>{body}</div></div><div class='footer'>版权所有</div></body></html>")
    bs, _ = blocks(html)
    assert paras(bs) == ["本机关按照要求开展政府信息公开工作。" * 5, "第二段。"]


def test_script_style_and_hidden_elements_dropped():
    body = ('<script>document.write("一、总体情况")</script><style>.a{}</style>'
            '<p style="DISPLAY: none">隐藏</p><noscript>请启用脚本</noscript>' + BODY)
    bs, _ = blocks(page(body=body))
    assert not [p for p in paras(bs) if "隐藏" in p or "document" in p or "脚本" in p]


def test_chrome_inside_the_container_is_dropped():
    inner = ('<div class="bread">当前位置：首页 &gt; 年报</div><p>字体：【大 中 小】</p>' + BODY +
             '<p>【我要打印】【关闭窗口】</p><p>分享到：</p><p>扫一扫在手机打开当前页</p>'
             '<div class="share-box"><a>微信</a><a>微博</a></div><p>上一篇：青石县2021年报告</p>'
             '<p>发布日期：2023-01-18　浏览次数：120</p>')
    bs, _ = blocks(page(body=inner))
    _body_only(bs)
    assert not [p for p in paras(bs) if "微信" in p or "扫一扫" in p or "分享" in p or "上一篇" in p or "浏览" in p]


def test_metadata_as_a_list_of_lines_is_dropped():
    meta = ('<ul class="xxgk-info"><li>索引号：001/2023-00012</li><li>发布机构：青石县人民政府办公室</li>'
            f"<li>名　　称：{TITLE}</li><li>成文日期：2023-01-18</li></ul>")
    bs, _ = blocks(page(body=meta + BODY))
    _body_only(bs)


def test_known_container_without_the_report_loses_to_numbered_headings():
    decoy = '<div class="zoom"><ul>' + "".join(f"<li><a>相关文章{i}：青石县政务公开工作动态</a></li>" for i in range(6)) + "</ul></div>"
    html = page(container='<div class="main-text">').replace('<h1>', decoy + "<h1>")
    bs, _ = blocks(html)
    _body_only(bs)


def test_print_area_wrapper_is_not_chrome():
    html = page(container='<div class="TRS_Editor"><div id="printContent" class="print-area position-relative">')
    html = html.replace('</div>\n<p class="tools">', '</div></div>\n<p class="tools">')
    bs, _ = blocks(html)
    _body_only(bs)


def test_a_short_article_in_a_known_container_beats_a_longer_footer():
    # "详见附件" pages: the container's few words are the article, not the footer beside it
    body = '<p>详见附件。</p><p><a href="/f/nb2022.pdf">青石县人民政府2022年政府信息公开工作年度报告.pdf</a></p>'
    bs, _ = blocks(page(body, container='<div id="zoom">'))
    assert paras(bs)[-2:] == ["详见附件。", "青石县人民政府2022年政府信息公开工作年度报告.pdf"]
    assert not any("主办单位" in t for t in paras(bs))


def test_a_page_that_only_points_to_its_attachment_is_not_a_report():
    from parsers import parse
    body = '<p>详见附件。</p><p><a href="/f/nb2022.pdf">青石县人民政府2022年政府信息公开工作年度报告.pdf</a></p>'
    r = parse(page(body, container='<div id="zoom">').encode(), "text/html")
    assert (r.status, r.template, r.agency, r.year) == ("failed", None, "青石县人民政府", 2022)
    assert [f.code for f in r.findings] == ["attachment_only"]
