"""Layouts read before (parsers.tables): a report whose tables print the same labels and blanks
as an earlier one has its reading replayed, and the outcome is exactly a fresh reading's."""
from __future__ import annotations

import pytest

from parsers import parse, tables
from parsers.blocks import Table, TCell
from reportgen.corpus import DOCS, render, sweep


@pytest.fixture(autouse=True)
def no_plans():
    tables._PLANS.clear()
    yield
    tables._PLANS.clear()


def _table(*rows: list[str], **source) -> Table:
    return Table([[TCell(t, {"row": r, "col": c}) for c, t in enumerate(row)] for r, row in enumerate(rows)],
                 source)


def test_the_key_masks_only_whole_cells_of_digits():
    key = lambda *rows: tables._layout_key("2021", [(_table(*rows), "applications")])  # noqa: E731
    assert key(["本年新收", "12"]) == key(["本年新收", "7"])  # only the number differs
    assert key(["本年新收", "12"]) != key(["本年新收", ""])  # a blank is not a number
    assert key(["本年新收", "12"]) != key(["本年新收", "１２"])  # full-width digits stay as printed
    assert key(["本年新收", "12"]) != key(["本年新收", "12余"])  # so does any other value text
    assert key(["2020年新收", "1"]) != key(["2021年新收", "1"])  # digits inside a label are kept
    assert key(["本年新收", "1", "2"]) != key(["本年新收", "1"], ["2"])  # rows keep their lengths
    assert key(["本年\x1f新收", "1"]) is None  # a text holding the separator is not keyed
    runs = tables._layout_key("2021", [(_table(["本年新收", "123"], delimiters="none"), None)])
    assert runs is None  # digits run together: their cut depends on the numbers


def test_a_key_tells_the_sections_and_versions_apart():
    t = _table(["本年新收", "12"])
    assert tables._layout_key("2021", [(t, "applications")]) != tables._layout_key("2021", [(t, None)])
    assert tables._layout_key("2021", [(t, None)]) != tables._layout_key("2019", [(t, None)])


def test_replayed_readings_equal_fresh_ones(monkeypatch):
    """Every corpus layout (text and HTML, blanks, breaks, lost positions, split headers …)
    read fresh, then again after other reports planted their layouts, then replayed."""
    docs = [render(d) for d in DOCS] + [render(d) for d in sweep(120, seed=5)]
    fresh = []
    for _, data, media_type, _ in docs:
        tables._PLANS.clear()
        fresh.append(parse(data, media_type).to_dict())
    tables._PLANS.clear()
    replays = []
    replay = tables.TableReader.replay
    monkeypatch.setattr(tables.TableReader, "replay", lambda self, *a: replays.append(1) or replay(self, *a))
    warm = [parse(data, media_type).to_dict() for _, data, media_type, _ in docs]
    again = [parse(data, media_type).to_dict() for _, data, media_type, _ in docs]
    for (name, *_), f, w, a in zip(docs, fresh, warm, again):
        assert w == f, name
        assert a == f, name
    assert len(tables._PLANS) > 20
    assert len(replays) >= len(tables._PLANS)  # the second pass replays every planned layout


def test_a_reading_that_added_findings_is_not_planned():
    # a row of values without a known label: a finding, so nothing to replay
    t = _table(["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"], ["规章", "1", "2", "3"],
               ["不知道的行", "4", "5", "6"])
    from parsers.model import Report
    report = Report()
    cells = tables.read_tables("2021", report, [(t, "active")])
    assert any(f.code == "row_unmatched" for f in report.findings)
    assert cells and not tables._PLANS
    report = Report()
    t2 = _table(["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"], ["规章", "1", "2", "3"])
    tables.read_tables("2021", report, [(t2, "active")])
    assert len(tables._PLANS) == 1
