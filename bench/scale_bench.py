"""National-scale benchmark (issue 18): synthetic archives of 100,000, 300,000 and 1,000,000
reports ($XXGK_SCALE_SIZES), each grown from the one before by loading the next reports into a
copy of it, and served with `xxgk serve`. Prints the sizes side by side: bytes per report (and
where they go), the load rate (overall and over the last stretch: sustained, with every index,
the search index and the summaries kept current as it goes), the cross-report run, start-up of
`xxgk serve`, and latency p50/p95 over HTTP of the searches, facet pages and canned queries.

The databases stay in data/bench/scale/ ($XXGK_BENCH_DIR/scale): a run reuses each one that
holds its size (`archive_info` key `bench`), and builds only what is missing; an interrupted
build goes on from the reports it holds (`_resumable`).

Loading: two more processes ($XXGK_SCALE_PREPARERS) generate the reports
(bench.archive_bench.synthetic_reports, three-syllable place names: ≈ 200,000 agencies) and
prepare their rows (archive.bulk.Preparer, the rows staged in a temporary directory), each every
other batch, numbered by its place in the sequence, while this one writes them
(archive.bulk.write_batch); batches of 5,000 reports a transaction ($XXGK_SCALE_BATCH; a build
with 20,000 was slower at every size). With one preparer the writer waited for it about an
eighth of the time: on two cores, two preparers keep both busy. Rates are timed from the first
batch written (the generator first lists every agency), and the writer's CPU time per report is
printed too (steadier on a shared machine than the wall clock).
"""
from __future__ import annotations

import json
import multiprocessing as mp
import os
import queue as queue_module
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

DEFAULT_SIZES = (100_000, 300_000, 1_000_000)
BATCH = int(os.environ.get("XXGK_SCALE_BATCH") or 5000)  # reports a transaction
PREPARERS = int(os.environ.get("XXGK_SCALE_PREPARERS") or 2)  # producer processes
MMAP = int(os.environ.get("XXGK_SCALE_MMAP", 64 << 30))  # bytes of the archive the writer maps
STRETCH = 100_000  # the load rate is also reported over the last this-many reports
ROUNDS = 15  # requests per URL, after one warm-up
SEED = 1
TERMS = ("复议", "依申请公开", "政务新媒体", "诉讼", "公开", "年度报告")
SECTION_TERMS = ("政务新媒体", "复议")


def _dir() -> Path:
    return Path(os.environ.get("XXGK_BENCH_DIR") or "data/bench") / "scale"


def _sizes() -> list[int]:
    raw = os.environ.get("XXGK_SCALE_SIZES")
    return sorted(int(x) for x in raw.split(",")) if raw else list(DEFAULT_SIZES)


# --- building --------------------------------------------------------------------------------

def _produce(path: str, start: int, n: int, queue, stage: str, first_ids: tuple[int, int], k: int, of: int) -> None:
    """In producer process k of `of`: generate reports start … n-1 and prepare batch k, k + of,
    k + 2·of … of them, batch j numbered from first_ids + j × BATCH (its rows staged in files
    under `stage`)."""
    import sqlite_utils
    from sqlite_utils.utils import sqlite3

    from archive.bulk import Preparer, batches
    from bench.archive_bench import _pool, synthetic_reports

    os.nice(5)  # the writer first: it alone sets the pace, the preparers fill the time it leaves
    db = sqlite_utils.Database(sqlite3.connect(f"file:{path}?mode=ro", uri=True))
    prep = Preparer(db, stage=stage)
    for j, chunk in enumerate(batches(synthetic_reports(n, _pool(), SEED, start=start, syllables=3), BATCH)):
        if j % of == k:
            queue.put(prep.batch(chunk, first_ids=(first_ids[0] + j * BATCH, first_ids[1] + j * BATCH)))
    queue.put(None)


def _info(path: Path) -> dict | None:
    """What a bench database says it holds (None: not a finished one)."""
    from sqlite_utils.utils import sqlite3

    if not path.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        row = conn.execute("SELECT value FROM archive_info WHERE key = 'bench'").fetchone()
        conn.close()
    except sqlite3.Error:
        return None
    return json.loads(row[0]) if row else None


