"""The HTML front end's walk over a page body: what it keeps, what it drops, and that it is a
loop (no recursion limit)."""
from __future__ import annotations

import pytest
from lxml import etree

from parsers import html as H
from parsers.model import Report
from reportgen import HTML_STYLES, generate, render_html

EDGE_PAGE = """<html><body><div id="zoom">
<p>一、总体情况<span>（<b>加粗</b>）</span>尾巴</p>正文尾<br>换行后
<div class="share-box">分享到</div><div style="display: none">隐藏</div>
<h2>二、主动<font>公开</font>情况</h2>
<table><thead><tr><th rowspan="2px">信息内容</th><th colspan=" 3 ">本年<br>新制作</th></tr></thead>
<tr><td>规章</td><td>1</td><td style="DISPLAY:NONE">9</td><td colspan="abc"><p>2</p><p>3</p></td></tr>
<tr><td>  规范性  文件 </td><td></td><td>&nbsp;</td><td>4<img src="x.png" width="10"></td></tr></table>
<pre>第一行
第二行</pre><script>var x = "不读";</script><img src="tbl.png" alt="表格 图片">
<table><tr><td><table><tr><td>甲</td><td>乙</td></tr></table>布局</td></tr></table>
<p>   </p><span>行内</span>文字<em></em>结尾</div>
<div class="bread">当前位置</div></body></html>"""


def _blocks(markup: str) -> list:
    root = etree.fromstring(markup.encode(), H._parser())
    return H._walk(next(root.iter("body")))


def test_edge_markup():
    blocks = _blocks(EDGE_PAGE)
    texts = [b.text for b in blocks if isinstance(b, H.Para)]
    assert texts[:3] == ["一、总体情况（加粗）尾巴", "正文尾", "换行后"]
    joined = "".join(texts)
    assert "隐藏" not in joined and "分享到" not in joined and "不读" not in joined and "当前位置" not in joined
    assert ["第一行", "第二行"] == [t for t in texts if t.startswith("第") and t.endswith("行")]
    assert next(b for b in blocks if isinstance(b, H.Para) and b.text.startswith("二")).heading == 2
    tables = [b for b in blocks if isinstance(b, H.Table)]
    assert [c.text for c in tables[0].rows[1]] == ["规章", "1", "23"]  # the hidden cell left out
    assert [c.text for c in tables[0].rows[2]] == ["规范性文件", "", "", "4"]
    assert (tables[0].rows[0][0].rowspan, tables[0].rows[0][1].colspan, tables[0].rows[0][1].header) == (2, 3, True)
    assert [c.text for c in tables[1].rows[0]] == ["甲", "乙"]  # the layout table around it is not a table
    assert "布局" in texts
    images = [b for b in blocks if isinstance(b, H.Image)]
    assert [(i.src, i.alt) for i in images] == [("tbl.png", "表格图片")]  # the 10-pixel icon dropped


def test_deep_nesting_does_not_recurse():
    depth = 5000  # beyond Python's recursion limit: the walk is a loop
    blocks = _blocks("<html><body>" + "<div><span>层</span>" * depth + "</div>" * depth + "</body></html>")
    # (libxml2 stops nesting at its own depth limit; everything it kept is read)
    assert len(blocks) > 2000 and all(b.text == "层" for b in blocks)


@pytest.mark.parametrize("style", HTML_STYLES)
def test_to_blocks_reads_each_style(style):
    report = generate(seed=7, template="2021", year=2022)
    blocks = H.to_blocks(render_html(report, style=style, encoding="utf-8"), Report())
    assert blocks and blocks[0].heading == 1
    assert style == "table_images" or sum(isinstance(b, H.Table) for b in blocks) >= 1
