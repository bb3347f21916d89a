"""Every real report in ../shared/corpus/real (read at run time) against its hand-checked expected
file: every checked cell exact, exactly the identity breaks printed (no false one), and every
cell the checker could not settle (its `unresolved` list) null with a finding on its row.
Skipped, with the reason, when ../shared is absent."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from parsers import parse

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "real"
EXPECTED = sorted(REAL.rglob("*.expected.json")) if REAL.is_dir() else []


def _parsed(path: Path):
    exp = json.loads(path.read_text(encoding="utf-8"))
    return exp, parse(path.parent / exp["document"])


def test_the_real_corpus_is_there():
    if not REAL.is_dir():
        pytest.skip(f"reference material absent: {REAL}")
    assert len(EXPECTED) >= 15


@pytest.mark.parametrize("path", EXPECTED, ids=lambda p: p.name.removesuffix(".expected.json"))
def test_real_report(path: Path):
    exp, r = _parsed(path)
    assert (r.year, r.template) == (exp["year"], exp["template"])
    assert r.agency == exp["agency"]
    got = {(c.table, c.row, c.column): c.value for c in r.cells}
    wrong = [(c["table"], c["row"], c["column"], c["value"], got.get((c["table"], c["row"], c["column"]), "missing"))
             for c in exp["cells"] if got.get((c["table"], c["row"], c["column"]), "missing") != c["value"]]
    assert not wrong, f"{len(wrong)} of {len(exp['cells'])} cells differ (table,row,column,printed,read): {wrong[:8]}"

    breaks = {(f.identity, f.row, f.column) for f in r.findings if f.code == "identity_break"}
    want = {(b["identity"], b.get("row"), b.get("column")) for b in exp.get("identity_breaks", [])}
    assert breaks == want  # each printed break found, and no other

    flagged = {(f.table, f.row) for f in r.findings if f.severity in ("warning", "error") and f.row}
    for u in exp.get("unresolved", []):
        table, row, column = u["key"].split("/")
        assert got.get((table, row, column)) is None, (u, got.get((table, row, column)))
        assert (table, row) in flagged, f"{u['key']} is null without a finding on its row"


@pytest.mark.parametrize("path", [p for p in EXPECTED if "pingtan" in p.parts], ids=lambda p: p.name[:11])
def test_saved_page_header_read(path: Path):
    """The archive's header lines give the title, the publication date and the page's URL."""
    exp, r = _parsed(path)
    head = dict(line.split(": ", 1) for line in (path.parent / exp["document"]).read_text(encoding="utf-8")
                .splitlines()[:7] if ": " in line)
    assert r.title == head["标题"]
    assert r.published_date == head["发布时间"][:10]
    assert r.url == head["原文链接"]
    assert not r.agency.startswith("标题")


def test_a_report_inside_a_cover_letter_is_parsed():
    path = REAL / "pingtan" / "pingtan-025.expected.json"
    if not path.is_file():
        pytest.skip(f"reference material absent: {path}")
    exp, r = _parsed(path)
    assert r.title.endswith("的函") and r.status == "ok" and len(r.cells) >= len(exp["cells"])


# --- the same real pages as other archives and copies print them --------------------------------

_TRAD = str.maketrans("规范开请数处结转总计复议讼维审纠许强费条项织机构会务类过废门现与无确补为于单举报访诉额办业经执内属国稳发权护关据对况决",
                      "規範開請數處結轉總計復議訟維審糾許強費條項織機構會務類過廢門現與無確補為於單舉報訪訴額辦業經執內屬國穩發權護關據對況決")
VARIANTS = {
    "traditional": lambda t: t[:t.index("正文")] + t[t.index("正文"):].translate(_TRAD),
    "heji": lambda t: t.replace("总计", "合计"),
    "typos": lambda t: t.replace("其他法律行政法规禁止公开", "其他法律行政止公开").replace("行政事业性收费", "行政事业收费")
                        .replace("本年新收政府信息公开申请数量", "本年新收政府信息公开申请数"),
    "extra_row": lambda t: t.replace("第二十条第（五）项", "其他主动公开文件1 2 3第二十条第（五）项", 1),
    "no_header_lines": lambda t: t[t.index("==== 正文 ====") + len("==== 正文 ===="):].lstrip("=\n"),
    "tabs_between": lambda t: t[:t.index("正文")] + t[t.index("正文"):].replace(" ", "\t"),
    "bars_between": lambda t: t[:t.index("正文")] + t[t.index("正文"):].replace(" ", " | "),
    "parts_on_lines": lambda t: re.sub(r"([一二三四五六])、(总体情况|主动公开政府|收到和处理|政府信息公开行政复议|存在的主要|其他需要)",
                                       r"\n\1、\2", t),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("path", [p for p in EXPECTED if "pingtan" in p.parts], ids=lambda p: p.name[:11])
def test_real_page_printed_otherwise(path: Path, variant: str):
    """Labels misspelt, traditional, 合计 for 总计, a local extra row, no header lines, parts on
    their own lines: the same cells, exact; nothing wrong."""
    exp = json.loads(path.read_text(encoding="utf-8"))
    text = VARIANTS[variant]((path.parent / exp["document"]).read_text(encoding="utf-8"))
    r = parse(text.encode("utf-8"), "text/plain")
    got = {(c.table, c.row, c.column): c.value for c in r.cells}
    wrong = [c for c in exp["cells"] if got.get((c["table"], c["row"], c["column"]), "missing") != c["value"]]
    assert not wrong, wrong[:5]
    assert r.year == exp["year"] and r.template == exp["template"]
    # without its header lines a page names its agency in its title or its signature, or nowhere
    assert r.agency == exp["agency"] or (variant == "no_header_lines" and r.agency == "")