def _resumable(path: Path, smallest: int, n: int) -> int | None:
    """How many reports an interrupted build of `path` holds, if it can go on from there: whole
    batches (each written in one transaction), ids 1 … count (report i of the deterministic
    sequence is id i + 1), at least the copied smaller archive. None: start again."""
    from sqlite_utils.utils import sqlite3

    if not path.exists():
        return None
    try:
        conn = sqlite3.connect(path)  # not read-only: a killed writer's log is recovered first
        count, top = conn.execute("SELECT count(*), coalesce(max(id), 0) FROM reports").fetchone()
        conn.close()
    except sqlite3.Error:
        return None
    ok = count == top and count % BATCH == 0 and smallest <= count < n
    return count if ok else None


def _load(path: Path, start: int, n: int, *, resumed: bool = False) -> dict:
    """Load reports start … n-1 into the archive at `path`; the rates (over this run's part)."""
    from archive import crosscheck, info, search
    from archive.bulk import unchecked_foreign_keys, write_batch
    from archive.db import open_db

    db = open_db(path)
    db.execute("PRAGMA cache_size = -1000000")  # 1 GB of page cache for the writer
    # and the file mapped: a page it reads (the indexes' random leaves, the merges' segments)
    # comes straight from the OS cache, not by a read() into its own
    db.execute(f"PRAGMA mmap_size = {MMAP}")
    ctx = mp.get_context("spawn")
    queue = ctx.Queue(maxsize=2 * PREPARERS)
    stage = tempfile.TemporaryDirectory(prefix="xxgk-stage-")
    first_ids = (search.free_id(db), (db.execute("SELECT max(id) FROM captures").fetchone()[0] or 0) + 1)
    producers = [ctx.Process(target=_produce, args=(str(path), start, n, queue, stage.name, first_ids, k, PREPARERS))
                 for k in range(PREPARERS)]
    for producer in producers:
        producer.start()
    marks = []  # (reports, wall, writer CPU): timed from the first batch written, so that the
    # generator's start (the list of every agency up to n) is not counted as loading
    with unchecked_foreign_keys(db):
        done, running = start, PREPARERS
        while running:
            try:
                batch = queue.get(timeout=10)
            except queue_module.Empty:
                if any(p.exitcode for p in producers):
                    raise SystemExit(f"a producer failed: exit codes {[p.exitcode for p in producers]}")
                continue
            if batch is None:
                running -= 1
                continue
            done += write_batch(db, batch)
            if not marks:
                marks.append((done, time.perf_counter(), time.process_time()))
            elif done % STRETCH == 0 or done == n:
                marks.append((done, time.perf_counter(), time.process_time()))
                print(f"  {done:,} reports ({load_avg()})", flush=True)
    for producer in producers:
        producer.join()
    stage.cleanup()
    (n0, w0, c0), (n1, w1, c1) = marks[0], marks[-1]
    last = next(m for m in reversed(marks[:-1]) if n1 - m[0] >= min(STRETCH, n1 - n0))
    stats = {"loaded": n1 - n0, "resumed_from": start if resumed else None, "load_s": w1 - w0, "rate": (n1 - n0) / (w1 - w0),
             "writer_us": (c1 - c0) / (n1 - n0) * 1e6,
             "last_rate": (n1 - last[0]) / (w1 - last[1]), "last_writer_us": (c1 - last[2]) / (n1 - last[0]) * 1e6}
    t0 = time.perf_counter()
    crosscheck.run(db)
    stats["crosscheck_s"] = time.perf_counter() - t0
    db.execute("ANALYZE")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    info.put(db, "bench", json.dumps({"reports": n, **stats}))
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return stats


