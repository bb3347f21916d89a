"""Plain text and Markdown front end: bytes → Para / Table blocks.

Tables flattened into text come in several renderings; each is recognized here by its
delimiters, never by its content (the assembler alone knows the template):
  tabs            fields separated by TAB, merged cells as empty leading fields
  pipes           one `|`-separated line per row (Markdown tables included)
  cell per line   one cell per line, a line holding only `|` between cells, rows apart
                  by a blank line
  no delimiters   a label followed by a run of digits ("规章000"): the digits go out as
                  one cell and the assembler splits them with the table's arithmetic
Headers printed one character per line are joined back into one line.
A page saved by a text archive starts with header lines ("标题: …", "发布时间: …", "原文链接: …")
and a separator ("==== 正文 ===="): they become paragraphs whose source names the header
(`{"line": n, "page_header": "发布时间"}`); the assembler reads title, date, agency and URL there.
"""
from __future__ import annotations

import re

from .blocks import Block, Para, Table, TCell
from .decode import decode
from .model import Report

MAX_LINES = 200_000
MAX_LINE = 20_000  # characters kept of one line
MAX_TABLE_ROWS = 10_000  # a report prints ~100 table lines
MAX_ROW_LINE = 2_000  # a longer line with sentences in it is a page's text, not a table row

_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s*(.*?)\s*#*\s*$")
_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_LIST = re.compile(r"^\s*(?:[-*+•]\s+)")
_EMPH = re.compile(r"\*\*|__")
# a table row with no delimiters: label text, then a run of digits (and separators) to the end
_RUN_ROW = re.compile(r"^(?P<label>\S[^。；;！？]*?[^\d\s.,，、+\-])?\s*(?P<digits>[+\-]?\d[\d\s.+\-]*)$")
_SPACES = re.compile(r"\s+")
_DIGIT_LINE = re.compile(r"[\d\s.+\-]{5,}")  # section 四's data row printed without delimiters
_SENTENCE_END = re.compile(r"[。；;！？]\s*$")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_HTML_TABLE = re.compile(r"<table\b", re.IGNORECASE)
_HTML_TABLE_END = re.compile(r"</table\s*>", re.IGNORECASE)
_DIGIT = re.compile(r"\d")
_NUMBERING = re.compile(r"(?<!\d)\d{1,2}[.、．](?!\d)")  # "1." of a label, not a figure
# a saved page's header lines, and the separator before its body
_PAGE_HEADER = re.compile(r"^\s*(标题|题目|发布时间|发布日期|成文日期|文号|发文字号|发布机构|发文机关|来源|信息来源|栏目|"
                          r"原文链接|原文地址|链接|网址|URL|url|本地目录|索引号)\s*[:：]\s*(.*?)\s*$")
_BODY_SEPARATOR = re.compile(r"^\s*[=＝\-—#*]{3,}\s*(?:正文|内容|body)?\s*[=＝\-—#*]{3,}\s*$")
MAX_HEADER_LINES = 30


def _kind(line: str) -> str:
    if len(line) > MAX_ROW_LINE and line.count("。") >= 5:
        return "text"  # a page's text with its line breaks lost, tabs or bars between its cells
    if "\t" in line and not ("|" in line and "\t" not in line.strip(" \t")):
        return "tab"  # even a line of tabs alone: a row of empty cells (a stray tab at the end
        # of a `|` row is not a tab row)
    if not line.strip():
        return "blank"
    if _HEADING.match(line):
        return "heading"
    s = line.strip()
    if s == "|":
        return "bar"
    if "|" in s and not _SENTENCE_END.search(s):
        return "pipe"
    return "text"


def _cells(fields: list[str], line_no: int) -> list[TCell]:
    # a line break inside a cell, as Markdown extractors write it ("本年新<br>制作数量")
    return [TCell(_BR.sub("", f).strip() if "<" in f else f.strip(), {"line": line_no, "field": k})
            for k, f in enumerate(fields)]


