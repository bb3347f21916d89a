"""Resumable runs: a crawl killed with SIGKILL mid-way and started again ends with the same archive
as a crawl that was never interrupted — no duplicate capture, no lost report or capture — and
every WARC file it left is readable."""
from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawl_support import FAST, REPO, connect, crawl, expected, portal_sources, urls

from crawler.registry import write  # noqa: E402
from archive.blobs import read_capture  # noqa: E402
from mockportals import MockPortals  # noqa: E402

pytestmark = [pytest.mark.crawl, pytest.mark.slow]

PORTALS = ("trs", "govcn")
SLOW = ("-s", "DOWNLOAD_DELAY=0.15", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1")


@pytest.fixture(scope="module")
def mp():
    with MockPortals(seed=8, page_size=10, portals=PORTALS) as portals:
        yield portals


def sources_of(mp):
    return [s for p in PORTALS for s in portal_sources(mp, p)]


def start_crawl(sources, data_dir: Path) -> subprocess.Popen:
    data_dir.mkdir(parents=True, exist_ok=True)
    write(sources, data_dir / "sources.csv")
    args = [str(Path(sys.executable).with_name("xxgk")), "crawl", "--registry", str(data_dir / "sources.csv"), "--all",
            "--data-dir", str(data_dir), "--quiet"]
    for s in FAST:
        args += ["-s", s]
    args += SLOW
    return subprocess.Popen(args, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def count_reports(data_dir: Path) -> int:
    try:
        db = sqlite3.connect(f"file:{data_dir / 'xxgk.db'}?mode=ro", uri=True, timeout=5)
        try:
            return db.execute("SELECT count(*) FROM captures WHERE kind = 'report'").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:  # not created yet
        return 0


def content(db: sqlite3.Connection) -> dict[str, object]:
    return {
        "captures": sorted(tuple(r) for r in db.execute("SELECT url, kind, sha256 FROM captures")),
        "reports": sorted(tuple(r) for r in db.execute(
            "SELECT sha256, source_id, agency, year, template, status, n_cells, new_requests FROM reports")),
        "cells": db.execute("SELECT count(*) FROM cells").fetchone()[0],
    }


def test_sigkill_mid_crawl_then_resume_equals_clean_crawl(mp, tmp_path):
    sources = sources_of(mp)
    clean = tmp_path / "clean"
    crawl(sources, clean)

    killed = tmp_path / "killed"
    proc = start_crawl(sources, killed)
    deadline = time.time() + 120
    while count_reports(killed) < 8:
        assert proc.poll() is None, "crawl ended before it could be killed: " + proc.stderr.read().decode()[-2000:]
        assert time.time() < deadline, "no captures after 120 s"
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = count_reports(killed)
    total = len(expected(mp, "trs") | expected(mp, "govcn"))
    assert 8 <= partial < total  # really killed mid-way
    assert list((killed / "jobs").glob("*/xxgk-running"))  # the run never closed its JOBDIR

    crawl(sources, killed)

    a, b = connect(clean), connect(killed)
    assert content(b) == content(a)
    assert urls(b, "report") == expected(mp, "trs") | expected(mp, "govcn")
    # no duplicate: one capture per (URL, content), one report per content
    assert b.execute("SELECT count(*) FROM captures").fetchone()[0] == \
        b.execute("SELECT count(*) FROM (SELECT DISTINCT locator, sha256 FROM captures)").fetchone()[0]
    assert b.execute("SELECT count(*) FROM reports").fetchone()[0] == \
        b.execute("SELECT count(DISTINCT sha256) FROM reports").fetchone()[0]
    # the killed run is recorded as such, the resumed one finished; the finished run's JOBDIR is gone
    statuses = [r[0] for r in b.execute("SELECT status FROM crawl_runs ORDER BY id")]
    assert statuses == ["killed"] * len(sources) + ["finished"] * len(sources)
    assert not list((killed / "jobs").glob("*/xxgk-running"))
    # every capture's WARC record is there and holds the archived bytes
    for wf, wo, sha in b.execute("SELECT warc_file, warc_offset, sha256 FROM captures WHERE warc_file IS NOT NULL"):
        data = read_capture({"warc_file": wf, "warc_offset": wo}, killed)
        assert hashlib.sha256(data).hexdigest() == sha
    # and every WARC file reads to the end, the killed run's included
    files = sorted((killed / "warc").glob("*.warc.gz"))
    assert len(files) >= 2
    for f in files:
        with f.open("rb") as fh:
            assert sum(1 for _ in ArchiveIterator(fh)) > 1, f


def test_interrupted_crawl_resumes_from_its_jobdir(mp, tmp_path):
    """Ctrl-C (SIGINT): Scrapy stops cleanly and keeps its queue and dupefilter in the JOBDIR; the
    next run resumes them (no listing page asked for twice) and ends with the clean crawl's archive."""
    sources = sources_of(mp)
    clean = tmp_path / "clean"
    crawl(sources, clean)
    stopped = tmp_path / "stopped"
    proc = start_crawl(sources, stopped)
    deadline = time.time() + 120
    while count_reports(stopped) < 8:
        assert proc.poll() is None and time.time() < deadline
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGINT)
    assert proc.wait(timeout=120) is not None
    jobdir = next((stopped / "jobs").iterdir())
    assert (jobdir / "requests.seen").stat().st_size > 0 and (jobdir / "requests.queue").is_dir()
    assert not (jobdir / "xxgk-running").exists()  # a clean stop: its state is trusted
    assert count_reports(stopped) < len(expected(mp, "trs") | expected(mp, "govcn"))
    n = len(mp.requests_log)
    crawl(sources, stopped)
    entry_paths = {s.entry_url.split("/", 3)[-1] for s in sources}
    assert not {r.path.lstrip("/") for r in mp.requests_log[n:]} & entry_paths  # resumed, not restarted
    assert not jobdir.exists()  # finished: the JOBDIR is gone
    assert content(connect(stopped)) == content(connect(clean))