def load_avg() -> str:
    return "load " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def build(sizes: list[int]) -> dict[int, dict]:
    """Every size's database, built where missing (each from the largest smaller one)."""
    out: dict[int, dict] = {}
    prev: tuple[int, Path] | None = None
    for n in sizes:
        path = _dir() / str(n) / "xxgk.db"  # served as /xxgk (the archive's templates are named for it)
        have = _info(path)
        if have and have.get("reports") == n:
            print(f"reusing {path} ({n:,} reports)")
        elif (start := _resumable(path, prev[0] if prev else 0, n)) is not None:
            print(f"resuming {path}: {start:,} reports there (an interrupted build), loading to {n:,} ({load_avg()})")
            _load(path, start, n, resumed=True)
            have = _info(path)
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            path.parent.mkdir(parents=True, exist_ok=True)
            start = 0
            if prev:
                start = prev[0]
                shutil.copyfile(prev[1], path)
                print(f"building {path}: {start:,} reports copied from {prev[1]}, loading to {n:,} ({load_avg()})")
            else:
                print(f"building {path}: loading {n:,} reports ({load_avg()})")
            _load(path, start, n)
            have = _info(path)
        out[n] = {**have, "bytes": path.stat().st_size, "path": str(path)}
        prev = (n, path)
    return out


# --- what the bytes are ------------------------------------------------------------------------

GROUPS = {  # dbstat names → what they are
    "cells": ("cell_values", "cell_keys", "sqlite_autoindex_cell_keys_1", "uq_cell_keys_table_key_row_key_column_key"),
    "search index": ("reports_fts",),
    "sections": ("sections", "idx_sections_report_id"),
    "reports": ("reports",),
    "findings": ("findings",),
    "summaries": ("reports_summary", "cell_totals"),
}


def bytes_by_part(path: Path) -> dict[str, int]:
    from sqlite_utils.utils import sqlite3

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    sizes = conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall()
    tables = dict(conn.execute("SELECT name, tbl_name FROM sqlite_master").fetchall())
    conn.close()
    out: dict[str, int] = {}
    for name, size in sizes:
        table = tables.get(name, name)
        part = next((g for g, names in GROUPS.items()
                     if table in names or name in names or any(table.startswith(x + "_") for x in names if x == "reports_fts")),
                    "other")
        if part == "other" and table in ("reports", "findings", "sections"):
            part = table
        out[part] = out.get(part, 0) + size
    return out


# --- serving -----------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _timings(client: httpx.Client, url: str) -> list[float]:
    r = client.get(url)  # warm-up (and a check that the page works)
    r.raise_for_status()
    out = []
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        client.get(url).raise_for_status()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _p95(ms: list[float]) -> float:
    ms = sorted(ms)
    return ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]


def urls(client: httpx.Client) -> dict[str, list[str]]:
    """The measured URLs, by row of the table (each row: the p95 over all its URLs' requests)."""
    one = lambda sql: client.get("/xxgk.json", params={"sql": sql, "_shape": "arrayfirst"}).json()[0]  # noqa: E731
    year = one("select max(year) from reports")
    province = one("select province from reports where id = 1")
    rare = one("select agency from reports where id = 1")
    q = lambda **kw: str(httpx.QueryParams(kw))  # noqa: E731
    queries = ("top_agencies_by_requests", "refusal_reasons", "identity_breaks", "province_year_totals",
               "agencies_missing_years", "reports_mentioning", "crawl_health")
    return {
        "search JSON, common terms": [f"/xxgk/reports.json?{q(_search=t, _nofacet=1)}" for t in TERMS],
        "search JSON 复议": [f"/xxgk/reports.json?{q(_search='复议', _nofacet=1)}"],
        "search JSON 依申请公开": [f"/xxgk/reports.json?{q(_search='依申请公开', _nofacet=1)}"],
        "search page with facets, common terms": [f"/xxgk/reports?{q(_search=t)}" for t in TERMS],
        "search JSON, rare term (an agency)": [f"/xxgk/reports.json?{q(_search=rare, _nofacet=1)}"],
        "sections search page": [f"/xxgk/sections?{q(_search=t)}" for t in SECTION_TERMS],
        "facet page, unfiltered": ["/xxgk/reports"],
        "facet pages, filtered": [f"/xxgk/reports?{q(year=year)}", f"/xxgk/reports?{q(province=province)}",
                                  f"/xxgk/reports?{q(year=year, level='county')}"],
        "canned queries": [f"/xxgk/{name}" + ("?term=复议" if name == "reports_mentioning" else "")
                           for name in queries],
        "province_year_totals": ["/xxgk/province_year_totals"],
        "report page": ["/xxgk/reports/1"],
    }


