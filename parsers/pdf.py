"""PDF front end (pdfplumber): tables from ruling lines, narrative in reading order.

- Tables are found from the page's ruling lines only. Filled rectangles count as cell
  edges only inside a cluster of rulings: WPS paints a white rectangle behind every line of
  body text, and those must not turn the narrative into a one-column table.
- Cells are emitted as printed: a merged cell once, with its rowspan/colspan measured
  against the table's grid (pdfplumber's `None` for covered positions is not kept). A grid
  position no cell covers (a cell cut by a page break has no top border) still gets its text.
- Text inside a cell is joined without line breaks: two-line and vertical headers
  ("商业\\n企业", "三\\n、\\n本…") and numbers wrapped in narrow columns read as printed.
- A table crossing a page break arrives as consecutive Table blocks (the assembler joins
  them); page-number lines ("- 2 -") between them are dropped, and header rows repeated at
  the top of a continuation are removed.
- Narrative lines outside tables are joined into paragraphs (first-line indent, short last
  line), across page breaks too; lines that look like table rows are kept as they are.
- No text layer → `needs_ocr` (failed); encrypted or corrupt → failed; more pages than
  `Limits.max_pages` or more time than `Limits.parse_seconds` → partial.
"""
from __future__ import annotations

import io
import re
import statistics
import time
from typing import Any

import pdfplumber
from pdfplumber.utils import extract_text

from .blocks import Block, Para, Table, TCell
from .limits import Limits
from .model import Report

_PAGE_NO = re.compile(r"^[-—–－]\s*\d{1,4}\s*[-—–－]$|^第\s*\d+\s*页(\s*[,，/]?\s*共\s*\d+\s*页)?$|^\d{1,4}\s*/\s*\d{1,4}$")
_BARE_NO = re.compile(r"^\d{1,4}$")
# a line opening a part or item ("二、…", "（三）…"): always starts a paragraph
_OPENS = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|第[一二三四五六七八九十]+部分)")
_NUM = re.compile(r"^[\d.,，%／/—-]+$")
_THIN = 2.5  # a rectangle thinner than this (pt) is a ruling line


def to_blocks(data: bytes, report: Report, charset: str | None = None) -> list[Block]:
    limits = Limits.from_env()
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        n_pages = len(pdf.pages)
    except Exception as exc:
        _fail(report, exc, data)
        return []
    with pdf:
        return _read(pdf, n_pages, report, limits)


def _fail(report: Report, exc: Exception, data: bytes) -> None:
    report.status = "failed"
    causes = [exc, *exc.args, exc.__context__]  # pdfplumber wraps pdfminer's exception
    name = type(exc).__name__
    if any("Password" in type(c).__name__ or "Encrypt" in type(c).__name__ for c in causes):
        report.add_finding("encrypted", "error", "PDF is encrypted and needs a password")
    elif b"%%EOF" not in data[-2048:]:
        report.add_finding("truncated", "error", f"PDF is cut short ({len(data)} bytes, no %%EOF): {name}: {exc}"[:300])
    else:
        report.add_finding("corrupt", "error", f"PDF cannot be read: {name}: {exc}"[:300])


def _read(pdf: Any, n_pages: int, report: Report, limits: Limits) -> list[Block]:
    deadline = time.monotonic() + limits.parse_seconds
    items: list[tuple[str, Any]] = []  # ("line", dict) | ("table", Table) in reading order
    chars_seen = 0
    blank_pages: list[int] = []
    read = 0
    for pno in range(1, min(n_pages, limits.max_pages) + 1):
        if time.monotonic() > deadline:
            report.add_finding("time_limit", "warning",
                               f"stopped after {read} of {n_pages} pages ({limits.parse_seconds:g} s limit)",
                               pages_read=read)
            report.status = "partial"
            break
        page = pdf.pages[pno - 1]
        try:
            page_items, n_chars = _page_items(page, pno)
        except Exception as exc:  # one unreadable page does not lose the others
            report.add_finding("page_unreadable", "warning", f"page {pno}: {type(exc).__name__}: {exc}"[:300],
                               page=pno)
            report.status = "partial"
            continue
        finally:
            page.close()  # frees the page's parsed objects: memory stays flat on long documents
        read += 1
        chars_seen += n_chars
        if n_chars == 0:
            blank_pages.append(pno)
        items.extend(page_items)
    if n_pages > limits.max_pages:
        report.add_finding("page_limit", "warning",
                           f"document has {n_pages} pages; read the first {limits.max_pages}",
                           pages=n_pages, limit=limits.max_pages)
        report.status = "partial"
    if read and chars_seen == 0:
        report.status = "failed"
        report.add_finding("needs_ocr", "error",
                           f"no text layer on any of {read} pages (a scan or images only); kept for OCR")
        return []
    if blank_pages and chars_seen:
        report.add_finding("needs_ocr", "warning", f"pages without a text layer: {blank_pages}",
                           pages=blank_pages)
    if n_pages == 0:
        report.status = "failed"
        report.add_finding("corrupt", "error", "PDF has no pages")
        return []
    return _blocks(items)


