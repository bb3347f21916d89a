"""Versioned dataset bundles: `export(db, DIR)` writes DIR/xxgk-archive-<version>/ with

    data/<table or view>.csv   one CSV per table and view (UTF-8, header row); with
                               format="parquet", data/<table or view>.parquet instead
    xxgk.db                    the SQLite archive itself (a clean copy: VACUUM INTO)
    datapackage.json           Frictionless Data Package: schemas, types, keys, descriptions
    README.md                  how to cite, licence, coverage, provenance (and that it is demo data)
    SHA256SUMS                 checksums of every other file (`sha256sum -c SHA256SUMS`)
    originals/<sha256>.<ext>   with `with_originals`: every report document as captured
"""
from __future__ import annotations

import csv
import hashlib
import json
import logging
from pathlib import Path
from typing import Any, Callable

import sqlite_utils

import parsers
from archive import health, info, originals, publications
from archive.blobs import BlobError
from archive.keys import COLUMNS_EN, rows as key_rows
from archive.runs import now
from archive.schema import NUMBER, TABLE, TABLES
from archive.views import VIEWS

log = logging.getLogger(__name__)
NAME = info.NAME
ORIGINALS = "originals"  # --with-originals: the archived bytes of every report document
_TYPES = {int: "integer", float: "number", str: "string", NUMBER: "number"}
FORMATS = ("csv", "parquet")
ROW_GROUP = 250_000  # rows per Parquet row group: what is held in memory at once


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
    for c, d in {**health.COLUMN_DOCS, **publications.COLUMN_DOCS}.items():  # the views of other modules
        docs.setdefault(c, d)
    return docs


