"""PDF front end: tables from ruling lines, narrative in reading order. The page content
(characters, lines, rectangles, pictures) comes from PDFium (`parsers.pdfium`), the table
grids from `parsers.rulings`.

- Tables are found from the page's ruling lines only. Filled rectangles count as cell
  edges only inside a cluster of rulings: WPS paints a white rectangle behind every line of
  body text, and those must not turn the narrative into a one-column table.
- Cells are emitted as printed: a merged cell once, with its rowspan/colspan measured
  against the table's grid. A grid position no cell covers (a cell cut by a page break has
  no top border) still gets its text.
- Text inside a cell is joined without line breaks: two-line and vertical headers
  ("商业\\n企业", "三\\n、\\n本…") and numbers wrapped in narrow columns read as printed.
- A table crossing a page break arrives as consecutive Table blocks (the assembler joins
  them); page-number lines ("- 2 -") between them are dropped, header rows repeated at
  the top of a continuation are removed, and a row cut by the break is put back together.
- A table printed without rulings is found by its rows: a label, then numbers, a column
  gap apart; wrapped label lines and the header lines just above join it.
- Narrative lines outside tables are joined into paragraphs (first-line indent, short last
  line), across page breaks too; lines that look like table rows are kept as they are.
- No text layer → `needs_ocr` (failed); encrypted or corrupt → failed; more pages than
  `Limits.max_pages` or more time than `Limits.parse_seconds` → partial. The time limit is
  tested inside a page's loops too; a page over a size limit (characters, lines and boxes,
  their crossings) or the memory cap is skipped with a `resource_limit` warning (partial).
- Damage that PDFium reads past without a word is named: a Flate stream (content, font,
  CMap) that does not decode to its end (`damaged_stream`, partial: digits drawn with a
  damaged embedded font came out as blank cells), text drawn off the sheet
  (`text_outside_page`: a position turned into 2**31).
"""
from __future__ import annotations

import re
import statistics
import zlib
from bisect import bisect_left, bisect_right
from typing import Any

from .blocks import Block, Para, Table, TCell
from .limits import LimitExceeded, Limits, TimeLimit, check_time, time_limit
from .model import Report
from .pdfium import Document, PageContent, PdfError, open_pdf
from .rulings import find_tables
from .values import parse_value

_PAGE_NO = re.compile(r"^[-—–－]\s*\d{1,4}\s*[-—–－]$|^第\s*\d+\s*页(\s*[,，/]?\s*共\s*\d+\s*页)?$|^\d{1,4}\s*/\s*\d{1,4}$")
_BARE_NO = re.compile(r"^\d{1,4}$")
_SENTENCE_END = re.compile(r"[。；;！？]$")
# a line opening a part or item ("二、…", "（三）…"): always starts a paragraph
_OPENS = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|第[一二三四五六七八九十]+部分)")
_ITEM = re.compile(r"^\d{1,2}[.．、]\D")  # "2.重复申请": a numbered row label
_THIN = 2.5  # a rectangle thinner than this (pt) is a ruling line
_WORD_GAP = 1.5  # pt between two characters: a space
_CELL_LINE = 3.0  # pt between the tops of two characters in a cell: another line


def to_blocks(data: bytes, report: Report, charset: str | None = None) -> list[Block]:
    limits = Limits.from_env()
    try:
        with open_pdf(data) as doc:
            if len(doc) <= 0:
                report.status = "failed"
                report.add_finding("corrupt", "error", "PDF has no pages")
                return []
            return _read(doc, len(doc), report, limits, data)
    except PdfError as exc:
        _fail(report, exc, data)
        return []


def _fail(report: Report, exc: PdfError, data: bytes) -> None:
    report.status = "failed"
    if exc.kind == "encrypted":
        report.add_finding("encrypted", "error", "PDF is encrypted and needs a password")
    elif b"%%EOF" not in data[-2048:]:
        report.add_finding("truncated", "error", f"PDF is cut short ({len(data)} bytes, no %%EOF): {exc}"[:300])
    else:
        report.add_finding("corrupt", "error", f"PDF cannot be read: {exc}"[:300])