# ---------------------------------------------------------------- one page

def _page_items(page: Any, pno: int) -> tuple[list[tuple[str, Any]], int]:
    chars = [c for c in page.chars if c.get("text", "").strip()]
    if not chars:
        return [], 0
    tables = _find_tables(page)
    boxes = [t.bbox for t in tables]

    items: list[tuple[float, str, Any]] = []
    def inside(c: dict, b: tuple) -> bool:
        cx, cy = (c["x0"] + c["x1"]) / 2, (c["top"] + c["bottom"]) / 2
        return b[0] <= cx <= b[2] and b[1] <= cy <= b[3]

    for t_index, t in enumerate(tables):
        # a table nested in this one is emitted on its own: its text is not this table's
        nested = [b for b in boxes if _contains(t.bbox, b)]
        own = [c for c in chars if inside(c, t.bbox) and not any(inside(c, b) for b in nested)]
        if nested:  # a layout frame around a table: its own text is narrative, not a table
            items.extend((ln["top"], "line", dict(ln, page=pno, page_height=float(page.height)))
                         for ln in _text_lines(own))
            continue
        rows = _table_rows(t, own, pno, t_index)
        if rows:
            items.append((t.bbox[1], "table", Table(rows, source={"page": pno, "table": t_index})))
    lines = _text_lines([c for c in chars if not any(inside(c, b) for b in boxes)])
    for ln in lines:
        ln["page"], ln["page_height"] = pno, float(page.height)
    lines = [ln for ln in lines if not _is_page_number(ln, lines)]
    items.extend((ln["top"], "line", ln) for ln in lines)
    items.sort(key=lambda it: it[0])
    return [(kind, obj) for _, kind, obj in items], len(chars)


def _find_tables(page: Any) -> list[Any]:
    rulings = list(page.lines) + [r for r in page.rects if _thin(r)]
    if not rulings:
        return []
    clusters = _clusters(rulings)
    edges = list(rulings)
    for r in page.rects:
        if _thin(r):
            continue
        cx, cy = (r["x0"] + r["x1"]) / 2, (r["top"] + r["bottom"]) / 2
        if any(b[0] - 2 <= cx <= b[2] + 2 and b[1] - 2 <= cy <= b[3] + 2 for b in clusters):
            edges.append(r)
    if len(edges) < 2:
        return []
    settings = {"vertical_strategy": "explicit", "horizontal_strategy": "explicit",
                "explicit_vertical_lines": edges, "explicit_horizontal_lines": edges}
    return [t for t in page.find_tables(settings) if len(t.cells) > 1]


def _thin(r: dict) -> bool:
    return min(r["x1"] - r["x0"], r["bottom"] - r["top"]) < _THIN


def _clusters(rulings: list[dict], gap: float = 6.0) -> list[list[float]]:
    """Bounding boxes of groups of touching rulings: where a table's grid is drawn."""
    boxes: list[list[float]] = []
    for r in sorted(rulings, key=lambda o: o["top"]):
        b = [r["x0"], r["top"], r["x1"], r["bottom"]]
        for c in boxes:
            if b[1] <= c[3] + gap and b[3] >= c[1] - gap and b[0] <= c[2] + gap and b[2] >= c[0] - gap:
                c[:] = [min(c[0], b[0]), min(c[1], b[1]), max(c[2], b[2]), max(c[3], b[3])]
                break
        else:
            boxes.append(b)
    return boxes