def _write_parquet(db: sqlite_utils.Database, name: str, path: Path, types: dict[str, str]) -> list[str]:
    """Write one table or view as Parquet, ROW_GROUP rows at a time (a million reports' cells
    never in memory at once); columns typed by their Frictionless type (`types`: integer,
    number, string; a column it does not name is typed from its first values)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    cur = db.execute(f"SELECT * FROM [{name}]")
    cols = [d[0] for d in cur.description]
    arrow = {"integer": pa.int64(), "number": pa.float64(), "string": pa.string()}
    writer = None
    try:
        while True:
            rows = cur.fetchmany(ROW_GROUP)
            if not rows and writer is not None:
                break
            columns = list(zip(*rows)) if rows else [() for _ in cols]
            if writer is None:
                seen = {c: {_typed(v) for v in col if v is not None} for c, col in zip(cols, columns)}
                schema = pa.schema([(c, arrow[types.get(c) or _inferred(seen[c])]) for c in cols])
                writer = pq.ParquetWriter(path, schema, compression="zstd")
            writer.write_table(pa.table([pa.array(_as(col, schema.field(c).type), type=schema.field(c).type)
                                         for c, col in zip(cols, columns)], schema=schema))
            if not rows:
                break
    finally:
        if writer is not None:
            writer.close()
    return cols


def _typed(v: Any) -> str:
    return "integer" if isinstance(v, int) else "number" if isinstance(v, float) else "string"


def _as(values: tuple, typ) -> list:
    """Values for an Arrow column: numbers as floats in a float column, anything as text in a
    string one; a value that does not fit stops the export (never a silently emptied cell)."""
    import pyarrow as pa

    if typ == pa.string():
        return [None if v is None else str(v) for v in values]
    ok = (int, float) if typ == pa.float64() else (int,)
    bad = next((v for v in values if v is not None and not isinstance(v, ok)), None)
    if bad is not None:
        raise ValueError(f"{bad!r} in a column of {typ} values")
    return [None if v is None else float(v) for v in values] if typ == pa.float64() else list(values)


def _table_types(db: sqlite_utils.Database, t) -> dict[str, str]:
    """The Parquet type of each column of table `t`: as declared, unless a value says otherwise
    (text in a number column: string; a decimal in an integer column: number) — one scan."""
    declared = {c: _TYPES[typ] for c, (typ, _) in t.columns.items()}
    check = [c for c, typ in declared.items() if typ != "string"]
    if not check:
        return declared
    found = db.execute("SELECT " + ", ".join(f"max(typeof([{c}]) IN ('text', 'blob')), max(typeof([{c}]) = 'real')"
                                             for c in check) + f" FROM [{t.name}]").fetchone()
    for i, c in enumerate(check):
        text, real = found[2 * i], found[2 * i + 1]
        declared[c] = "string" if text else "number" if real else declared[c]
    return declared


def _resources(db: sqlite_utils.Database, data: Path, fmt: str = "csv") -> list[dict[str, Any]]:
    """Every table and view of the researchers' API (not the storage behind views) in `data`."""
    out = []
    media = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet"}[fmt]

    def resource(name: str, doc: str, schema: dict[str, Any]) -> dict[str, Any]:
        extra = {"encoding": "utf-8"} if fmt == "csv" else {}
        return {"name": name, "path": f"data/{name}.{fmt}", "profile": "tabular-data-resource", "format": fmt,
                "mediatype": media, **extra, "description": doc, "schema": schema}

    write: Callable[..., list[str]] = (lambda name, path, types: _write_csv(db, name, path)[0]) if fmt == "csv" \
        else (lambda name, path, types: _write_parquet(db, name, path, types))
    for t in (t for t in TABLES if not t.internal):
        types = _table_types(db, t) if fmt == "parquet" else {c: _TYPES[typ] for c, (typ, _) in t.columns.items()}
        cols = write(t.name, data / f"{t.name}.{fmt}", types)
        fields = [{"name": c, "type": types[c], "description": t.columns[c][1]} for c in cols if c in t.columns]
        schema: dict[str, Any] = {"fields": fields}
        if t.pk:
            schema["primaryKey"] = [t.pk] if isinstance(t.pk, str) else list(t.pk)
        if t.foreign_keys:
            schema["foreignKeys"] = [{"fields": [c], "reference": {"resource": other, "fields": [oc]}}
                                     for c, other, oc in t.foreign_keys]
        out.append(resource(t.name, t.doc, schema))
    docs = _view_docs()
    report_types = {c: _TYPES[typ] for c, (typ, _) in TABLE["reports"].columns.items()}
    for name, (_, doc) in VIEWS.items():
        if fmt == "csv":
            cols, seen = _write_csv(db, name, data / f"{name}.csv", infer=True)
            types = {c: "number" if "__" in c or c in COLUMNS_EN else _inferred(seen[c]) for c in cols}
        else:
            known = {**report_types, "report_id": "integer"}
            cur = db.execute(f"SELECT * FROM [{name}] LIMIT 0")
            # pivoted cell values are numbers even when a column happens to be empty
            known.update({d[0]: "number" for d in cur.description if "__" in d[0] or d[0] in COLUMNS_EN})
            cols = _write_parquet(db, name, data / f"{name}.parquet", known)
            types = {c: known.get(c) for c in cols}
            if any(t is None for t in types.values()):  # typed from the data: read them back
                import pyarrow.parquet as pq
                arrow = pq.read_schema(data / f"{name}.parquet")
                types = {c: types[c] or {"int64": "integer", "double": "number"}.get(str(arrow.field(c).type), "string")
                         for c in cols}
        fields = [{"name": c, "type": types[c], "description": docs.get(c, "")} for c in cols]
        out.append(resource(name, f"View: {doc}", {"fields": fields}))
    return out


def _readme(version: str, created: str, cov: dict[str, Any], resources: list[dict],
            originals: dict[str, Any] | None) -> str:
    y0, y1 = cov["years"]
    years = f"years {y0}–{y1}" if y0 is not None else "no year known"
    demo = [f"> **{info.DEMO_TEXT}.** This bundle was exported from an archive built by `xxgk demo`: "
            "every agency, report and number in it is invented. Do not cite it as data.", ""] if cov["demo"] else []
    lines = [
        f"# {info.TITLE}", "", *demo, f"Version {version}, created {created}.", "",
        "## How to cite", "",
        f"> {info.citation(version, created[:4])} "
        "Data Package with SHA-256 checksums (see SHA256SUMS; cite the checksum of datapackage.json "
        "to pin the exact files).", "",
        "Cite figures with their report (reports.id, url, sha256): every number in `cells` keeps the "
        "text it was read from (`raw`) and the captured document it came from (`captures`).", "",
        "## Licence", "",
        f"The data (every file of this bundle): {info.DATA_LICENSE['title']}, {info.DATA_LICENSE['path']} — "
        "reuse it with attribution to the archive and to the agency whose report a figure comes from. "
        "The reports themselves are public government information (政府信息公开条例). The software that "
        f"built the archive (xxgk-archive) is under the {info.CODE_LICENSE} licence.", "",
        "## Coverage", "",
        f"- {cov['reports']} reports (publications) in {cov['documents']} documents from {cov['agencies']} "
        f"agencies, {years}: a report published as an HTML page and as its PDF/DOCX attachment (or posted "
        "twice, or corrected) is one publication; `reports.is_primary` marks the rendition that counts, "
        "and every view counts it once",
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
        *(f"- `{r['path']}`: {r['description']}" for r in resources),
        *(_originals_lines(originals) if originals is not None else []), "",
        *(_PARQUET_README if resources and resources[0]["format"] == "parquet" else []),
    ]
    return "\n".join(lines)


