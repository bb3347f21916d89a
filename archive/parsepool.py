"""Parsing in worker processes, each under a memory cap: the crawl parses documents here while
it keeps downloading (`crawler/pipelines.py`, `ParsePool.parse`), and `xxgk load` parses each
file here before writing it (`archive.load.load_paths`, `ParsePool.parse_now`).

Parsing is CPU work (a PDF takes tens of milliseconds, a large one seconds); done in the crawl
process it stalls every download behind it. Workers are spawned (a fresh interpreter: never a
fork of the reactor and its threads; a forkserver would cost a third process's memory).

Each worker caps its own address space at `Limits.parse_memory` (XXGK_PARSE_MEMORY, 1 GiB;
RLIMIT_AS, inherited by the LibreOffice it may start): a document that needs more makes an
allocation fail — a MemoryError (the report fails with `resource_limit`) or, in C code, the
worker's death. Linux enforces the cap; macOS accepts RLIMIT_AS and ignores it, so there only
the parsers' own bounds hold (docs/formats.md).

Each worker holds one document at a time, on a pipe of its own, watched with its process
sentinel: a worker that dies (a crash in a C library, the memory cap, the OOM killer) or hangs
past the time limit costs that document only. It is killed and replaced, the document is tried
once more on a fresh worker, and if it fails again it is archived as a failed report with a
`parser_crashed` or `parse_timeout` finding (the capture keeps its bytes; `xxgk reparse` can
try later). concurrent.futures' process pool is not used: a worker dying while it unpickles a
document (the memory cap) left it hung, and replacing it needed its private parts.
"""
from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import queue
import resource
import signal
from multiprocessing.connection import wait
from typing import Any, Callable

import parsers
from archive import malloc
from parsers.limits import Limits
from parsers.model import Report

log = logging.getLogger(__name__)


TRIM_EVERY = 20  # documents a worker parses between two malloc_trim calls (≈ 0.01–0.2 ms each)


def parse_safely(data: bytes, media_type: str | None, name: str) -> Report:
    """`parsers.parse`, which promises not to raise; if it ever does, the document is still
    archived: a failed report with a `parser_error` finding."""
    try:
        return parsers.parse(data, media_type, name=name)
    except Exception as exc:
        r = Report(status="failed", media_type=media_type or "")
        r.add_finding("parser_error", "error", f"{type(exc).__name__}: {exc}")
        return r


def limit_memory(nbytes: int) -> bool:
    """Cap this process's address space (RLIMIT_AS) at `nbytes` (never above a hard limit
    already set); False if the system refuses the setting."""
    try:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            nbytes = min(nbytes, hard)
        resource.setrlimit(resource.RLIMIT_AS, (nbytes, hard))
    except (ValueError, OSError) as exc:
        log.warning("cannot cap a parse worker's memory at %d bytes: %s", nbytes, exc)
        return False
    return True


