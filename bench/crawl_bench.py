"""Crawl speed and memory: the mock portals crawled with politeness off and the full pipeline on
(WARC capture, parse, archive), next to `scrapy bench` run on the same machine in the same run.

Targets: ≥ 50 % of `scrapy bench`'s pages/min; peak RSS of the crawl process ≤ 400 MB over a
20,000-page crawl. Environment: XXGK_BENCH_PAGES (default 20000; e.g. 2000 for a quick run),
XXGK_BENCH_SCRAPY_SECONDS (default 20). `python -m bench crawl`.
"""
from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PAGES_PER_SCALE = 340  # requests a crawl of every mock portal makes at scale 1.0
POLITENESS_OFF = ("DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False", "CONCURRENT_REQUESTS=32",
                  "CONCURRENT_REQUESTS_PER_DOMAIN=16", "RETRY_BACKOFF_BASE=0", "RETRY_BACKOFF_MAX=0",
                  "LOG_LEVEL=WARNING")


def _exe(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def scrapy_bench(seconds: int) -> float:
    """pages/min of `scrapy bench` (its own local server and link-following spider), run outside
    the project so none of our settings apply."""
    with tempfile.TemporaryDirectory() as cwd:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY_")}
        res = subprocess.run([_exe("scrapy"), "bench", "-s", f"CLOSESPIDER_TIMEOUT={seconds}"], cwd=cwd,
                             env=env, capture_output=True, text=True, timeout=seconds + 120)
    log = res.stdout + res.stderr
    pages = re.search(r"'response_received_count': (\d+)", log)
    elapsed = re.search(r"'elapsed_time_seconds': ([\d.]+)", log)
    if not (pages and elapsed):
        raise RuntimeError(f"scrapy bench gave no stats:\n{log[-2000:]}")
    return int(pages.group(1)) / float(elapsed.group(1)) * 60


def our_crawl(pages: int) -> tuple[int, float, float, int]:
    """(pages fetched, seconds, peak RSS MB of the crawl process, reports archived)."""
    sys.path.insert(0, str(REPO))
    from crawler.registry import write
    from mockportals import MockPortals
    from xxgk.commands.demo import mock_sources

    scale = max(0.05, pages / PAGES_PER_SCALE)
    portals = ("trs", "trs_gbk", "hanweb", "gkmlpt", "govcn", "edge")
    with tempfile.TemporaryDirectory() as tmp, MockPortals(seed=11, scale=scale, portals=portals) as mp:
        data = Path(tmp)
        write(mock_sources(mp), data / "sources.csv")
        cmd = [_exe("xxgk"), "crawl", "--registry", str(data / "sources.csv"), "--all", "--data-dir", str(data),
               "--quiet"]
        for s in POLITENESS_OFF:
            cmd += ["-s", s]
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise RuntimeError(f"crawl failed: {proc.stderr.read().decode()[-2000:]}")
        db = sqlite3.connect(data / "xxgk.db")
        fetched = db.execute("SELECT sum(requests) FROM crawl_runs").fetchone()[0] or 0
        reports = db.execute("SELECT count(*) FROM reports").fetchone()[0]
        db.close()
    return fetched, seconds, usage.ru_maxrss / 1024, reports


def main() -> None:
    pages = int(os.environ.get("XXGK_BENCH_PAGES", "20000"))
    seconds = int(os.environ.get("XXGK_BENCH_SCRAPY_SECONDS", "20"))
    baseline = scrapy_bench(seconds)
    print(f"scrapy bench: {baseline:,.0f} pages/min ({seconds} s)", flush=True)
    fetched, took, rss, reports = our_crawl(pages)
    rate = fetched / took * 60
    print(f"xxgk crawl (mock portals, politeness off, WARC + parse + archive): {fetched:,} pages, "
          f"{reports:,} reports in {took:.1f} s = {rate:,.0f} pages/min "
          f"({rate / baseline:.0%} of scrapy bench; target ≥ 50 %)")
    print(f"peak RSS of the crawl process: {rss:.0f} MB over {fetched:,} pages (target ≤ 400 MB over 20,000)")


if __name__ == "__main__":
    main()
