"""Versioned dataset bundles: `export(db, DIR)` writes DIR/xxgk-archive-<version>/ with

    data/<table or view>.csv   one CSV per table and view (UTF-8, header row)
    xxgk.db                    the SQLite archive itself (a clean copy: VACUUM INTO)
    datapackage.json           Frictionless Data Package: schemas, types, keys, descriptions
    README.md                  how to cite, coverage, provenance
    SHA256SUMS                 checksums of every other file (`sha256sum -c SHA256SUMS`)
"""
from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path
from typing import Any

import sqlite_utils

import parsers
from archive import health
from archive.keys import COLUMNS_EN, rows as key_rows
from archive.runs import now
from archive.schema import NUMBER, TABLE, TABLES
from archive.views import VIEWS

NAME = "xxgk-archive"
TITLE = "xxgk-archive: China's government information-disclosure annual reports (政府信息公开工作年度报告)"
LICENSE = {"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
           "title": "Creative Commons Attribution 4.0"}
_TYPES = {int: "integer", float: "number", str: "string", NUMBER: "number"}


def _hash(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _write_csv(db: sqlite_utils.Database, name: str, path: Path,
               infer: bool = False) -> tuple[list[str], dict[str, set[str]]]:
    """Write one table or view; returns its columns and (with `infer`: views have no declared
    types) the Frictionless types seen per column."""
    cur = db.execute(f"SELECT * FROM [{name}]")
    cols = [d[0] for d in cur.description]
    seen: dict[str, set[str]] = {c: set() for c in cols}
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        if not infer:  # tables declare their types: write the rows in one call
            w.writerows(cur)
            return cols, seen
        for row in cur:
            w.writerow(row)
            for c, v in zip(cols, row):
                if v is not None:
                    seen[c].add("integer" if isinstance(v, int) else "number" if isinstance(v, float) else "string")
    return cols, seen


def _inferred(types: set[str]) -> str:
    if types == {"integer"}:
        return "integer"
    return "number" if types and types <= {"integer", "number"} else "string"


def _view_docs() -> dict[str, str]:
    """English descriptions of view columns: report columns and `<row>__<column>` pivots."""
    docs = {c: d for c, (_, d) in TABLE["reports"].columns.items()}
    docs["report_id"] = "Report (reports.id)"
    for k in key_rows():
        docs[f"{k['row_key']}__{k['column_key']}"] = f"{k['description_en']} ({k['label_zh']})"
        if k["table_key"] == "applications":  # applications_rows: one column per applicant column
            docs[k["column_key"]] = f"Requests from {COLUMNS_EN[k['column_key']]} ({k['column_label_zh']})"
    docs.update({"row_key": "Row key from the template (see keys)", "n_reports": "Number of reports",
                 "first_year": "First year with a report", "last_year": "Last year with a report",
                 "missing_years": "Years without a report between the first and the last",
                 "years": "Years with a report"})
    for c, d in health.COLUMN_DOCS.items():  # source_health, report_revisions
        docs.setdefault(c, d)
    return docs


def _resources(db: sqlite_utils.Database, data: Path) -> list[dict[str, Any]]:
    out = []
    for t in TABLES:
        cols, _ = _write_csv(db, t.name, data / f"{t.name}.csv")
        fields = [{"name": c, "type": _TYPES[t.columns[c][0]], "description": t.columns[c][1]}
                  for c in cols if c in t.columns]
        schema: dict[str, Any] = {"fields": fields}
        if t.pk:
            schema["primaryKey"] = [t.pk] if isinstance(t.pk, str) else list(t.pk)
        if t.foreign_keys:
            schema["foreignKeys"] = [{"fields": [c], "reference": {"resource": other, "fields": [oc]}}
                                     for c, other, oc in t.foreign_keys]
        out.append({"name": t.name, "path": f"data/{t.name}.csv", "profile": "tabular-data-resource",
                    "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
                    "description": t.doc, "schema": schema})
    docs = _view_docs()
    for name, (_, doc) in VIEWS.items():
        cols, seen = _write_csv(db, name, data / f"{name}.csv", infer=True)
        # pivoted cell values are numbers even when a column happens to be empty
        fields = [{"name": c, "type": "number" if "__" in c or c in COLUMNS_EN else _inferred(seen[c]),
                   "description": docs.get(c, "")} for c in cols]
        out.append({"name": name, "path": f"data/{name}.csv", "profile": "tabular-data-resource",
                    "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
                    "description": f"View: {doc}", "schema": {"fields": fields}})
    return out


def _coverage(db: sqlite_utils.Database) -> dict[str, Any]:
    one = lambda sql: db.execute(sql).fetchone()  # noqa: E731
    return {
        "reports": one("SELECT count(*) FROM reports")[0],
        "agencies": one("SELECT count(DISTINCT agency) FROM reports WHERE agency != ''")[0],
        "years": list(one("SELECT min(year), max(year) FROM reports")),
        "by_year": db.execute("SELECT year, count(*), count(DISTINCT agency) FROM reports "
                              "WHERE year IS NOT NULL GROUP BY year ORDER BY year").fetchall(),
        "by_status": db.execute("SELECT status, count(*) FROM reports GROUP BY status ORDER BY status").fetchall(),
        "by_province": db.execute("SELECT coalesce(province, '(unknown)'), count(*) FROM reports "
                                  "GROUP BY 1 ORDER BY 2 DESC, 1").fetchall(),
        "sources": one("SELECT count(*) FROM sources")[0],
        "captures": one("SELECT count(*) FROM captures")[0],
        "crawl_runs": one("SELECT count(*), min(started_at), max(finished_at) FROM crawl_runs"),
        "parser_versions": db.execute("SELECT parser_version, count(*) FROM reports GROUP BY 1").fetchall(),
        "findings": db.execute("SELECT scope, code, count(*) FROM findings GROUP BY 1, 2 ORDER BY 1, 3 DESC").fetchall(),
    }


def _readme(version: str, created: str, cov: dict[str, Any], resources: list[dict]) -> str:
    y0, y1 = cov["years"]
    years = f"years {y0}–{y1}" if y0 is not None else "no year known"
    lines = [
        f"# {TITLE}", "", f"Version {version}, created {created}.", "",
        "## How to cite", "",
        f"> xxgk-archive contributors ({created[:4]}). *xxgk-archive: government information-disclosure "
        f"annual reports (政府信息公开工作年度报告)*, dataset version {version}. "
        "Data Package with SHA-256 checksums (see SHA256SUMS; cite the checksum of datapackage.json "
        "to pin the exact files).", "",
        "Cite figures with their report (reports.id, url, sha256): every number in `cells` keeps the "
        "text it was read from (`raw`) and the captured document it came from (`captures`).", "",
        "## Coverage", "",
        f"- {cov['reports']} reports from {cov['agencies']} agencies, {years}",
        f"- {cov['sources']} sources, {cov['captures']} captured documents",
        "- reports by status: " + ", ".join(f"{s} {n}" for s, n in cov["by_status"]), "",
        "| year | reports | agencies |", "|---|---|---|",
        *(f"| {y} | {n} | {a} |" for y, n, a in cov["by_year"]), "",
        "| province | reports |", "|---|---|", *(f"| {p} | {n} |" for p, n in cov["by_province"]), "",
        "## Provenance", "",
        "Documents were fetched from government portals (or loaded from local files), kept byte for "
        "byte (WARC files or paths, see `captures`), and parsed into the national template "
        "(国办公开办函〔2021〕30号 / 〔2019〕60号) with stable keys (see `keys`).",
        "- parser versions: " + ", ".join(f"{v} ({n} reports)" for v, n in cov["parser_versions"]),
        f"- crawl runs: {cov['crawl_runs'][0]} (from {cov['crawl_runs'][1]} to {cov['crawl_runs'][2]})",
        "- findings (problems found in reports and across reports): "
        + (", ".join(f"{s}/{c} {n}" for s, c, n in cov["findings"]) or "none"), "",
        "Numbers are as printed. Identity breaks, blank totals and cross-report inconsistencies are "
        "recorded in `findings`, never corrected.", "",
        "## Files", "", "- `xxgk.db`: the SQLite archive (tables and views below)",
        "- `datapackage.json`: Frictionless Data Package describing every CSV",
        "- `SHA256SUMS`: checksums (`sha256sum -c SHA256SUMS`)",
        *(f"- `{r['path']}`: {r['description']}" for r in resources), "",
    ]
    return "\n".join(lines)


def export(db: sqlite_utils.Database, out_dir: str | Path, version: str | None = None) -> Path:
    """Write the bundle; returns its folder. Refuses to overwrite an existing bundle."""
    created = now()
    version = version or created[:10]
    bundle = Path(out_dir) / f"{NAME}-{version}"
    if bundle.exists():
        raise FileExistsError(f"{bundle} exists; choose another --version or remove it")
    data = bundle / "data"
    data.mkdir(parents=True)
    db.execute("VACUUM INTO ?", [str(bundle / "xxgk.db")])  # consistent, self-contained copy
    resources = _resources(db, data)
    package = {
        "profile": "tabular-data-package", "name": NAME, "title": TITLE, "version": version,
        "created": created, "licenses": [LICENSE],
        "description": "Parsed government information-disclosure annual reports with provenance. "
                       f"Parser version {parsers.PARSER_VERSION}. See README.md.",
        "resources": resources,
    }
    (bundle / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False, indent=1), encoding="utf-8")
    (bundle / "README.md").write_text(_readme(version, created, _coverage(db), resources), encoding="utf-8")
    files = sorted(p for p in bundle.rglob("*") if p.is_file())
    (bundle / "SHA256SUMS").write_text(
        "".join(f"{_hash(p)}  {p.relative_to(bundle).as_posix()}\n" for p in files), encoding="utf-8")
    return bundle