def serve_and_measure(path: Path) -> dict:
    xxgk = Path(sys.executable).with_name("xxgk")
    port = _free_port()
    log = open(path.with_suffix(".serve.log"), "wb")
    t0 = time.perf_counter()
    proc = subprocess.Popen([str(xxgk), "serve", "--db", str(path), "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT)
    out: dict = {}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
            while True:
                try:
                    if client.get("/xxgk/reports").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if proc.poll() is not None or time.perf_counter() - t0 > 600:
                    raise SystemExit(f"xxgk serve did not start; see {log.name}")
                time.sleep(0.2)
            out["startup_s"] = time.perf_counter() - t0
            out["load"] = load_avg()
            out["p95"], out["p50"] = {}, {}
            for label, group in urls(client).items():
                ms = [t for url in group for t in _timings(client, url)]
                out["p95"][label], out["p50"][label] = _p95(ms), statistics.median(ms)
                print(f"  {label:<40} p50 {out['p50'][label]:7.1f}  p95 {out['p95'][label]:7.1f} ms", flush=True)
            out["load_after"] = load_avg()
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
    return out


TARGETS = {"search JSON, common terms": 300, "search JSON 复议": 300, "search JSON 依申请公开": 300,
           "search page with facets, common terms": 500, "sections search page": 500,
           "facet page, unfiltered": 300, "facet pages, filtered": 300, "canned queries": 500,
           "province_year_totals": 500}


def main() -> None:
    sizes = _sizes()
    built = build(sizes)
    served = {}
    for n in sizes:
        print(f"serving {n:,} reports ({load_avg()})", flush=True)
        served[n] = serve_and_measure(Path(built[n]["path"]))
    parts = {n: bytes_by_part(Path(built[n]["path"])) for n in sizes}
    (_dir() / "results.json").write_text(json.dumps({"built": built, "served": served, "parts": parts},
                                                    indent=1, ensure_ascii=False))
    head = "".join(f"{n:>14,}" for n in sizes)
    print(f"\n{'':<44}{head}   target")
    row = lambda label, vals, target="": print(f"{label:<44}" + "".join(f"{v:>14}" for v in vals) + f"   {target}")  # noqa: E731
    row("database, GB", [f"{built[n]['bytes'] / 1e9:.2f}" for n in sizes])
    row("KiB per report", [f"{built[n]['bytes'] / n / 1024:.1f}" for n in sizes], "≤ 15")
    for part in [*GROUPS, "other"]:
        row(f"  {part}, KiB per report", [f"{parts[n].get(part, 0) / n / 1024:.1f}" for n in sizes])
    row("load rate, reports/s (wall)", [f"{built[n]['rate']:,.0f}" for n in sizes])
    row("  last 100,000, reports/s (wall)", [f"{built[n]['last_rate']:,.0f}" for n in sizes], "≥ 2,000")
    row("  writer CPU per report, µs", [f"{built[n]['writer_us']:.0f}" for n in sizes])
    row("  last 100,000: writer reports per CPU-s", [f"{1e6 / built[n]['last_writer_us']:,.0f}" for n in sizes])
    row("cross-report run, s", [f"{built[n]['crosscheck_s']:.0f}" for n in sizes])
    row("xxgk serve start-up, s", [f"{served[n]['startup_s']:.1f}" for n in sizes])
    for label in served[sizes[0]]["p95"]:
        target = f"p95 ≤ {TARGETS[label]}" if label in TARGETS else ""
        row(f"{label}, p95 ms", [f"{served[n]['p95'][label]:.0f}" for n in sizes], target)
    print("machine load while serving: " + "; ".join(f"{n:,}: {served[n]['load']} → {served[n]['load_after']}"
                                                      for n in sizes))


if __name__ == "__main__":
    main()
