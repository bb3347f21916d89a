"""The compiled walk (parsers/treewalk.pyx) gives exactly the blocks and table rows that the
same walk written against lxml's Python API gives: the reference below, with iterwalk,
.text/.tail and tostring(method="text"), is the definition the C loops follow."""
from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from parsers import html as H
from parsers import treewalk
from parsers.blocks import TCell
from parsers.model import Report
from reportgen import HTML_STYLES, generate, render_html

# an exception inside a C helper that cannot raise is only printed: make it fail the test
pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")


def reference_hidden(style: str | None) -> bool:
    return style is not None and "display:none" in style.replace(" ", "").lower()


def reference_data_tables(root: etree._Element) -> set[etree._Element]:
    tables = list(root.iter("table"))
    layout = {a for t in tables for a in t.iterancestors("table")}
    return {t for t in tables
            if t not in layout and any(sum(1 for c in tr if c.tag in ("td", "th")) >= 2 for tr in t.iter("tr"))}


def reference_rows(tbl: etree._Element, index: int) -> list[list[TCell]]:
    rows: list[list[TCell]] = []
    for tr in tbl.iter("tr"):
        in_head = tr.getparent().tag == "thead"
        row: list[TCell] = []
        for cell in tr:
            if cell.tag not in ("td", "th"):
                continue
            if reference_hidden(cell.get("style")):
                continue
            text = etree.tostring(cell, method="text", encoding="unicode", with_tail=False)
            if not text.isdecimal():
                text = H._clean(text)
            row.append(TCell(text, {"table": index, "row": len(rows), "col": len(row)},
                             H._count(cell.get("rowspan")) if "rowspan" in cell.keys() else 1,
                             H._count(cell.get("colspan")) if "colspan" in cell.keys() else 1,
                             in_head or cell.tag == "th"))
        if row:
            rows.append(row)
    return rows


class ReferenceWalker(H._Walker):
    """parsers.html._Walker with its loop in Python over lxml's iterwalk."""

    def walk(self, root: etree._Element) -> None:
        self.data_tables = reference_data_tables(root)
        events = etree.iterwalk(root, events=("start", "end"))
        buf, flush = self.buf, self.flush
        for event, el in events:
            tag = el.tag
            if event == "end":
                if buf and (tag in H._BLOCK or tag == "table"):
                    flush(H._HEADINGS.get(tag))
                if el is not root and (tail := el.tail) and (buf or not tail.isspace()):
                    buf.append(tail)
                continue
            if tag in H._SKIP or reference_hidden(el.get("style")) or (
                    tag in H._BLOCK and el is not root and ("class" in el.keys() or "id" in el.keys())
                    and H._chrome_attrs((el.get("class") or "") + " " + (el.get("id") or ""))):
                events.skip_subtree()
            elif tag in H._BLOCK:
                if buf:
                    flush()
                if (text := el.text) and not text.isspace():
                    buf.append(text)
            elif tag == "table":
                if buf:
                    flush()
                if self.table(el):
                    events.skip_subtree()
            elif tag in ("br", "img"):
                if buf:
                    flush()
                if tag == "img":
                    self.image(el)
            elif tag == "pre":
                if buf:
                    flush()
                for line in "".join(el.itertext()).splitlines():
                    buf.append(line)
                    flush()
                events.skip_subtree()
            elif (text := el.text) and (buf or not text.isspace()):
                buf.append(text)
        flush()

    def table(self, tbl: etree._Element) -> bool:
        if tbl not in self.data_tables:
            return False
        rows = reference_rows(tbl, self.tables)
        if not H._is_metadata(rows):
            self.blocks.append(H.Table(rows, {"table": self.tables}))
            self.tables += 1
            for img in tbl.iter("img"):
                self.image(img)
        return True


def reference_with_class(root: etree._Element) -> list[etree._Element]:
    return [el for el in root.iter(*H._CLASS_TAGS)
            if (c := el.get("class")) and not H._KNOWN_CLASSES.isdisjoint(c.split())]


def reference_section_blocks(root: etree._Element) -> list[etree._Element]:
    found = []
    for t in root.xpath(".//text()"):
        if H._SECTION_WORD.search(t):
            el = t.getparent().getparent() if t.is_tail else t.getparent()
            while el is not None and el.tag not in H._BLOCK:
                el = el.getparent()
            if el is not None and el not in found:
                found.append(el)
    return found


