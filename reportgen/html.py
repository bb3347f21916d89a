"""HTML renderings: portal pages (TRS, Hanweb, gkmlpt, gov.cn), Word exports, CMS tag soup.

The body (title, preamble, parts, tables) is marked up in one of five flavours (`_FLAVOUR`) —
plain portal editor HTML, IE-era legacy tags, <th> headers, nested p/span/font, Word's MsoNormal
export — and wrapped in the chrome of a platform: menus, breadcrumbs, 当前位置, 字体 大 中 小,
打印 关闭, the national metadata table (索引号/发布机构/成文日期) and the platform's meta tags.
Encodings are declared only in <meta>.
"""
from __future__ import annotations

import hashlib
from html import escape

from parsers.model import Report

from . import layout
from .layout import GCell, PrintedTable
from .outline import outline

HTML_STYLES = ("trs", "hanweb", "gkmlpt", "govcn", "word", "cms_nested", "split_tables", "table_images")
DEVIATIONS = frozenset({"traditional", "halfwidth", "label_spaces", "bracket_notes", "no_natural_person_header",
                        "extra_row", "truncated", "five_parts", "broken_dates", "stats_table",
                        "shifted_spans", "layout_tables", "br_labels", "nbsp", "variant_labels", "indent"})
ENCODINGS = ("utf-8", "gbk", "gb18030")

# The flavour of body markup and the chrome each style uses.
# plain: editor HTML · legacy: IE-era upper-case tags, unquoted attributes · th: <thead>/<th>
# headers · word: Word's export · nested: p/span/font soup.
_FLAVOUR = {"trs": "plain", "hanweb": "legacy", "gkmlpt": "th", "govcn": "plain", "word": "word",
            "cms_nested": "nested", "split_tables": "plain", "table_images": "plain"}
_CHROME = {"trs": "trs", "hanweb": "hanweb", "gkmlpt": "gkmlpt", "govcn": "govcn", "word": "word",
           "cms_nested": "hanweb", "split_tables": "trs", "table_images": "trs"}


def _br(text: str) -> str:
    """A long header label broken by <br> the way editors wrap them ("本年新<br>制作数量")."""
    if len(text) < 5:
        return escape(text)
    half = (len(text) + 1) // 2
    return escape(text[:half]) + "<br>" + escape(text[half:])


def _cell(c: GCell, flavour: str, dev: frozenset[str]) -> str:
    tag = "td"
    span = (f' rowspan="{c.rowspan}"' if c.rowspan > 1 else "") + (f' colspan="{c.colspan}"' if c.colspan > 1 else "")
    text = _br(c.text) if "br_labels" in dev and c.kind == "head" else escape(c.text)
    if "nbsp" in dev:
        text = f"&nbsp;{text}&nbsp;" if text else "&nbsp;"
    if flavour == "word":
        span = span.replace('"', "")
        inner = (f"<p class=MsoNormal align=center style='text-align:center;mso-line-height-rule:exactly'>"
                 f"<span lang=EN-US style='font-size:10.5pt;font-family:宋体;mso-bidi-font-family:宋体'>"
                 f"{text}<o:p>{'' if text else '&nbsp;'}</o:p></span></p>")
        return f"<{tag} width=60 valign=center{span} style='border:solid windowtext 1.0pt;mso-border-alt:solid windowtext .5pt;padding:0cm 5.4pt 0cm 5.4pt'>{inner}</{tag}>"
    if flavour == "nested":
        inner = (f'<p style="text-align:center;line-height:1.5em;"><span style="font-size:14px;">'
                 f'<font face="宋体">{text}</font></span></p>')
        return f'<{tag}{span} valign="middle" style="border:1px solid #000;">{inner}</{tag}>'
    if flavour == "legacy":
        span = span.replace('rowspan="', "rowSpan=").replace('colspan="', "colSpan=").replace('"', "")
        return f"<TD{span} vAlign=center{' align=center' if c.kind != 'label' else ''}>{text}</TD>"
    if flavour == "th" and c.kind in ("head", "note"):
        tag = "th"
    align = ' align="center"' if c.kind != "label" else ""
    return f"<{tag}{span}{align}>{text}</{tag}>"