def _read(doc: Document, n_pages: int, report: Report, limits: Limits, data: bytes) -> list[Block]:
    items: list[tuple[str, Any]] = []  # ("line", dict) | ("table", Table) in reading order
    spans: dict[int, tuple[float, float]] = {}  # id(TCell) → its x extent on the page
    scanned_pages = 0  # pages that are pictures (a signature page with a seal may be one too)
    picture_pages: list[int] = []  # pictures without any text: parts of the report need OCR
    read = 0
    hidden: dict[int, int] = {}  # page → text objects drawn off its sheet (damaged coordinates)
    with time_limit(limits.parse_seconds):
        try:
            damaged, odd_numbers = _damaged_streams(data)
        except TimeLimit:
            damaged, odd_numbers = [], {}  # (the pages meet the same deadline)
        for pno in range(1, min(n_pages, limits.max_pages) + 1):
            try:
                check_time()
                page = doc.page(pno - 1, limits)
                page_items, n_chars = _page_items(page, pno, spans, limits)
                picture = page.images > 0
                # a scanned page: no text, or a few characters (a stamped page number) over a picture
                scanned = n_chars == 0 or (n_chars < 20 and picture)
            except TimeLimit:
                report.add_finding("time_limit", "warning",
                                   f"stopped in page {pno}, after {read} of {n_pages} pages "
                                   f"({limits.parse_seconds:g} s limit)", pages_read=read, page=pno)
                report.status = "partial"
                break
            except (LimitExceeded, MemoryError) as exc:
                why = str(exc) if isinstance(exc, LimitExceeded) else "it needs more memory than the limit"
                report.add_finding("resource_limit", "warning", f"page {pno} not read: {why}", page=pno)
                report.status = "partial"
                continue
            except Exception as exc:  # one unreadable page does not lose the others
                report.add_finding("page_unreadable", "warning", f"page {pno}: {type(exc).__name__}: {exc}"[:300],
                                   page=pno)
                report.status = "partial"
                continue
            read += 1
            scanned_pages += scanned
            if n_chars == 0 and picture:
                picture_pages.append(pno)
            if page.hidden:
                hidden[pno] = page.hidden
            items.extend(page_items)
    if damaged:
        report.add_finding("damaged_stream", "warning",
                           f"{len(damaged)} compressed stream(s) of the PDF cannot be decoded to the end (objects "
                           f"{', '.join(map(str, damaged[:10]))}): text drawn with them may be missing", objects=damaged)
        report.status = "partial"
    if odd_numbers:
        shown = [n for ns in odd_numbers.values() for n in ns][:3]
        report.add_finding("damaged_stream", "warning",
                           f"page content (objects {', '.join(map(str, list(odd_numbers)[:10]))}) holds numbers no PDF "
                           f"reader reads ({', '.join(shown)}): text placed with them may be missing or misplaced",
                           objects=list(odd_numbers), numbers=shown)
        report.status = "partial"
    if hidden:
        report.add_finding("text_outside_page", "warning",
                           f"text drawn off the page's sheet (outside its MediaBox: damaged coordinates?) is not "
                           f"read (pages {', '.join(map(str, hidden))})",
                           pages=sorted(hidden))
    if n_pages > limits.max_pages:
        report.add_finding("page_limit", "warning",
                           f"document has {n_pages} pages; read the first {limits.max_pages}",
                           pages=n_pages, limit=limits.max_pages)
        report.status = "partial"
    if read and scanned_pages == read:
        report.status = "failed"
        report.add_finding("needs_ocr", "error",
                           f"no text layer on any of {read} pages (a scan or images only); kept for OCR")
        return []
    if picture_pages:
        report.add_finding("needs_ocr", "warning", f"pages that are pictures without a text layer: {picture_pages}",
                           pages=picture_pages)
    return _blocks(items, spans)


_STREAM = re.compile(rb"(?<!end)stream\r?\n")
_OBJ = re.compile(rb"(\d+)\s+\d+\s+obj\b")
_LENGTH = re.compile(rb"/Length\s+(\d+)(?!\s+\d+\s+R)")
_FILTER = re.compile(rb"/(\w+)Decode\b")


