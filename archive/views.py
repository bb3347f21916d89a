"""Views over the long `cells` table: wide forms (one row per report) and per-row forms,
generated from the data dictionary so that every template key has its column."""
from __future__ import annotations

from archive.keys import rows as key_rows

# report columns repeated at the front of every per-report view
_REPORT_COLS = ("agency", "year", "province", "level", "template", "status", "source_id")


def _wide(table: str) -> str:
    """One row per report; a column `<row>__<column>` per cell key of `table` (both versions)."""
    keys = [(k["row_key"], k["column_key"]) for k in key_rows() if k["table_key"] == table]
    pivots = ",\n  ".join(
        f"max(CASE WHEN c.row_key = '{r}' AND c.column_key = '{c}' THEN c.value END) AS [{r}__{c}]"
        for r, c in keys
    )
    front = ", ".join(f"r.{c}" for c in _REPORT_COLS)
    # rows stream in report order over the cells primary key (report_id first): pages are cheap
    return (f"SELECT r.id AS report_id, {front},\n  {pivots}\n"
            f"FROM reports r LEFT JOIN cells c ON c.report_id = r.id AND c.table_key = '{table}'\n"
            f"GROUP BY r.id")


def _by_row(table: str) -> str:
    """One row per report and template row; a column per template column of `table`."""
    cols = list(dict.fromkeys(k["column_key"] for k in key_rows() if k["table_key"] == table))
    pivots = ",\n  ".join(f"max(CASE WHEN c.column_key = '{c}' THEN c.value END) AS [{c}]" for c in cols)
    front = ", ".join(f"r.{c}" for c in _REPORT_COLS)
    return (f"SELECT c.report_id, {front}, c.row_key,\n  {pivots}\n"
            f"FROM cells c JOIN reports r ON r.id = c.report_id\n"
            f"WHERE c.table_key = '{table}'\nGROUP BY c.report_id, c.row_key")


VIEWS: dict[str, tuple[str, str]] = {
    # name -> (SQL, English description)
    "applications_wide": (_wide("applications"),
                          "Section 三 in wide form: one row per report, a column <row>__<column> per cell"),
    "appeals_wide": (_wide("appeals"),
                     "Section 四 in wide form: one row per report, a column <group>__<outcome> per cell"),
    "active_wide": (_wide("active"),
                    "Section 二 in wide form: one row per report, a column <row>__<column> per cell"),
    "applications_rows": (_by_row("applications"),
                          "Section 三 as printed: one row per report and table row, applicant columns"),
    "agency_years": (
        "SELECT agency, province, level, count(*) AS n_reports, min(year) AS first_year,\n"
        "  max(year) AS last_year, max(year) - min(year) + 1 - count(DISTINCT year) AS missing_years,\n"
        "  group_concat(DISTINCT year) AS years\n"
        "FROM reports WHERE agency IS NOT NULL AND agency != '' AND year IS NOT NULL\n"
        "GROUP BY agency, province, level",
        "One row per agency: how many reports, which years, how many years are missing in between"),
}