def _table(pt: PrintedTable, flavour: str, dev: frozenset[str]) -> str:
    if flavour == "word":
        open_ = ("<table class=MsoNormalTable border=1 cellspacing=0 cellpadding=0 width=600 "
                 "style='border-collapse:collapse;border:none;mso-border-alt:solid windowtext .5pt;"
                 "mso-yfti-tbllook:1184;mso-padding-alt:0cm 5.4pt 0cm 5.4pt'>")
        rows = [f"<tr style='mso-yfti-irow:{i};height:20.0pt'>" + "".join(_cell(c, flavour, dev) for c in row) + "</tr>"
                for i, row in enumerate(pt.rows)]
        # Word closes a merged table with a row of zero-height spacer cells, one per grid column
        rows.append("<![if !supportMisalignedColumns]><tr height=0>"
                    + "<td width=60 style='border:none'></td>" * pt.width + "</tr><![endif]>")
    elif flavour == "legacy":
        rows = ["<TR>" + "".join(_cell(c, flavour, dev) for c in row) + "</TR>" for row in pt.rows]
        return "<TABLE cellSpacing=0 cellPadding=0 width=600 border=1>\n<TBODY>" + "\n".join(rows) + "</TBODY></TABLE>"
    else:
        open_ = '<table border="1" cellspacing="0" cellpadding="0" width="100%" style="border-collapse:collapse;">'
        rows = ["<tr>" + "".join(_cell(c, flavour, dev) for c in row) + "</tr>" for row in pt.rows]
        if flavour == "th" and pt.header_rows:
            head, body = rows[:pt.header_rows], rows[pt.header_rows:]
            return (open_ + "<thead>" + "\n".join(head) + "</thead><tbody>" + "\n".join(body)
                    + "</tbody></table>")
    return open_ + "<tbody>" + "\n".join(rows) + "</tbody></table>"


def _para(text: str, flavour: str) -> str:
    t = escape(text)
    if flavour == "word":
        return (f"<p class=MsoNormal style='text-indent:32.0pt;mso-char-indent-count:2.0;line-height:28.0pt;"
                f"mso-line-height-rule:exactly'><span style='font-size:16.0pt;font-family:仿宋_GB2312;"
                f"mso-hansi-font-family:\"Times New Roman\"'>{t}<span lang=EN-US><o:p></o:p></span></span></p>")
    if flavour == "nested":
        return (f'<p style="text-indent:2em;line-height:2em;"><span style="font-family:仿宋_GB2312;font-size:16px;">'
                f'<span style="font-size:16px;"><font face="仿宋">{t}</font></span></span></p>')
    return f'<p style="text-indent:2em;">{t}</p>'


def _heading(text: str, flavour: str) -> str:
    t = escape(text)
    if flavour == "word":
        return (f"<p class=MsoNormal style='text-indent:32.0pt;mso-char-indent-count:2.0'><b><span "
                f"style='font-size:16.0pt;font-family:黑体;mso-hansi-font-family:\"Times New Roman\"'>{t}</span></b></p>")
    if flavour == "nested":
        return f'<p style="text-indent:2em;"><span style="font-family:黑体;"><strong><font face="黑体">{t}</font></strong></span></p>'
    return f'<p style="text-indent:2em;"><strong>{t}</strong></p>'


def _img_src(report: Report, pt: PrintedTable) -> str:
    """Where a table published as a picture lives: a TRS-style attachment name, one per table."""
    h = hashlib.md5(f"{report.title}/{pt.table}".encode()).hexdigest()[:12]
    return f"./W0{report.year or 2000}{h}.png"


def _table_html(pt: PrintedTable, style: str, flavour: str, dev: frozenset[str], report: Report) -> str:
    if style == "table_images":
        return f'<p style="text-align:center;"><img src="{_img_src(report, pt)}" width="600" border="0" alt="" /></p>'
    if style == "split_tables" and pt.table in ("active", "applications"):
        return "\n".join(_table(p, flavour, dev) for p in _split_parts(pt))
    return _table(pt, flavour, dev)


def _split_parts(pt: PrintedTable) -> list[PrintedTable]:
    """Section 二 as one table per 第二十条 item; section 三 cut before （四）无法提供."""
    if pt.table == "active":
        starts = [y for y, row in enumerate(pt.rows) if len(row) == 1 and row[0].kind == "head"][1:]
    else:
        starts = [next((y for y, row in enumerate(pt.rows)
                        if any(c.key and c.key[1] == "unavailable_not_held" for c in row)), len(pt.rows))]
    out: list[PrintedTable] = []
    rest = pt
    for at in reversed(starts):
        if at < len(rest.rows):
            rest, tail = layout.split(rest, at)
            if pt.table == "active":  # each item table starts with its own item and header rows
                tail = PrintedTable(pt.table, pt.width, tail.rows[tail.header_rows:], 0)
            out.insert(0, tail)
    return [rest] + out