def _damaged_streams(data: bytes) -> tuple[list[int], dict[int, list[str]]]:
    """(object numbers of the Flate streams, not images, that do not decode to their end;
    object number → the numbers no PDF reader reads in a page's content stream).

    A damaged font or content stream loses text silently, as PDFium draws what it can decode
    (digits printed with a damaged embedded font were read as blank cells). Raw deflate, so a
    stream without its checksum is not damage; the checksum is compared when it is there.
    A content stream's number beyond the 32-bit integers PDF readers keep (11 digits or more:
    PDFium reads 20 nines as 0 and draws the text at the page's foot, where it reads as a page
    number) or written with an exponent (`3.4e38`, no PDF number: PDFium drops the text run)
    moves or loses text as silently."""
    if b"/Encrypt" in data:
        return [], {}  # encrypted streams are not deflate data until PDFium decrypts them
    view = memoryview(data)
    bad: list[int] = []
    odd: dict[int, list[str]] = {}
    for m in _STREAM.finditer(data):
        check_time()
        head = data[max(0, m.start() - 1024):m.start()]
        obj = None
        for obj in _OBJ.finditer(head):
            pass
        if obj is None:
            continue
        spec = head[obj.end():]
        filters = _FILTER.findall(spec)
        if filters not in ([b"Flate"], []) or b"/Image" in spec or b"/Filter" in spec and not filters:
            continue
        start, end = m.end(), -1
        length = _LENGTH.search(spec)
        if length and data[start + int(length.group(1)):start + int(length.group(1)) + 12].lstrip().startswith(
                b"endstream"):
            end = start + int(length.group(1))
        else:
            end = data.find(b"endstream", start)
        stream = view[start:end if end >= 0 else len(data)]
        if filters:
            ok, content = _inflates(stream)
            if not ok:
                bad.append(int(obj.group(1)))
                continue
        else:
            content = bytes(stream[:_CONTENT_KEPT])
            content = content if _content_like(content) else b""
        numbers = _unreadable_numbers(content)
        if numbers:
            odd[int(obj.group(1))] = numbers
    return bad, odd


_CONTENT_KEPT = 4 << 20  # bytes of a stream's decoded text looked at for unreadable numbers
# a number no PDF reader keeps: 11 digits or more (beyond 2**31), or an exponent; not inside a
# hex string (<…0031003200330034…>: the look-arounds) nor glued to a name (/F1)
_ODD_NUMBER = re.compile(rb"(?<![\w.<(#/])[+\-]?(?:\d{11,}(?:\.\d*)?|\d+(?:\.\d*)?[eE][+\-]?\d+)(?![\w.>)])")


_ZEROS = bytes.maketrans(b"123456789", b"000000000")
_EXPONENT = re.compile(rb"[eE][+\-]?\d")
_NOT_ZERO = re.compile(rb"[^0]")
_NUMBER_CHARS = frozenset(b"0123456789.+-")


def _unreadable_numbers(content: bytes) -> list[str]:
    """The numbers of a content stream no PDF reader reads, up to three. The places to look are
    found in C (digits mapped to one, then plain searches); only those are read as tokens."""
    z = content.translate(_ZEROS)
    hits: list[int] = []
    i = z.find(b"0" * 11)
    while i >= 0 and len(hits) < 64:
        hits.append(i)
        end = _NOT_ZERO.search(z, i)
        i = z.find(b"0" * 11, end.start()) if end else -1  # (past this run of digits)
    for n, m in enumerate(_EXPONENT.finditer(content)):
        if n == 4096:
            break
        if m.start() and content[m.start() - 1] in _NUMBER_CHARS:
            hits.append(m.start() - 1)
    out: list[str] = []
    seen: set[int] = set()
    for h in sorted(hits):
        start = h
        while start > 0 and content[start - 1] in _NUMBER_CHARS and h - start < 64:
            start -= 1
        m = _ODD_NUMBER.match(content, start)
        if m is None or m.start() in seen:
            continue
        seen.add(m.start())
        if _in_string(content, m.start()):
            continue
        out.append(m.group().decode("ascii")[:40])
        if len(out) == 3:
            break
    return out


def _in_string(content: bytes, at: int) -> bool:
    """Whether `at` is inside a string, so text and not a number: a hex string broken over lines
    (an unclosed `<` before it, not `<<`), or a literal one on its line ("(Tel 13812345678) Tj")."""
    before = content[max(0, at - 2000):at]
    lt, gt = before.rfind(b"<"), before.rfind(b">")
    if lt > gt and before[lt - 1:lt] != b"<":
        return True
    nl = max(before.rfind(b"\n"), before.rfind(b"\r"))
    line = re.sub(rb"\\.", b"", before[nl + 1:])
    return line.count(b"(") > line.count(b")")


_BT = re.compile(rb"(?:^|\s)BT\s")


