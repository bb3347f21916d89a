"""Datasette benchmark: serve the synthetic archive (env XXGK_BENCH_REPORTS reports, default
100,000; built with bench.archive_bench.build_synthetic, reused when it already holds that many)
with `xxgk serve` on 127.0.0.1 and print latency p50/p95 over HTTP of
- search: `/xxgk/reports.json?_search=TERM` (JSON API: rows + count, `_nofacet`),
- search page: `/xxgk/reports?_search=TERM`, the HTML page with its five default facets,
- facet pages: `/xxgk/reports` unfiltered and filtered by year / province, with the facets.
Targets: search p95 ≤ 150 ms, facet page p95 ≤ 300 ms. Bounded: ROUNDS requests per URL.
"""
from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

from archive.serve import SETTINGS

# the words researchers search (in the synthetic archive they occur in nearly every report: the
# worst case, every query counts and facets 100k rows) and, added at run time, a rare one
TERMS = ("复议", "诉讼", "公开", "依申请公开", "政务新媒体", "议", "年度报告")
ROUNDS = 15  # requests per URL, after one warm-up


def _archive(n: int) -> Path:
    from sqlite_utils.utils import sqlite3

    from archive.db import open_db
    from bench.archive_bench import build_synthetic

    path = Path(os.environ.get("XXGK_BENCH_DIR") or "data/bench") / "serve" / "xxgk.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            have = conn.execute("SELECT (SELECT count(*) FROM reports), "
                                "(SELECT count(*) FROM reports_fts)").fetchone()
            conn.close()
            if have == (n, n):
                open_db(path).close()  # brings indexes added to the schema since up to date
                print(f"reusing {path} ({n:,} reports)")
                return path
        except sqlite3.Error:
            pass
    t0 = time.perf_counter()
    stats = build_synthetic(path, n, crosscheck=False)
    print(f"built {path}: {stats['reports']:,} reports in {time.perf_counter() - t0:.0f} s "
          f"(search index {stats.get('search_index_s', 0):.0f} s), {stats['bytes'] / 1e6:,.0f} MB")
    return path


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


def _report(label: str, ms: list[float], target: float | None) -> None:
    ms = sorted(ms)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
    verdict = "no target" if target is None else \
        f"target p95 ≤ {target:.0f} ms: {'ok' if p95 <= target else 'OVER TARGET'}"
    print(f"{label:<34} p50 {statistics.median(ms):7.1f} ms   p95 {p95:7.1f} ms   ({verdict}; {len(ms)} requests)")


def main() -> None:
    n = int(os.environ.get("XXGK_BENCH_REPORTS") or 100_000)
    path = _archive(n)
    port = _free_port()
    xxgk = Path(sys.executable).with_name("xxgk")
    log = open(path.with_suffix(".serve.log"), "wb")
    proc = subprocess.Popen([str(xxgk), "serve", "--db", str(path), "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=60) as client:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if client.get("/-/versions.json").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"xxgk serve did not start; see {log.name}")
                time.sleep(0.3)
            year = client.get("/xxgk.json", params={"sql": "select max(year) from reports",
                                                    "_shape": "arrayfirst"}).json()[0]
            province = client.get("/xxgk.json", params={
                "sql": "select province from reports group by province order by count(*) desc limit 1",
                "_shape": "arrayfirst"}).json()[0]
            rare = client.get("/xxgk.json", params={"sql": "select agency from reports where id = 1",
                                                    "_shape": "arrayfirst"}).json()[0]
            terms = (*TERMS, rare)
            counts = {t: client.get("/xxgk/reports.json", params={"_search": t, "_size": 0, "_nofacet": 1}
                                    ).json()["filtered_table_rows_count"] for t in terms}
            print(f"{n:,} reports; matches per term: " + ", ".join(f"{t} {c:,}" for t, c in counts.items()))
            search, page, facets = [], [], []
            for t in terms:
                q = httpx.QueryParams({"_search": t})
                search += _timings(client, f"/xxgk/reports.json?{q}&_nofacet=1")
                page += _timings(client, f"/xxgk/reports?{q}")
            for filters in ({}, {"year": year}, {"province": province}, {"year": year, "level": "county"}):
                facets += _timings(client, f"/xxgk/reports?{httpx.QueryParams(filters)}")
            _report("search (JSON API)", search, 150)
            _report("search page (HTML + 5 facets)", page, None)  # (the targets: search, facet pages)
            _report("facet page (HTML + 5 facets)", facets, 300)
            indexes = client.get("/xxgk.json", params={
                "sql": "select group_concat(name, ', ') from pragma_index_list('reports')",
                "_shape": "arrayfirst"}).json()[0]
            print("settings: " + ", ".join(f"{k}={v}" for k, v in SETTINGS.items())
                  + "; mutable mode (read-only connections), memory-mapped; search index reports_fts (one row per report)")
            print(f"indexes on reports: {indexes}")
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


if __name__ == "__main__":
    main()