def _run_row(line: str) -> tuple[str, str] | None:
    """`label + digits` lines of an undelimited table; None for anything else."""
    s = line.strip()
    if len(s) > 400 or _SENTENCE_END.search(s):
        return None
    m = _RUN_ROW.match(s)
    if not m or _DIGIT.search(_NUMBERING.sub("", m["label"] or "")):
        return None  # (digits inside the "label": a line of several rows run together)
    return (m["label"] or "").strip(), _SPACES.sub(" ", m["digits"]).strip()  # spaces part cells


def _is_single_char(line: str) -> bool:
    s = line.strip()
    return len(s) == 1 and not s.isdigit() and s not in "|#"


def to_blocks(data: bytes, report: Report, charset: str | None = None) -> list[Block]:
    text, enc, problems = decode(data, charset, html=False)
    for p in problems:
        report.add_finding("encoding", "warning", p, encoding=enc)
    text = text.replace("\x00", "")
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        report.status = "failed"
        report.add_finding("too_many_lines", "error", f"{len(lines)} lines; limit {MAX_LINES}")
        return []
    lines = [ln[:MAX_LINE] for ln in lines]
    kinds = [_kind(ln) for ln in lines]
    rows = sum(1 for k in kinds if k in ("tab", "pipe", "bar"))
    if rows > MAX_TABLE_ROWS:
        report.status = "failed"
        report.add_finding("too_many_rows", "error", f"{rows} table lines; limit {MAX_TABLE_ROWS}")
        return []
    blocks: list[Block] = []
    i, n = _page_header(lines, blocks), len(lines)
    while i < n:
        k = kinds[i]
        if k == "blank":
            i += 1
        elif k == "heading":
            m = _HEADING.match(lines[i])
            blocks.append(Para(_EMPH.sub("", m.group(2)), {"line": i + 1}, heading=len(m.group(1))))
            i += 1
        elif _HTML_TABLE.search(lines[i]):
            i = _html_table(lines, i, blocks, report)
        elif k in ("tab", "pipe"):
            i = _delimited_table(lines, kinds, i, k, blocks)
        elif _row_starts(kinds, i):
            i = _cell_per_line_table(lines, kinds, i, blocks)
        elif _is_single_char(lines[i]) and i + 1 < n and _is_single_char(lines[i + 1]):
            j = i
            while j < n and _is_single_char(lines[j]):
                j += 1
            blocks.append(Para("".join(ln.strip() for ln in lines[i:j]), {"line": i + 1}))
            i = j
        elif (_run_row(lines[i]) or _label_before_values(lines, kinds, i)) and _run_row_table_ahead(lines, kinds, i) \
                and (j := _run_table(lines, kinds, i, blocks)) > i:
            i = j
            rows += len(blocks[-1].rows)
            if rows > MAX_TABLE_ROWS:
                report.status = "failed"
                report.add_finding("too_many_rows", "error", f"over {MAX_TABLE_ROWS} table lines")
                return []
        else:
            s = _EMPH.sub("", _LIST.sub("", lines[i])).strip()
            blocks.append(Para(s, {"line": i + 1}))
            i += 1
    _mark_collapsed(blocks)
    return blocks


def _html_table(lines: list[str], i: int, blocks: list[Block], report: Report) -> int:
    """An HTML table inside Markdown (PDF extractors write complex tables so): read by the HTML
    front end, spans and all. The text before it on its line is a paragraph."""
    from .html import to_blocks as html_blocks

    start = _HTML_TABLE.search(lines[i]).start()
    if lines[i][:start].strip():
        blocks.append(Para(lines[i][:start].strip(), {"line": i + 1}))
    j = i
    while j < len(lines) and j - i < MAX_TABLE_ROWS and not _HTML_TABLE_END.search(lines[j]):
        j += 1
    fragment = "\n".join([lines[i][start:], *lines[i + 1:j + 1]])
    for b in html_blocks(fragment.encode("utf-8"), Report()):
        b.source = {**b.source, "line": i + 1}
        blocks.append(b)
    return j + 1


