"""Every real report in ../shared/corpus/real (read at run time) against its hand-checked expected
file: every checked cell exact, exactly the identity breaks printed (no false one), and every
cell the checker could not settle (its `unresolved` list) null with a finding on its row.
Skipped, with the reason, when ../shared is absent."""
from __future__ import annotations

import json
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
