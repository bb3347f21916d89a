"""Bytes → text for HTML pages: GB encodings declared only in <meta>, lying headers, none at all."""
from __future__ import annotations

import pytest

from html_pages import BODY, TITLE, blocks, page, paras, tables, texts
from parsers.decode import decode

GBK_ONLY = "镕"  # in GBK, not in GB2312: pages labelled gb2312 use such characters
GB18030_ONLY = "𠀾"  # outside GBK: four bytes in GB18030


def _check(bs, report, *extra: str) -> None:
    assert paras(bs)[0] == TITLE
    assert "2022年，本县主动公开政府信息1234条。" in paras(bs)
    assert texts(tables(bs)[0])[1][1] == "本年制发件数"
    for e in extra:
        assert any(e in p for p in paras(bs))


@pytest.mark.parametrize("meta", ['<meta charset="gbk">',
                                  '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">',
                                  "<meta http-equiv='content-type' content='text/html;charset=GBK'>"])
def test_gb_declared_only_in_meta(meta):
    html = page(head=meta, body="<p>朱" + GBK_ONLY + "基</p>" + BODY)
    bs, report = blocks(html, encoding="gbk")
    _check(bs, report, "朱" + GBK_ONLY + "基")
    assert report.findings == []


def test_gb18030_four_byte_characters():
    html = page(head='<meta charset="gb18030">', body="<p>人名" + GB18030_ONLY + "</p>" + BODY)
    bs, report = blocks(html, encoding="gb18030")
    _check(bs, report, "人名" + GB18030_ONLY)


def test_latin1_header_that_lies_yields_to_meta():
    bs, report = blocks(page(head='<meta charset="gbk">'), charset="iso-8859-1", encoding="gbk")
    _check(bs, report)
    assert report.findings == []


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8"])
def test_no_declaration_anywhere_is_detected(encoding):
    bs, report = blocks(page(), encoding=encoding)
    _check(bs, report)


def test_header_wins_over_meta_when_it_fits():
    bs, report = blocks(page(head='<meta charset="utf-8">'), charset="gbk", encoding="gbk")
    _check(bs, report)


def test_declared_utf8_but_gbk_bytes_is_decoded_and_reported():
    bs, report = blocks(page(head='<meta charset="utf-8">'), charset="utf-8", encoding="gbk")
    _check(bs, report)
    assert [f.code for f in report.findings] == ["encoding"]
    assert "not valid utf-8" in report.findings[0].message


def test_utf8_bom_beats_a_wrong_declaration():
    bs, report = blocks(b"\xef\xbb\xbf" + page(head='<meta charset="gbk">').encode("utf-8"), charset="gbk")
    _check(bs, report)


def test_lossy_decoding_is_a_finding_not_a_crash():
    data = page(head='<meta charset="gbk">').encode("gbk")
    cut = data.index("2022年，".encode("gbk"))
    data = data[:cut] + b"\xff\xfe\xff" + data[cut:]
    bs, report = blocks(data)
    assert paras(bs)[0] == TITLE
    assert {f.code for f in report.findings} == {"encoding"}
    assert "lossy decoding: 3 undecodable" in report.findings[-1].message


def test_decode_truncated_multibyte_tail():
    text = "一、总体情况"
    for enc, expect in (("utf-8", "utf-8"), ("gbk", "gb18030")):
        data = text.encode(enc)[:-1]
        out, used, problems = decode(data, None, html=False)
        assert (out, used) == ("一、总体情", expect)
        assert "truncated" in problems[0]


def test_decode_names_and_unknown_charsets():
    assert decode("规章".encode("gbk"), "GB2312", html=False)[:2] == ("规章", "gb18030")
    out, used, problems = decode("规章".encode(), "x-no-such-charset", html=False)
    assert (out, used) == ("规章", "utf-8") and "unknown" in problems[0]
    # meta is only read for HTML
    assert decode(b'<meta charset="gbk">abc', None, html=False)[1] == "utf-8"


def test_utf16_with_and_without_bom():
    html = page()
    for data in (b"\xff\xfe" + html.encode("utf-16-le"), html.encode("utf-16-le"), html.encode("utf-16-be")):
        bs, report = blocks(data)
        _check(bs, report)
        assert report.findings == []


def test_nonsense_and_non_text_charsets_do_not_crash():
    for charset in ("rot13", "base64", "zlib", "utf-16", "x-unknown", ""):
        bs, report = blocks(page(head=f'<meta charset="{charset}">'), charset=charset or None, encoding="gbk")
        _check(bs, report)


def _long_ascii_head() -> str:
    return "<style>" + "p { margin: 0 }\n" * 400 + "</style>"  # ≈ 6 KiB of ASCII before any Chinese


def test_gbk_page_with_a_long_ascii_head_goes_the_long_way():
    """The first 4 KiB read as UTF-8 but the page is GBK: libxml2 meets the invalid bytes and
    the page is decoded as GB18030 after all, with no finding."""
    bs, report = blocks(page(head='<meta charset="gbk">' + _long_ascii_head()), encoding="gbk")
    _check(bs, report)
    assert report.findings == []


def test_utf8_page_damaged_after_its_head_is_read_as_damaged_utf8():
    data = page(head=_long_ascii_head()).encode("utf-8")
    cut = data.index("2022年，".encode())
    bs, report = blocks(data[:cut] + b"\xff" + data[cut:])
    assert paras(bs)[0] == TITLE
    assert [f.code for f in report.findings] == ["encoding"]
    assert "lossy decoding: 1 undecodable byte sequence(s) replaced (decoded as utf-8)" in report.findings[0].message
    assert any(p.startswith("\ufffd2022年，") for p in paras(bs))


def test_utf8_page_with_an_unusable_declaration_reports_it():
    bs, report = blocks(page(head='<meta charset="x-no-such">'), charset="also-unknown")
    _check(bs, report)
    assert [f.message.split(" is ")[0] for f in report.findings] == [
        "declared charset 'also-unknown'", "<meta> charset 'x-no-such'"]