def _both(root: etree._Element) -> tuple[list, list]:
    assert treewalk.section_blocks(root, H._SECTION_WORDS) == reference_section_blocks(root)
    assert treewalk.data_tables(root) == reference_data_tables(root)
    assert treewalk.with_class(root, H._CLASS_TAGS, H._KNOWN_CLASSES) == reference_with_class(root)
    compiled, reference = H._Walker(), ReferenceWalker()
    compiled.walk(root)
    reference.walk(root)
    return compiled.blocks, reference.blocks


def _root(markup: str) -> etree._Element:
    return etree.fromstring(markup.encode(), H._parser())


def test_generated_pages_of_every_style_walk_alike():
    combos = itertools.product(HTML_STYLES, ("2021", "2019", "pre2019"), ("utf-8", "gbk"))
    for seed, (style, version, encoding) in enumerate(combos):
        page = render_html(generate(seed=seed, template=version, year=2016 if version == "pre2019" else 2022),
                           style=style, encoding=encoding)
        text, _, _ = H.decode(page, None, html=True)
        root = _root(text)
        body = next(root.iter("body"))
        compiled, reference = _both(body)
        assert compiled == reference, (style, version)
        assert any(isinstance(b, H.Table) for b in compiled) or style == "table_images" or version == "pre2019"
        for tbl in root.iter("table"):
            assert treewalk.table_rows(tbl, 3) == reference_rows(tbl, 3)


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


def test_edge_markup_walks_alike():
    root = _root(EDGE_PAGE)
    compiled, reference = _both(next(root.iter("body")))
    assert compiled == reference
    texts = [b.text for b in compiled if isinstance(b, H.Para)]
    assert "隐藏" not in "".join(texts) and "分享到" not in "".join(texts) and "不读" not in "".join(texts)
    assert ["第一行", "第二行"] == [t for t in texts if t.startswith("第") and t.endswith("行")]
    table = next(b for b in compiled if isinstance(b, H.Table))
    assert [c.text for c in table.rows[1]] == ["规章", "1", "23"]  # the hidden cell left out
    assert (table.rows[0][0].rowspan, table.rows[0][1].colspan, table.rows[0][1].header) == (2, 3, True)


def test_deep_nesting_does_not_recurse():
    depth = 5000  # beyond Python's recursion limit: the walk is a loop
    root = _root("<html><body>" + "<div><span>层</span>" * depth + "</div>" * depth + "</body></html>")
    compiled, reference = _both(next(root.iter("body")))
    assert compiled == reference


_TAGS = ("p", "div", "span", "b", "br", "h3", "td", "tr", "table", "th", "pre", "script", "img", "li", "font",
         "section")
_ATTRS = ("", ' style="display:none"', ' class="share"', ' id="zoom"', ' rowspan="2"', ' colspan="x"',
          ' style="color:red"', ' src="a.png"', ' class="a TRS_Editor"', ' class="TRS_Editorx zoom2"',
          ' class="zoom&#32;b"')
_TEXTS = ("", " ", "\n", "12", "一、总体情况", "本年新制作数量", "a b", "x", "打印", "\u3000文\u00a0字 ")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(_TAGS), st.sampled_from(_ATTRS), st.sampled_from(_TEXTS),
                          st.booleans(), st.sampled_from(_TEXTS)), max_size=40))
def test_random_markup_walks_alike(parts):
    """Any tag soup: libxml2 repairs it, and both walks read the repaired tree alike."""
    markup = "".join(f"<{t}{a}>{x}" + (f"</{t}>{tail}" if close else "") for t, a, x, close, tail in parts)
    root = _root(f"<html><body><div>{markup}</div></body></html>")
    body = next(root.iter("body"), None)
    if body is None:
        return
    compiled, reference = _both(body)
    assert compiled == reference
    for tbl in root.iter("table"):
        assert treewalk.table_rows(tbl, 0) == reference_rows(tbl, 0)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from("displayDISPLAY:none NONE;\t\u0130\u212a\uff44ı-x"), max_size=40))
def test_hidden_style_is_the_python_rule(style):
    """Read on UTF-8 bytes in C, the rule is Python's on the text (non-ASCII letters included)."""
    assert treewalk.hidden_style(style) == reference_hidden(style)
    assert treewalk.hidden_style("color:red;" + style + "display :  NONE") is True


@pytest.mark.parametrize("style", HTML_STYLES)
def test_to_blocks_reads_each_style(style):
    """The compiled walk in its place: a whole page still yields its title and tables."""
    report = generate(seed=7, template="2021", year=2022)
    blocks = H.to_blocks(render_html(report, style=style, encoding="utf-8"), Report())
    assert blocks and blocks[0].heading == 1
    assert style == "table_images" or sum(isinstance(b, H.Table) for b in blocks) >= 1