def body(report: Report, style: str, dev: frozenset[str]) -> str:
    """Title, preamble, parts and tables: the report itself, without any site chrome."""
    flavour = _FLAVOUR[style]
    out: list[str] = []
    for kind, item in outline(report, dev):
        if isinstance(item, PrintedTable):
            out.append(_table_html(item, style, flavour, dev, report))
        elif kind == "title":
            out.append(f'<h1 style="text-align:center;">{escape(item)}</h1>' if flavour != "word" else
                       f"<p class=MsoNormal align=center style='text-align:center'><b><span style='font-size:22.0pt;"
                       f"font-family:方正小标宋简体'>{escape(item)}</span></b></p>")
        elif kind == "heading":
            out.append(_heading(item, flavour))
        else:
            out.append(_para(item, flavour))
    html = "\n".join(out)
    if "layout_tables" in dev:
        html = ('<table width="100%" border="0" cellspacing="0" cellpadding="0"><tr><td>'
                '<table width="96%" border="0" align="center"><tr><td class="bt_content">'
                f"{html}</td></tr></table></td></tr></table>")
    return html


# --- site chrome ------------------------------------------------------------------------------

def _meta_table(report: Report, site_code: str) -> str:
    pub = f"{(report.year or 2000) + 1}-01-{10 + len(report.agency) % 18:02d}"
    rows = [("索引号", f"{site_code}/{(report.year or 2000) + 1}-{len(report.title) * 37:05d}", "分类", "政府信息公开年报"),
            ("发布机构", report.agency, "成文日期", pub),
            ("名称", report.title, "发布日期", pub)]
    cells = "".join(f"<tr><th>{a}：</th><td>{escape(b)}</td><th>{c}：</th><td>{escape(d)}</td></tr>" for a, b, c, d in rows)
    return f'<table class="xxgk_table" width="100%">{cells}</table>'


_NAV = ('<ul class="nav"><li><a href="/">首页</a></li><li><a href="/col/zwgk/">政务公开</a></li>'
        '<li><a href="/col/bsfw/">办事服务</a></li><li><a href="/col/hdjl/">互动交流</a></li>'
        '<li><a href="/col/zjxx/">走进本地</a></li></ul>')
_TOP = ('<div class="topbar"><a href="javascript:void(0)">繁體版</a> | <a href="/wza/">无障碍</a> | '
        '<a href="/wap/">手机版</a> | <a href="/login">登录</a></div>')
_TOOLS = ('<div class="tools">字体：<a href="javascript:doZoom(18)">大</a> <a href="javascript:doZoom(16)">中</a> '
          '<a href="javascript:doZoom(14)">小</a> <a href="javascript:window.print()">打印</a> '
          '<a href="javascript:window.close()">关闭</a></div>')


def _footer(site: str) -> str:
    return (f'<div class="footer"><p>主办单位：{escape(site)}办公室　网站标识码：3300000001　'
            'ICP备05012345号</p><p>版权所有 未经许可不得复制</p></div>'
            '<script type="text/javascript">function doZoom(s){document.getElementById("zoom").style.fontSize=s+"px";}</script>')