def _page_header(lines: list[str], blocks: list[Block]) -> int:
    """A saved page's header lines (from the first line on) as paragraphs naming their header;
    the index of the first body line. Lines between the headers and the separator (a note such
    as "页面链接与图片详见 links.tsv") belong to the header."""
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i >= len(lines) or not _PAGE_HEADER.match(lines[i]):
        return 0
    sep = next((j for j in range(i, min(len(lines), i + MAX_HEADER_LINES)) if _BODY_SEPARATOR.match(lines[j])), None)
    j = i
    while j < len(lines) and (j < (sep or 0) or _PAGE_HEADER.match(lines[j])):
        m = _PAGE_HEADER.match(lines[j])
        if m:
            blocks.append(Para(m.group(2), {"line": j + 1, "page_header": m.group(1)}))
        j += 1
    return j + 1 if sep is not None and j == sep else j


def _delimited_table(lines: list[str], kinds: list[str], i: int, kind: str, blocks: list[Block]) -> int:
    """Consecutive tab (or pipe) rows; blank lines inside a table are skipped."""
    at: list[int] = []  # line indexes of the rows
    start = i
    n = len(lines)
    markdown = False
    while i < n:
        if kinds[i] == kind:
            if kind == "pipe" and _SEPARATOR.match(lines[i]):
                markdown = True
            else:
                at.append(i)
            i += 1
        elif kinds[i] == "blank":
            j = i
            while j < n and kinds[j] == "blank":
                j += 1
            if j < n and kinds[j] == kind:
                i = j
            else:
                break
        else:
            break
    raw = [lines[j].strip() for j in at]
    # a bordered table ("| a | b |") has every row inside bars, from the line's first column;
    # otherwise a leading or trailing bar is an empty first or last cell (" | a | ")
    bordered = kind == "pipe" and all(lines[j].startswith("|") and r.endswith("|") and len(r) > 1
                                      for j, r in zip(at, raw))
    rows = []
    for j, r in zip(at, raw):
        if kind == "tab":
            fields = lines[j].split("\t")
        else:
            fields = (r[1:-1] if bordered else r).split("|")
        rows.append(_cells(fields, j + 1))
    source: dict = {"line": start + 1, "delimiters": "markdown" if markdown else kind}
    if kind == "pipe" and not markdown:
        source["bare_runs"] = any(r.endswith("||") for r in raw)
    blocks.append(Table(rows, source))
    return i


def _mark_collapsed(blocks: list[Block]) -> None:
    """Empty cells pushed to the end of every row ("a|3|3|||"): some pipe row ends in a bare
    `||` run and no pipe row anywhere has an empty cell between two printed ones. Then every
    pipe table of the document has lost its positions."""
    pipes = [b for b in blocks if isinstance(b, Table) and b.source.get("delimiters") == "pipe"]
    if not any(b.source.get("bare_runs") for b in pipes):
        return
    for b in pipes:
        for row in b.rows:
            filled = [j for j, c in enumerate(row) if c.text]
            if filled and len(filled) != filled[-1] - filled[0] + 1:
                return
    for b in pipes:
        b.source["positions"] = "lost"


def _cell_per_line_table(lines: list[str], kinds: list[str], i: int, blocks: list[Block]) -> int:
    """One cell per line, a `|` line between cells, a blank line after each row's last cell.

    An empty cell prints as an empty line between two `|` lines, so a row is read strictly as
    cell, bar, cell, …, cell; the table goes on while the next row has a bar after its first
    cell (or is a one-cell row followed by such a row).
    """
    rows: list[list[TCell]] = []
    start, n = i, len(lines)
    while i < n:
        row: list[TCell] = []
        while i < n:
            row.append(TCell(lines[i].strip(), {"line": i + 1, "field": len(row)}))
            if i + 1 < n and kinds[i + 1] == "bar":
                i += 2
                continue
            i += 1
            break
        rows.append(row)
        if i < n and kinds[i] == "blank":
            i += 1  # the blank line that ends a row
        if not (_row_starts(kinds, i) or (i + 1 < n and kinds[i] != "blank" and kinds[i + 1] == "blank"
                                          and _looks_like_cell(lines[i]) and _row_starts(kinds, i + 2))):
            break
    blocks.append(Table(rows, {"line": start + 1, "delimiters": "cell_per_line"}))
    return i