def _axis(values: list[float], tol: float = 2.0) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > tol:
            out.append(v)
    return out


def _index(axis: list[float], v: float) -> int:
    return min(range(len(axis)), key=lambda i: abs(axis[i] - v))


def _cell_text(chars: list[dict]) -> str:
    if not chars:
        return ""
    text = extract_text(chars, x_tolerance=1.5, y_tolerance=3)
    return "".join(part.strip() for part in text.split("\n")).strip()


def _contains(outer: tuple, inner: tuple, tol: float = 1.0) -> bool:
    return (outer != inner and outer[0] - tol <= inner[0] and outer[1] - tol <= inner[1]
            and inner[2] <= outer[2] + tol and inner[3] <= outer[3] + tol)


def _table_rows(table: Any, chars: list[dict], pno: int, t_index: int) -> list[list[TCell]]:
    # a cell holding a nested table is only its frame: the nested cells carry the text
    cells = list(table.cells)
    bboxes = [b for b in cells if sum(_contains(b, o) for o in cells) < 2]
    xs = _axis([b[0] for b in bboxes] + [b[2] for b in bboxes])
    ys = _axis([b[1] for b in bboxes] + [b[3] for b in bboxes])
    placed: list[tuple[int, int, int, int, tuple]] = []
    covered: set[tuple[int, int]] = set()
    for b in bboxes:
        r0, c0 = _index(ys, b[1]), _index(xs, b[0])
        r1, c1 = max(_index(ys, b[3]), r0 + 1), max(_index(xs, b[2]), c0 + 1)
        placed.append((r0, c0, r1 - r0, c1 - c0, b))
        covered.update((r, c) for r in range(r0, r1) for c in range(c0, c1))
    cell_count = len(placed)
    # grid positions no cell covers: text there (a cell cut by a page break) still counts
    for r in range(len(ys) - 1):
        for c in range(len(xs) - 1):
            if (r, c) not in covered:
                placed.append((r, c, 1, 1, (xs[c], ys[r], xs[c + 1], ys[r + 1])))
    texts: dict[int, list[dict]] = {i: [] for i in range(len(placed))}
    for ch in chars:
        cx, cy = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
        for i, (_, _, _, _, b) in enumerate(placed):
            if b[0] <= cx <= b[2] and b[1] <= cy <= b[3]:
                texts[i].append(ch)
                break
    # an uncovered position without text is a gap (e.g. a nested table's margin), not a cell
    keep = [i for i in range(len(placed)) if i < cell_count or texts[i]]
    by_row: dict[int, list[tuple[int, TCell]]] = {}
    for i in keep:
        r, c, rs, cs, _ = placed[i]
        cell = TCell(_cell_text(texts[i]), source={"page": pno, "table": t_index, "row": r, "col": c},
                     rowspan=rs, colspan=cs)
        by_row.setdefault(r, []).append((c, cell))
    rows = []
    for r in sorted(by_row):
        row = [cell for _, cell in sorted(by_row[r], key=lambda x: x[0])]
        if all(not cell.text for cell in row) and all(cell.rowspan == 1 for cell in row):
            continue  # an empty ruled strip (spacing), not a row of blanks
        rows.append(row)
    return rows


# ---------------------------------------------------------------- text lines

def _text_lines(chars: list[dict]) -> list[dict[str, Any]]:
    """Lines of text (outside tables) with their geometry."""
    chars = sorted(chars, key=lambda c: (round(c["top"]), c["x0"]))
    groups: list[list[dict]] = []
    for ch in chars:
        mid = (ch["top"] + ch["bottom"]) / 2
        for g in reversed(groups[-3:]):
            gtop, gbot = g[0]["top"], g[0]["bottom"]
            if gtop - 1 <= mid <= gbot + 1:
                g.append(ch)
                break
        else:
            groups.append([ch])
    lines = []
    for g in groups:
        g.sort(key=lambda c: c["x0"])
        text = extract_text(g, x_tolerance=1.5, y_tolerance=50).replace("\n", " ").strip()
        if not text:
            continue
        lines.append({"text": text, "top": min(c["top"] for c in g), "bottom": max(c["bottom"] for c in g),
                      "x0": g[0]["x0"], "x1": max(c["x1"] for c in g),
                      "size": statistics.median(c.get("size", 10) for c in g)})
    return lines