_PARQUET_README = [
    "## Reading the Parquet files", "",
    "```", "# pandas",
    "reports = pd.read_parquet(\"data/reports.parquet\").query(\"is_primary == 1\")  # one row per publication",
    "# R (arrow)", "cells <- arrow::read_parquet(\"data/applications_wide.parquet\")",
    "-- DuckDB",
    "SELECT province, year, sum(new_requests) FROM 'data/reports.parquet' WHERE is_primary = 1 GROUP BY ALL;",
    "```", "",
]


def _originals_lines(originals: dict[str, Any]) -> list[str]:
    lines = [f"- `{ORIGINALS}/<sha256>.<ext>`: the archived original of every report document, byte for byte "
             f"({originals['written']} files; the name is the SHA-256 of the content, `reports.sha256` and "
             "`captures.sha256` name it)"]
    if originals["unreadable"]:
        lines.append(f"- {len(originals['unreadable'])} original(s) could not be read from the archive's WARC "
                     "files or paths and are missing: " + ", ".join(originals["unreadable"]))
    return lines


def write_originals(db: sqlite_utils.Database, out: Path, data_dirs: list[Path]) -> dict[str, Any]:
    """The bytes of every report document (one file per SHA-256, from the first capture that
    reads back with that hash)."""
    out.mkdir()
    written, unreadable = 0, []
    for sha, caps in _captures_by_sha(db).items():
        for cap in caps:
            try:
                body, _ = originals.read(cap, data_dirs)
            except BlobError:
                continue
            if hashlib.sha256(body).hexdigest() == sha:
                (out / originals.filename(cap)).write_bytes(body)
                written += 1
                break
        else:
            log.warning("the original %s cannot be read from its captures' WARC files or paths", sha)
            unreadable.append(sha)
    return {"written": written, "unreadable": unreadable}


def _captures_by_sha(db: sqlite_utils.Database) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for cap in db.query("SELECT c.* FROM reports r JOIN captures c ON c.sha256 = r.sha256 "
                        "ORDER BY r.id, c.id = r.capture_id DESC, c.id"):
        out.setdefault(cap["sha256"], []).append(cap)
    return out


def export(db: sqlite_utils.Database, out_dir: str | Path, version: str | None = None, *,
           with_originals: bool = False, data_dirs: list[Path] = (), fmt: str = "csv") -> Path:
    """Write the bundle; returns its folder. Refuses to overwrite an existing bundle.
    `with_originals`: also the archived bytes of every report (WARC paths relative to `data_dirs`);
    `fmt`: the data files' format, csv or parquet."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
    created = now()
    version = version or created[:10]
    bundle = Path(out_dir) / f"{NAME}-{version}"
    if bundle.exists():
        raise FileExistsError(f"{bundle} exists; choose another --version or remove it")
    data = bundle / "data"
    data.mkdir(parents=True)
    db.execute("VACUUM INTO ?", [str(bundle / "xxgk.db")])  # consistent, self-contained copy
    resources = _resources(db, data, fmt)
    cov = info.coverage(db)
    package = {
        "profile": "tabular-data-package", "name": NAME, "title": info.TITLE, "version": version,
        "created": created, "licenses": [info.DATA_LICENSE],
        "description": ("SYNTHETIC DEMO DATA (xxgk demo): invented agencies and figures. " if cov["demo"] else "")
                       + "Parsed government information-disclosure annual reports with provenance. "
                       f"Parser version {parsers.PARSER_VERSION}. See README.md.",
        "resources": resources,
    }
    kept = write_originals(db, bundle / ORIGINALS, list(data_dirs)) if with_originals else None
    (bundle / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False, indent=1), encoding="utf-8")
    (bundle / "README.md").write_text(_readme(version, created, cov, resources, kept), encoding="utf-8")
    files = sorted(p for p in bundle.rglob("*") if p.is_file())
    (bundle / "SHA256SUMS").write_text(
        "".join(f"{_hash(p)}  {p.relative_to(bundle).as_posix()}\n" for p in files), encoding="utf-8")
    return bundle
