"""Matching printed labels to template keys.

Labels are compared by their *core*: normalized (spec.norm), without numbering ("（三）",
"2.", "一、"), bracketed instructions, quotes and punctuation. Matchers are built once per
template version and cache every label they have seen, so a document costs dict lookups.
"""
from __future__ import annotations

import re
from collections import Counter
from difflib import SequenceMatcher
from functools import lru_cache

from .spec import norm, raw, template

_CN_DIGITS = "一二三四五六七八九十"
_NUMBERING = re.compile(
    rf"^(?:[#＃]+|第[{_CN_DIGITS}]+部分|[{_CN_DIGITS}]+[、．.，,]|（[{_CN_DIGITS}\d]+）|\d{{1,2}}[.、．](?!\d)|[-*·•])+"
)
# a bracketed aside that is not itself a numeral: "（区分处理的，只计这一情形…）", "（单位：万元）"
_ASIDE = re.compile(rf"（[^（）]*[^（）{_CN_DIGITS}\d][^（）]*）|【[^】]*】")
_PUNCT = re.compile(r"[“”\"'‘’、，。：；！？,.:;!?·•\-—_/|*#＃]+")
MAX_LABEL = 200  # longer cells are prose, not labels
MAX_FUZZY = 80  # longer cores are compared exactly or by containment only


@lru_cache(maxsize=8192)
def core(label: str) -> str:
    """The comparable part of a printed label."""
    t = norm(label[:MAX_LABEL])
    t = _NUMBERING.sub("", t)
    t = _ASIDE.sub("", t)
    return _PUNCT.sub("", t)


@lru_cache(maxsize=8192)
def numbered(label: str) -> bool:
    """Whether a label starts with its numbering ("（七）总计", "3.其他")."""
    return bool(_NUMBERING.match(norm(label[:MAX_LABEL])))


def similar(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


class Matcher:
    """Label → key for one set of labels (rows of a table, its columns, section headings)."""

    def __init__(self, labels: dict[str, list[str]], threshold: float = 0.75, min_contain: int = 4):
        self.exact: dict[str, str] = {}
        for key, texts in labels.items():
            for t in texts:
                self.exact.setdefault(core(t), key)
        self.threshold = threshold
        self.min_contain = min_contain
        self._cache: dict[str, str | None] = {}
        # each candidate with its length, characters and character counts: difflib's two cheap
        # upper bounds (real_quick_ratio, quick_ratio) computed without a SequenceMatcher per
        # candidate, the second after a cheaper bound of its own (see _match)
        self._bounds = [(cand, key, len(cand), frozenset(cand), len(cand) - len(set(cand)), Counter(cand))
                        for cand, key in self.exact.items()]

    def __call__(self, label: str) -> str | None:
        if label in self._cache:
            return self._cache[label]
        key = self._match(core(label))
        if len(self._cache) < 20000:
            self._cache[label] = key
        return key

    def _match(self, c: str) -> str | None:
        if not c:
            return None
        if c in self.exact:
            return self.exact[c]
        if len(c) > MAX_FUZZY:  # far longer than any template label: prose, not a label
            return None
        best, best_score = None, self.threshold
        sm = None
        lb, count, chars = len(c), Counter(c).get, set(c)
        for cand, key, la, cand_chars, repeats, cand_counts in self._bounds:
            # cheap upper bounds before the quadratic ratio: difflib's real_quick_ratio
            # (lengths) and quick_ratio (characters in common), same arithmetic
            if 2.0 * min(la, lb) / (la + lb) < best_score:
                continue
            # characters in common ≤ distinct shared characters + the candidate's repeats: a set
            # intersection (in C) rules out most labels before counting
            if 2.0 * (len(chars & cand_chars) + repeats) / (la + lb) < best_score:
                continue
            common = sum([min(n, count(ch, 0)) for ch, n in cand_counts.items()])
            if 2.0 * common / (la + lb) < best_score:
                continue
            if sm is None:
                sm = SequenceMatcher(None, autojunk=False)
                sm.set_seq2(c)  # difflib caches what it learns about seq2: the query
            sm.set_seq1(cand)
            s = sm.ratio()
            if s >= best_score:
                best, best_score = key, s
        if best:
            return best
        # a label with a long aside glued on, or an abbreviated one
        contained = [(len(cand), key) for cand, key in self.exact.items()
                     if len(cand) >= self.min_contain and cand in c]
        if contained:
            return max(contained)[1]
        if len(c) >= self.min_contain:
            for cand, key in self.exact.items():
                if c in cand and len(c) * 3 >= len(cand) * 2:  # not half a label ("直接起诉")
                    return key
        return None


def _labels(defs) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for d in defs:
        out.setdefault(d.key, []).extend([d.label, *d.aliases])
    return out


@lru_cache(maxsize=None)
def row_matcher(version: str, table: str) -> Matcher:
    return Matcher(_labels(template(version).rows.get(table, [])))


@lru_cache(maxsize=None)
def column_matcher(version: str, table: str) -> Matcher:
    return Matcher(_labels(template(version).columns.get(table, [])), threshold=0.8)


@lru_cache(maxsize=None)
def section_matcher() -> Matcher:
    return Matcher({str(s["number"]): [s["label"], *s.get("aliases", ())] for s in raw()["sections"]},
                   threshold=0.7)


@lru_cache(maxsize=None)
def group_cores() -> frozenset[str]:
    """Labels that head a group of rows or columns (never a cell of their own)."""
    spec = raw()
    names = {"申请人情况", "法人或其他组织", "本年度办理结果", "不予公开", "无法提供", "不予处理",
             "信息内容", "行政诉讼"}
    names |= {c.get("group", "") for c in spec["applicant_columns"]}
    names |= {g.get("group", "") for g in spec["appeals"]["groups"]}
    return frozenset(core(n) for n in names if n)
