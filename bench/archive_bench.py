"""Archive benchmark: build a synthetic archive of N reports (env XXGK_BENCH_REPORTS, default
100,000) and print the load rate and the database size per report.

The reports come from the report generator: a pool of generated reports (every template and
level) is varied into N distinct reports, each with its own invented agency, year and document
bytes (the rendered text of its pool report under a header naming agency and year). Parsing
100k rendered documents would measure the parser, not the archive, so the Report objects go
straight to `archive.load.load_reports`, which builds rows with the same `report_row` /
`derived_rows` code as `load_document` and writes them with executemany in large transactions.
Secondary indexes are created once at the end (timed separately), as is the search index.

`build_synthetic(path, n)` is reusable (the Datasette search/facet benchmark runs on it).
"""
from __future__ import annotations

import copy
import os
import time
from pathlib import Path
from typing import Iterator

from parsers.model import Report

DEFAULT_REPORTS = 100_000
POOL = 300  # generated reports varied into the synthetic archive
YEARS = (2019, 2020, 2021, 2022, 2023)  # 2019-2020: template 2019; later: 2021
LEVELS = ("township", "county", "city", "province", "ministry")


def _pool() -> dict[str, list[tuple[Report, bytes]]]:
    from reportgen import generate, render_text

    pool: dict[str, list[tuple[Report, bytes]]] = {"2019": [], "2021": []}
    for i in range(POOL):
        tpl = "2019" if i % 3 == 0 else "2021"
        r = generate(seed=i, template=tpl, year=2021 if tpl == "2021" else 2019, level=LEVELS[i % len(LEVELS)])
        pool[tpl].append((r, render_text(r).encode("utf-8")))
    return pool


def synthetic_reports(n: int, pool: dict[str, list[tuple[Report, bytes]]] | None = None,
                      seed: int = 1, *, start: int = 0, syllables: int = 2) -> Iterator[tuple[Report, bytes, dict]]:
    """Distinct (report, bytes, meta) items `start` … n-1 of a sequence of n / len(YEARS)
    agencies × YEARS (a longer sequence begins with a shorter one; `syllables=3`: place names of
    three syllables, enough agencies for a million reports)."""
    from reportgen import agencies

    pool = pool or _pool()
    n_agencies = -(-n // len(YEARS))
    agency_list = agencies(seed, n_agencies, syllables)
    k = 0
    for a_i, ag in enumerate(agency_list):
        for year in YEARS:
            if k >= n:
                return
            if k < start:
                k += 1
                continue
            tpl = "2019" if year < 2021 else "2021"
            base, text = pool[tpl][(a_i * len(YEARS) + year) % len(pool[tpl])]
            r = copy.copy(base)  # cells, sections, facts shared: only the identity changes
            r.agency, r.year = ag.name, year
            r.title = f"{ag.name}{year}年政府信息公开工作年度报告"
            data = f"{r.title}\n".encode("utf-8") + text
            meta = {"province": ag.province, "level": ag.level, "path": f"synthetic/{k:06d}.txt",
                    "published_date": f"{year + 1}-01-31"}
            yield r, data, meta
            k += 1


def build_synthetic(path: str | Path, n: int = DEFAULT_REPORTS, *, search: bool = True,
                    crosscheck: bool = True) -> dict[str, float]:
    """Create a fresh archive at `path` with `n` synthetic reports; returns timings (seconds)."""
    from archive import crosscheck as cross
    from archive.db import create_indexes, open_db
    from archive import search as fts
    from archive.load import load_reports

    path = Path(path)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    t0 = time.perf_counter()
    pool = _pool()  # generating is not loading; varying a pool report (in the load time) is cheap
    stats = {"generate_s": time.perf_counter() - t0}
    db = open_db(path, indexes=False)
    t0, c0 = time.perf_counter(), time.process_time()
    stats["reports"] = load_reports(db, synthetic_reports(n, pool), batch=5000, index=False)
    stats["load_s"] = time.perf_counter() - t0
    stats["load_cpu_s"] = time.process_time() - c0  # this process's CPU: steadier on a shared machine
    t0 = time.perf_counter()
    create_indexes(db)
    stats["index_s"] = time.perf_counter() - t0
    if search:
        t0 = time.perf_counter()
        fts.rebuild(db)
        stats["search_index_s"] = time.perf_counter() - t0
    if crosscheck:
        t0 = time.perf_counter()
        stats["cross_findings"] = sum(cross.run(db).values())
        stats["crosscheck_s"] = time.perf_counter() - t0
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute("ANALYZE")
    db.close()
    stats["bytes"] = path.stat().st_size
    return stats


def main() -> None:
    n = int(os.environ.get("XXGK_BENCH_REPORTS") or DEFAULT_REPORTS)
    out = Path(os.environ.get("XXGK_BENCH_DIR") or "data/bench") / "archive_bench.db"
    out.parent.mkdir(parents=True, exist_ok=True)
    s = build_synthetic(out, n)
    print(f"synthetic archive: {s['reports']} reports at {out} (pool of {POOL} generated in {s['generate_s']:.1f} s)")
    print(f"load: {s['reports'] / s['load_s']:,.0f} reports/s ({s['load_s']:.1f} s wall; target ≥ 2,000/s); "
          f"{s['reports'] / s['load_cpu_s']:,.0f} reports per CPU-second")
    total = s["load_s"] + s["index_s"]
    print(f"load + secondary indexes: {s['reports'] / total:,.0f} reports/s (indexes {s['index_s']:.1f} s)")
    if "search_index_s" in s:
        print(f"search index: {s['search_index_s']:.1f} s")
    if "crosscheck_s" in s:
        print(f"cross-report checks: {s['crosscheck_s']:.1f} s, {s['cross_findings']} findings")
    print(f"database: {s['bytes'] / 1e6:,.0f} MB, {s['bytes'] / max(s['reports'], 1) / 1024:.1f} KiB per report")


if __name__ == "__main__":
    main()
