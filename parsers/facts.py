"""Figures stated in the narrative ("全年主动公开政府信息599条"), each with its sentence, and
their comparison with the tables.

A fact is taken only from a clause that states that fact: the words of the fact right before
its number (no other figure between them), and none of the figures reports put next to them —
a 12345 hotline or petition count is not a request, a 政府采购 or category count (其他应主动公开的…)
is not the active-disclosure total, a running total since some date (截至目前累计…) not this
year's.
"""
from __future__ import annotations

import re

from .model import Fact, Report
from .sections import cn_number
from .values import MAX_VALUE

_NUM = r"(?P<n>\d[\d,，]*(?:\.\d+)?|[零〇一两二三四五六七八九十]{1,3})\s*(?:余|多)?\s*"
_SENT = re.compile(r"[^。；;！？\n]+")
_CLAUSE = re.compile(r"(?:[^，,。；;：:]+|(?<=\d),(?=\d{3}))+")  # "12,190" is one number
_CLAUSE_PLAIN = re.compile(r"[^，,。；;：:]+")  # the same, in a sentence without "," (a faster scan)
# a figure: a digit, or a Chinese numeral before a count word (two searches: each is a fast scan)
_DIGIT = re.compile(r"\d")
_CN_COUNT = re.compile(r"[零〇一两二三四五六七八九十]\s*(?:件|条|起|次|篇)")
MAX_SCAN = 200_000  # characters of narrative scanned for facts
MAX_SENTENCE = 400

_GAP = r"[^\d]{0,%d}?"  # words between a fact's words and its number: no other figure
# (key, clause pattern, words of which the pattern needs one: a cheap test before the search);
# the first matching pattern of a clause wins, so specific ones go first
_PATTERNS: list[tuple[str, re.Pattern[str], tuple[str, ...]]] = [(k, re.compile(p), words) for k, p, words in (
    ("portal_posts", r"^(?!.*申请).*?(?:网站|门户|网页)" + _GAP % 20 + r"(?:发布|公开|更新)" + _GAP % 12 + _NUM
     + r"(?:条|篇|件)", ("网站", "门户", "网页")),
    ("active_disclosure_total", r"(?<!应)主动(?:公开|发布)" + _GAP % 6 + r"信息" + _GAP % 4 + _NUM + r"(?:条|件|篇)",
     ("主动公开", "主动发布")),
    ("requests_answered", r"(?:答复|办结|办理完毕)" + _GAP % 20 + _NUM + r"(?:件|份|条)", ("答复", "办结", "办理完毕")),
    ("requests_received", r"(?:收到|受理|接收|接到|新收)" + _GAP % 20 + r"申请" + _GAP % 6 + _NUM + r"(?:件|份|条)",
     ("申请",)),
    ("reviews", r"行政复议" + _GAP % 6 + _NUM + r"(?:件|起|次)", ("行政复议",)),
    ("lawsuits", r"行政诉讼" + _GAP % 6 + _NUM + r"(?:件|起|次)", ("行政诉讼",)),
    ("fees_collected", r"收取" + _GAP % 30 + r"费" + _GAP % 6 + _NUM + r"(?:万元|元)", ("收取",)),
)]
# figures of other things that sit next to a fact's words: in the clause, the fact is not stated
_OTHER_THINGS = {
    "active_disclosure_total": re.compile(r"采购|招标|中标|预决算|规范性文件|类信息|类政府信息"),
    "portal_posts": re.compile(r"采购|招标|中标|类信息"),
    "requests_received": re.compile(r"12345|热线|工单|信访|留言|诉求|来电|咨询|同意公开|予以公开|不予公开|部分公开"),
    "requests_answered": re.compile(r"12345|热线|工单|信访|留言|诉求|来电|咨询|同意公开|予以公开|不予公开|部分公开"),
}
_NOT_THIS_YEAR = re.compile(r"截至|截止|历年|累计至")  # a running total: not this year's figure
_REQUESTS = re.compile(r"申请")  # answered requests are requests: the sentence says so
_ANY_WORD = re.compile("|".join(w for _, _, words in _PATTERNS for w in words))
# narrative ↔ table: a fact and the cells it states (summed)
_COMPARE = {
    "requests_received": [("applications", "new_received", "total")],
    "requests_answered": [("applications", "total_processed", "total")],
    "reviews": [("appeals", "review", "total")],
    "lawsuits": [("appeals", "lawsuit_direct", "total"), ("appeals", "lawsuit_after_review", "total")],
}


