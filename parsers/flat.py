"""Text whose line breaks were lost: a report page saved as one line ("…一、总体情况2023年，我局…
二、主动公开政府信息情况第二十条第（一）项信息内容本年制发件数…规章000行政规范性文件008…").

No heading starts a line there, so parts, tables and rows are found by the template's labels
anywhere in a paragraph: the numbered part headings (一、总体情况 …), then every run of printed
values whose text before it ends with a row label ("…数量0 0 0 0 0 00", "2.其他法律…").
A row label's own numbering glued to the previous row's digits ("00000002.其他法律…") goes
back to the label. The paragraph becomes the blocks a text with its line breaks would have
given: headings and narrative as paragraphs, each table row as [label, values as printed]
(digits possibly run together, spaces kept: they are cell boundaries; tables.py cuts them).

A run of values is a row only when the words before its label are table words (headers,
group labels, the part heading): "全年办理行政许可8件" stays narrative.
"""
from __future__ import annotations

import re
from functools import lru_cache

from .blocks import Block, Para, Table, TCell
from .labels import core, similar
from .spec import TABLES, raw, template
from .spec import _NORM, _NORM_CHARS  # one character for one: positions in the normalized text are the printed ones

MIN_CHARS = 60  # shorter paragraphs are never flattened tables
MIN_ROWS = 2  # a paragraph is read as flattened tables only if it holds this many rows
MAX_LABEL_TEXT = 400  # text between two runs of values longer than this is narrative
_CN = "一二三四五六七八九十"
# a run of printed values: numbers (units, signs, decimals, thousands), "/" and "—" marks,
# separated or not by spaces
_VAL = r"(?:[+\-]?\d+(?:[.,]\d+)*(?:万元|元|%|％)?|[/／]+|—+)"
_RUN = re.compile(rf"{_VAL}(?:[ \t\u3000\xa0|]*{_VAL})*")  # ("|" or tabs between cells: still apart)
_NUMBERING_AFTER = re.compile(r"[.．、](?!\d)")  # "2." of the next row's label, glued to the run
_NARRATIVE_PUNCT = "。；;！？!?，,"
_BRACKETED = re.compile(r"[（(][^（）()]*[)）]")
_LAST_PUNCT = re.compile(rf"[{_NARRATIVE_PUNCT}](?=[^{_NARRATIVE_PUNCT}]*$)")
_TRAILING_ASIDE = re.compile(r"[（(][^（）()]{0,80}[)）]\s*$")
_ASIDES = re.compile(r"[（(][^（）()]*[^（）()" + _CN + r"\d][^（）()]*[)）]")
# the numbering in front of a label: 一、 （一） 1. (the digit may have come off a run)
_LABEL_NUMBERING = re.compile(rf"(?:[{_CN}]{{1,3}}\s*[、.．]|[（(]\s*[{_CN}\d]{{1,3}}\s*[)）]|\d{{1,2}}\s*[.．、])\s*$")
_MARKUP = re.compile(r"<!--.*?-->|<[^<>]{0,200}>")
_ANY_NUMBERING = re.compile(rf"(?:[{_CN}]{{1,3}}\s*[、．]|[（(]\s*[{_CN}\d]{{1,3}}\s*[)）]|(?<![\d.])\d{{1,2}}\s*[.．、])\s*")
_TABLE_MARKERS = ("第二十条", "信息内容", "申请人情况", "勾稽关系", "钩稽关系", "本年度办理结果")
MAX_UNKNOWN_LABEL = 40
MAX_TITLE_AT = 300  # a page's title stands in its first characters
_TITLE_AT = re.compile(r"(?P<year>(?:19|20)\d{2})\s*年度?[^。，；\s]{0,20}?信息公开[^。，；\s]{0,12}?(?:年度报告|工作报告|年报)(?:的函)?")
_HAS_DIGIT = re.compile(r"\d")
_ITEM = rf"第[{_CN}]+条第[（(][{_CN}]+[)）]项"
_PART_NUM = re.compile(rf"(?:第(?P<part>[{_CN}]{{1,2}})部分|(?P<cn>[{_CN}]{{1,2}})\s*[、.．])\s*")
# count words after a number: a run followed by one is narrative ("8件", "2023年")
_COUNT_AFTER = re.compile(r"\s*(?:件|条|个|项|次|人|年|月|日|余|多|万|亿|份|篇|家|号|期|批|类|场|名)")
# words that may stand around a table's rows: headers, group labels, units
_EXTRA_WORDS = ("信息内容", "申请人情况", "本年度办理结果", "不予公开", "无法提供", "不予处理", "其他处理",
                "法人或者其他组织", "法人或其他组织", "行政诉讼", "单位", "万元", "件", "个", "条", "项目",
                "数量", "统计表", "情况")
