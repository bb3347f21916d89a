"""The parse's shortcuts give the answers of the plain computations they skip: the collector
pause restores the collector, the cheaper bounds and memos change no match, no heading, no
identity verdict, no decoding."""
from __future__ import annotations

import gc
import threading
from difflib import SequenceMatcher

from hypothesis import given, settings
from hypothesis import strategies as st

from parsers import parse
from parsers.checks import check_identities
from parsers.decode import decode
from parsers.gcpause import paused_gc
from parsers.html import to_blocks
from parsers.labels import core, row_matcher, section_matcher
from parsers.meta import _CN_NUM, _YEAR, find_year, main_year
from parsers.model import Cell, Report
from parsers.spec import template
from reportgen import generate, render_html


def test_gc_paused_inside_and_restored_after():
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():  # nested (a parse inside a parse)
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_gc_left_off_when_the_caller_had_turned_it_off():
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_gc_back_on_only_when_the_last_thread_leaves():
    inside, leave = threading.Event(), threading.Event()

    def other() -> None:
        with paused_gc():
            inside.set()
            leave.wait(5)

    t = threading.Thread(target=other)
    with paused_gc():
        t.start()
        inside.wait(5)
    assert not gc.isenabled()  # the other thread still parses
    leave.set()
    t.join(5)
    assert gc.isenabled()


def test_parse_leaves_gc_as_it_was():
    page = render_html(generate(seed=3, template="2021", year=2022), style="trs")
    assert parse(page, "text/html").cells
    assert gc.isenabled()


def _reference_match(matcher, label: str) -> str | None:
    """Matcher's answer computed the plain way: difflib's ratio for every candidate."""
    c = core(label)
    if not c:
        return None
    if c in matcher.exact:
        return matcher.exact[c]
    if len(c) > 80:
        return None
    best, best_score = None, matcher.threshold
    for cand, key in matcher.exact.items():
        s = SequenceMatcher(None, cand, c, autojunk=False).ratio()
        if s >= best_score:
            best, best_score = key, s
    if best:
        return best
    contained = [(len(cand), key) for cand, key in matcher.exact.items() if len(cand) >= matcher.min_contain and cand in c]
    if contained:
        return max(contained)[1]
    if len(c) >= matcher.min_contain:
        for cand, key in matcher.exact.items():
            if c in cand and len(c) * 3 >= len(cand) * 2:
                return key
    return None


# labels near the template's (characters dropped, swapped, added) and unrelated lines
LABEL_CHARS = st.sampled_from(list("本年新收政府信息公开申请数量上结转予以部分不处理其他总计行政复议诉讼维持纠正街道办事处人民2021年月日、（）"))


@settings(max_examples=300, deadline=None)
@given(st.lists(LABEL_CHARS, min_size=1, max_size=20).map("".join),
       st.sampled_from(["applications", "active", "appeals", "sections"]))
def test_fuzzy_label_bounds_change_no_match(label, table):
    matcher = section_matcher() if table == "sections" else row_matcher("2021", table)
    assert matcher._match(core(label)) == _reference_match(matcher, label)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from([r.label for rows in template("2021").rows.values() for r in rows]),
       st.integers(0, 30), st.sampled_from(["", "X", "的", "情况"]))
def test_fuzzy_label_bounds_on_damaged_template_labels(label, cut, extra):
    damaged = label[:cut] + extra + label[cut + 1:]
    matcher = row_matcher("2021", "applications")
    assert matcher._match(core(damaged)) == _reference_match(matcher, damaged)


def test_known_container_found_after_many_class_attributes():
    # Word's HTML: hundreds of class attributes, the known container after all of them
    filler = "".join(f'<p class="MsoNormal">{i}</p>' for i in range(100))
    page = (f'<html><body>{filler}<div class="TRS_Editor"><p>一、总体情况</p>'
            '<p>本机关全年主动公开政府信息12条，内容详实完整，此处补足五十个字以上的正文以便判断为正文内容。</p>'
            '</div></body></html>').encode()
    texts = [b.text for b in to_blocks(page, Report()) if hasattr(b, "text")]
    assert "一、总体情况" in texts and "0" not in texts  # the container's blocks only


def test_inline_spaces_kept_leading_whitespace_dropped():
    page = b"<html><body><div>\n  <p>\n  One <b>two</b> three\n</p>\n<p> \n</p><p>four<span> </span>five</p></div></body></html>"
    texts = [b.text for b in to_blocks(page, Report()) if hasattr(b, "text")]
    assert texts == ["One two three", "four five"]


def test_gbk_page_still_read_as_gb18030_and_damaged_utf8_as_utf8():
    text = "政府信息公开工作年度报告" * 400
    assert decode(text.encode("gbk"), None, html=False)[1] == "gb18030"
    damaged = bytearray(text.encode("utf-8"))
    damaged[5000] = 0xFF  # one flipped byte in a long UTF-8 text: still UTF-8
    out, enc, problems = decode(bytes(damaged), None, html=False)
    assert enc == "utf-8" and 0 < out.count("\ufffd") <= 3 and problems


def test_identity_checks_on_blank_unknown_and_missing_cells():
    r = generate(seed=11, template="2021", year=2022)
    r.findings = []
    cells = {(c.table, c.row, c.column): c for c in r.cells}
    cells[("applications", "granted", "total")].value = None  # printed blank over non-zero parts
    cells[("applications", "withheld_state_secret", "natural_person")].value += 1  # a break
    r.cells = [c for k, c in cells.items() if k != ("appeals", "review", "upheld")]  # not printed
    check_identities(r)
    codes = sorted({(f.code, f.identity or "") for f in r.findings})
    assert ("total_omitted", "") in codes
    assert ("identity_break", "row_total") in codes and ("identity_break", "results_sum") in codes
    assert not [f for f in r.findings if f.details.get("table") == "appeals" or f.table == "appeals"]
    r.cells.append(Cell("applications", "granted", "total", 1))  # printed twice: the last counts
    r.findings = []
    check_identities(r)
    assert any(f.identity == "row_total" and f.row == "granted" for f in r.findings)


YEAR_PIECES = st.sampled_from(["2019", "2021", "1999", "20", "9", "１", "二〇二一", "〇二", "一", "年", "年度",
                                " ", "\u3000", "\n", "报告", "第"])


@settings(max_examples=500, deadline=None)
@given(st.lists(YEAR_PIECES, max_size=30).map("".join))
def test_years_found_from_each_nian_are_the_lookbehind_patterns(text):
    # the reference: the pattern with its look-behind, tried at every position
    years = [y for m in _YEAR.finditer(text) if 2000 <= (y := int(m.group(1).translate(_CN_NUM))) <= 2100]
    assert find_year(text) == (years[0] if years else None)
    counts = {y: years.count(y) for y in years}
    assert main_year(text) == (max(counts, key=counts.__getitem__) if counts else None)