def _content_like(head: bytes) -> bool:
    """Whether a stream's first decoded bytes are a page's content drawing text (operators as
    ASCII text, a BT among them), not a font, a CMap or an image."""
    start = head[:1024]
    return start.isascii() and b"\x00" not in start and not start.startswith(b"%!") and \
        _BT.search(head, 0, 1 << 16) is not None


def _inflates(stream: memoryview) -> tuple[bool, bytes]:
    """Whether a zlib stream decodes to its last block (and matches its checksum if it has one),
    decoded a megabyte at a time: only its checksum is kept, and its first `_CONTENT_KEPT`
    bytes when they may be a page's content (text operators in the first megabyte)."""
    inflate = zlib.decompressobj(-15)  # raw deflate after the 2-byte header
    buf, adler = stream[2:], 1
    kept: list[bytes] = []
    size = 0
    try:
        while buf and not inflate.eof:
            check_time()
            out = inflate.decompress(buf, 1 << 20)
            adler = zlib.adler32(out, adler)
            if kept and size < _CONTENT_KEPT or not size and _content_like(out):
                kept.append(out)
            size += len(out)
            buf = inflate.unconsumed_tail
    except zlib.error:
        return False, b""
    tail = bytes(inflate.unused_data[:4])
    ok = inflate.eof and (len(tail) < 4 or int.from_bytes(tail, "big") == adler)
    return ok, b"".join(kept)[:_CONTENT_KEPT]


# ---------------------------------------------------------------- one page

def _page_items(page: PageContent, pno: int, spans: dict[int, tuple[float, float]],
                limits: Limits) -> tuple[list[tuple[str, Any]], int]:
    chars = page.chars
    if not chars:
        return [], 0
    tables = _find_tables(page, limits)
    boxes = [bbox for bbox, _ in tables]

    centres = [((c["x0"] + c["x1"]) / 2, (c["top"] + c["bottom"]) / 2) for c in chars]
    held = []
    for b in boxes:
        check_time()
        held.append({i for i, (x, y) in enumerate(centres) if b[0] <= x <= b[2] and b[1] <= y <= b[3]})
    items: list[tuple[float, str, Any]] = []
    for t_index, (bbox, cells) in enumerate(tables):
        check_time()
        # a table nested in this one is emitted on its own: its text is not this table's
        nested = [k for k, b in enumerate(boxes) if _contains(bbox, b)]
        theirs = set().union(*(held[k] for k in nested))
        own = [chars[i] for i in sorted(held[t_index] - theirs)]
        if nested:  # a layout frame around a table: its own text is narrative, not a table
            items.extend((ln["top"], "line", ln) for ln in _text_lines(own, page, pno))
            continue
        rows = _table_rows(cells, own, pno, t_index, spans, limits.max_page_edges)
        if rows:
            items.append((bbox[1], "table", Table(rows, source={"page": pno, "table": t_index})))
    in_tables = set().union(*held)
    lines = _text_lines([c for i, c in enumerate(chars) if i not in in_tables], page, pno)
    lines = [ln for ln in lines if not _is_page_number(ln, lines)]
    items.extend((ln["top"], "line", ln) for ln in lines)
    items.sort(key=lambda it: it[0])
    return [(kind, obj) for _, kind, obj in items], len(chars)


def _find_tables(page: PageContent, limits: Limits) -> list[tuple[tuple, list[tuple]]]:
    """(bbox, cell bboxes) of each ruled table on the page."""
    thin = [r for r in page.rects if _thin(r)]
    if not page.lines and not thin:
        return []
    clusters = _clusters(page.lines + thin)
    rects = list(thin)
    for r in page.rects:
        if _thin(r):
            continue
        cx, cy = (r["x0"] + r["x1"]) / 2, (r["top"] + r["bottom"]) / 2
        if any(b[0] - 2 <= cx <= b[2] + 2 and b[1] - 2 <= cy <= b[3] + 2 for b in clusters):
            rects.append(r)
    if len(page.lines) + len(rects) < 2:
        return []
    return find_tables(page.lines, rects, max_crossings=limits.max_page_edges)


def _thin(r: dict) -> bool:
    return min(r["x1"] - r["x0"], r["bottom"] - r["top"]) < _THIN


