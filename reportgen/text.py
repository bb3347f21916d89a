"""Plain-text and Markdown renderings: the ways tables get flattened when reports are copied."""
from __future__ import annotations

from parsers.model import Report

from . import layout
from .layout import GCell, PrintedTable
from .outline import outline

TEXT_STYLES = ("tabs", "pipes", "cell_per_line", "trailing_pipes", "nodelim", "vertical_headers", "markdown")
DEVIATIONS = frozenset({"traditional", "halfwidth", "label_spaces", "bracket_notes", "no_natural_person_header",
                        "extra_row", "truncated", "five_parts", "broken_dates", "split_headers", "stats_table",
                        "variant_labels", "indent", "page_breaks"})
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


def render_text(report: Report, style: str = "tabs", deviations: tuple[str, ...] | frozenset[str] = ()) -> str:
    """The report as a plain-text (or Markdown) document in one of TEXT_STYLES."""
    if style not in TEXT_STYLES:
        raise ValueError(f"unknown text style {style!r}; expected one of {TEXT_STYLES}")
    dev = frozenset(deviations)
    if dev - DEVIATIONS:
        raise ValueError(f"unknown text deviations {sorted(dev - DEVIATIONS)}")
    md = style == "markdown"
    out: list[str] = []
    for kind, item in outline(report, dev):
        if isinstance(item, PrintedTable):
            out += [table_text(item, style, dev), ""]
        elif kind == "title":
            out += [("# " if md else "") + item, ""]
        elif kind == "heading":
            out += [("## " if md else "") + item, ""]
        else:
            out += [item, ""]
    return "\n".join(out)
