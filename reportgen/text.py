"""Plain-text and Markdown renderings: the ways tables get flattened when reports are copied.

Three renderings copy what real text archives and extractors give:
  oneline      a report page saved by a text archive with its line breaks lost: header lines
               (标题: …, 发布时间: …, 原文链接: …), a separator, then the whole body on one line —
               headings, narrative, labels and numbers run together, a row label's numbering
               right after the previous row's digits ("00000002.其他法律…"). The cells of a
               row: digits run together (`spacing` none), every cell apart (`spaced_cells`), or
               some apart (`some_spaces`); blank cells vanish, so a row prints fewer numbers.
  cells_lines  a page's text with each table cell on its own line, no bars; blank cells vanish;
               labels broken inside their brackets over two lines.
  md_pdf       a PDF's Markdown extraction: one `|` table per table, header cells the extractor
               did not read named Col2, Col3 …, line breaks inside cells as `<br>`; with
               `html_tables`, the tables as HTML inside the Markdown (as some extractors write
               tables with merged cells).
"""
from __future__ import annotations

import random
import zlib

from parsers.model import Report

from . import layout
from .layout import GCell, PrintedTable
from .outline import outline

TEXT_STYLES = ("tabs", "pipes", "cell_per_line", "trailing_pipes", "nodelim", "vertical_headers", "markdown",
               "oneline", "cells_lines", "md_pdf")
DEVIATIONS = frozenset({"traditional", "halfwidth", "label_spaces", "bracket_notes", "no_natural_person_header",
                        "extra_row", "truncated", "five_parts", "broken_dates", "split_headers", "stats_table",
                        "variant_labels", "indent", "page_breaks", "spaced_cells", "some_spaces", "markup",
                        "html_tables"})
# the renderings whose printed cells lose where they stood (reportgen.settle reads them back)
RUN_STYLES = ("nodelim", "oneline", "cells_lines")
PAGE_BREAK_AFTER = "withheld_process_information"  # where section 三 crosses a page in `page_breaks`

Slot = tuple[str, GCell | None, bool]  # (text, the cell covering this grid slot, is its top-left slot)


def expand(pt: PrintedTable) -> list[list[Slot]]:
    """Spans expanded onto the grid: each slot knows its cell and whether it is the cell's origin."""
    grid: list[list[Slot | None]] = [[None] * pt.width for _ in pt.rows]
    for y, row in enumerate(pt.rows):
        x = 0
        for cell in row:
            while x < pt.width and grid[y][x] is not None:
                x += 1
            for dy in range(cell.rowspan):
                for dx in range(cell.colspan):
                    if y + dy < len(grid) and x + dx < pt.width:
                        grid[y + dy][x + dx] = (cell.text if dy == dx == 0 else "", cell, dy == dx == 0)
            x += cell.colspan
    return [[s or ("", None, False) for s in row] for row in grid]


def _is_header(row: list[GCell]) -> bool:
    return all(c.kind in ("head", "note") for c in row)


