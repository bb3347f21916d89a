"""Resumable runs: a Scrapy JOBDIR per set of sources under `<data dir>/jobs/`.

Scrapy persists its scheduler queue and dupefilter in the JOBDIR when the spider closes, so that
state is trusted only after a clean stop (Ctrl-C / SIGTERM). After a SIGKILL the run marker is
still there: the state is discarded and the archive itself makes the next run resume (everything
archived is known and skipped, everything else is fetched).
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
from pathlib import Path
from typing import Iterable

from scrapy import signals

from .connection import paths

log = logging.getLogger(__name__)
RUNNING = "xxgk-running"


def jobdir_for(data_dir: str | os.PathLike, source_ids: Iterable[str]) -> Path:
    ids = sorted(set(source_ids))
    key = ids[0] if len(ids) == 1 else f"{len(ids)}-sources-" + hashlib.sha1("\n".join(ids).encode()).hexdigest()[:12]
    return Path(data_dir) / "jobs" / re.sub(r"[^\w.-]+", "_", key)


def prepare_jobdir(path: Path) -> Path:
    """Make `path` ready for a run: a JOBDIR whose last run died (marker still there) holds
    state Scrapy never finished writing, so it is discarded; then the marker is set."""
    if (path / RUNNING).exists():
        log.warning("previous run in %s was killed; its queue is discarded (the archive resumes it)", path)
        shutil.rmtree(path)
    path.mkdir(parents=True, exist_ok=True)
    (path / RUNNING).write_text(f"pid {os.getpid()}\n", encoding="utf-8")
    return path


class JobDirExtension:
    """Extension: sets JOBDIR to `<data dir>/jobs/<sources>` (unless given, or XXGK_RESUME is off),
    discards a killed run's state, removes the JOBDIR after a finished run (the next scheduled
    run starts afresh) and keeps it after an interrupted one (the next run resumes it)."""

    def __init__(self, crawler) -> None:
        self.path: Path | None = None
        settings = crawler.settings
        if not settings.getbool("XXGK_RESUME", True):
            return
        if settings.get("JOBDIR"):
            self.path = prepare_jobdir(Path(settings["JOBDIR"]))
        else:
            spider = getattr(crawler, "spider", None)
            ids = [s.id for s in getattr(spider, "sources", [])] or [getattr(spider, "name", "crawl")]
            self.path = prepare_jobdir(jobdir_for(paths(settings).data_dir, ids))
            settings.set("JOBDIR", str(self.path), priority="cmdline")  # settings freeze after extensions
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler) -> "JobDirExtension":
        return cls(crawler)

    def closed(self, spider=None, reason: str = "") -> None:
        if self.path is None:
            return
        if reason == "finished":
            shutil.rmtree(self.path, ignore_errors=True)
        else:
            (self.path / RUNNING).unlink(missing_ok=True)
            log.warning("run stopped (%s): `xxgk crawl` with the same sources resumes from %s", reason, self.path)