_APPEALS_WORDS = ("行政复议", "行政诉讼", "未经复议直接起诉", "复议后起诉", "结果维持", "结果纠正", "其他结果",
                  "尚未审结", "总计", "合计")


@lru_cache(maxsize=1)
def _row_labels() -> tuple[tuple[str, str, str, bool], ...]:
    """(core, table, row key, needs numbering) of every row label of both layouts, longest first;
    a label as short as 其他 / 总计 is a row only right after its numbering."""
    out: dict[str, tuple[str, str, str, bool]] = {}
    for version in ("2021", "2019"):
        tpl = template(version)
        for t in TABLES:
            for r in tpl.rows.get(t, []):
                for label in (r.label, *r.aliases):
                    c = core(label)
                    if c and c not in out:
                        out[c] = (c, t, r.key, len(c) <= 2 and t != "active")
    for o in raw()["appeals"]["outcomes"]:  # section 四 printed with outcomes as rows
        for label in (o["label"], *o.get("aliases", ())):
            c = core(label)
            if c not in out:
                out[c] = (c, "appeals", "", len(c) <= 2)
    return tuple(sorted(out.values(), key=lambda x: -len(x[0])))


@lru_cache(maxsize=1)
def _label_ends() -> tuple[str, ...]:
    return tuple(x[0] for x in _row_labels())


@lru_cache(maxsize=1)
def _vocabulary() -> re.Pattern[str]:
    """Every word a table prints besides its values and row labels (cores), longest first."""
    words = set(_EXTRA_WORDS) | set(_APPEALS_WORDS)
    for version in ("2021", "2019"):
        tpl = template(version)
        for t in TABLES:
            for c in tpl.columns.get(t, []):
                words |= {core(x) for x in (c.label, *c.aliases)} | {c.label, *c.aliases}  # ("本年增/减" as printed)
                if c.group:
                    words.add(core(c.group))
            for r in tpl.rows.get(t, []):
                words |= {core(x) for x in (r.label, *r.aliases)}
    words.discard("")
    alternatives = sorted((re.escape(w) for w in words), key=len, reverse=True)
    return re.compile(_ITEM + "|" + "|".join(alternatives) + rf"|[{_CN}\d（）()]")


@lru_cache(maxsize=1)
def _section_labels() -> tuple[tuple[str, int, frozenset[str], int], ...]:
    """(core, part, its characters, its repeated characters) of every part heading, longest first."""
    out = set()
    for s in raw()["sections"]:
        for label in (s["label"], *s.get("aliases", ())):
            c = core(label)
            out.add((c, s["number"], frozenset(c), len(c) - len(set(c))))
    return tuple(sorted(out, key=lambda x: -len(x[0])))


_DROP = dict.fromkeys(map(ord, " \t\n\r\f\v\u3000\xa0“”\"'‘’、，。：；！？,.:;!?·•-—_/|*#＃"))


def _compact(text: str) -> tuple[str, list[int]]:
    """`text` without spaces and punctuation, with each kept character's index in `text`."""
    keep = [i for i, ch in enumerate(text) if ord(ch) not in _DROP]
    return "".join(text[i] for i in keep), keep


