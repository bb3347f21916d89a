"""One crawl at a time per data directory: an exclusive `flock` on `<data dir>/crawl.lock`.

Scheduled runs can overlap (a slow January crawl still running when the next one starts);
two crawls writing the same archive and WARC directory would double every request. The lock
is held for the whole crawl and released by the kernel when the process ends, however it
ends (even SIGKILL), so a stale lock file never blocks the next run.
"""
from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

LOCK_NAME = "crawl.lock"


class LockHeld(RuntimeError):
    """Another process holds the lock; the message names it."""


class CrawlLock:
    """`with CrawlLock(data_dir): …` — raises LockHeld at once (never waits) when taken."""

    def __init__(self, data_dir: str | os.PathLike) -> None:
        self.path = Path(data_dir) / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> "CrawlLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 200).decode("utf-8", "replace").strip() or "another process"
            os.close(fd)
            raise LockHeld(f"another crawl is running on {self.path.parent} ({holder}); "
                           f"this run exits without crawling") from None
        # who holds it, for the message above (the lock itself is the flock, not this text)
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()}\n".encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "CrawlLock":
        return self.acquire()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()
