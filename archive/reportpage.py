"""What a report's page shows (the Datasette row page of `reports`, archive/datasette/templates):
the three statistics tables laid out as the national template prints them, with the report's
numbers, findings marked on their cells, and the links that make every number traceable (its
cell row, the capture, the archived original, the source, the other renditions of the
publication, the agency's other years).

`layout(version)` is the printed form (labels from parsers/template.yaml, English from
archive/keys.py); `page(conn, report_id)` fills it from the archive (a plain sqlite3
connection: Datasette's own, read-only). Both return plain dicts and lists for the template.
"""
from __future__ import annotations

import json
import sqlite3
from functools import lru_cache
from typing import Any

from archive.headline import as_count
from archive.keys import COLUMNS_EN, ROWS_EN, application_group
from parsers import spec

NUMERALS = "一二三四五六"


def _head(label: str, title: str = "", colspan: int = 1, rowspan: int = 1) -> dict[str, Any]:
    return {"label": label, "title": title, "colspan": colspan, "rowspan": rowspan}


def _row(table: str, r: spec.RowDef) -> dict[str, Any]:
    return {"kind": "cells", "label": r.label, "title": ROWS_EN.get(r.key, r.key),
            "cells": [{"key": (table, r.key, c)} for c in r.columns]}


def _group(label: str, width: int) -> dict[str, Any]:
    return {"kind": "group", "label": label, "colspan": width}


def _applications(tpl: spec.Template) -> list[dict[str, Any]]:
    cols = tpl.columns["applications"]
    grouped = [c for c in cols if c.group]
    corner = _head("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
                   "per column: 一 + 二 = 三（七）+ 四", rowspan=3)
    head0 = [corner, _head("申请人情况", "applicants", colspan=len(cols))]
    head1, head2 = [], []
    for c in cols:
        if not c.group:
            head1.append(_head(c.label, COLUMNS_EN.get(c.key, c.key), rowspan=2))
        elif c is grouped[0]:
            head1.append(_head(c.group, "legal persons or other organizations", colspan=len(grouped)))
        if c.group:
            head2.append(_head(c.label, COLUMNS_EN.get(c.key, c.key)))
    rows, seen = [], set()
    for r in tpl.rows["applications"]:
        group = application_group(r.key)
        if group and group not in seen and group != r.label:
            rows.append(_group(group, len(cols) + 1))
        seen.add(group)
        rows.append(_row("applications", r))
    return [{"head": [head0, head1, head2], "rows": rows}]


def _appeals(tpl: spec.Template) -> list[dict[str, Any]]:
    outcomes = tpl.columns["appeals"]
    groups = tpl.rows["appeals"]
    n = len(outcomes)
    head1, head2, head3 = [], [], []
    for i, g in enumerate(groups):
        top = g.group or g.label
        if g.group is None:
            head1.append(_head(g.label, ROWS_EN.get(g.key, g.key), colspan=n))
            head2 += [_head(o.label, COLUMNS_EN.get(o.key, o.key), rowspan=2) for o in outcomes]
        else:
            if i == 0 or groups[i - 1].group != top:
                span = n * sum(1 for x in groups if x.group == top)
                head1.append(_head(top, "administrative lawsuits", colspan=span))
            head2.append(_head(g.label, ROWS_EN.get(g.key, g.key), colspan=n))
            head3 += [_head(o.label, COLUMNS_EN.get(o.key, o.key)) for o in outcomes]
    # one printed row of every group's outcomes
    cells = [{"key": ("appeals", g.key, o)} for g in groups for o in g.columns]
    return [{"head": [head1, head2, head3], "rows": [{"kind": "cells", "label": None, "cells": cells}]}]


def _active(tpl: spec.Template) -> list[dict[str, Any]]:
    cols = {c.key: c for c in tpl.columns["active"]}
    blocks: list[dict[str, Any]] = []
    for r in tpl.rows["active"]:
        if not blocks or blocks[-1]["item"] != r.group:
            head = [_head("信息内容", "item")] + [_head(cols[c].label, COLUMNS_EN.get(c, c)) for c in r.columns]
            blocks.append({"item": r.group, "head": [[_head(r.group, colspan=len(r.columns) + 1)], head], "rows": []})
        blocks[-1]["rows"].append(_row("active", r))
    return blocks


@lru_cache(maxsize=None)
def layout(version: str | None) -> tuple[dict[str, Any], ...]:
    """The printed tables of a template version: one entry per section (二, 三, 四) with its
    heading and blocks (header rows, then body rows of cell keys). Empty for pre2019."""
    if version not in ("2021", "2019"):
        return ()
    tpl = spec.template(version)
    titles = {s["key"]: f"{NUMERALS[s['number'] - 1]}、{s['label']}" for s in spec.sections()}
    build = {"active": _active, "applications": _applications, "appeals": _appeals}
    return tuple({"table": t, "heading": titles[t], "blocks": build[t](tpl)} for t in spec.TABLES)