def looks_flattened(text: str) -> bool:
    """A cheap test: a long paragraph holding table labels or several part headings."""
    if len(text) < MIN_CHARS:
        return False
    hits = _table_words(text)
    if hits < 2 and _NORM_CHARS.search(text):  # traditional characters
        hits = _table_words(text.translate(_NORM))
    return hits >= 2


def _table_words(text: str) -> int:
    hits = sum(w in text for w in ("本年新收", "上年结转", "结转下年度", "结果维持", "尚未审结", "予以公开",
                                   "申请人情况", "信息内容"))
    return hits + min(2, text.count("第二十条"))


# --- part headings -----------------------------------------------------------------------------

def part_headings(norm_text: str) -> list[tuple[int, int, int]]:
    """(start, end, standard part) of the numbered part headings ("二、主动公开政府信息情况")
    anywhere in a normalized text."""
    out: list[tuple[int, int, int]] = []
    for m in _PART_NUM.finditer(norm_text):
        if out and m.start() < out[-1][1]:
            continue
        window = norm_text[m.end():m.end() + 48]
        comp, at = _compact(window)
        best: tuple[float, int, int] | None = None  # (score, part, characters of the label)
        labels = _section_labels()
        for label, number, _, _ in labels:
            if comp.startswith(label):
                best = (1.0, number, len(label))
                break
        else:  # a near spelling ("…行政复议与行政诉讼情况"); difflib only past a cheap bound
            for label, number, chars, repeats in labels:
                n = len(label)
                w = comp[:n + 1]
                if len(w) < n - 1 or 2.0 * (len(chars.intersection(w)) + repeats) / (len(w) + n) < 0.85:
                    continue
                for k in (n - 1, n, n + 1):
                    if k <= len(comp):
                        s = similar(comp[:k], label)
                        if s >= 0.85 and (best is None or s > best[0]):
                            best = (s, number, k)
        if best is not None:
            end = m.end() + at[best[2] - 1] + 1
            out.append((m.start(), end, best[1]))
    return out


# --- rows ---------------------------------------------------------------------------------------

def _row_label(text: str) -> tuple[int, str, str] | None:
    """(where the label starts in `text`, table, row key) when `text` ends with a row label
    (its numbering included; a bracketed instruction after it allowed)."""
    body = _TRAILING_ASIDE.sub("", text)
    tail = body[-120:]
    if not tail.translate(_DROP).endswith(_label_ends()):
        return None
    comp, at = _compact(tail)
    for c, table, key, needs_numbering in _row_labels():
        if comp.endswith(c):
            start = len(body) - len(tail) + at[len(comp) - len(c)]
            numbering = _LABEL_NUMBERING.search(body, 0, start)
            if numbering and numbering.end() >= start - 1 and body[numbering.end():start].strip() == "":
                start = numbering.start()
            elif needs_numbering:
                return None
            return start, table, key
    return None


def _explained(text: str) -> bool:
    """Whether the words before a row label are table words only (headers, group labels,
    numbering, bracketed instructions; markup a saved page kept): the label then is a row of a
    table, not narrative."""
    t = _ASIDES.sub("", _MARKUP.sub("", text))
    comp, _ = _compact(t)
    return not _vocabulary().sub("", comp)


def _unknown_label(text: str, in_table: bool) -> int | None:
    """Where the label of a row the template does not know as printed starts: after the last
    numbering (一、 （二） 3.), else after the last table word — when what stands before it is
    table words, it is short, has no figure, and either a table is being read or the words
    before it mark one (第二十条, 申请人情况, …)."""
    masked = _ASIDES.sub(lambda m: " " * len(m.group(0)), re.sub(_ITEM, lambda m: " " * len(m.group(0)), text))
    at = max((m.end() for m in _ANY_NUMBERING.finditer(masked)), default=0)
    if not at:
        at = max((m.end() for m in _vocabulary().finditer(masked) if len(m.group(0)) > 1), default=0)
    label, head = text[at:].strip(), text[:at]
    if not label or len(label) > MAX_UNKNOWN_LABEL or _HAS_DIGIT.search(label) or not _explained(head):
        return None
    return at if in_table or any(w in head for w in _TABLE_MARKERS) else None


