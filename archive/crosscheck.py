"""Checks across reports, stored as findings with scope 'cross_report'.

`run(db)` first groups reports into publications (archive/publications.py), then recomputes the
checks and writes only the difference, so running it again on an unchanged archive changes
nothing. It is incremental: only what the captures archived since its last run can change is
recomputed (see `_scope`); `run(db, full=True)` recomputes everything (after a reparse, or
after editing rows by hand). Reports with status 'failed' take no part. The checks across years and the summary sums
compare publications (their primary renditions), so that two renditions of one report do not
repeat a finding or count twice in a sum.

- carry_chain: this year's 上年结转 (applications/carried_over) equals last year's
  结转下年度继续办理 (applications/carried_forward) of the same agency, per applicant column.
- in_force_chain (2021 template, informational): 现行有效件数 this year = last year's
  + 本年制发 − 本年废止, for rules and normative documents.
- published_le_total (2019 template, informational): 本年新公开数量 ≤ 对外公开总数量 for rules
  and normative documents (listed with the cross-report checks in the template; it reads one report).
- duplicate_report: an agency has conflicting versions of one year's report: two reports whose
  figures differ in some cell both give (each later version paired with the first report of
  the first version that it contradicts).
  Reports that agree on every cell both give — an HTML page and its PDF/DOCX attachment, a
  re-post in another column — are one publication in several formats: no warning, only an info
  finding same_report_other_format (paired with the first of that publication). Reports with
  no cell in common (narrative-only pre2019 reports) never conflict.
- parent_sum (informational): a summary report against the sum of its units. A unit is a
  report whose source has `sources.parent_id` = the summary report's source, same year. The
  headline figures new_requests, total_processed, reviews and lawsuits are compared.
"""
from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from archive import info, publications
from archive.headline import as_count
from parsers import spec

_COLS = ("code", "severity", "message", "identity", "table_key", "row_key", "column_key", "details",
         "subject_report_id", "other_report_id", "agency", "year")
PARENT_SUM_FIGURES = ("new_requests", "total_processed", "reviews", "lawsuits")
_SPEC_CHECKS = {c["id"] for c in spec.raw()["cross_report_checks"]}


def _finding(code: str, severity: str, message: str, *, subject: int, other: int | None, agency: str,
             year: int, details: dict, table: str | None = None, row: str | None = None,
             column: str | None = None) -> tuple:
    identity = code if code in _SPEC_CHECKS else None  # the template's id for this check, if it has one
    return (code, severity, message, identity, table, row, column,
            json.dumps(details, ensure_ascii=False, sort_keys=True), subject, other, agency, year)


def _subjects(scoped: bool) -> str:
    """The reports a check's findings are about: every report, or those in scope (driving the
    join from the scope's ids, not from every report)."""
    return "temp.cc_scope s CROSS JOIN reports a ON a.id = s.id" if scoped else "reports a"


def carry_chain(db: sqlite_utils.Database, scoped: bool = False) -> list[tuple]:
    # CROSS JOIN fixes the join order (report → its cells → last year's report by agency/year →
    # its cell by primary key); left to itself the planner may pair every cell with every cell
    sql = f"""
    SELECT a.id, b.id, a.agency, a.year, ca.column_key, ca.value, cb.value
    FROM {_subjects(scoped)}
    CROSS JOIN cells ca ON ca.report_id = a.id AND ca.table_key = 'applications' AND ca.row_key = 'carried_over'
    CROSS JOIN reports b ON b.agency = a.agency AND b.year = a.year - 1 AND b.status != 'failed'
                 AND +b.is_primary = 1
    CROSS JOIN cells cb ON cb.report_id = b.id AND cb.table_key = 'applications'
                 AND cb.row_key = 'carried_forward' AND cb.column_key = ca.column_key
    WHERE a.status != 'failed' AND a.is_primary = 1 AND a.agency != '' AND ca.value IS NOT NULL
      AND cb.value IS NOT NULL
      AND ca.value != cb.value
    ORDER BY a.id, b.id, ca.column_key"""
    return [
        _finding("carry_chain", "warning",
                 f"{agency} {year}: 上年结转 ({col}) = {as_count(this)}, but the {year - 1} report's "
                 f"结转下年度继续办理 = {as_count(last)} (report {b_id})",
                 subject=a_id, other=b_id, agency=agency, year=year, table="applications",
                 row="carried_over", column=col,
                 details={"this_year_value": as_count(this), "last_year_value": as_count(last),
                          "last_year_report_id": b_id, "last_year_row_key": "carried_forward"})
        for a_id, b_id, agency, year, col, this, last in db.execute(sql).fetchall()
    ]


