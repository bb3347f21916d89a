"""Small hand-made portal pages (invented agency and numbers) shared by the tests/test_html_*.py."""
from __future__ import annotations

from parsers.blocks import Image, Para, Table
from parsers.html import to_blocks
from parsers.model import Report

TITLE = "青石县人民政府2022年政府信息公开工作年度报告"

CHROME_TOP = """
<div class="topbar"><a href="#">繁體版</a> | <a href="#">无障碍</a> | <a href="#">English</a></div>
<ul class="menu"><li><a href="/zdgk/">主动公开</a></li><li><a href="/ysqgk/">依申请公开</a></li>
<li><a href="/nb/">政府信息公开年报</a></li></ul>
<div class="position">当前位置：<a href="/">首页</a> &gt; 政府信息公开 &gt; 年度报告</div>
<table class="xxgk-meta" border="1">
 <tr><td>索引号：</td><td>001/2023-00012</td><td>发布机构：</td><td>青石县人民政府办公室</td></tr>
 <tr><td>成文日期：</td><td>2023-01-18</td><td>主题分类：</td><td>政务公开</td></tr>
 <tr><td>名　　称：</td><td colspan="3">青石县人民政府2022年政府信息公开工作年度报告</td></tr>
</table>
<div class="fontsize">字体：【<a>大</a> <a>中</a> <a>小</a>】</div>
"""
CHROME_BOTTOM = """
<p class="tools">【<a>打印本页</a>】【<a>关闭窗口</a>】</p>
<p>分享到：</p><p>扫一扫在手机打开当前页</p><div>上一篇：青石县2021年政府信息公开工作年度报告</div>
<div class="footer">主办单位：青石县人民政府办公室 地址：青石县人民路1号</div>
"""

BODY = """
<p>本报告根据《中华人民共和国政府信息公开条例》编制。</p>
<p><strong><span>一、总体情况</span></strong></p>
<p><span style="font-family:仿宋"><font size="3">2022年，本县主动公开政府信息</font><font>1234</font>条。</span></p>
<p>二、主动公开政府信息情况</p>
<table border="1">
 <tr><td colspan="4">第二十条第（一）项</td></tr>
 <tr><th>信息内容</th><th>本年制发件数</th><th>本年废止件数</th><th>现行有效件数</th></tr>
 <tr><td>规章</td><td>0</td><td>0</td><td>2</td></tr>
 <tr><td>行政规范性文件</td><td>3</td><td>1</td><td>12</td></tr>
</table>
<p>三、收到和处理政府信息公开申请情况</p>
<p>四、政府信息公开行政复议、行政诉讼情况</p>
<p>五、存在的主要问题及改进情况</p>
<p>六、其他需要报告的事项</p>
"""


def page(body: str = BODY, *, container: str = '<div class="TRS_Editor">', head: str = "",
         title: str = TITLE, h1: bool = True) -> str:
    """A portal page: chrome, the metadata table, an <h1>, the body in a container, a footer."""
    close = "</" + container[1:].split()[0].rstrip(">") + ">"
    return (f'<!DOCTYPE html><html><head>{head}<title>{title}_年度报告_青石县人民政府</title></head><body>'
            f'{CHROME_TOP}{"<h1>" + title + "</h1>" if h1 else ""}{container}{body}{close}{CHROME_BOTTOM}'
            '</body></html>')


def blocks(html: str | bytes, charset: str | None = None, encoding: str = "utf-8") -> tuple[list, Report]:
    data = html if isinstance(html, bytes) else html.encode(encoding)
    report = Report()
    return to_blocks(data, report, charset=charset), report


def paras(bs: list) -> list[str]:
    return [b.text for b in bs if isinstance(b, Para)]


def tables(bs: list) -> list[Table]:
    return [b for b in bs if isinstance(b, Table)]


def images(bs: list) -> list[Image]:
    return [b for b in bs if isinstance(b, Image)]


def texts(table: Table) -> list[list[str]]:
    return [[c.text for c in row] for row in table.rows]