def _serve(conn, memory: int, task: Callable[..., Any]) -> None:
    """A worker: `task(*job)` for each job arriving on `conn`, its result sent back. Ctrl-C
    reaches the terminal's whole process group, workers included: the parent stops them when
    it has finished (`ParsePool.close`), not the keyboard."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    limit_memory(memory)
    done = 0
    while True:
        try:
            job = conn.recv()
        except EOFError:  # the parent is gone
            return
        if job is None:
            return
        result = task(*job)
        del job  # the document's bytes are not kept while the worker waits for the next one
        conn.send(result)
        del result
        done += 1
        if done % TRIM_EVERY == 0:
            malloc.trim()


class _Worker:
    def __init__(self, ctx, memory: int, task: Callable[..., Any]) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child, memory, task), daemon=True)
        self.proc.start()
        child.close()

    def run(self, job: tuple, timeout: float) -> tuple[str, Any]:
        """("done", result) | ("died", exit code) | ("timeout", None); after the last two the
        worker is dead."""
        try:
            self.conn.send(job)
            ready = wait([self.conn, self.proc.sentinel], timeout)
            if self.conn in ready:
                return "done", self.conn.recv()
        except (EOFError, OSError):  # it died while the job or its result was on the pipe
            ready = [self.proc.sentinel]
        self.stop()
        return ("died", self.proc.exitcode) if ready else ("timeout", None)

    def stop(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join()
        self.conn.close()


class ParsePool:
    """`workers` parse processes (0: parse in this process, uncapped). `run` is thread-safe;
    `parse` runs it in the event loop's default executor, so up to `workers` documents are
    parsed at once."""

    def __init__(self, workers: int, timeout: float | None = None, memory: int | None = None,
                 task: Callable[..., Any] = parse_safely) -> None:
        self.workers = workers
        limits = Limits.from_env()
        # the parsers bound each document's front end; this catches what they cannot (C hangs)
        self.timeout = timeout if timeout is not None else 2 * limits.parse_seconds + 30
        self.memory = memory if memory is not None else limits.parse_memory
        self.task = task
        self._ctx = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Worker | None] = queue.Queue()
        for _ in range(workers):
            self._idle.put(None)  # started when first needed
        self._all: set[_Worker] = set()
        self._closed = False

    def run(self, *job: Any) -> tuple[str, Any]:
        """`task(*job)` in a worker: ("done", result) | ("died", exit code) | ("timeout", None).
        A worker that died or hung is replaced."""
        worker = self._idle.get()
        try:
            if self._closed:
                raise RuntimeError("the parse pool is closed")
            if worker is None:
                worker = _Worker(self._ctx, self.memory, self.task)
                self._all.add(worker)
            outcome = worker.run(job, self.timeout)
            if outcome[0] != "done":
                self._all.discard(worker)
                worker = None
            return outcome
        finally:
            self._idle.put(worker)

    def parse_now(self, data: bytes, media_type: str | None, name: str) -> Report:
        """The document parsed in a worker (in this process when the pool has no workers);
        tried twice before it is given up as a failed report."""
        if not self.workers:
            return parse_safely(data, media_type, name)
        for attempt in (1, 2):
            kind, value = self.run(data, media_type, name)
            if kind == "done":
                return value
            if kind == "died":
                code = "parser_crashed"
                why = f"the parser's worker process died (exit code {value}: a crash, or past its " \
                      f"{self.memory}-byte memory cap)"
            else:
                code, why = "parse_timeout", f"no result after {self.timeout:g} s"
            log.warning("parsing %s: %s (attempt %d)", name or "a document", why, attempt)
        report = Report(status="failed", media_type=media_type or "")
        report.add_finding(code, "error", f"{why}; twice. The capture is kept: `xxgk reparse` can try again")
        return report

    async def parse(self, data: bytes, media_type: str | None, name: str) -> Report:
        """`parse_now` off the event loop."""
        if not self.workers:
            return parse_safely(data, media_type, name)
        return await asyncio.get_running_loop().run_in_executor(None, self.parse_now, data, media_type, name)

    def pids(self) -> set[int]:
        """The worker processes alive now."""
        return {w.proc.pid for w in list(self._all) if w.proc.is_alive()}

    def close(self) -> None:
        """Stop the workers: idle ones are asked to exit, the others killed."""
        self._closed = True
        for worker in list(self._all):
            try:
                worker.conn.send(None)
            except OSError:
                pass
        for worker in list(self._all):
            worker.proc.join(5)
            worker.stop()
        self._all.clear()

    def __enter__(self) -> "ParsePool":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def default_workers() -> int:
    """One worker per core beyond the one the reactor uses; 0 (parse in-process) on one core."""
    return max(0, usable_cpus() - 1)


def usable_cpus() -> int:
    """The cores this process may run on: its affinity mask where the OS has one (Linux), else
    every core (macOS); Python 3.13's os.process_cpu_count does the same."""
    if hasattr(os, "process_cpu_count"):
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
