"""Broken markup never raises: unclosed tags, truncated pages, empty and binary input."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from html_pages import BODY, TITLE, blocks, page, paras, tables, texts
from parsers import parse
from parsers.blocks import Table


def test_unclosed_tags_still_give_blocks():
    html = ("<html><body><div id=zoom><p>一、总体情况<p><span><font>2022年，主动公开<b>12条。"
            "<p>二、主动公开政府信息情况<table><tr><td>信息内容<td>本年制发件数<tr><td>规章<td>3"
            "</table><p>三、收到和处理政府信息公开申请情况")
    bs, report = blocks(html)
    assert paras(bs)[:2] == ["一、总体情况", "2022年，主动公开12条。"]
    assert texts(tables(bs)[0]) == [["信息内容", "本年制发件数"], ["规章", "3"]]


@pytest.mark.parametrize("marker, last_row", [
    ("本年废", ["信息内容", "本年制发件数", "本年废"]),
    ("<td>规章</td><td>0", ["规章", "0"]),
    ("三、收到和处理", ["行政规范性文件", "3", "1", "12"]),
])
def test_truncated_page(marker, last_row):
    html = page()
    data = html[: html.index(marker) + len(marker)].encode("utf-8")
    bs, report = blocks(data)
    assert paras(bs)[0] == TITLE
    assert "一、总体情况" in paras(bs)
    assert texts(tables(bs)[0])[-1] == last_row  # what was printed before the cut is kept


def test_truncated_gbk_page_inside_a_character():
    data = page(head='<meta charset="gbk">').encode("gbk")
    cut = data.index("本年制发件数".encode("gbk")) + 3  # half a character
    bs, report = blocks(data[:cut])
    assert "一、总体情况" in paras(bs)
    assert [f.code for f in report.findings] == ["encoding"] and "truncated" in report.findings[0].message


@pytest.mark.parametrize("data", [b"", b"   ", b"<html></html>", b"<!-- only a comment -->",
                                  b"\x00\x01\x02\xff" * 50, "纯文本，没有标签".encode()])
def test_degenerate_documents(data):
    bs, report = blocks(data)
    assert not any(isinstance(b, Table) for b in bs)
    full = parse(data, "text/html")
    assert full.status != "ok" and full.cells == []
    assert "parser_error" not in {f.code for f in full.findings}


def test_deeply_nested_markup():
    html = "<div>" * 1500 + BODY + "</div>" * 1500  # deeper than Python's recursion limit
    bs, report = blocks(html)
    assert "二、主动公开政府信息情况" in paras(bs) and report.findings == []
    bs, report = blocks("<div>" * 3000 + BODY + "</div>" * 3000)  # deeper than libxml2's limit
    assert [f.code for f in report.findings] == ["html_too_deep"]


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400) | st.text(alphabet="<>/=\"' abptdrhiglmety一二三、情况总计&;#0123456789", max_size=400))
def test_fuzz_never_raises(data):
    bs, report = blocks(data if isinstance(data, bytes) else data.encode())
    assert isinstance(bs, list)