def _page(report: Report, chrome: str, body_html: str, charset: str) -> str:
    site = report.agency if report.agency.endswith(("人民政府", "办事处")) else report.agency + "门户网站"
    code = f"11{len(report.agency):02d}{sum(map(ord, report.agency)) % 10**6:06d}"
    crumbs = ('<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/col/zwgk/">政府信息公开</a>'
              ' &gt; <a href="./">政府信息公开年报</a></div>')
    pub = f"{(report.year or 2000) + 1}-01-{10 + len(report.agency) % 18:02d}"
    title = escape(report.title)
    if chrome == "trs":
        head = (f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
                f'<meta name="SiteName" content="{escape(site)}"><meta name="SiteDomain" content="www.example.gov.cn">'
                f'<meta name="SiteIDCode" content="3300000001"><meta name="ColumnName" content="政府信息公开年报">'
                f'<meta name="ArticleTitle" content="{title}"><meta name="PubDate" content="{pub} 09:30">'
                f'<meta name="ContentSource" content="{escape(report.agency)}">')
        main = (f'{_top_nav()}{crumbs}{_meta_table(report, code)}<div class="article"><h2 class="art-title">{title}</h2>'
                f'<div class="art-info">发布日期：{pub}　来源：{escape(report.agency)}　{_TOOLS}</div>'
                '<div class="TRS_Editor"><style type="text/css">.TRS_Editor P{margin-top:0;margin-bottom:12px;'
                'line-height:1.8;font-family:宋体;font-size:12pt;}.TRS_Editor TD{font-size:12pt;}</style>'
                f'<div class="Custom_UnionStyle">{body_html}</div></div></div>')
    elif chrome == "hanweb":
        head = (f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
                f'<meta name="ArticleTitle" content="{title}"><meta name="PubDate" content="{pub}">')
        main = (f'{_top_nav()}<table width="1000" align="center" cellpadding="0" cellspacing="0"><tr><td>{crumbs}</td></tr>'
                f'<tr><td>{_meta_table(report, code)}</td></tr><tr><td class="title" align="center">{title}</td></tr>'
                f'<tr><td>{_TOOLS}</td></tr><tr><td><div id="zoom"><!--ZJEG_RSS.content.begin--><meta name="ContentStart">'
                f'{body_html}<meta name="ContentEnd"><!--ZJEG_RSS.content.end--></div></td></tr></table>')
    elif chrome == "gkmlpt":
        head = f'<meta charset="{charset}"><meta name="ArticleTitle" content="{title}">'
        main = (f'<div class="header">{_top_nav()}</div>{crumbs}<div class="content-container">'
                f'{_meta_table(report, code)}<div class="content"><h1 class="title">{title}</h1>'
                f'<div class="article-content">{body_html}</div>{_TOOLS}</div></div>'
                '<script>window._CONFIG = {SID: "755001", TREE: []};</script>')
    else:  # govcn
        head = (f'<meta charset="{charset}"><meta name="firstpublishedtime" content="{pub}-09:30:00">'
                f'<meta name="lastmodifiedtime" content="{pub}-09:30:00">')
        main = (f'{_top_nav()}{crumbs}<div class="pages_content">{_meta_table(report, code)}<h1>{title}</h1>'
                f'<div class="pages-date">{pub}　来源：{escape(report.agency)}　{_TOOLS}</div>'
                f'<div id="UCAP-CONTENT" class="trs_editor_view">{body_html}</div></div>')
    return (f'<!DOCTYPE html>\n<html lang="zh-CN"><head>{head}<title>{title}_{escape(site)}</title>'
            f'<link rel="stylesheet" href="/images/common.css"></head>\n<body>{main}{_footer(site)}</body></html>\n')


def _top_nav() -> str:
    return _TOP + _NAV


def _word_page(report: Report, body_html: str, charset: str) -> str:
    return ('<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
            'xmlns:w="urn:schemas-microsoft-com:office:word" xmlns="http://www.w3.org/TR/REC-html40">\n'
            f'<head><meta http-equiv=Content-Type content="text/html; charset={charset}">'
            '<meta name=ProgId content=Word.Document><meta name=Generator content="Microsoft Word 15">'
            f'<title>{escape(report.title)}</title>'
            '<!--[if gte mso 9]><xml><w:WordDocument><w:View>Print</w:View></w:WordDocument></xml><![endif]-->'
            '<style><!-- p.MsoNormal, li.MsoNormal {mso-style-parent:"";margin:0cm;text-align:justify;'
            'font-size:10.5pt;font-family:"Times New Roman";} @page WordSection1 {size:595.3pt 841.9pt;} '
            'div.WordSection1 {page:WordSection1;} --></style></head>\n'
            f"<body lang=ZH-CN style='tab-interval:21.0pt;text-justify-trim:punctuation'>"
            f"<div class=WordSection1 style='layout-grid:15.6pt'>{body_html}</div></body></html>\n")


def render_html(report: Report, style: str = "trs", encoding: str = "utf-8", fragment: bool = False,
                deviations: tuple[str, ...] | frozenset[str] = ()) -> bytes:
    """The report as an HTML page (or, with `fragment`, only its body) in one of HTML_STYLES."""
    if style not in HTML_STYLES:
        raise ValueError(f"unknown HTML style {style!r}; expected one of {HTML_STYLES}")
    if encoding.lower() not in ENCODINGS:
        raise ValueError(f"unknown encoding {encoding!r}; expected one of {ENCODINGS}")
    dev = frozenset(deviations)
    if dev - DEVIATIONS:
        raise ValueError(f"unknown HTML deviations {sorted(dev - DEVIATIONS)}")
    html = body(report, style, dev)
    if not fragment:
        chrome = _CHROME[style]
        html = _word_page(report, html, encoding) if chrome == "word" else _page(report, chrome, html, encoding)
    return html.encode(encoding, errors="xmlcharrefreplace")