def _appeals_header(text: str) -> bool:
    """Section 四's header words, the data row after them ("…尚未审结总计 00 0 00…")."""
    comp, _ = _compact(_ASIDES.sub("", _MARKUP.sub("", text)))
    if sum(w in comp for w in ("结果维持", "结果纠正", "尚未审结", "其他结果")) < 2:
        return False
    residue = comp
    for w in sorted(_APPEALS_WORDS, key=len, reverse=True):
        residue = residue.replace(w, "")
    return len(residue) <= 2


def _narrative_cut(text: str) -> int:
    """Index after the last narrative punctuation of `text` outside brackets (0 if none)."""
    masked = _BRACKETED.sub(lambda m: "_" * len(m.group(0)), text)
    m = _LAST_PUNCT.search(masked)
    return m.end() if m else 0


def _header_cells(text: str, source: dict) -> list[TCell]:
    """A header text as cells: the table words it is made of, in order."""
    t = _ASIDES.sub(" ", _MARKUP.sub(" ", text))
    words = [m.group(0) for m in re.finditer(_vocabulary().pattern, t.replace(" ", ""))
             if len(m.group(0)) > 1]
    return [TCell(w, {**source, "field": k}) for k, w in enumerate(words)]


def unflatten(para: Para) -> list[Block] | None:
    """The blocks of a paragraph whose line breaks were lost; None when it holds no tables
    (then the paragraph is read as it is)."""
    # markup a saved page kept ("<!--[if !supportMisalignedColumns]-->") blanked out, in place
    text = _MARKUP.sub(lambda m: " " * len(m.group(0)), para.text)
    norm = text.translate(_NORM)
    src = dict(para.source)
    heads = part_headings(norm)
    title = _leading_title(text[:heads[0][0] if heads else MAX_TITLE_AT])
    bounds = [title[1] if title else 0] + [x for s, e, _ in heads for x in (s, e)] + [len(text)]
    blocks: list[Block] = []
    if title:  # the page's title, before the chrome a saved page keeps above it (当前位置：…)
        blocks.append(Para(text[title[0]:title[1]].strip(), {**src, "char": title[0]}))
        blocks.append(Para(text[:title[0]].strip(), dict(src)))
    rows = 0
    for k in range(0, len(bounds), 2):
        a, b = bounds[k], bounds[k + 1]
        if k:  # the heading before this stretch
            s, e, _ = heads[k // 2 - 1]
            blocks.append(Para(text[s:e].strip(), {**src, "char": s}))
        rows += _stretch(text, norm, a, b, src, blocks)
    if rows < MIN_ROWS:
        return None
    return [b for b in blocks if not isinstance(b, Para) or b.text]


def _leading_title(text: str) -> tuple[int, int] | None:
    """(start, end) of the report's title printed at the head of a page's text: at its start or
    after the page's chrome and a space ("当前位置：…年报 XX局2021年度政府信息公开工作年度报告 来源…")."""
    m = _TITLE_AT.search(text)
    if not m:
        return None
    start = max(text.rfind(" ", 0, m.start("year") - 1), text.rfind("\u3000", 0, m.start("year") - 1)) + 1
    agency = text[start:m.start("year")].strip()
    if not 2 <= len(agency) <= 40 or any(w in agency for w in ("根据", "《", "关于做好", "。", "，")):
        return None
    return start, m.end()


def _stretch(text: str, norm: str, a: int, b: int, src: dict, blocks: list[Block]) -> int:
    """Blocks of text[a:b] (no part heading inside): narrative and table rows. Returns the rows."""
    cursor = a  # where the text not yet given out starts
    table: list[list[TCell]] = []
    table_at = a
    found = 0

    def close_table() -> None:
        nonlocal table
        if table:
            blocks.append(Table(table, {**src, "char": table_at, "delimiters": "none", "runs": True}))
            table = []

    def begin(at: int, new: bool) -> None:
        """Rows start at `at`: a new table after narrative (given out as a paragraph)."""
        nonlocal table_at
        if new or not table:
            close_table()
            if text[cursor:at].strip():
                blocks.append(Para(text[cursor:at].strip(), {**src, "char": cursor}))
            table_at = at

    def header(at: int, end: int) -> None:
        """The table words between the previous row and this one, as a header row."""
        if text[at:end].strip():
            cells = _header_cells(norm[at:end], {**src, "char": at})
            if cells:
                table.append(cells)

    for m in _RUN.finditer(text, a, b):
        rs, re_ = m.start(), m.end()
        run = m.group(0)
        if re_ < b and _NUMBERING_AFTER.match(text, re_) and run[-1].isdigit():
            re_ -= 1  # the next label's numbering ("…00000002.其他法律…")
            run = run[:-1]
            if not run.strip():
                continue
        counted = bool(_COUNT_AFTER.match(text, re_, min(b, re_ + 2)))
        if counted and not table:
            continue  # "8件", "2023年": a figure of the narrative
        label_text = norm[cursor:rs]
        cut = _narrative_cut(label_text)
        rest = label_text[cut:]
        if len(rest) > MAX_LABEL_TEXT:
            continue
        at = cursor + cut
        cell = TCell(" ".join(run.replace("|", " ").split()), {**src, "char": rs, "field": 1, "run": True})
        hit = _row_label(rest)
        if hit is not None and _explained(rest[:hit[0]]):
            start = at + hit[0]
        elif _appeals_header(rest):
            begin(at, bool(cut))
            header(at, rs)
            table.append([TCell(cell.text, {**cell.source, "field": 0})])  # section 四's data row
            found += 2  # (its header words and its data row: as sure as two rows)
            cursor = re_
            continue
        elif _HAS_DIGIT.search(run) and not counted and \
                (unknown := _unknown_label(rest, bool(table) and not cut)) is not None:
            # a label the template does not know as printed (a typo, a local extra row) inside
            # a table: a row still, so its numbers never run into the next row's label; the
            # reader matches it loosely or reports it unmatched
            start = at + unknown
            found -= 1  # (not counted as a row the template knows)
        else:
            if table and (cut or len(rest) > 60):
                close_table()  # narrative after the table
            continue
        begin(at, bool(cut))
        header(at, start)
        table.append([TCell(text[start:rs].strip(), {**src, "char": start, "field": 0}), cell])
        found += 1
        cursor = re_
    close_table()
    if text[cursor:b].strip():
        blocks.append(Para(text[cursor:b].strip(), {**src, "char": cursor}))
    return found


def heading_rows(table: Table) -> list[Block] | None:
    """A table of label lines and digit lines whose label-only row is a part heading
    ("四、政府信息公开行政复议、行政诉讼情况" on its own line): the table ends there and the
    heading is a paragraph. None when no row is one."""
    out: list[Block] = []
    rows: list[list[TCell]] = []
    for row in table.rows:
        text = row[0].text if len(row) == 1 else ""
        head = part_headings(text.translate(_NORM)) if text[:1] in _CN or text.startswith("第") else []
        if head and head[0][0] == 0 and len(text) - head[0][1] <= 2:
            if rows:
                out.append(Table(rows, dict(table.source)))
                rows = []
            out.append(Para(text, dict(row[0].source)))
        else:
            rows.append(row)
    if not out:
        return None
    if rows:
        out.append(Table(rows, dict(table.source)))
    return out