def in_force_chain(db: sqlite_utils.Database, scoped: bool = False) -> list[tuple]:
    sql = f"""
    SELECT a.id, b.id, a.agency, a.year, f.row_key, f.value, p.value, i.value, r.value
    FROM {_subjects(scoped)}
    CROSS JOIN cells f ON f.report_id = a.id AND f.table_key = 'active' AND f.column_key = 'in_force'
    CROSS JOIN cells i ON i.report_id = a.id AND i.table_key = 'active' AND i.row_key = f.row_key
         AND i.column_key = 'issued'
    CROSS JOIN cells r ON r.report_id = a.id AND r.table_key = 'active' AND r.row_key = f.row_key
         AND r.column_key = 'repealed'
    CROSS JOIN reports b ON b.agency = a.agency AND b.year = a.year - 1 AND b.status != 'failed'
         AND +b.template = '2021' AND +b.is_primary = 1
    CROSS JOIN cells p ON p.report_id = b.id AND p.table_key = 'active' AND p.row_key = f.row_key
         AND p.column_key = 'in_force'
    WHERE a.status != 'failed' AND a.template = '2021' AND a.is_primary = 1 AND a.agency != ''
      AND f.value IS NOT NULL AND p.value IS NOT NULL AND i.value IS NOT NULL AND r.value IS NOT NULL
      AND f.value != p.value + i.value - r.value
    ORDER BY a.id, b.id, f.row_key"""
    return [
        _finding("in_force_chain", "info",
                 f"{agency} {year}: {row} in force {as_count(now)} ≠ {year - 1}'s {as_count(prev)} "
                 f"+ issued {as_count(iss)} − repealed {as_count(rep)}",
                 subject=a_id, other=b_id, agency=agency, year=year, table="active", row=row,
                 column="in_force",
                 details={"this_year_value": as_count(now), "last_year_value": as_count(prev),
                          "issued": as_count(iss), "repealed": as_count(rep), "expected": as_count(prev + iss - rep)})
        for a_id, b_id, agency, year, row, now, prev, iss, rep in db.execute(sql).fetchall()
    ]


def published_le_total(db: sqlite_utils.Database, scoped: bool = False) -> list[tuple]:
    sql = f"""
    SELECT a.id, a.agency, a.year, n.row_key, n.value, t.value
    FROM {_subjects(scoped)}
    CROSS JOIN cells n ON n.report_id = a.id AND n.table_key = 'active' AND n.column_key = 'new_published'
    CROSS JOIN cells t ON t.report_id = a.id AND t.table_key = 'active' AND t.row_key = n.row_key
         AND t.column_key = 'total_published'
    WHERE a.status != 'failed' AND a.template = '2019' AND n.value > t.value
    ORDER BY a.id, n.row_key"""
    return [
        _finding("published_le_total", "info",
                 f"{agency or '?'} {year}: {row} newly published {as_count(new)} > total published {as_count(total)}",
                 subject=rid, other=None, agency=agency, year=year, table="active", row=row,
                 column="new_published", details={"new_published": as_count(new), "total_published": as_count(total)})
        for rid, agency, year, row, new, total in db.execute(sql).fetchall()
    ]


def _cells(db: sqlite_utils.Database, report_ids: list[int]) -> dict[int, dict[tuple, Any]]:
    out: dict[int, dict[tuple, Any]] = {rid: {} for rid in report_ids}
    for rid, t, r, c, v in db.execute(
            f"SELECT report_id, table_key, row_key, column_key, value FROM cells WHERE value IS NOT NULL"
            f" AND report_id IN ({', '.join('?' * len(report_ids))})", report_ids):
        out[rid][(t, r, c)] = v
    return out


def _disagree(a: dict[tuple, Any], b: dict[tuple, Any]) -> list[tuple]:
    return [k for k in a.keys() & b.keys() if a[k] != b[k]]


