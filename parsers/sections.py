"""The report's parts: numbered headings (一、/（一）/1./第一部分/#-marked) in reading order.

The top level is the numbering style of the first heading that names a standard part (or,
in pre-2019 reports with their own headings, of the first numbered heading); deeper levels
("（一）存在的主要问题" under 五、) never start a part.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .labels import core, section_matcher, similar

_CN = "一二三四五六七八九十"
_CN_VALUE = {c: i + 1 for i, c in enumerate(_CN)}
_HEAD = re.compile(
    rf"^\s*(?:第(?P<part>[{_CN}]{{1,3}})部分[、：:．.\s]*|(?P<cn>[{_CN}]{{1,3}})\s*[、．.]\s*"
    rf"|[（(]\s*(?P<paren>[{_CN}]{{1,3}})\s*[)）]\s*|(?P<ar>\d{{1,2}})\s*[、．.](?!\d)\s*)(?P<rest>.*)$"
)
_SPACED = re.compile(rf"^\s*(?P<cn>[{_CN}]{{1,3}})\s+(?P<rest>\S.*)$")  # "一 总体情况"
_PROMISE = re.compile(rf"([{_CN}]|\d{{1,2}})\s*个?(?:部分|方面)")
MAX_HEADING = 60


def cn_number(s: str) -> int:
    """一..九十九 → int (十一 = 11, 二十 = 20)."""
    if s.isdigit():
        return int(s)
    if "十" in s:
        a, _, b = s.partition("十")
        return (_CN_VALUE.get(a, 1) if a else 1) * 10 + (_CN_VALUE.get(b, 0) if b else 0)
    return _CN_VALUE.get(s, 0)


@dataclass
class Heading:
    index: int  # position in the paragraph list given
    number: int
    text: str  # as printed, without its numbering
    style: str
    standard: int | None  # the standard part it names (1..6), if any


# _candidate's verdicts on short paragraphs: reports repeat their headings word for word
_VERDICTS: dict[tuple[str, bool], tuple[int, str, str, int | None] | None] = {}
_MAX_VERDICTS = 20_000
_UNSEEN = object()


def _candidate(index: int, text: str, marked: bool) -> Heading | None:
    """A paragraph that may head a part: short, numbered — or marked as a heading (or alone on
    its line) and naming a standard part."""
    t = text.strip()
    if not t or len(t) > (100 if marked else MAX_HEADING):
        return None
    verdict = _VERDICTS.get((t, marked), _UNSEEN)
    if verdict is _UNSEEN:
        verdict = _verdict(t, marked)
        if len(_VERDICTS) < _MAX_VERDICTS:
            _VERDICTS[(t, marked)] = verdict
    return None if verdict is None else Heading(index, *verdict)


def _verdict(t: str, marked: bool) -> tuple[int, str, str, int | None] | None:
    """(number, text, style, standard part) of a short stripped paragraph that heads a part."""
    sections = section_matcher()
    m = _HEAD.match(t) or _SPACED.match(t)
    if m and m.re is _SPACED and not sections(m["rest"]):
        m = None  # "一 总体情况" only when it names a standard part
    if m:
        groups = m.groupdict()
        style = next(k for k in ("part", "cn", "paren", "ar") if groups.get(k))
        number = cn_number(groups[style])
        rest = groups["rest"].strip()
    else:
        style, number, rest = "none", 0, t
    if not rest or (rest.endswith(("。", "；", ";")) and not marked):
        return None
    std = sections(rest)
    if style == "none" and not std:
        return None
    if style == "none" and not marked and core(rest) not in sections.exact:
        return None
    return number, rest.rstrip("：:"), style, int(std) if std else None


def find_headings(paras: list[tuple[str, bool]]) -> list[Heading]:
    """Top-level headings among (text, marked-as-heading) paragraphs, in order."""
    cands = [h for i, (t, marked) in enumerate(paras) if (h := _candidate(i, t, marked))]
    if not cands:
        return []
    top = next((h.style for h in cands if h.standard and h.style != "none"), None)
    if top is None:
        top = next((h.style for h in cands if h.style in ("cn", "part")), None) \
            or next((h.style for h in cands if h.style != "none"), "none")
    out: list[Heading] = []
    last = 0
    seen_std: set[int] = set()
    for h in cands:
        if h.style == top and h.style != "none":
            ok = last < h.number <= last + 2 or (h.standard == h.number and h.number > last)
        else:
            # another numbering system: only a heading that clearly names the next standard part
            ok = bool(h.standard) and h.standard not in seen_std and h.standard > last \
                and _std_similarity(h.text, h.standard) >= 0.8
            if ok and not h.number:
                h.number = h.standard
        if ok:
            out.append(h)
            last = h.number
            if h.standard:
                seen_std.add(h.standard)
    return out


def _std_similarity(text: str, n: int) -> float:
    c = core(text)
    return max(similar(c, cand) for cand, k in section_matcher().exact.items() if k == str(n))


def promised_parts(text: str) -> int | None:
    """'本报告由…六个部分组成' → 6."""
    m = _PROMISE.search(text)
    return cn_number(m.group(1)) if m else None