def _position(source: str | None) -> str:
    """Where a value was read, for a tooltip: {"table": 0, "row": 11, "col": 3} → table 0, row 11, col 3."""
    if not source:
        return ""
    try:
        pos = json.loads(source)
    except ValueError:
        return source
    return ", ".join(f"{k} {v}" for k, v in pos.items()) if isinstance(pos, dict) else str(pos)


def _applies(f: dict[str, Any], key: tuple[str, str, str]) -> bool:
    """A finding about a cell, a whole row or a whole column of this table."""
    t, r, c = key
    return f["table_key"] == t and (f["row_key"] or f["column_key"]) is not None \
        and f["row_key"] in (None, r) and f["column_key"] in (None, c)


def _fill(cell: dict[str, Any], got: dict[tuple, dict], findings: list[dict]) -> dict[str, Any]:
    key = cell["key"]
    c = got.get(key)
    t, r, col = key
    en = f"{ROWS_EN.get(r, r)}: {COLUMNS_EN.get(col, col)}"
    marks = [f for f in findings if _applies(f, key)]
    if c is None:
        return {**cell, "present": False, "text": "", "title": f"{en} — not found in the report", "findings": marks}
    value = as_count(c["value"])
    title = [en, f"printed «{c['raw'] or ''}»"]
    if c["imputed"]:
        title.append("imputed (not printed)")
    if c["source"]:
        title.append(f"read at {_position(c['source'])}")
    title += [f"{f['severity']} {f['code']}: {f['message']}" for f in marks]
    return {**cell, "present": True, "text": "" if value is None else str(value), "value": value,
            "raw": c["raw"], "title": " · ".join(title), "findings": marks,
            "severity": min((f["severity"] for f in marks), key=("error", "warning", "info").index, default=None)}


def _rows(conn: sqlite3.Connection, sql: str, params: list) -> list[dict[str, Any]]:
    cur = conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def page(conn: sqlite3.Connection, report_id: int) -> dict[str, Any] | None:
    """Everything the report page shows besides the report's own fields (None: no such report)."""
    found = _rows(conn, "SELECT * FROM reports WHERE id = ?", [report_id])
    if not found:
        return None
    report = found[0]
    one = lambda sql, p: (_rows(conn, sql, p) or [None])[0]  # noqa: E731
    # (a UNION of the two index lookups: with `OR … ORDER BY id` SQLite scanned every finding, a
    # second a page at a million reports)
    findings = _rows(conn, "SELECT * FROM findings WHERE id IN (SELECT id FROM findings WHERE report_id = ?1 "
                           "UNION SELECT id FROM findings WHERE subject_report_id = ?1) ORDER BY id", [report_id])
    got = {(c["table_key"], c["row_key"], c["column_key"]): c for c in _rows(
        conn, "SELECT table_key, row_key, column_key, value, raw, imputed, source FROM cells WHERE report_id = ?",
        [report_id])}
    sections = []
    for sec in layout(report["template"]):
        blocks = [{**b, "rows": [{**row, "cells": [_fill(c, got, findings) for c in row.get("cells", ())]}
                                 for row in b["rows"]]} for b in sec["blocks"]]
        notes = [f for f in findings if f["table_key"] == sec["table"] and f["row_key"] is None
                 and f["column_key"] is None]
        sections.append({**sec, "blocks": blocks, "notes": notes})
    publication = report["publication_id"]
    renditions = _rows(conn, "SELECT id, media_type, status, url, title, is_primary, capture_id, n_cells FROM reports "
                             "WHERE publication_id = ? ORDER BY is_primary DESC, id", [publication]) \
        if publication is not None else []
    disagree = _rows(conn, "SELECT f.* FROM findings f JOIN reports r ON r.id = f.subject_report_id "
                           "WHERE f.code = 'duplicate_report' AND r.publication_id = ? ORDER BY f.id", [publication]) \
        if publication is not None else []
    years = _rows(conn, "SELECT id, year, title FROM reports WHERE agency = ? AND is_primary = 1 AND year IS NOT NULL "
                        "ORDER BY year, id", [report["agency"]]) if report["agency"] else []
    return {
        "report": report,
        "name": report["title"] or " ".join(str(x) for x in (report["agency"], report["year"]) if x) or f"report {report_id}",
        "capture": one("SELECT * FROM captures WHERE id = ?", [report["capture_id"]]),
        "source": one("SELECT id, name, entry_url FROM sources WHERE id = ?", [report["source_id"]]),
        "sections": sections,
        "findings": findings,
        "renditions": renditions,
        "disagree": disagree,
        "years": years,
    }
