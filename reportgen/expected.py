"""What an honest parser can know from one rendering of a generated report: the expected file.

Shape as in the shared seed corpus: {document, media_type, agency, year, template, status,
complete, sections, cells:[{table,row,column,value}], facts:[{key,value}],
identity_breaks:[{identity,row|column}], findings:[codes that must be present], comment}.

Values are as printed (a blank meaning 0 is 0; N/A and a blank total over non-zero parts are
null). Where a rendering destroys information the cell is null and a finding code is required
(codes are the parser's vocabulary):
  digits_ambiguous     nodelim: the readings of a digit run consistent with every identity
                      disagree on the cell (see reportgen.settle)
  uncertain_position  trailing_pipes: the same, for values whose columns were lost
  parts_omitted       blanks="only_totals": applicant columns blank beside a non-zero 总计
  total_omitted       blanks="total_blank": 总计 blank over non-zero parts (parsers.checks)
  table_image         tables published as images; the template then cannot be told from labels
                      (template null, template_undetermined)
  incomplete          a truncated copy (status partial)
  section_missing     a part of the six is not printed (five_parts: the tables are complete, so
                      status stays ok)
  fact_mismatch       breaks=("narrative:<fact>",): the narrative disagrees with the table
"""
from __future__ import annotations

from typing import Any

from parsers.checks import check_identities
from parsers.model import Cell, Report
from parsers.spec import template as spec_template
from parsers.values import parse_value

from . import layout
from .settle import settle

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
    if renderer == "text" and style in ("trailing_pipes", "nodelim"):
        unknown = settle(tables, style, values)
        values.update(unknown)
        if unknown:
            codes.add("digits_ambiguous" if style == "nodelim" else "uncertain_position")
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
    for c in cells:  # the truth must read back from the printed raw where nothing was lost
        raw = next(x.raw for x in report.cells if (x.table, x.row, x.column) == (c.table, c.row, c.column))
        if c.value is not None and raw:
            assert parse_value(raw).value == c.value, (c, raw)
    probe = Report(template=report.template, cells=cells)
    check_identities(probe)
    breaks = [{"identity": f.identity, **({"row": f.row} if f.row else {"column": f.column})}
              for f in probe.findings if f.code == "identity_break"]
    codes |= {f.code for f in probe.findings if f.code == "total_omitted"}

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