def duplicates(db: sqlite_utils.Database, scoped: bool = False) -> list[tuple]:
    """Reports of one agency-year grouped into publications: a report belongs to the first group
    whose every member agrees with it on every cell both have (a value, not NULL). The first
    member of each later group is a conflicting version (duplicate_report, paired with the first
    report of the first group that it contradicts); other members are the same numbers in
    another format or at another place (same_report_other_format, info, paired with their
    group's first)."""
    groups = db.execute(f"""
        SELECT a.agency, a.year, group_concat(a.id) FROM {_subjects(scoped)}
        WHERE a.status != 'failed' AND a.agency != '' AND a.year IS NOT NULL
        GROUP BY a.agency, a.year HAVING count(*) > 1 ORDER BY min(a.id)""").fetchall()
    out = []
    for agency, year, ids in groups:
        ids = sorted(int(i) for i in ids.split(","))
        cells = _cells(db, ids)
        info = {r["id"]: r for r in db.query(
            f"SELECT id, url, media_type FROM reports WHERE id IN ({', '.join('?' * len(ids))})", ids)}
        pubs: list[list[int]] = []
        for rid in ids:
            home = next((p for p in pubs if not any(_disagree(cells[rid], cells[m]) for m in p)), None)
            if home is None:
                pubs.append([rid])
                if len(pubs) == 1:
                    continue
                # paired with the first report of the first publication that it contradicts
                first = next(m for m in pubs[0] if _disagree(cells[rid], cells[m]))
                diff = sorted(_disagree(cells[rid], cells[first]))
                out.append(_finding(
                    "duplicate_report", "warning",
                    f"{agency} {year}: reports {first} and {rid} give different figures "
                    f"({len(diff)} cell(s) differ, e.g. {'/'.join(diff[0])})",
                    subject=rid, other=first, agency=agency, year=year,
                    details={"first_report_id": first, "url": info[rid]["url"], "first_url": info[first]["url"],
                             "same_url": bool(info[rid]["url"]) and info[rid]["url"] == info[first]["url"],
                             "n_cells_differ": len(diff), "cells_differ": ["/".join(k) for k in diff[:20]]}))
            else:
                first = home[0]
                home.append(rid)
                out.append(_finding(
                    "same_report_other_format", "info",
                    f"{agency} {year}: report {rid} ({info[rid]['media_type'] or '?'}) gives the same figures "
                    f"as report {first} ({info[first]['media_type'] or '?'}): one publication",
                    subject=rid, other=first, agency=agency, year=year,
                    details={"first_report_id": first, "url": info[rid]["url"], "first_url": info[first]["url"],
                             "media_type": info[rid]["media_type"], "first_media_type": info[first]["media_type"],
                             "n_cells_compared": len(cells[rid].keys() & cells[first].keys())}))
    return out


def parent_sums(db: sqlite_utils.Database, scoped: bool = False) -> list[tuple]:
    """Always over every summary report: its units are other agencies' reports, and which
    sources are units (`sources.parent_id`) changes with the registry, not with captures."""
    figs = ", ".join(f"p.{f}" for f in PARENT_SUM_FIGURES)
    sums = ", ".join(f"sum(u.{f}), count(u.{f})" for f in PARENT_SUM_FIGURES)
    sql = f"""
    SELECT p.id, p.agency, p.year, {figs}, {sums}, group_concat(u.id)
    FROM reports p
    JOIN sources s ON s.parent_id = p.source_id
    JOIN reports u ON u.source_id = s.id AND +u.year = p.year AND u.status != 'failed' AND +u.is_primary = 1
    WHERE p.status != 'failed' AND p.is_primary = 1 AND p.source_id IS NOT NULL
    GROUP BY p.id ORDER BY p.id"""
    out = []
    n = len(PARENT_SUM_FIGURES)
    for row in db.execute(sql).fetchall():
        pid, agency, year = row[:3]
        values, sums, units = row[3:3 + n], row[3 + n:3 + 3 * n], row[-1]
        unit_ids = sorted(int(u) for u in units.split(","))
        for i, fig in enumerate(PARENT_SUM_FIGURES):
            mine, total, counted = values[i], sums[2 * i], sums[2 * i + 1]
            if mine is None or counted == 0 or mine == total:
                continue
            out.append(_finding(
                "parent_sum", "info",
                f"{agency} {year}: {fig} = {as_count(mine)} in the summary report, {as_count(total)} summed over "
                f"{counted} unit report(s) (scopes may differ)",
                subject=pid, other=None, agency=agency, year=year,
                details={"figure": fig, "summary_value": as_count(mine), "units_sum": as_count(total),
                         "units_with_value": counted, "unit_report_ids": unit_ids}))
    return out


CHECKS = (carry_chain, in_force_chain, published_le_total, duplicates, parent_sums)
CODES = ("carry_chain", "in_force_chain", "published_le_total", "duplicate_report", "same_report_other_format",
         "parent_sum")  # run() owns these