def _number(s: str) -> float | int | None:
    if not s[0].isdigit():  # 两件, 十二件
        return cn_number(s.replace("两", "二").replace("〇", "零")) if s not in ("零", "〇") else 0
    s = s.replace(",", "").replace("，", "")
    try:
        f = float(s)
    except ValueError:
        return None
    return int(f) if f.is_integer() and "." not in s else f


def find_facts(text: str, oversize: list[tuple[str, str]] | None = None) -> list[Fact]:
    """The first statement of each fact key, with its sentence. A figure beyond the archive's
    integer range is no fact: (key, sentence) goes to `oversize` when given."""
    found: dict[str, Fact] = {}
    for sm in _SENT.finditer(text[:MAX_SCAN]):
        sentence = sm.group(0).strip()[:MAX_SENTENCE]
        if not (_DIGIT.search(sentence) or _CN_COUNT.search(sentence)):
            continue
        if not _ANY_WORD.search(sentence):
            continue  # no pattern can match (one scan instead of a test per pattern and clause)
        for cm in (_CLAUSE if "," in sentence else _CLAUSE_PLAIN).finditer(sentence):
            clause = cm.group(0)
            if not (_DIGIT.search(clause) or _CN_COUNT.search(clause)) or not _ANY_WORD.search(clause):
                continue
            for key, pat, words in _PATTERNS:
                for w in words:
                    if w in clause:
                        break
                else:
                    continue  # the pattern cannot match
                m = pat.search(clause)
                if m and key in _OTHER_THINGS and _OTHER_THINGS[key].search(clause, max(0, m.start() - 8), m.end()):
                    m = None  # (what follows the number — "（涵盖…类6条）" — is another matter)
                if m and key in ("active_disclosure_total", "portal_posts") and "累计" in clause and \
                        _NOT_THIS_YEAR.search(sentence, 0, cm.end()):
                    m = None
                if m and key == "requests_answered" and not _REQUESTS.search(sentence):
                    m = None
                if m:
                    v = _number(m["n"])
                    if v is not None and abs(v) > MAX_VALUE:
                        if oversize is not None and key not in found:
                            oversize.append((key, sentence))
                        v = None
                    if v is not None and key not in found:
                        unit_wan = key == "fees_collected" and "万元" in m.group(0)
                        found[key] = Fact(key, v * 10000 if unit_wan else v, sentence)
                    break
    return list(found.values())


def compare(report: Report) -> None:
    """A narrative figure that disagrees with the table is a finding."""
    wanted = {k for f in report.facts for k in _COMPARE.get(f.key, ())}
    if not wanted:
        return
    rows = {k[1] for k in wanted}  # a cheap test before building each cell's key
    cells = {k: c.value for c in report.cells if c.row in rows and (k := (c.table, c.row, c.column)) in wanted}
    for f in report.facts:
        keys = _COMPARE.get(f.key)
        if not keys or any(cells.get(k) is None for k in keys):
            continue
        table_value = sum(cells[k] for k in keys)  # type: ignore[misc]
        if abs(table_value - f.value) > 1e-6:
            report.add_finding(
                "fact_mismatch", "warning",
                f"narrative says {f.key}={f.value} (“{f.text[:60]}”) but the table gives {table_value}",
                table=keys[0][0], row=keys[0][1], column=keys[0][2], fact=f.key,
                narrative=f.value, table_value=table_value)
