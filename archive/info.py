"""What the archive states about itself (`archive_info`, key/value), and the licence and citation
every page, bundle and file of the project gives (one place, so that they never disagree).

`demo`: set by `xxgk demo` before its crawl, so that an archive built from the mock portals says
so on every page and in its export, however it is served or copied later."""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version as _version

from typing import Any

import sqlite_utils

DEMO = "demo"
DEMO_TEXT = ("演示数据 · synthetic demo data: invented agencies and figures served by the mock portals "
             "(`xxgk demo`), not government reports")

NAME = "xxgk-archive"
TITLE = "xxgk-archive: China's government information-disclosure annual reports (政府信息公开工作年度报告)"
# the data: CC BY 4.0; the code: MIT (LICENSE)
DATA_LICENSE = {"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0 International (CC BY 4.0)",
                "path": "https://creativecommons.org/licenses/by/4.0/"}
DATA_LICENSE_SHORT = "CC BY 4.0"
CODE_LICENSE = "MIT"


def get(db: sqlite_utils.Database, key: str) -> str | None:
    row = db.execute("SELECT value FROM archive_info WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def put(db: sqlite_utils.Database, key: str, value: str) -> None:
    with db.atomic():
        db["archive_info"].upsert({"key": key, "value": value}, pk="key")


def mark_demo(db: sqlite_utils.Database) -> None:
    """State that the archive holds the mock portals' synthetic data."""
    put(db, DEMO, DEMO_TEXT)


def software_version() -> str:
    try:
        return _version(NAME)
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def citation(version: str, year: str, url: str | None = None) -> str:
    """How to cite the archive (a dataset version, or a served archive with its date)."""
    where = f" {url}." if url else ""
    return (f"xxgk-archive contributors ({year}). xxgk-archive: government information-disclosure annual "
            f"reports (政府信息公开工作年度报告), version {version} [data set]. "
            f"Licence: {DATA_LICENSE_SHORT}.{where}")


def coverage(db: sqlite_utils.Database | Any) -> dict[str, Any]:
    """What the archive holds (a sqlite_utils Database or a plain sqlite3 connection): reports
    counted as publications (each once, archive/publications.py) and as documents. Counts by
    year, province and status come from the summary tables (archive/summary.py), so that the
    about page costs the same at a million reports; agencies are distinct agency names."""
    one = lambda sql: db.execute(sql).fetchone()  # noqa: E731
    rows = lambda sql: db.execute(sql).fetchall()  # noqa: E731
    return {
        "reports": one("SELECT coalesce(sum(reports), 0) FROM reports_summary WHERE is_primary = 1")[0],
        "documents": one("SELECT coalesce(sum(reports), 0) FROM reports_summary")[0],
        "agencies": one("SELECT count(DISTINCT agency) FROM reports WHERE agency != ''")[0],  # (index on agency)
        "years": list(one("SELECT min(year), max(year) FROM reports_summary")),
        "by_year": rows("SELECT s.year, s.n, coalesce(a.n, 0) FROM "
                        "(SELECT year, sum(reports) AS n FROM reports_summary WHERE year IS NOT NULL AND is_primary = 1 "
                        "GROUP BY year) s LEFT JOIN (SELECT CAST(y.value AS INTEGER) AS year, count(DISTINCT agency) AS n "
                        "FROM agency_years_summary, json_each('[' || years || ']') y GROUP BY 1) a ON a.year = s.year "
                        "ORDER BY s.year"),
        "by_status": rows("SELECT status, sum(reports) FROM reports_summary WHERE is_primary = 1 GROUP BY status "
                          "ORDER BY status"),
        "by_province": rows("SELECT coalesce(province, '(unknown)'), sum(reports) FROM reports_summary "
                            "WHERE is_primary = 1 GROUP BY 1 ORDER BY 2 DESC, 1"),
        "sources": one("SELECT count(*) FROM sources")[0],
        "captures": one("SELECT count(*) FROM captures")[0],
        "last_capture": one("SELECT max(fetched_at) FROM captures")[0],
        "crawl_runs": one("SELECT count(*), min(started_at), max(finished_at) FROM crawl_runs"),
        "parser_versions": rows("SELECT parser_version, count(*) FROM reports GROUP BY 1"),
        "findings": rows("SELECT scope, code, count(*) FROM findings GROUP BY 1, 2 ORDER BY 1, 3 DESC"),
        "demo": (one("SELECT value FROM archive_info WHERE key = 'demo'") or [None])[0],
    }
