"""One crawl at a time per data directory: an exclusive lock on `<data dir>/crawl.lock` (filelock's
`FileLock`: `flock` on Unix).

Scheduled runs can overlap (a slow January crawl still running when the next one starts);
two crawls writing the same archive and WARC directory would double every request. The lock
is held for the whole crawl and released by the kernel when the process ends, however it
ends (even SIGKILL), so a stale lock file never blocks the next run. The holder writes its pid
into the file for the refusal message (the lock itself is the flock, not this text).
"""
from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType

from filelock import FileLock, Timeout

LOCK_NAME = "crawl.lock"


class LockHeld(RuntimeError):
    """Another process holds the lock; the message names it."""


def _write_holder(fd: int) -> None:
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"pid {os.getpid()}\n".encode(), 0)


class CrawlLock:
    """`with CrawlLock(data_dir): …` — raises LockHeld at once (never waits) when taken."""

    def __init__(self, data_dir: str | os.PathLike) -> None:
        self.path = Path(data_dir) / LOCK_NAME
        self._lock = FileLock(self.path, blocking=False, on_acquired=_write_holder)

    def acquire(self) -> "CrawlLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire()
        except Timeout:
            try:
                holder = self.path.read_text(encoding="utf-8", errors="replace").strip()
            except OSError:  # released and removed meanwhile
                holder = ""
            raise LockHeld(f"another crawl is running on {self.path.parent} ({holder or 'another process'}); "
                           f"this run exits without crawling") from None
        return self

    def release(self) -> None:
        self._lock.release()

    def __enter__(self) -> "CrawlLock":
        return self.acquire()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()
