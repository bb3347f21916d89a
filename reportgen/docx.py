"""Render a generated Report as a Word document (python-docx), laid out like real reports.

The tables are reportgen.layout's printed grids (the same tables every rendering shows),
written with Word's merges: a column span is `w:gridSpan`, a row span is a `w:vMerge`
restart cell with continuation cells below it. Header rows repeat on each page
(`w:tblHeader`); section 三's table is long enough to cross a page break. The footer prints
"- N -" page numbers, as real reports do.

Options reproduce what real Word documents do:
- `nested`: section 四's table sits in a cell of an outer layout table under a caption row;
- `textbox`: the title is drawn in a text box (`wps:txbx`, plus the VML fallback copy Word writes);
- `headings`: part headings carry Word heading styles instead of plain paragraphs;
- `borders=False`: the tables are printed without rulings (their PDFs have no grid lines);
- `deviations`: label deviations of reportgen.layout (e.g. "bracket_notes", "truncated").

`render_docx(report) -> bytes`. PDF and DOC versions come from LibreOffice
(parsers.convert.convert_files), which is how the tests make them.
"""
from __future__ import annotations

import io
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Pt

from parsers.model import Report
from parsers.spec import sections as spec_sections

from . import layout, narrative
from .layout import GCell, PrintedTable

CJK_FONT = "WenQuanYi Micro Hei"  # the project's CJK font (Debian fonts-wqy-microhei)
TEXT_WIDTH = 9000  # twips available between the page margins
_WPS = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"


def render_docx(report: Report, *, nested: bool = False, textbox: bool = False, headings: bool = False,
                borders: bool = True, deviations: tuple[str, ...] | frozenset[str] = ()) -> bytes:
    dev = frozenset(deviations)
    doc = Document()
    _setup(doc)
    if textbox:
        _textbox(doc, report.title)
    else:
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = p.add_run(report.title)
        run.font.size, run.bold = Pt(20), True
    sections = report.sections[:5] if "five_parts" in dev else report.sections
    _para(doc, narrative.preamble(report.agency, report.year or 0,
                                  len(sections) if report.template == "pre2019" else 6, "broken_dates" in dev))
    tables = {t.table: t for t in layout.tables(report, dev)}
    keys = {s["number"]: s["key"] for s in spec_sections()}
    for s in sections:
        heading = f"{narrative.NUMERALS[s.number - 1]}、{s.heading}"
        if headings:
            doc.add_heading(heading, level=2)
        else:
            doc.add_paragraph(heading)
        for text in s.text.split("\n"):
            if text.strip():
                _para(doc, text.strip())
        pt = tables.get(keys.get(s.number, "")) if report.template != "pre2019" else None
        if pt is not None:
            target = _nest(doc, heading) if nested and pt.table == "appeals" else doc.add_table(rows=0, cols=0)
            _table(target, pt, borders)
        if "truncated" in dev and keys.get(s.number) == "applications":
            break
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _para(doc, text: str) -> None:
    doc.add_paragraph(text).paragraph_format.first_line_indent = Pt(22)


# ---------------------------------------------------------------- document set-up

def _setup(doc) -> None:
    normal = doc.styles["Normal"]
    normal.font.name = CJK_FONT
    normal.font.size = Pt(11)
    rpr = normal.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), CJK_FONT)  # without it LibreOffice may pick a font without CJK
    footer = doc.sections[0].footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("- ")
    _page_field(footer)
    footer.add_run(" -")


def _page_field(paragraph) -> None:
    for kind in ("begin", "instr", "separate", "text", "end"):
        run = paragraph.add_run()._r
        if kind == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = " PAGE "
        elif kind == "text":
            el = OxmlElement("w:t")
            el.text = "1"
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        run.append(el)