WATERMARK = "crosscheck_capture_id"  # archive_info: the last capture the checks have seen
UNSCOPED = ("parent_sum",)  # codes always recomputed over the whole archive (parent_sums)


def _scope(db: sqlite_utils.Database, mark: int) -> None:
    """What captures after `mark` can change, as temp tables. A capture brings a new report, or
    archives a known one again, or replaces what its URL served (a report superseded, or current
    again): `cc_reports`, the reports held by any capture at those URLs. Publications and
    findings of their agency-years can change, and the chains of the year after (this year's
    carried-over against last year's carried-forward): every report of those agency-years is in
    `cc_scope`, with the touched reports that have no agency or year."""
    db.execute("DROP TABLE IF EXISTS temp.cc_reports")
    db.execute("DROP TABLE IF EXISTS temp.cc_scope")
    db.execute("""
        CREATE TEMP TABLE cc_reports AS
        SELECT r.id, r.agency, r.year FROM reports r WHERE r.sha256 IN (
            SELECT sha256 FROM captures WHERE id > :mark AND kind IN ('report', 'attachment')
            UNION
            SELECT o.sha256 FROM captures c JOIN captures o ON o.url = c.url
            WHERE c.id > :mark AND c.kind IN ('report', 'attachment') AND c.url IS NOT NULL)""", {"mark": mark})
    db.execute("CREATE TEMP TABLE cc_scope (id INTEGER PRIMARY KEY)")
    db.execute("""
        INSERT OR IGNORE INTO temp.cc_scope
        SELECT r.id FROM (SELECT DISTINCT agency, year + d.dy AS year FROM temp.cc_reports,
                          (SELECT 0 AS dy UNION ALL SELECT 1) d
                          WHERE agency != '' AND year IS NOT NULL) y
        CROSS JOIN reports r ON r.agency = y.agency AND r.year = y.year""")
    db.execute("INSERT OR IGNORE INTO temp.cc_scope SELECT id FROM temp.cc_reports")


def run(db: sqlite_utils.Database, full: bool = False) -> dict[str, int]:
    """Recompute the cross-report findings of CODES that the captures archived since the last
    run can change (all of them when `full`, or when the archive was never checked); write only
    what changed (other cross-report findings, e.g. the crawler's, are left alone), after
    grouping the reports into publications. Returns the archive's counts by code."""
    last = db.execute("SELECT max(id) FROM captures").fetchone()[0] or 0
    mark = info.get(db, WATERMARK)
    scoped = not full and mark is not None
    if scoped:
        if int(mark) >= last:
            return _counts(db)  # nothing archived since
        _scope(db, int(mark))
    try:
        publications.assign(db, scoped)
        want: list[tuple] = [f for check in CHECKS for f in check(db, scoped)]
        codes = ", ".join("?" * len(CODES))
        have_sql = f"SELECT id, {', '.join(_COLS)} FROM findings WHERE scope = 'cross_report' AND code IN ({codes})"
        if scoped:  # the findings about reports out of scope stay as they are
            have_sql += (f" AND (subject_report_id IN (SELECT id FROM temp.cc_scope)"
                         f" OR code IN ({', '.join('?' * len(UNSCOPED))}))")
        have = {tuple(r[1:]): r[0] for r in db.execute(have_sql, CODES + (UNSCOPED if scoped else ())).fetchall()}
        want_set = set(want)
        with db.atomic():
            stale = [(fid,) for key, fid in have.items() if key not in want_set]
            db.conn.executemany("DELETE FROM findings WHERE id = ?", stale)
            new = [f for f in dict.fromkeys(want) if f not in have]
            db.conn.executemany(
                f"INSERT INTO findings ({', '.join(_COLS)}, scope) VALUES ({', '.join('?' * len(_COLS))}, "
                f"'cross_report')", new)
            if info.get(db, WATERMARK) != str(last):
                info.put(db, WATERMARK, str(last))
    finally:
        if scoped:
            db.execute("DROP TABLE IF EXISTS temp.cc_reports")
            db.execute("DROP TABLE IF EXISTS temp.cc_scope")
    return _counts(db)


def _counts(db: sqlite_utils.Database) -> dict[str, int]:
    return dict(db.execute(
        f"SELECT code, count(*) FROM findings WHERE scope = 'cross_report' AND code IN ({', '.join('?' * len(CODES))})"
        f" GROUP BY code ORDER BY code", CODES).fetchall())
