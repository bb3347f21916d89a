"""What an honest parser can know from one rendering of a generated report: the expected file.

Shape as in the shared seed corpus: {document, media_type, agency, year, template, status,
complete, sections, cells:[{table,row,column,value}], facts:[{key,value}],
identity_breaks:[{identity,row|column}], findings:[codes that must be present], comment}.

Values are as printed (a blank meaning 0 is 0; N/A and a blank total over non-zero parts are
null). Where a rendering destroys information the cell is null and a finding code is required
(codes are the parser's vocabulary):
  digits_ambiguous    nodelim, oneline, cells_lines: the readings of a row's run of cells
                      consistent with every identity cut its digits several ways or disagree
                      on the cell (see reportgen.settle); a row printed with no value at all
                      is not there (its cells are left out: status partial)
  uncertain_position  trailing_pipes: the same, for values whose columns were lost
  parts_omitted       blanks="only_totals": applicant columns blank beside a non-zero 总计
  total_omitted       blanks="total_blank": 总计 blank over non-zero parts
  table_image         tables published as images; the template then cannot be told from labels
                      (template null, template_undetermined)
  incomplete          a truncated copy (status partial)
  section_missing     a part of the six is not printed (five_parts: the tables are complete, so
                      status stays ok)
  fact_mismatch       breaks=("narrative:<fact>",): the narrative disagrees with the table
"""
from __future__ import annotations

from typing import Any

from parsers.model import Cell, Report
from parsers.spec import Template, template as spec_template

from . import layout
from .settle import settle
from .text import RUN_STYLES, row_runs

Key = tuple[str, str, str]


def expected(report: Report, document: str, media_type: str, renderer: str, style: str,
             deviations: tuple[str, ...] = (), blanks: str = "none", breaks: tuple[str, ...] = (),
             comment: str = "") -> dict[str, Any]:
    dev = frozenset(deviations)
    keys = {s.number for s in report.sections}
    if "five_parts" in dev:
        keys -= {max(keys)}
    if "truncated" in dev:
        keys = {k for k in keys if k <= 3}
    sections = [s for s in report.sections if s.number in keys]
    kept_text = "\n".join(s.text for s in sections)
    facts = [{"key": f.key, "value": f.value} for f in report.facts if f.text in kept_text]

    values: dict[Key, Any] = {(c.table, c.row, c.column): c.value for c in report.cells}
    codes: set[str] = set()
    tpl_version = report.template
    tables = layout.tables(report, dev)
    visible: set[Key] = {c.key for pt in tables for row in pt.rows for c in row if c.key}
    if renderer == "html" and style == "table_images" and report.cells:
        visible = set()
        codes |= {"table_image", "template_undetermined"}
        tpl_version = None
    if renderer == "text" and style in ("trailing_pipes", *RUN_STYLES):
        runs = None if style == "trailing_pipes" else \
            {id(data[0]): run for pt in tables for data, run in row_runs(pt, style, dev)}
        unknown = settle(tables, style, values, runs)
        visible -= {k for k, v in unknown.items() if v == "missing"}  # rows printed without a value
        values.update({k: None for k, v in unknown.items() if v is None})
        if None in unknown.values():
            codes.add("uncertain_position" if style == "trailing_pipes" else "digits_ambiguous")
    if blanks == "only_totals" and any(values[k] is None for k in visible if k[0] == "applications"):
        codes.add("parts_omitted")
    if "truncated" in dev:
        codes.add("incomplete")
    if "five_parts" in dev and report.template != "pre2019":  # free layouts have no standard parts
        codes.add("section_missing")
    told = {b.partition(":")[2] for b in breaks if b.startswith("narrative:")}
    if told & {f["key"] for f in facts} and visible:
        codes.add("fact_mismatch")

    cells = [Cell(*k, values[k]) for k in values if k in visible]
    breaks, derived = identity_breaks(spec_template(report.template), {(c.table, c.row, c.column): c.value for c in cells}) \
        if report.template in ("2021", "2019") else ([], False)
    if derived:
        codes.add("total_omitted")

    n_template = len(spec_template(report.template).cell_keys()) if report.template != "pre2019" else 0
    complete = len(cells) == n_template
    out: dict[str, Any] = {
        "document": document,
        "media_type": media_type,
        "agency": report.agency,
        "year": report.year,
        "template": tpl_version,
        "status": "ok" if complete else "partial",
        "complete": complete,
        "sections": [{"number": s.number, "heading": s.heading} for s in sections],
        "cells": [{"table": c.table, "row": c.row, "column": c.column, "value": c.value} for c in cells],
        "facts": facts,
        "identity_breaks": breaks,
        "findings": sorted(codes),
    }
    if comment:
        out["comment"] = comment
    return out



def identity_breaks(tpl: Template, values: dict[Key, Any]) -> tuple[list[dict[str, str]], bool]:
    """The template's identities on the printed values, as the template states them (the
    generator's own arithmetic, not the parser's): ([{identity, row|column}], whether a null
    total had to be taken as the sum of its parts). A null total over known parts counts as that
    sum; an identity with an operand unknown or not printed is not checked."""
    rows = [r.key for r in tpl.rows["applications"]]
    cols = [c.key for c in tpl.columns["applications"]]
    parts = [c for c in cols if c != "total"]
    printed = {k[1] for k in values if k[0] == "applications"}
    results = rows[rows.index("granted"):rows.index("total_processed")]
    if "other_handling" in printed and not printed & {"other_no_correction", "other_unpaid_fee", "other_other"}:
        results = [r for r in results if not r.startswith("other_")] + ["other_handling"]
    groups = [r.key for r in tpl.rows["appeals"]]
    outcomes = [c.key for c in tpl.columns["appeals"] if c.key != "total"]
    v = dict(values)
    derived = False

    def known(keys: list[Key]) -> bool:
        return all(k in v and v[k] is not None for k in keys)

    def derive(total: Key, of: list[Key]) -> None:
        nonlocal derived
        if total in v and v[total] is None and known(of):
            v[total] = sum(v[k] for k in of)
            derived = True

    a = lambda r, c: ("applications", r, c)  # noqa: E731
    for r in rows:
        derive(a(r, "total"), [a(r, c) for c in parts])
    for c in cols:
        derive(a("total_processed", c), [a(r, c) for r in results])
    for g in groups:
        derive(("appeals", g, "total"), [("appeals", g, o) for o in outcomes])

    out: list[dict[str, str]] = []

    def check(identity: str, left: list[Key], right: list[Key], where: dict[str, str]) -> None:
        if known(left + right) and abs(sum(v[k] for k in left) - sum(v[k] for k in right)) > 1e-6:
            out.append({"identity": identity, **where})

    for c in cols:
        check("balance_per_column", [a("new_received", c), a("carried_over", c)],
              [a("total_processed", c), a("carried_forward", c)], {"column": c})
    for r in rows:
        check("row_total", [a(r, "total")], [a(r, c) for c in parts], {"row": r})
    for c in cols:
        check("results_sum", [a("total_processed", c)], [a(r, c) for r in results], {"column": c})
    for g in groups:
        check("appeals_group_total", [("appeals", g, "total")], [("appeals", g, o) for o in outcomes], {"row": g})
    return out, derived
