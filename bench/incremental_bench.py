"""Incremental crawls: every mock portal crawled twice into one archive; the second crawl's bytes
and requests as a share of the first's (targets ≤ 5 % of bytes, ≤ 25 % of requests), then three
reports published on each of three portals and the time the next crawl takes to archive them.

Requests are what the portals logged (robots.txt included); bytes are response bodies as the
crawler received them (crawl_runs.bytes). Politeness off (no delay), robots.txt on.
Environment: XXGK_BENCH_INC_SCALE (mock portal size, default 1.0 ≈ 400 reports).
`python -m bench incremental`.
"""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PORTALS = ("trs", "trs_gbk", "hanweb", "gkmlpt", "govcn", "edge")
PUBLISH_ON = ("trs", "hanweb", "gkmlpt")
FAST = ("DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False", "CONCURRENT_REQUESTS_PER_DOMAIN=4",
        "RETRY_BACKOFF_BASE=0", "RETRY_BACKOFF_MAX=0.05", "LOG_LEVEL=WARNING")


def crawl(data: Path) -> tuple[float, int]:
    """One `xxgk crawl` of every registered mock source: (seconds, body bytes received)."""
    cmd = [str(Path(sys.executable).with_name("xxgk")), "crawl", "--registry", str(data / "sources.csv"), "--all",
           "--data-dir", str(data), "--quiet"]
    for s in FAST:
        cmd += ["-s", s]
    db = data / "xxgk.db"
    last = _max_run(db)
    t = time.perf_counter()
    res = subprocess.run(cmd, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True)
    took = time.perf_counter() - t
    if res.returncode != 0:
        raise RuntimeError(f"crawl failed: {res.stderr[-2000:]}")
    con = sqlite3.connect(db)
    got = con.execute("SELECT coalesce(sum(bytes), 0) FROM crawl_runs WHERE id > ?", [last]).fetchone()[0]
    con.close()
    return took, got


def _max_run(db: Path) -> int:
    if not db.exists():
        return 0
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT coalesce(max(id), 0) FROM crawl_runs").fetchone()[0]
    finally:
        con.close()


def main() -> None:
    sys.path.insert(0, str(REPO))
    from crawler.registry import write
    from mockportals import MockPortals
    from xxgk.commands.demo import mock_sources

    scale = float(os.environ.get("XXGK_BENCH_INC_SCALE", "1.0"))
    with tempfile.TemporaryDirectory() as tmp, MockPortals(seed=21, scale=scale, portals=PORTALS) as mp:
        data = Path(tmp)
        write(mock_sources(mp), data / "sources.csv")
        n0 = len(mp.requests_log)
        t1, b1 = crawl(data)
        n1 = len(mp.requests_log)
        t2, b2 = crawl(data)
        n2 = len(mp.requests_log)
        r1, r2 = n1 - n0, n2 - n1
        print(f"first crawl:  {r1:,} requests, {b1:,} bytes, {t1:.1f} s", flush=True)
        print(f"second crawl: {r2:,} requests, {b2:,} bytes, {t2:.1f} s — "
              f"{r2 / r1:.1%} of the requests (target ≤ 25 %), {b2 / max(b1, 1):.2%} of the bytes (target ≤ 5 %)",
              flush=True)
        new = [e for p in PUBLISH_ON for e in mp.publish(p, n=3)]
        t = time.perf_counter()
        t3, b3 = crawl(data)
        detect = time.perf_counter() - t
        con = sqlite3.connect(data / "xxgk.db")
        archived = {u for (u,) in con.execute("SELECT url FROM captures WHERE kind = 'report'")}
        con.close()
        found = sum(e.url in archived for e in new)
        print(f"after publishing {len(new)} reports on {len(PUBLISH_ON)} portals: the next crawl archived "
              f"{found} of them in {detect:.1f} s ({len(mp.requests_log) - n2:,} requests, {b3:,} bytes); "
              f"on a schedule, add the wait for the next run (≤ 1 day January–April by default)")


if __name__ == "__main__":
    main()