def _halves(texts: list[str]) -> list[list[str]]:
    """A header row printed on two lines, long labels broken in the middle ("商业" / "企业")."""
    first = [t[: (len(t) + 1) // 2] if len(t) > 3 else t for t in texts]
    second = [t[(len(t) + 1) // 2:] if len(t) > 3 else "" for t in texts]
    return [first, second]


def _rows(pt: PrintedTable, style: str, split_headers: bool) -> list[str]:
    slots = expand(pt)
    out: list[str] = []
    for y, row in enumerate(pt.rows):
        header = _is_header(row) and len(row) > 1  # an item title row is not a column header
        if style in ("tabs", "markdown"):
            texts = [t for t, _, _ in slots[y]]
            if style == "tabs" and pt.table == "applications" and any(c.key and c.key[1] == "total_processed" for c in row):
                # the copied (七)总计 row: its label one field to the left, one number more
                x = next(i for i, (_, c, o) in enumerate(slots[y]) if o and c is not None and c.colspan == 2)
                texts[x + 1] = next(c.text for c in reversed(row) if c.key)
        else:
            texts = [c.text for c in row]
        if style == "tabs" and pt.table == "applications" and row[0].kind == "label" and row[0].rowspan > 1 \
                and y > pt.header_rows + 4 and row[0].text != pt.rows[pt.header_rows + 2][0].text:
            texts = [texts[1], ""] + texts[2:]  # a later result group's label slips one field left, as copied
        lines = _halves(texts) if header and split_headers else [texts]
        for t in lines:
            if style == "tabs":
                out.append("\t".join(t))
            elif style == "markdown":
                out.append("| " + " | ".join(t) + " |")
                if y == 0 and t is lines[-1]:
                    out.append("|" + "---|" * len(t))
            elif style == "pipes":
                out.append(" | ".join(t))
            elif style == "trailing_pipes":
                filled = [x for x in t if x]
                out.append("|".join(filled) + "|" * (len(t) - len(filled)))
            elif style == "nodelim":
                out.append("".join(t))
            elif style == "cell_per_line":
                out.append("\n|\n".join(t) + "\n")
            elif style == "vertical_headers":
                out.append("\n\n".join("\n".join(x) for x in t) + "\n" if header else " | ".join(t))
    return out


def table_text(pt: PrintedTable, style: str, deviations: frozenset[str]) -> str:
    """A table flattened in `style`; with `page_breaks`, section 三 crosses a page: a page
    number line, then the header rows printed again (as PDF copies of Word tables show)."""
    split = "split_headers" in deviations
    if "page_breaks" in deviations and pt.table == "applications":
        at = next((y + 1 for y, row in enumerate(pt.rows) if any(c.key and c.key[1] == PAGE_BREAK_AFTER for c in row)),
                  None)
        if at is not None and at < len(pt.rows):
            first, second = layout.split(pt, at)
            return "\n".join(_rows(first, style, split) + ["", "- 2 -", ""] + _rows(second, style, split))
    return "\n".join(_rows(pt, style, split))


def spacing(deviations: frozenset[str]) -> str:
    """How a flattened row's cells stand apart: "none" (digits run together), "all", "some"."""
    return "all" if "spaced_cells" in deviations else "some" if "some_spaces" in deviations else "none"


def run_text(raws: list[str], how: str, seed: str) -> str:
    """A row's printed cells as one run: blank cells vanish; a space or nothing between the
    others ("some": chosen per gap, fixed by `seed`)."""
    printed = [r for r in raws if r]
    if how == "all":
        return " ".join(printed)
    if how == "none":
        return "".join(printed)
    rng = random.Random(zlib.crc32(seed.encode()))
    out = printed[:1]
    for r in printed[1:]:
        out.append(rng.choice(("", " ")) + r)
    return "".join(out)


def row_runs(pt: PrintedTable, style: str, deviations: frozenset[str]) -> list[tuple[list[GCell], str]]:
    """Each data row of a table (its value cells) with the run the rendering prints for it."""
    how = "all" if style == "cells_lines" else "none" if style == "nodelim" else spacing(deviations)
    out = []
    for row in pt.rows:
        data = [c for c in row if c.key]
        if data:
            out.append((data, run_text([c.text for c in data], how, f"{data[0].key}")))
    return out


def _flat_table(pt: PrintedTable, dev: frozenset[str]) -> str:
    """A table on one line: header words, then each row's labels and its run of cells."""
    runs = {id(data[0]): run for data, run in row_runs(pt, "oneline", dev)}
    out = []
    for row in pt.rows:
        labels = "".join(c.text for c in row if not c.key)
        data = [c for c in row if c.key]
        out.append(labels + (runs[id(data[0])] if data else ""))
    return "".join(out)


def _lines_table(pt: PrintedTable, dev: frozenset[str]) -> list[str]:
    """A table with each printed cell on its own line (blank cells gone); a long label with a
    bracketed note broken inside the brackets."""
    out: list[str] = []
    runs = {id(data[0]): run for data, run in row_runs(pt, "cells_lines", dev)}
    for row in pt.rows:
        for c in row:
            if c.key:
                continue
            if "（" in c.text and len(c.text) > 24:
                at = c.text.rindex("（") + 6
                out += [c.text[:at], c.text[at:]]
            elif c.text:
                out.append(c.text)
        data = [c for c in row if c.key]
        if data and runs[id(data[0])]:
            out += runs[id(data[0])].split(" ")
    return out


def _md_pdf_table(pt: PrintedTable) -> list[str]:
    """A PDF extractor's Markdown: the grid with spanned slots empty, unread header cells named
    ColN (the first row is the header), line breaks inside long cells as <br>."""
    grid = expand(pt)
    rows = []
    for y, slots in enumerate(grid):
        cells = []
        for x, (text, cell, origin) in enumerate(slots):
            t = text if origin else ""
            if cell is not None and not cell.key and len(t) > 12:
                t = t[:len(t) // 2] + "<br>" + t[len(t) // 2:]
            if y == 0 and not t:
                t = f"Col{x + 1}"
            cells.append(t)
        rows.append("|" + "|".join(cells) + "|")
        if y == 0:
            rows.append("|" + "---|" * len(slots))
    return rows


def _page_header(report: Report) -> list[str]:
    """The header lines a text archive writes above a saved page's text."""
    n = zlib.crc32(report.title.encode()) % 90000 + 10000
    year = (report.year or 2020) + 1
    return [f"标题: {report.title}", f"发布时间: {year}-01-{10 + n % 19:02d} {8 + n % 9:02d}:{n % 60:02d}", "文号: ",
            f"发布机构: {report.agency if n % 3 else ''}", "栏目: 政府信息公开年报",
            f"原文链接: https://www.example.gov.cn/zwgk/zfxxgknb/{year}01/t{year}0110_{n}.htm",
            "==================== 正文 ===================="]


def _oneline(report: Report, dev: frozenset[str]) -> str:
    parts: list[str] = []
    for kind, item in outline(report, dev):
        if isinstance(item, PrintedTable):
            parts.append(("<!--[if !supportMisalignedColumns]--><!--[endif]-->" if "markup" in dev else "")
                         + _flat_table(item, dev))
        elif kind == "title":
            parts.append(item + " ")
        else:
            parts.append(item)
    return "\n".join(_page_header(report) + ["".join(parts)]) + "\n"


def render_text(report: Report, style: str = "tabs", deviations: tuple[str, ...] | frozenset[str] = ()) -> str:
    """The report as a plain-text (or Markdown) document in one of TEXT_STYLES."""
    if style not in TEXT_STYLES:
        raise ValueError(f"unknown text style {style!r}; expected one of {TEXT_STYLES}")
    dev = frozenset(deviations)
    if dev - DEVIATIONS:
        raise ValueError(f"unknown text deviations {sorted(dev - DEVIATIONS)}")
    if style == "oneline":
        return _oneline(report, dev)
    md = style == "markdown"
    out: list[str] = []
    for kind, item in outline(report, dev):
        if isinstance(item, PrintedTable) and style == "cells_lines":
            out += _lines_table(item, dev) + [""]
        elif isinstance(item, PrintedTable) and style == "md_pdf" and "html_tables" in dev:
            from .html import _table  # an extractor writing complex tables as HTML inside Markdown

            out += [_table(item, "plain", dev).replace("\n", ""), ""]
        elif isinstance(item, PrintedTable) and style == "md_pdf":
            out += _md_pdf_table(item) + [""]
        elif isinstance(item, PrintedTable):
            out += [table_text(item, style, dev), ""]
        elif kind == "title":
            out += [("# " if md else "") + item, ""]
        elif kind == "heading":
            out += [("## " if md else "") + item, ""]
        else:
            out += [item, ""]
    return "\n".join(out)