def _is_page_number(ln: dict, lines: list[dict]) -> bool:
    text = ln["text"].replace(" ", "")
    if _PAGE_NO.match(ln["text"].strip()) or _PAGE_NO.match(text):
        return True
    # a bare number alone at the very top or bottom of a page
    edge = ln is lines[0] or ln is lines[-1]
    h = ln["page_height"]
    return bool(_BARE_NO.match(text)) and edge and (ln["top"] > 0.88 * h or ln["bottom"] < 0.12 * h)


def _blocks(items: list[tuple[str, Any]]) -> list[Block]:
    lines = [obj for kind, obj in items if kind == "line"]
    body = statistics.median(ln["size"] for ln in lines) if lines else 10.0
    margins = _margins(lines)
    blocks: list[Block] = []
    para: dict[str, Any] | None = None

    def flush() -> None:
        nonlocal para
        if para is not None:
            blocks.append(Para(para["text"], source={"page": para["page"]}, heading=para["heading"]))
            para = None

    prev: dict[str, Any] | None = None
    for kind, obj in items:
        if kind == "table":
            flush()
            prev = None
            blocks.append(obj)
            continue
        ln = obj
        heading = 1 if ln["size"] >= body * 1.25 else None
        if para is not None and _continues(prev, ln, para, heading, margins, body):
            para["text"] = _join(para["text"], ln["text"])
        else:
            flush()
            para = {"text": ln["text"], "page": ln["page"], "heading": heading}
        prev = ln
    flush()
    return _drop_repeated_headers(blocks)


def _margins(lines: list[dict]) -> dict[int, tuple[float, float]]:
    """Per page: the body text's left and right edges."""
    pages: dict[int, list[dict]] = {}
    for ln in lines:
        pages.setdefault(ln["page"], []).append(ln)
    out = {}
    for p, lns in pages.items():
        out[p] = (min(ln["x0"] for ln in lns), max(ln["x1"] for ln in lns))
    return out


def _continues(prev: dict | None, ln: dict, para: dict, heading: int | None,
               margins: dict[int, tuple[float, float]], body: float) -> bool:
    """Whether `ln` carries on the paragraph that `prev` (the line before it) ended."""
    if prev is None or heading != para["heading"]:
        return False
    if heading:  # a title printed on two lines
        return True
    if _OPENS.match(ln["text"]) or _looks_tabular(prev["text"]) or _looks_tabular(ln["text"]):
        return False
    size = max(ln["size"], body)
    left, _ = margins[ln["page"]]
    _, right_prev = margins[prev["page"]]
    indented = ln["x0"] > left + 1.2 * size
    full = prev["x1"] >= right_prev - 1.5 * size
    return full and not indented


def _looks_tabular(text: str) -> bool:
    """A table row flattened into text: mostly numbers separated by spaces."""
    fields = text.split()
    numeric = sum(bool(_NUM.match(f)) for f in fields)
    return numeric >= 2 and numeric * 2 > len(fields)


def _join(a: str, b: str) -> str:
    """Join wrapped lines: no space between CJK, one between Latin words."""
    if a and b and a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum():
        return a + " " + b
    return a + b


def _drop_repeated_headers(blocks: list[Block]) -> list[Block]:
    """A table continued on the next page often repeats its header rows: keep them once."""
    out: list[Block] = []
    first: Table | None = None  # the first part of the table being continued
    for b in blocks:
        if isinstance(b, Table):
            continued = first is not None and isinstance(out[-1], Table) \
                and b.source.get("page") != out[-1].source.get("page")
            if continued:
                k = _repeated(first.rows, b.rows)
                if k and k < len(b.rows):
                    b = Table(b.rows[k:], source=b.source)
            else:
                first = b
        else:
            first = None
        out.append(b)
    return out


def _repeated(head: list[list[TCell]], rows: list[list[TCell]]) -> int:
    """How many leading rows of `rows` repeat the leading header rows of `head` (text only)."""
    k = 0
    while k < min(len(head), len(rows), 4):
        a = [c.text for c in head[k]]
        b = [c.text for c in rows[k]]
        if a != b or not any(a) or any(_NUM.match(t) for t in a if t):
            break
        k += 1
    return k
