"""The crawl lock: a second run on the same data dir is refused at once with a clear message;
the lock dies with its holder (even on SIGKILL)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler.lock import CrawlLock, LockHeld

REPO = Path(__file__).resolve().parents[1]
HOLD = "import sys, time; from crawler.lock import CrawlLock; l = CrawlLock(sys.argv[1]).acquire(); print('held', flush=True); time.sleep(60)"


def holder(data_dir: Path) -> subprocess.Popen:
    p = subprocess.Popen([sys.executable, "-c", HOLD, str(data_dir)], cwd=REPO, stdout=subprocess.PIPE, text=True,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    assert p.stdout.readline().strip() == "held"
    return p


def test_second_lock_in_same_process_is_refused(tmp_path):
    with CrawlLock(tmp_path):
        with pytest.raises(LockHeld, match=f"pid {os.getpid()}"):
            CrawlLock(tmp_path).acquire()
    with CrawlLock(tmp_path):  # released on exit: free again
        pass


def test_lock_held_by_other_process_then_freed_by_sigkill(tmp_path):
    p = holder(tmp_path)
    try:
        with pytest.raises(LockHeld, match=f"another crawl is running.*pid {p.pid}"):
            CrawlLock(tmp_path).acquire()
    finally:
        p.send_signal(signal.SIGKILL)
        p.wait()
    for _ in range(50):  # the kernel drops the flock with the process
        try:
            CrawlLock(tmp_path).acquire().release()
            break
        except LockHeld:
            time.sleep(0.05)
    else:
        pytest.fail("lock not released after SIGKILL")
    assert (tmp_path / "crawl.lock").exists()


def test_crawl_command_refuses_to_overlap(tmp_path):
    """A scheduled run starting while another crawl holds the data dir exits at once, status 1."""
    (tmp_path / "sources.csv").write_text("")
    p = holder(tmp_path)
    try:
        res = subprocess.run([str(Path(sys.executable).with_name("xxgk")), "crawl", "--url", "http://127.0.0.1:9/",
                              "--data-dir", str(tmp_path), "--quiet"], capture_output=True, text=True, timeout=120,
                             cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    finally:
        p.send_signal(signal.SIGKILL)
        p.wait()
    assert res.returncode == 1
    assert "another crawl is running" in res.stderr and f"pid {p.pid}" in res.stderr
    assert not (tmp_path / "warc").exists()  # nothing was fetched or written