def _row_starts(kinds: list[str], i: int) -> bool:
    """A cell-per-line row starts at i: a cell line (possibly empty) followed by a bar."""
    return i + 1 < len(kinds) and kinds[i] in ("text", "blank", "pipe") and kinds[i + 1] == "bar"


def _looks_like_cell(line: str) -> bool:
    return len(line.strip()) <= 200 and not _SENTENCE_END.search(line)


def _label_before_values(lines: list[str], kinds: list[str], i: int) -> bool:
    """A short label line whose values follow on the next lines, one per line."""
    if kinds[i] != "text" or len(lines[i].strip()) > 60 or not _looks_like_cell(lines[i]):
        return False
    j = i + 1
    if lines[i].count("（") > lines[i].count("）") and j < len(lines) and kinds[j] == "text":
        j += 1  # the label goes on, inside its brackets, on the next line
    while j < min(len(lines), i + 4) and kinds[j] == "blank":
        j += 1
    rr = _run_row(lines[j]) if j < min(len(lines), i + 4) and kinds[j] == "text" else None
    return bool(rr) and not rr[0]


def _run_row_table_ahead(lines: list[str], kinds: list[str], i: int) -> bool:
    """A digits-run row counts as a table row only among others (2 within the next 6 lines),
    or when it is nothing but a long run of digits (section 四's single data row)."""
    if _DIGIT_LINE.fullmatch(lines[i].strip()):
        return True
    hits = 0
    for j in range(max(0, i - 6), min(len(lines), i + 7)):
        if kinds[j] == "text" and _run_row(lines[j]):
            hits += 1
    return hits >= 2


def _run_table(lines: list[str], kinds: list[str], i: int, blocks: list[Block]) -> int:
    """Rows without delimiters; short label-only lines between them stay in the table.

    One cell per line (a page's text with each cell on its line): the value lines after a label
    line are that label's values, one run with a space between the lines (spaces part cells);
    a label broken over two lines inside its brackets is joined back."""
    rows: list[list[TCell]] = []
    start, n = i, len(lines)
    while i < n and len(rows) <= MAX_TABLE_ROWS:
        k = kinds[i]
        if k == "blank":
            i += 1
            continue
        if k != "text":
            break
        rr = _run_row(lines[i])
        if rr:
            label, digits = rr
            last = rows[-1] if rows else None
            if not label and last is not None and len(last) == 1:
                last.append(TCell(digits, {"line": i + 1, "field": 1, "run": True, "lines": True}))
            elif not label and last is not None and last[-1].source.get("lines"):
                last[-1].text += " " + digits
            else:
                rows.append([TCell(label, {"line": i + 1, "field": 0}),
                             TCell(digits, {"line": i + 1, "field": 1, "run": True})])
            i += 1
            continue
        # a label-only line (a header or group label) continues the table if a row follows soon
        if _looks_like_cell(lines[i]) and len(lines[i].strip()) <= 60 and any(
                kinds[j] == "text" and _run_row(lines[j]) for j in range(i + 1, min(n, i + 4))):
            text = lines[i].strip()
            last = rows[-1] if rows else None
            if last is not None and len(last) == 1 and last[0].text.count("（") > last[0].text.count("）"):
                last[0].text += text  # "（二）部分公开（区分处理的，…" / "…不计其他情形）"
            else:
                rows.append([TCell(text, {"line": i + 1, "field": 0})])
            i += 1
            continue
        break
    if rows:
        blocks.append(Table(rows, {"line": start + 1, "delimiters": "none", "runs": True}))
    return i