def _textbox(doc, text: str) -> None:
    """A paragraph anchoring a DrawingML text box, with the VML fallback Word also writes."""
    box = (f'<w:txbxContent><w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:sz w:val="40"/>'
           f'</w:rPr><w:t>{escape(text)}</w:t></w:r></w:p></w:txbxContent>')
    xml = (
        '<mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        f'xmlns:wps="{_WPS}" xmlns:v="urn:schemas-microsoft-com:vml">'
        '<mc:Choice Requires="wps"><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0">'
        '<wp:extent cx="5400000" cy="720000"/><wp:docPr id="1" name="Title box"/>'
        f'<a:graphic><a:graphicData uri="{_WPS}"><wps:wsp><wps:cNvSpPr txBox="1"/>'
        '<wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="5400000" cy="720000"/></a:xfrm>'
        '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></wps:spPr>'
        f'<wps:txbx>{box}</wps:txbx><wps:bodyPr/></wps:wsp></a:graphicData></a:graphic></wp:inline>'
        '</w:drawing></mc:Choice>'
        f'<mc:Fallback><w:pict><v:shape style="width:425pt;height:57pt"><v:textbox>{box}</v:textbox>'
        '</v:shape></w:pict></mc:Fallback></mc:AlternateContent>'
    )
    doc.add_paragraph().add_run()._r.append(parse_xml(xml))


def _nest(doc, caption: str):
    """An outer 2×1 layout table: a caption row, and a cell holding the real table."""
    outer = doc.add_table(rows=2, cols=1)
    outer.style = "Table Grid"
    outer.cell(0, 0).text = f"{caption}（统计表）"
    return outer.cell(1, 0).add_table(rows=0, cols=0)


# ---------------------------------------------------------------- tables

def _widths(pt: PrintedTable, available: int) -> list[int]:
    """Grid column widths (twips): label columns wide, value columns narrow."""
    labels = {"applications": [560, 1500, 2300], "active": [2800]}.get(pt.table, [])
    labels = labels[:pt.width]
    rest = pt.width - len(labels)
    each = (available - sum(labels)) // rest if rest else 0
    return labels + [each] * rest


def _origins(pt: PrintedTable) -> dict[tuple[int, int], tuple[GCell, int, int]]:
    """Every grid slot → (its cell, the cell's origin row, origin column)."""
    slots: dict[tuple[int, int], tuple[GCell, int, int]] = {}
    for y, row in enumerate(pt.rows):
        x = 0
        for cell in row:
            while (y, x) in slots:
                x += 1
            for dy in range(cell.rowspan):
                for dx in range(cell.colspan):
                    slots[(y + dy, x + dx)] = (cell, y, x)
            x += cell.colspan
    return slots


def _table(table, pt: PrintedTable, borders: bool) -> None:
    tbl = table._tbl
    table.style = "Table Grid" if borders else None
    available = TEXT_WIDTH - (600 if pt.table == "appeals" else 0)  # room for a layout table's margins
    for w in _widths(pt, available):  # LibreOffice lays the table out from the grid
        col = OxmlElement("w:gridCol")
        col.set(qn("w:w"), str(w))
        tbl.tblGrid.append(col)
    slots = _origins(pt)
    for y in range(len(pt.rows)):
        tr = OxmlElement("w:tr")
        if y < pt.header_rows:
            trpr = OxmlElement("w:trPr")
            trpr.append(OxmlElement("w:tblHeader"))  # repeated at the top of each page
            tr.append(trpr)
        x = 0
        while x < pt.width:
            if (y, x) not in slots:
                x += 1
                continue
            cell, y0, x0 = slots[(y, x)]
            vmerge = None if cell.rowspan == 1 else ("restart" if y == y0 else "continue")
            tr.append(_tc(cell.text if y == y0 else "", cell.colspan, vmerge))
            x = x0 + cell.colspan
        tbl.append(tr)


def _tc(text: str, span: int, vmerge: str | None):
    tc = OxmlElement("w:tc")
    tcpr = OxmlElement("w:tcPr")
    if span > 1:
        el = OxmlElement("w:gridSpan")
        el.set(qn("w:val"), str(span))
        tcpr.append(el)
    if vmerge:
        el = OxmlElement("w:vMerge")
        if vmerge == "restart":
            el.set(qn("w:val"), "restart")
        tcpr.append(el)
    tc.append(tcpr)
    p = OxmlElement("w:p")
    if text:
        r = OxmlElement("w:r")
        t = OxmlElement("w:t")
        t.set(qn("xml:space"), "preserve")
        t.text = text
        r.append(t)
        p.append(r)
    tc.append(p)
    return tc