def _clusters(rulings: list[dict], gap: float = 6.0) -> list[list[float]]:
    """Bounding boxes of groups of touching rulings: where a table's grid is drawn."""
    boxes: list[list[float]] = []
    for r in sorted(rulings, key=lambda o: o["top"]):
        check_time()
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
    """The index of the axis value nearest to `v` (the first of two as near)."""
    i = bisect_left(axis, v)
    if i == len(axis) or (i > 0 and v - axis[i - 1] <= axis[i] - v):
        return i - 1
    return i


_BAND = 12.0  # pt: boxes are filed under the bands of the page they reach, to test only near ones


def _frames(cells: list[tuple]) -> set[int]:
    """Cells holding two or more other cells (a nested table's frame)."""
    rows: dict[float, list[tuple[float, int]]] = {}  # top → (x0, index) of the cells starting there
    for i, b in enumerate(cells):
        rows.setdefault(b[1], []).append((b[0], i))
    tops = sorted(rows)
    lefts = {}
    for top, row in rows.items():
        row.sort()
        lefts[top] = [x for x, _ in row]
    frames = set()
    for i, (x0, top, x1, bottom) in enumerate(cells):
        check_time()
        held = 0  # cells whose top-left corner is in this one and which end inside it (_contains)
        for t in tops[bisect_left(tops, top - 1):bisect_right(tops, bottom + 1)]:
            row, xs = rows[t], lefts[t]
            for _, j in row[bisect_left(xs, x0 - 1):bisect_right(xs, x1 + 1)]:
                held += j != i and cells[j][2] <= x1 + 1 and cells[j][3] <= bottom + 1
        if held >= 2:
            frames.add(i)
    return frames


def _cell_text(chars: list[dict]) -> str:
    """A cell's lines (characters whose tops are close) top to bottom, joined without a break."""
    lines: list[list[dict]] = []
    for ch in sorted(chars, key=lambda c: c["top"]):
        if lines and ch["top"] <= lines[-1][-1]["top"] + _CELL_LINE:
            lines[-1].append(ch)
        else:
            lines.append([ch])
    return "".join(_run_text(sorted(line, key=lambda c: c["x0"]), _CELL_LINE).strip() for line in lines)


def _run_text(chars: list[dict], rise: float = float("inf")) -> str:
    """Characters left to right; a gap wider than a word gap, or a top `rise` apart, is a space."""
    out = []
    prev = None
    for ch in chars:
        if prev is not None and (ch["x0"] > prev["x1"] + _WORD_GAP or abs(ch["top"] - prev["top"]) > rise):
            out.append(" ")
        out.append(ch["text"])
        prev = ch
    return "".join(out)


def _contains(outer: tuple, inner: tuple, tol: float = 1.0) -> bool:
    return (outer != inner and outer[0] - tol <= inner[0] and outer[1] - tol <= inner[1]
            and inner[2] <= outer[2] + tol and inner[3] <= outer[3] + tol)


