"""Crawl speed and memory: the mock portals crawled with politeness off and the full pipeline on
(WARC capture, parse, archive), next to `scrapy bench` run on the same machine in the same run.

Targets: ≥ 50 % of `scrapy bench`'s pages/min; peak memory (PSS) of the crawl, its parse workers and
the converters they start ≤ 400 MB over a
20,000-page crawl. Environment: XXGK_BENCH_PAGES (default 20000; e.g. 2000 for a quick run),
XXGK_BENCH_SCRAPY_SECONDS (default: scrapy bench's own 10 s; its rate falls the longer it runs, as
its frontier grows: ~10,000 pages/min over 4 s, ~8,200 over 10 s, ~6,700 over 20 s here).
`python -m bench crawl`.
"""
from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PAGES_PER_SCALE = 260  # requests per unit of mock-portal scale (measured: 15,378 at scale 59)
POLITENESS_OFF = ("DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False", "CONCURRENT_REQUESTS=32",
                  "CONCURRENT_REQUESTS_PER_DOMAIN=16", "RETRY_BACKOFF_BASE=0", "RETRY_BACKOFF_MAX=0",
                  "LOG_LEVEL=INFO")  # INFO: the stats dump at the end is what we measure


def _exe(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def _rate(log: str) -> tuple[int, float]:
    """(responses, seconds) from a Scrapy stats dump: the same measure for both crawlers."""
    pages = re.search(r"'response_received_count': (\d+)", log)
    elapsed = re.search(r"'elapsed_time_seconds': ([\d.]+)", log)
    if not (pages and elapsed):
        raise RuntimeError(f"no Scrapy stats in the log:\n{log[-2000:]}")
    return int(pages.group(1)), float(elapsed.group(1))


def scrapy_bench(seconds: int | None = None) -> float:
    """pages/min of `scrapy bench` (its own local server and link-following spider), run outside
    the project so none of our settings apply; as it comes unless `seconds` is given."""
    with tempfile.TemporaryDirectory() as cwd:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY_")}
        extra = ["-s", f"CLOSESPIDER_TIMEOUT={seconds}"] if seconds else []
        res = subprocess.run([_exe("scrapy"), "bench", *extra], cwd=cwd,
                             env=env, capture_output=True, text=True, timeout=(seconds or 10) + 120)
    pages, took = _rate(res.stdout + res.stderr)
    return pages / took * 60


def _tree_memory(root: int) -> tuple[int, int]:
    """(PSS, RSS) in bytes, summed over `root` and all its descendants (the parse workers and the
    converters they start). PSS splits shared pages between their sharers: the tree's real
    footprint; the plain RSS sum counts pages shared by two processes twice."""
    parent: dict[int, int] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                parent[int(d.name)] = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    tree, grew = {root}, True
    while grew:
        more = {p for p, pp in parent.items() if pp in tree} - tree
        tree |= more
        grew = bool(more)
    pss = rss = 0
    for pid in tree:
        try:
            rollup = (Path("/proc") / str(pid) / "smaps_rollup").read_text()
            pss += int(re.search(r"^Pss:\s+(\d+) kB", rollup, re.M).group(1)) * 1024
            rss += int(re.search(r"^Rss:\s+(\d+) kB", rollup, re.M).group(1)) * 1024
        except (OSError, AttributeError):
            pass
    return pss, rss


class _PeakMemory(threading.Thread):
    """Samples the process tree's memory every quarter second (a process's own peak RSS would
    miss its workers and the converters they start)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.pss, self.rss, self.running = pid, 0, 0, True

    def run(self) -> None:
        while self.running:
            pss, rss = _tree_memory(self.pid)
            self.pss, self.rss = max(self.pss, pss), max(self.rss, rss)
            time.sleep(0.25)


def our_crawl(pages: int, pipeline: bool = True) -> dict:
    """Crawl every mock portal (sized for about `pages` requests) in a child process: pages,
    seconds, pages/min, peak memory (MB, PSS, sampled) of that process with its parse workers and
    what they start, reports archived."""
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
        for s in POLITENESS_OFF + (() if pipeline else ("ITEM_PIPELINES={}",)):
            cmd += ["-s", s]
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        sampler = _PeakMemory(proc.pid)
        sampler.start()
        err = proc.stderr.read().decode("utf-8", "replace")
        sampler.running = False
        status = proc.wait()
        if status != 0:
            raise RuntimeError(f"crawl failed: {err[-2000:]}")
        fetched, took = _rate(err)
        reports = 0
        if pipeline:
            db = sqlite3.connect(data / "xxgk.db")
            reports = db.execute("SELECT count(*) FROM reports").fetchone()[0]
            db.close()
    return {"pages": fetched, "seconds": took, "rate": fetched / took * 60, "pss": sampler.pss / 2**20,
            "rss": sampler.rss / 2**20,
            "reports": reports}


def main() -> None:
    pages = int(os.environ.get("XXGK_BENCH_PAGES", "20000"))
    seconds = int(os.environ.get("XXGK_BENCH_SCRAPY_SECONDS", "0")) or None
    before = scrapy_bench(seconds)
    print(f"scrapy bench: {before:,.0f} pages/min ({seconds or 'its default 10'} s)", flush=True)
    capture = our_crawl(min(pages, 3000), pipeline=False)
    print(f"xxgk crawl, capture only (WARC, no parse): {capture['pages']:,} pages in {capture['seconds']:.1f} s"
          f" = {capture['rate']:,.0f} pages/min ({capture['rate'] / before:.0%} of scrapy bench)", flush=True)
    full = our_crawl(pages)
    after = scrapy_bench(seconds)
    # on a shared machine the baseline moves: compare against the faster of the two runs
    baseline = max(before, after)
    print(f"scrapy bench again: {after:,.0f} pages/min; baseline {baseline:,.0f} pages/min")
    print(f"xxgk crawl, full pipeline (WARC + parse + archive): {full['pages']:,} pages, {full['reports']:,} "
          f"reports in {full['seconds']:.1f} s = {full['rate']:,.0f} pages/min "
          f"({full['rate'] / baseline:.0%} of scrapy bench; target ≥ 50 %)")
    print(f"peak memory of the crawl process, its parse workers and converters: PSS {full['pss']:.0f} MB "
          f"(target ≤ 400 MB over 20,000), RSS summed over the processes {full['rss']:.0f} MB, "
          f"over {full['pages']:,} pages")


if __name__ == "__main__":
    main()
