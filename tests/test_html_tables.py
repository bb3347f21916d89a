"""Tables as printed: spans kept, header cells marked, layout tables unwrapped, split tables,
tables published as images."""
from __future__ import annotations

from html_pages import blocks, images, page, paras, tables, texts
from parsers.blocks import Image, Para, Table

FILLER = "<p>三、收到和处理政府信息公开申请情况</p><p>" + "本机关依法办理政府信息公开申请。" * 4 + "</p>"

APPS = """
<table border="1" cellspacing="0">
<thead><tr><td colspan="3" rowspan="3"><p><span>（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</span></p></td>
 <td colspan="7">申请人情况</td></tr>
<tr><td rowspan="2">自然人</td><td colspan="5">法人或其他组织</td><td rowspan="2">总计</td></tr>
<tr><td>商业<br>企业</td><td>科研<br/>机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr></thead>
<tbody>
<tr><td colspan="3">一、本年新收<br>政府信息公开申请数量</td><td>12</td><td>&nbsp;</td><td>0</td><td>0</td><td>0</td><td>1</td><td>13</td></tr>
<tr><td rowspan="20">三、本年度办理结果</td><td colspan="2">（一）予以公开</td><td> 5 </td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>5</td></tr>
<tr><td rowspan="8">（三）不予公开</td><td>1.属于国家秘密</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>
</tbody></table>
"""


def _tables(body: str):
    return blocks(page(body=FILLER + body, h1=False, title="测试"))[0]


def test_spans_headers_and_br_in_cells_as_printed():
    bs = _tables(APPS)
    (t,) = tables(bs)
    first = t.rows[0][0]
    assert (first.rowspan, first.colspan, first.header) == (3, 3, True)  # <thead> rows are header rows
    assert first.text.startswith("（本列数据的勾稽关系为")
    assert texts(t)[2] == ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    assert texts(t)[3] == ["一、本年新收政府信息公开申请数量", "12", "", "0", "0", "0", "1", "13"]
    assert [(c.rowspan, c.colspan) for c in t.rows[4][:2]] == [(20, 1), (1, 2)]
    assert t.rows[4][2].text == "5"
    assert not any(c.header for c in t.rows[3])
    assert t.rows[3][1].source == {"table": 0, "row": 3, "col": 1}
    assert len(t.rows) == 6  # not expanded


def test_th_cells_are_headers_and_odd_span_values_survive():
    bs = _tables('<table><tr><th colspan="2px">信息内容</th><th rowspan="0">数量</th><th colspan="x">合计</th></tr>'
                 "<tr><td>规章</td><td>0</td><td>1</td></tr></table>")
    (t,) = tables(bs)
    assert [(c.header, c.colspan, c.rowspan) for c in t.rows[0]] == [(True, 2, 1), (True, 1, 1), (True, 1, 1)]
    assert [c.header for c in t.rows[1]] == [False, False, False]


def test_layout_tables_are_unwrapped_in_reading_order():
    inner = ('<table class="data"><tr><td>信息内容</td><td>本年制发件数</td></tr>'
             "<tr><td>规章</td><td>3</td></tr></table>")
    layout = (f'<table width="100%"><tr><td><p>二、主动公开政府信息情况</p>{inner}<p>说明文字。</p></td></tr>'
              f'<tr><td><table><tr><td>{inner}</td></tr></table></td></tr></table>')
    bs = _tables(layout)
    kinds = [(type(b).__name__, b.text if isinstance(b, Para) else None) for b in bs[3:]]
    assert kinds == [("Para", "二、主动公开政府信息情况"), ("Table", None), ("Para", "说明文字。"), ("Table", None)]
    assert [t.source for t in tables(bs)] == [{"table": 0}, {"table": 1}]
    assert texts(tables(bs)[1]) == [["信息内容", "本年制发件数"], ["规章", "3"]]


def test_split_table_stays_several_tables_in_order():
    part = '<table><tr><td>{0}</td><td>{1}</td><td>{2}</td></tr><tr><td>{3}</td><td>{4}</td><td>{5}</td></tr></table>'
    body = (part.format("申请人", "自然人", "总计", "一、本年新收", "3", "3")
            + "<p>（续表）</p>"
            + part.format("申请人", "自然人", "总计", "二、上年结转", "1", "1"))
    bs = _tables(body)
    ts = tables(bs)
    assert [texts(t)[1][0] for t in ts] == ["一、本年新收", "二、上年结转"]
    assert [c.source["table"] for t in ts for c in t.rows[0]] == [0, 0, 0, 1, 1, 1]
    assert "（续表）" in paras(bs)


def test_tables_published_as_images():
    body = ('<p>二、主动公开政府信息情况</p><p style="text-align:center"><img src="./W020230118_1.png" alt="主动公开情况表"'
            ' width="600"></p><table><tr><td><img src="/images/table2.jpg" title="申请情况"></td></tr></table>'
            '<img src="/images/icon_print.gif" width="16" height="16"><img src="data:image/png;base64,iVBORw0KGgo=">')
    bs = _tables(body)
    assert [(i.src, i.alt) for i in images(bs)] == [
        ("./W020230118_1.png", "主动公开情况表"), ("/images/table2.jpg", "申请情况"), ("data:image/png;base64,…", "")]
    assert tables(bs) == []
    order = [type(b) for b in bs]
    assert order.index(Image) > [i for i, b in enumerate(bs) if isinstance(b, Para) and "主动公开" in b.text][0]


def test_single_column_box_is_text_not_a_table():
    bs = _tables("<table><tr><td><p>一是加强组织领导。</p><p>二是完善制度。</p></td></tr></table>")
    assert tables(bs) == [] and paras(bs)[-2:] == ["一是加强组织领导。", "二是完善制度。"]


def test_table_cell_text_with_nested_markup_and_nbsp():
    bs = _tables('<table><tr><td><p class="MsoNormal"><span>（三）</span><span>&nbsp;不予公开<o:p></o:p></span></p></td>'
                 "<td><p><b>１２</b></p></td><td>\n   1,234\n</td></tr></table>")
    assert texts(tables(bs)[0]) == [["（三）不予公开", "１２", "1,234"]]


def test_generated_report_tables_reach_the_blocks():
    from reportgen import HTML_STYLES, generate, render_html
    from parsers.html import to_blocks
    from parsers.model import Report

    r = generate(seed=11, template="2021")
    for style in HTML_STYLES:
        bs = to_blocks(render_html(r, style=style), Report())
        cells = {c.text for t in tables(bs) for row in t.rows for c in row}
        if style == "table_images":
            assert tables(bs) == [] and len(images(bs)) >= 3
        else:
            assert {"自然人", "总计", "商业企业"} <= cells, style
            assert not any("索引号" in c for c in cells), style
            assert isinstance(bs[0], Para) and bs[0].text == r.title and bs[0].heading == 1, style
            assert all(isinstance(b, (Para, Table, Image)) for b in bs)


def test_hidden_cells_left_by_editors_are_not_printed():
    bs = _tables('<table><tr><td colspan="2">信息内容</td><td style="display: none"></td><td>本年制发件数</td></tr>'
                 "<tr><td>规章</td><td>（件）</td><td>3</td></tr></table>")
    assert texts(tables(bs)[0]) == [["信息内容", "本年制发件数"], ["规章", "（件）", "3"]]
    assert [c.source["col"] for c in tables(bs)[0].rows[0]] == [0, 1]