def _table_rows(cells: list[tuple], chars: list[dict], pno: int, t_index: int,
                spans: dict[int, tuple[float, float]], max_grid: int) -> list[list[TCell]]:
    # a cell holding a nested table is only its frame: the nested cells carry the text
    frames = _frames(cells)
    bboxes = [b for i, b in enumerate(cells) if i not in frames]
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
    if (len(ys) - 1) * (len(xs) - 1) > max_grid:
        raise LimitExceeded(f"a table's grid has {len(ys) - 1} × {len(xs) - 1} positions; limit {max_grid}")
    # grid positions no cell covers: text there (a cell cut by a page break) still counts
    for r in range(len(ys) - 1):
        check_time()
        for c in range(len(xs) - 1):
            if (r, c) not in covered:
                placed.append((r, c, 1, 1, (xs[c], ys[r], xs[c + 1], ys[r + 1])))
    texts: dict[int, list[dict]] = {i: [] for i in range(len(placed))}
    centres = [((ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2) for ch in chars]
    holders: dict[int, list[tuple[int, tuple]]] = {}  # band → the boxes reaching it, in order
    if centres:
        # only the bands the characters are in (all on the page): a box drawn out to a damaged
        # coordinate (2**31) must not cost memory in proportion to it
        low, high = int(min(y for _, y in centres) // _BAND), int(max(y for _, y in centres) // _BAND)
        for i, p in enumerate(placed):
            check_time()
            for band in range(max(low, int(p[4][1] // _BAND)), min(high, int(p[4][3] // _BAND)) + 1):
                holders.setdefault(band, []).append((i, p[4]))
    for ch, (cx, cy) in zip(chars, centres):  # a character belongs to the first box holding its centre
        for i, b in holders.get(int(cy // _BAND), ()):
            if b[0] <= cx <= b[2] and b[1] <= cy <= b[3]:
                texts[i].append(ch)
                break
    # an uncovered position without text is a gap (e.g. a nested table's margin), not a cell
    keep = [i for i in range(len(placed)) if i < cell_count or texts[i]]
    by_row: dict[int, list[tuple[int, TCell]]] = {}
    for i in keep:
        r, c, rs, cs, b = placed[i]
        cell = TCell(_cell_text(texts[i]), source={"page": pno, "table": t_index, "row": r, "col": c},
                     rowspan=rs, colspan=cs)
        spans[id(cell)] = (b[0], b[2])
        by_row.setdefault(r, []).append((c, cell))
    rows = []
    for r in sorted(by_row):
        row = [cell for _, cell in sorted(by_row[r], key=lambda x: x[0])]
        if all(not cell.text for cell in row) and all(cell.rowspan == 1 for cell in row):
            continue  # an empty ruled strip (spacing), not a row of blanks
        rows.append(row)
    return rows


# ---------------------------------------------------------------- text lines

def _text_lines(chars: list[dict], page: PageContent, pno: int) -> list[dict[str, Any]]:
    """Lines of text (outside tables) with their geometry and their page's."""
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
        text = _run_text(g).strip()
        if not text:
            continue
        size = statistics.median(c["size"] for c in g)
        lines.append({"text": text, "top": min(c["top"] for c in g), "bottom": max(c["bottom"] for c in g),
                      "x0": g[0]["x0"], "x1": max(c["x1"] for c in g), "size": size,
                      "fields": _fields(g, size), "page": pno,
                      "page_height": float(page.height), "page_width": float(page.width)})
    return lines


def _fields(chars: list[dict], size: float) -> list[tuple[str, float, float]]:
    """A line cut where the gap between characters is wider than a character: the columns
    of a table printed without rulings. (text, x0, x1) each."""
    runs: list[list[dict]] = [[chars[0]]]
    for prev, ch in zip(chars, chars[1:]):
        if ch["x0"] - prev["x1"] > 1.2 * size:
            runs.append([])
        runs[-1].append(ch)
    out = []
    for run in runs:
        text = _run_text(run).strip()
        if text:
            out.append((text, run[0]["x0"], max(c["x1"] for c in run)))
    return out


def _is_page_number(ln: dict, lines: list[dict]) -> bool:
    text = ln["text"].replace(" ", "")
    if _PAGE_NO.match(ln["text"].strip()) or _PAGE_NO.match(text):
        return True
    # a bare number alone at the very top or bottom of a page
    edge = ln is lines[0] or ln is lines[-1]
    h = ln["page_height"]
    return bool(_BARE_NO.match(text)) and edge and (ln["top"] > 0.88 * h or ln["bottom"] < 0.12 * h)


def _blocks(items: list[tuple[str, Any]], spans: dict[int, tuple[float, float]]) -> list[Block]:
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

    items = _unruled_tables(_without_running_lines(items))
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
    return _join_page_parts(blocks, spans)


def _without_running_lines(items: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """Drop running headers and footers: the same line first or last on most pages, in the
    top or bottom tenth of the page (digits ignored: "洪泽区人民政府 2023-3" matches on every page)."""
    pages: dict[int, list[dict]] = {}
    for kind, obj in items:
        if kind == "line":
            pages.setdefault(obj["page"], []).append(obj)
    if len(pages) < 3:
        return items
    key = lambda ln: re.sub(r"\d+", "#", ln["text"].replace(" ", ""))  # noqa: E731
    edges: dict[str, int] = {}
    margin = [ln for lines in pages.values() for ln in {id(x): x for x in (lines[0], lines[-1])}.values()
              if ln["top"] < 0.1 * ln["page_height"] or ln["bottom"] > 0.9 * ln["page_height"]]
    for ln in margin:
        edges[key(ln)] = edges.get(key(ln), 0) + 1
    running = {k for k, n in edges.items() if n * 2 > len(pages)}
    at_edge = {id(ln) for ln in margin if key(ln) in running}
    return [(kind, obj) for kind, obj in items if not (kind == "line" and id(obj) in at_edge)]


def _row_fields(ln: dict) -> list[tuple[str, float, float]] | None:
    """The fields of a line printed as a table row without rulings: at most two label
    fields, then one or more number fields, columns apart."""
    fields = ln.get("fields") or []
    fields = [f for f in fields if not _vertical_piece(f[0], f[1], fields)]
    if len(fields) < 2 or _OPENS.match(ln["text"]) and len(fields) < 3:
        return None
    n_num = 0
    for text, _, _ in reversed(fields):
        if not _numeric(text.replace(" ", "")):
            break
        n_num += 1
    return fields if n_num >= 1 and len(fields) - n_num <= 2 else None


def _fragment(ln: dict) -> bool:
    """A short piece of a wrapped label or header inside a table printed without rulings."""
    text = ln["text"].replace(" ", "")
    return (not _OPENS.match(ln["text"]) and len(text) <= 24 and not _SENTENCE_END.search(text)
            and not _is_page_number(ln, [ln]))


def _unruled_tables(items: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """Tables printed without rulings, found by their rows: a label, then numbers, columns
    apart. Header lines just above the first row and wrapped label lines between rows belong
    to the table; a wrapped piece of a label is joined to the label above it."""
    out: list[tuple[str, Any]] = []
    i = 0
    while i < len(items):
        kind, obj = items[i]
        if kind != "line" or not _row_fields(obj):
            out.append(items[i])
            i += 1
            continue
        # header lines: the fragments directly above the first row (already emitted as lines)
        head: list[dict] = []
        while out and out[-1][0] == "line" and _fragment(out[-1][1]) and len(head) < 8:
            head.insert(0, out.pop()[1])
        rows: list[list[list]] = []  # [text, x0, x1] per field
        pending: list[dict] = []  # lines of their own (item headings): rows if more rows follow
        j = i
        while j < len(items) and items[j][0] == "line":
            ln = items[j][1]
            fields = _row_fields(ln)
            if fields:
                rows += [[list(f) for f in p["fields"]] for p in pending]
                pending.clear()
                rows.append([[t, x0, x1] for t, x0, x1 in fields])
            elif rows and _fragment(ln):
                above = items[j - 1][1]
                if pending or ln["top"] - above["bottom"] > 0.6 * ln["size"]:
                    pending.append(ln)  # not a wrapped label: tight leading is what marks those
                    j += 1
                    continue
                for t, x0, x1 in ln["fields"]:
                    target = next((f for f in reversed(rows[-1]) if f[1] - 2 <= x0 <= f[2] + 2
                                   and not _numeric(f[0])), None)
                    if target is not None:
                        target[0] = _join(target[0], t)
            else:
                break
            j += 1
        page = obj["page"]
        if len(rows) >= 2 or any(sum(_numeric(f[0]) for f in r) >= 5 for r in rows):
            table_rows = [[TCell(t, source={"page": page}) for t, _, _ in ln_fields]
                          for ln_fields in ([[list(f) for f in h["fields"]] for h in head] + rows)]
            out.append(("table", Table(table_rows, source={"page": page, "ruled": False})))
            out.extend(("line", p) for p in pending)
        else:
            out.extend(("line", h) for h in head)
            out.extend(items[i:j])
        i = j
    return out


def _vertical_piece(text: str, x0: float, fields: list[tuple[str, float, float]]) -> bool:
    """One character of a header printed vertically down the left of the rows."""
    return len(text) == 1 and not text.isdigit() and x0 == fields[0][1] and len(fields) > 2


def _margins(lines: list[dict]) -> tuple[float, float]:
    """The body text's left and right edges. The right edge is at least the mirror of the
    left one: a document of short lines has no line reaching it."""
    if not lines:
        return 0.0, 0.0
    left = min(ln["x0"] for ln in lines)
    right = max(max(ln["x1"] for ln in lines), max(ln["page_width"] for ln in lines) - left)
    return left, right


def _continues(prev: dict | None, ln: dict, para: dict, heading: int | None,
               margins: tuple[float, float], body: float) -> bool:
    """Whether `ln` carries on the paragraph that `prev` (the line before it) ended."""
    if prev is None or heading != para["heading"]:
        return False
    if heading:  # a title printed on two lines
        return True
    if _OPENS.match(ln["text"]) or _looks_tabular(prev["text"]) or _looks_tabular(ln["text"]):
        return False
    size = max(ln["size"], body)
    left, right = margins
    indented = ln["x0"] > left + 1.2 * size
    full = prev["x1"] >= right - 1.5 * size
    return full and not indented


def _looks_tabular(text: str) -> bool:
    """A table row flattened into text: mostly numbers separated by spaces."""
    fields = text.split()
    numeric = sum(_numeric(f) for f in fields)
    return numeric >= 2 and numeric * 2 > len(fields)


def _join(a: str, b: str) -> str:
    """Join wrapped lines: no space between CJK, one between Latin words."""
    if a and b and a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum():
        return a + " " + b
    return a + b


def _join_page_parts(blocks: list[Block], spans: dict[int, tuple[float, float]]) -> list[Block]:
    """Where a table continues on the next page: drop its repeated header rows, and put a
    row cut by the page break back together."""
    out: list[Block] = []
    first: Table | None = None  # the first part of the table being continued
    for b in blocks:
        if isinstance(b, Table):
            continued = first is not None and isinstance(out[-1], Table) \
                and b.source.get("page") != out[-1].source.get("page")
            if continued:
                k = _repeated(first.rows, b.rows)
                rows = b.rows[k:] if k < len(b.rows) else b.rows
                prev = out[-1]
                if prev.rows and rows and _mend_cut_row(prev.rows[-1], rows[0], spans):
                    rows = _without_first_row(rows)
                b = Table(rows, source=b.source)
            else:
                first = b
        else:
            first = None
        out.append(b)
    return [b for b in out if not isinstance(b, Table) or b.rows]


def _numeric(text: str) -> bool:
    return bool(text) and parse_value(text).kind in ("number", "na")


def _mend_cut_row(last: list[TCell], cont: list[TCell], spans: dict[int, tuple[float, float]]) -> bool:
    """If `cont` (first row on the new page) is the rest of `last` (last row on the page
    before), move its text into `last` and say so. A cut row shows as text without numbers
    on one side of the break, with empty cells where the other side has the values."""
    def kind(row: list[TCell]) -> tuple[int, int, int]:
        nums = sum(_numeric(c.text) for c in row)
        empty = sum(not c.text for c in row if c.rowspan == 1)
        return nums, empty, sum(bool(c.text) and not _numeric(c.text) for c in row)

    (ln, le, lt), (cn, ce, ct) = kind(last), kind(cont)
    if _OPENS.match(_first_text(cont)) or _ITEM.match(_first_text(cont)):
        return False  # the next page starts a new row ("（三）…", "2.…"), not the rest of one
    tail_of_label = cn == 0 and ct > 0 and ln > 0 and ce >= ln
    head_of_label = ln == 0 and lt > 0 and le >= cn > 0
    if not (tail_of_label or head_of_label):
        return False
    for c in cont:
        if not c.text or id(c) not in spans:
            continue
        target = _overlapping(last, spans[id(c)], spans)
        if target is None:
            return False
        target.text = c.text if not target.text else _join(target.text, c.text)
    return True


def _first_text(row: list[TCell]) -> str:
    return next((c.text for c in row if c.text), "")


def _overlapping(row: list[TCell], extent: tuple[float, float],
                 spans: dict[int, tuple[float, float]]) -> TCell | None:
    best, best_overlap = None, 0.0
    for c in row:
        x0, x1 = spans.get(id(c), (0.0, 0.0))
        overlap = min(x1, extent[1]) - max(x0, extent[0])
        if overlap > best_overlap:
            best, best_overlap = c, overlap
    return best


def _without_first_row(rows: list[list[TCell]]) -> list[list[TCell]]:
    """Drop the first row; cells of it merged down keep covering the rows below."""
    carried = [TCell(c.text, c.source, c.rowspan - 1, c.colspan, c.header) for c in rows[0] if c.rowspan > 1]
    rest = [list(r) for r in rows[1:]]
    if rest:
        rest[0] = carried + rest[0]
    return rest


def _repeated(head: list[list[TCell]], rows: list[list[TCell]]) -> int:
    """How many leading rows of `rows` repeat the leading header rows of `head` (text only)."""
    k = 0
    while k < min(len(head), len(rows), 4):
        a = [c.text for c in head[k]]
        b = [c.text for c in rows[k]]
        if a != b or not any(a) or any(_numeric(t) for t in a):
            break
        k += 1
    return k
