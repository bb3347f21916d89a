"""Views over the long `cells` table: wide forms (one row per publication) and per-row forms,
generated from the data dictionary so that every template key has its column.

Every view counts a publication once: its reports are the primary renditions
(`reports.is_primary = 1`, archive/publications.py)."""
from __future__ import annotations

from archive import publications
from archive.keys import rows as key_rows

# report columns repeated at the front of every per-report view
_REPORT_COLS = ("agency", "year", "province", "level", "template", "status", "source_id")


def _cell(table: str, row_sql: str, column: str) -> str:
    """The value of one cell of report r.id (`row_sql`: a quoted key or a column expression)."""
    return (f"(SELECT value FROM cells WHERE report_id = r.id AND table_key = '{table}'"
            f" AND row_key = {row_sql} AND column_key = '{column}')")


def _wide(table: str) -> str:
    """One row per publication (its primary rendition); a column `<row>__<column>` per cell key
    of `table` (both versions).

    Each value is a primary-key lookup, not an aggregate: filters on report columns (province,
    year …) use the reports' indexes, and counts or facets never touch the cells."""
    keys = [(k["row_key"], k["column_key"]) for k in key_rows() if k["table_key"] == table]
    pivots = ",\n  ".join(f"{_cell(table, repr(r), c)} AS [{r}__{c}]" for r, c in keys)
    front = ", ".join(f"r.{c}" for c in _REPORT_COLS)
    return f"SELECT r.id AS report_id, {front},\n  {pivots}\nFROM reports r\nWHERE r.is_primary = 1"


def _by_row(table: str) -> str:
    """One row per publication and template row it has; a column per template column of `table`."""
    cols = list(dict.fromkeys(k["column_key"] for k in key_rows() if k["table_key"] == table))
    pivots = ",\n  ".join(f"{_cell(table, 'k.row_key', c)} AS [{c}]" for c in cols)
    front = ", ".join(f"r.{c}" for c in _REPORT_COLS)
    return (f"SELECT r.id AS report_id, {front}, k.row_key,\n  {pivots}\n"
            f"FROM reports r\n"
            f"CROSS JOIN (SELECT row_key, min(rowid) AS ord FROM keys WHERE table_key = '{table}'"
            f" GROUP BY row_key ORDER BY ord) k\n"
            f"WHERE r.is_primary = 1\n"
            f"  AND EXISTS (SELECT 1 FROM cells WHERE report_id = r.id AND table_key = '{table}'"
            f" AND row_key = k.row_key)")


VIEWS: dict[str, tuple[str, str]] = {
    # name -> (SQL, English description)
    "applications_wide": (_wide("applications"),
                          "Section 三 in wide form: one row per publication, a column <row>__<column> per cell"),
    "appeals_wide": (_wide("appeals"),
                     "Section 四 in wide form: one row per publication, a column <group>__<outcome> per cell"),
    "active_wide": (_wide("active"),
                    "Section 二 in wide form: one row per publication, a column <row>__<column> per cell"),
    "applications_rows": (_by_row("applications"),
                          "Section 三 as printed: one row per publication and table row, applicant columns"),
    "agency_years": (  # (agency_years_summary: kept by trigger, archive/summary.py)
        "SELECT agency, province, level, n_reports, first_year, last_year,\n"
        "  last_year - first_year + 1 - n_years AS missing_years, years\n"
        "FROM agency_years_summary",
        "One row per agency: how many reports (publications), which years, how many years are missing "
        "in between"),
    "publications": (publications.VIEW, publications.VIEW_DOC),
}

# crawl health per source and report revision history (archive/health.py)
from archive.health import VIEWS as _HEALTH_VIEWS  # noqa: E402

VIEWS.update(_HEALTH_VIEWS)
