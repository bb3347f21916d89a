"""Parsing off the reactor: documents are parsed in worker processes while the crawl process
keeps downloading, capturing and writing to the archive.

Parsing is CPU work (a PDF takes tens of milliseconds, a large one seconds); done in the crawl
process it stalls every download behind it. Workers are spawned (a fresh interpreter: never a
fork of the reactor and its threads; a forkserver would cost a third process's memory).

A worker that dies (a crash in a C library, the OOM killer) or hangs past the time limit does
not take the crawl down: the pool is replaced, the document is tried once more on the new
pool, and if it fails again it is archived as a failed report with a `parser_crashed` or
`parse_timeout` finding (the WARC record keeps its bytes; `xxgk reparse` can try later).
"""
from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from archive.load import parse_safely
from parsers.limits import Limits
from parsers.model import Report

from . import malloc

log = logging.getLogger(__name__)


TRIM_EVERY = 20  # documents a worker parses between two malloc_trim calls (≈ 0.01–0.2 ms each)
_parsed = 0


def _parse_in_worker(data: bytes, media_type: str | None, name: str) -> Report:
    global _parsed
    report = parse_safely(data, media_type, name)
    _parsed += 1
    if _parsed % TRIM_EVERY == 0:
        malloc.trim()
    return report


def _ignore_interrupts() -> None:
    """Worker initializer: Ctrl-C reaches the terminal's whole process group, workers included;
    the crawl process stops them when it has finished (`ParsePool.close`), not the keyboard."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def default_workers() -> int:
    """One worker per core beyond the one the reactor uses; 0 (parse in-process) on one core."""
    return max(0, len(os.sched_getaffinity(0)) - 1)


class ParsePool:
    def __init__(self, workers: int, timeout: float | None = None) -> None:
        self.workers = workers
        # the parsers bound each document's front end; this catches what they cannot (C hangs)
        self.timeout = timeout if timeout is not None else 2 * Limits.from_env().parse_seconds + 30
        self._executor: ProcessPoolExecutor | None = None

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            ctx = multiprocessing.get_context("spawn")
            # no max_tasks_per_child: Python 3.11's pool can hang when it replaces a worker
            self._executor = ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=_ignore_interrupts)
        return self._executor

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        if self._executor is broken:
            self._executor = None
            _discard(broken)

    async def parse(self, data: bytes, media_type: str | None, name: str) -> Report:
        """The document parsed in a worker (in this process when the pool has no workers)."""
        if not self.workers:
            return parse_safely(data, media_type, name)
        for attempt in (1, 2):
            pool = self._pool()
            try:
                future = asyncio.wrap_future(pool.submit(_parse_in_worker, data, media_type, name))
                return await asyncio.wait_for(future, self.timeout)
            except BrokenProcessPool as exc:
                code, why = "parser_crashed", f"the parser's worker process died ({exc})"
            except asyncio.TimeoutError:
                code, why = "parse_timeout", f"no result after {self.timeout:g} s"
            log.warning("parsing %s: %s (attempt %d)", name or "a document", why, attempt)
            self._replace(pool)
        report = Report(status="failed", media_type=media_type or "")
        report.add_finding(code, "error", f"{why}; twice. The capture is kept: `xxgk reparse` can try again")
        return report

    def close(self) -> None:
        pool, self._executor = self._executor, None
        if pool is not None and pool._broken:  # a worker died since the last document (killed from outside)
            _discard(pool)
        elif pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _discard(pool: ProcessPoolExecutor) -> None:
    """Stop a pool that is broken or hung, without waiting for its workers."""
    for proc in list((pool._processes or {}).values()):  # a hung worker never exits by itself
        proc.kill()
    # The pool's feeder thread may be blocked writing a document to workers that are gone, and
    # the interpreter's exit waits for it: close the pipe's reading end so the write fails.
    # Later 3.11 releases do this themselves (gh-94777); Debian's 3.11.2, the venv's
    # interpreter, does not.
    pool._call_queue._reader.close()
    pool.shutdown(wait=False, cancel_futures=True)
