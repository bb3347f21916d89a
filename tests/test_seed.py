"""The seed report (../shared/corpus/seed, read at run time) parses exactly to its expected.json."""
from __future__ import annotations

import json

import pytest

from needs import shared_path
from parsers import parse


@pytest.fixture(scope="module")
def seed():
    folder = shared_path("corpus", "seed")
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    return expected, parse(folder / expected["document"])


def test_identity(seed):
    exp, r = seed
    assert (r.media_type, r.agency, r.year, r.template, r.status) == \
        (exp["media_type"], exp["agency"], exp["year"], exp["template"], exp["status"])
    assert r.title == "柳泉镇人民政府2021年政府信息公开工作年度报告"


def test_sections(seed):
    exp, r = seed
    assert [{"number": s.number, "heading": s.heading} for s in r.sections] == exp["sections"]
    assert "599条" in r.sections[0].text and "在今后的工作中" in r.sections[4].text


def test_every_cell(seed):
    exp, r = seed
    got = {(c.table, c.row, c.column): c for c in r.cells}
    assert len(r.cells) == len(exp["cells"]) == 200
    wrong = [c for c in exp["cells"] if (k := (c["table"], c["row"], c["column"])) not in got
             or got[k].value != c["value"]]
    assert not wrong
    # provenance: line and tab field of the printed cell; raw kept as printed
    c = got[("applications", "withheld_prohibited_by_law", "other_org")]
    assert c.source == {"line": 42, "field": 8} and c.raw == "0" and not c.imputed
    assert got[("appeals", "lawsuit_after_review", "total")].source == {"line": 69, "field": 14}


def test_facts(seed):
    exp, r = seed
    assert [(f.key, f.value) for f in r.facts] == [(f["key"], f["value"]) for f in exp["facts"]]
    assert all("599" in f.text or "142" in f.text for f in r.facts)


def test_no_identity_break_and_no_warning(seed):
    exp, r = seed
    assert [f for f in r.findings if f.code == "identity_break"] == exp["identity_breaks"] == []
    # the only remark: the (七)总计 row prints one number more than its columns
    assert [(f.code, f.row) for f in r.findings] == [("extra_cells", "total_processed")]
