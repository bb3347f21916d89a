"""Identities, blank totals, not-applicable and approximate values, narrative facts: each break
yields exactly its finding (identity, row/column); a clean report yields none."""
from __future__ import annotations

import pytest

from needs import shared_path
from parsers import parse
from parsers.checks import check_identities
from parsers.model import Cell, Report


def seed_lines() -> list[str]:
    """The seed report's lines (../shared; the test skips without it)."""
    return shared_path("corpus", "seed", "000_74cc16f0ef581249.txt").read_text(encoding="utf-8").split("\n")


def edit(lines: list[str], label: str, values: list[str]) -> None:
    """Replace the printed values of the row whose label cell contains `label`."""
    if label:
        i = next(i for i, ln in enumerate(lines) if label in ln and "\t" in ln)
    else:  # the appeals data row: no label, 15 values
        i = next(i for i, ln in enumerate(lines) if ln.count("\t") == 14 and ln.replace("\t", "").isdigit())
    fields = lines[i].split("\t")
    labels = [j for j, f in enumerate(fields) if f.strip() and not any(ch.isdigit() for ch in f)]
    at = labels[-1] + 1 if labels else 0
    fields[at:] = values
    lines[i] = "\t".join(fields)


def breaks(r: Report) -> set[tuple[str, str]]:
    return {(f.identity, f.row or f.column) for f in r.findings if f.code == "identity_break"}


def parsed(lines: list[str]) -> Report:
    return parse("\n".join(lines).encode("utf-8"), "text/plain")


def test_clean_seed_has_no_identity_finding():
    r = parsed(seed_lines())
    assert breaks(r) == set() and not [f for f in r.findings if f.code == "total_omitted"]


def test_appeals_group_total_break():
    lines = seed_lines()
    edit(lines, "", ["1", "0", "0", "0", "0"] + ["0"] * 10)
    r = parsed(lines)
    assert breaks(r) == {("appeals_group_total", "review")}
    f = next(f for f in r.findings if f.code == "identity_break")
    assert (f.table, f.row, f.details["left"], f.details["right"]) == ("appeals", "review", 0, 1)
    assert r.cell("appeals", "review", "total").value == 0  # printed value kept, never repaired


def test_row_total_and_results_sum_break():
    lines = seed_lines()
    edit(lines, "予以公开", ["2", "0", "0", "0", "0", "0", "0"])  # 自然人 2, 总计 still 0
    r = parsed(lines)
    assert breaks(r) == {("row_total", "granted"), ("results_sum", "natural_person")}


def test_balance_per_column_break():
    lines = seed_lines()
    edit(lines, "四、结转下年度继续办理", ["", "", "3", "0", "0", "0", "0", "0", "3"])
    r = parsed(lines)
    assert breaks(r) == {("balance_per_column", "natural_person"), ("balance_per_column", "total")}


def test_blank_total_over_nonzero_parts_stays_null():
    lines = seed_lines()
    edit(lines, "本年新收", ["", "4", "1", "0", "0", "0", "0", ""])
    edit(lines, "予以公开", ["4", "1", "0", "0", "0", "0", "5"])
    edit(lines, "(七) 总计", ["5", "4", "1", "0", "0", "0", "0", "5"])
    r = parsed(lines)
    c = r.cell("applications", "new_received", "total")
    assert c.value is None and c.raw == "" and not c.imputed
    f = next(f for f in r.findings if f.code == "total_omitted")
    assert (f.row, f.column, f.details["derived"]) == ("new_received", "total", 5)
    assert breaks(r) == set()  # identities use the derived 5


def test_blank_total_over_zero_parts_is_zero():
    lines = seed_lines()
    edit(lines, "本年新收", ["", "", "", "", "", "", "", ""])
    r = parsed(lines)
    c = r.cell("applications", "new_received", "total")
    assert (c.value, c.raw, c.imputed) == (0, "", True)
    assert not [f for f in r.findings if f.code == "total_omitted"]


def test_not_applicable_kept_raw_and_null():
    lines = seed_lines()
    edit(lines, "行政许可", ["/", "", ""])
    r = parsed(lines)
    c = r.cell("active", "licensing", "decisions")
    assert (c.value, c.raw, c.imputed) == (None, "/", False)


def test_approximate_and_unreadable_values_flagged():
    lines = seed_lines()
    edit(lines, "行政处罚", ["12190余", "", ""])
    edit(lines, "行政强制", ["不详", "", ""])
    r = parsed(lines)
    assert r.cell("active", "penalty", "decisions").value == 12190
    assert r.cell("active", "coercion", "decisions").value is None
    found = {(f.code, f.row) for f in r.findings}
    assert {("value_approx", "penalty"), ("value_unreadable", "coercion")} <= found


def test_narrative_disagreeing_with_table():
    lines = seed_lines()
    at = next(i for i, ln in enumerate(lines) if ln.startswith("2021年，柳泉镇"))
    lines[at] += "全年共收到政府信息公开申请3件。因政府信息公开被申请行政复议1件。"
    r = parsed(lines)
    facts = {f.key: f.value for f in r.facts}
    assert facts["requests_received"] == 3 and facts["reviews"] == 1
    mism = {(f.details["fact"], f.row) for f in r.findings if f.code == "fact_mismatch"}
    assert mism == {("requests_received", "new_received"), ("reviews", "review")}


def test_checks_on_cells_directly():
    r = Report(template="2021", cells=[
        Cell("appeals", "lawsuit_direct", o, v) for o, v in
        (("upheld", 2), ("corrected", 1), ("other", 0), ("pending", 0), ("total", 3))])
    check_identities(r)
    assert breaks(r) == set()
    r.cells[-1].value = 4
    check_identities(r)
    assert breaks(r) == {("appeals_group_total", "lawsuit_direct")}


@pytest.mark.parametrize("brk", ["appeals_group_total:lawsuit_after_review", "results_sum:total",
                                 "row_total:carried_over", "balance_per_column:commercial_enterprise"])
@pytest.mark.parametrize("style", ["tabs", "pipes"])
def test_generated_breaks_found_exactly(brk, style):
    from reportgen import generate, render_text

    truth = generate(seed=31, template="2021", breaks=(brk,))
    expected = Report(template=truth.template, cells=truth.cells)
    check_identities(expected)
    r = parse(render_text(truth, style=style).encode("utf-8"), "text/plain")
    assert breaks(r) == breaks(expected) and breaks(r)
