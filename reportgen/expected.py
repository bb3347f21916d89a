"""What an honest parser can know from one rendering of a generated report: the expected file.

Shape as in the shared seed corpus: {document, media_type, agency, year, template, status,
complete, sections, cells:[{table,row,column,value}], facts:[{key,value}],
identity_breaks:[{identity,row|column}], findings:[codes that must be present], comment}.

Values are as printed (a blank meaning 0 is 0; N/A and a blank total over non-zero parts are
null). Where a rendering destroys information the cell is null and a finding code is required:
  uncertain_split     nodelim: a row's digit run splits several ways (see `_splits`)
  uncertain_position  trailing_pipes: blanks collapsed to the end, so positions are lost
  parts_omitted       blanks="only_totals": applicant columns blank beside a non-zero 总计
  total_omitted       blanks="total_blank": 总计 blank over non-zero parts (parsers.checks)
  table_image         tables published as images
"""
from __future__ import annotations

from typing import Any

from parsers.checks import check_identities
from parsers.model import Cell, Report
from parsers.spec import template as spec_template
from parsers.values import parse_value

from . import layout

Key = tuple[str, str, str]


def _splits(digits: str, k: int, groups: list[tuple[int, int]]) -> list[list[int]]:
    """Every way to cut `digits` into k numbers (no leading zeros) such that for each
    (start, end) in `groups` the number at end-1 equals the sum of the numbers start..end-2."""
    out: list[list[int]] = []

    def rec(pos: int, acc: list[int]) -> None:
        if len(out) > 1:  # two solutions already: ambiguous, stop
            return
        if len(acc) == k:
            if pos == len(digits) and all(acc[e - 1] == sum(acc[s:e - 1]) for s, e in groups):
                out.append(list(acc))
            return
        left = k - len(acc)
        for end in range(pos + 1, len(digits) - left + 2):
            part = digits[pos:end]
            if len(part) > 1 and part[0] == "0":
                break
            rec(end, acc + [int(part)])

    rec(0, [])
    return out


def _row_groups(table: str, n: int) -> list[tuple[int, int]]:
    if table == "applications":
        return [(0, n)]
    if table == "appeals":
        return [(i, i + 5) for i in range(0, n, 5)]
    return []


def _lossy(pt: layout.PrintedTable, style: str, values: dict[Key, Any]) -> tuple[dict[Key, Any], set[str]]:
    """Cells a lossy rendering leaves unknown (→ None), and the findings it must raise."""
    unknown: dict[Key, Any] = {}
    codes: set[str] = set()
    for row in pt.rows:
        data = [c for c in row if c.key]
        if not data:
            continue
        raws = [c.text for c in data]
        filled = [r for r in raws if r]
        if style == "trailing_pipes" and 0 < len(filled) < len(raws):
            codes.add("uncertain_position")
            for c in data:
                # the applications 总计 is the last column and non-blank whenever a part is
                if not (pt.table == "applications" and c.key[2] == "total"):  # type: ignore[index]
                    unknown[c.key] = None  # type: ignore[index]
        elif style == "nodelim" and len(data) > 1:
            digits = "".join(raws)
            sols = _splits(digits, len(data), _row_groups(pt.table, len(data))) if digits.isdigit() \
                and len(filled) == len(raws) else []
            if len(sols) == 1:
                assert sols[0] == [values[c.key] for c in data], (sols, raws)  # type: ignore[index]
            else:
                codes.add("uncertain_split")
                unknown.update((c.key, None) for c in data)  # type: ignore[misc]
    return unknown, codes


def expected(report: Report, document: str, media_type: str, renderer: str, style: str,
             deviations: tuple[str, ...] = (), blanks: str = "none", comment: str = "") -> dict[str, Any]:
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
    tables = layout.tables(report, dev)
    visible: set[Key] = {c.key for pt in tables for row in pt.rows for c in row if c.key}
    if renderer == "html" and style == "table_images":
        visible = set()
        if report.cells:
            codes.add("table_image")
    if renderer == "text" and style in ("trailing_pipes", "nodelim"):
        for pt in tables:
            unknown, found = _lossy(pt, style, values)
            values.update(unknown)
            codes |= found
    if blanks == "only_totals" and any(values[k] is None for k in visible if k[0] == "applications"):
        codes.add("parts_omitted")

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
        "template": report.template,
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

