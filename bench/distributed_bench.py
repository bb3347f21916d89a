"""A crawl fleet on this machine (crawler/fleet/): pages/min of 1, 2 and 3 workers with
politeness off, next to one process, and the per-host rate with politeness on, side by side.

Each crawl is the whole fleet as an operator runs it: a redis-server of its own, `xxgk
archive-writer`, `xxgk crawl --redis … --seed --all`, N × `xxgk crawl --redis …`, every mock
portal (one set, warmed first so LibreOffice's conversions are cached; the flaky pages fail
their first tries again in every crawl). Pages are the requests the portals logged. Two rates:
end to end (the seed command starts → the writer has archived everything and closed the runs:
process start-up included) and while crawling (first → last request a portal saw).

Politeness on: `DOWNLOAD_DELAY` d for the fleet (the host slot in Redis), one request per host at
a time; the per-host rate is each portal's requests over its first-to-last span, and the closest
two requests any portal saw (≥ d: the fleet's promise). All portals run on 127.0.0.1: one process
(Scrapy's own delay, per host name) would put them all in one slot, the fleet keys a host by
host:port, so each portal is a host of its own.

Environment: XXGK_BENCH_DIST_SCALE (mock portal size for politeness off, default 8 ≈ 2,000
pages), XXGK_BENCH_DIST_DELAY (default 0.5 s). `python -m bench distributed`.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OFF = ("DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False", "CONCURRENT_REQUESTS=32", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
       "RETRY_BACKOFF_BASE=0", "RETRY_BACKOFF_MAX=0", "LOG_LEVEL=WARNING",
       "XXGK_REDIS_IDLE_SECONDS=2", "XXGK_REDIS_LEASE_SECONDS=10")


def _xxgk(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("xxgk")), *args]


def crawl_once(mp, data: Path, workers: int, settings: tuple[str, ...]) -> dict:
    """One crawl into a fresh archive: `workers` 0 is one process (`xxgk crawl`)."""
    from crawler.fleet.local import LocalRedis, run_fleet

    mp.sites["edge"].hits.clear()
    start = len(mp.requests_log)
    t = time.perf_counter()
    if workers:
        with LocalRedis() as redis:
            rc = run_fleet(redis.url, data, workers, ["--registry", str(data.parent / "sources.csv"), "--all"],
                           settings, output=subprocess.DEVNULL)
    else:
        rc = subprocess.call(_xxgk("crawl", "--registry", str(data.parent / "sources.csv"), "--all", "--data-dir",
                                   str(data), "--quiet", *[a for s in settings for a in ("-s", s)]),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    took = time.perf_counter() - t
    if rc != 0:
        raise RuntimeError(f"crawl with {workers} workers failed ({rc})")
    log = mp.requests_log[start:]
    span = max(r.at for r in log) - min(r.at for r in log)
    by_host = defaultdict(list)
    for r in log:
        by_host[r.portal].append(r.at)
    rates, gaps = [], []
    for times in by_host.values():
        times.sort()
        if len(times) > 2:
            rates.append((len(times) - 1) / (times[-1] - times[0]))
            gaps.append(min(b - a for a, b in zip(times, times[1:])))
    return {"pages": len(log), "seconds": took, "rate": len(log) / took * 60, "crawl_rate": len(log) / span * 60,
            "host_rate": sum(rates) / len(rates), "min_gap": min(gaps)}


def main() -> None:
    sys.path.insert(0, str(REPO))
    from crawler.registry import write
    from mockportals import MockPortals
    from xxgk.commands.demo import mock_sources

    scale = float(os.environ.get("XXGK_BENCH_DIST_SCALE", "8"))
    delay = float(os.environ.get("XXGK_BENCH_DIST_DELAY", "0.5"))
    polite = (*OFF, f"DOWNLOAD_DELAY={delay}", "CONCURRENT_REQUESTS_PER_DOMAIN=1")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        with MockPortals(seed=31, scale=scale) as mp:
            write(mock_sources(mp), tmp / "sources.csv")
            crawl_once(mp, tmp / "warm", 0, OFF)  # conversions cached, pages rendered once
            if os.environ.get("XXGK_BENCH_DIST_ONLY") == "polite":
                workers_off = ()
            print(f"politeness off, every mock portal at scale {scale:g}:", flush=True)
            print(f"{'':>14} {'pages':>6} {'seconds':>8} {'pages/min':>10} {'while crawling':>15}")
            for workers in (0, 1, 2, 3):
                r = crawl_once(mp, tmp / f"off-{workers}", workers, OFF)
                name = "one process" if not workers else f"{workers} worker{'s' * (workers > 1)}"
                print(f"{name:>14} {r['pages']:>6,} {r['seconds']:>8.1f} {r['rate']:>10,.0f} {r['crawl_rate']:>15,.0f}",
                      flush=True)
        with MockPortals(seed=31, scale=1) as mp:
            write(mock_sources(mp), tmp / "sources.csv")
            crawl_once(mp, tmp / "warm-polite", 0, OFF)
            print(f"politeness on (delay {delay:g} s, one request per host at a time), every mock portal at scale 1:")
            print(f"{'':>14} {'pages':>6} {'seconds':>8} {'pages/min':>10} {'per host/min':>13} {'closest two':>12}")
            for workers in (1, 2, 3):
                r = crawl_once(mp, tmp / f"on-{workers}", workers, polite)
                print(f"{f'{workers} worker' + 's' * (workers > 1):>14} {r['pages']:>6,} {r['seconds']:>8.1f} "
                      f"{r['rate']:>10,.0f} {r['host_rate'] * 60:>13,.0f} {r['min_gap']:>11.3f}s", flush=True)
            print(f"(one host at most {60 / delay:,.0f}/min: the delay counts from each answer to the next request)")


if __name__ == "__main__":
    main()
