"""Where the archive lives: one rule for every command, the crawler and Scrapy's own `scrapy crawl`.

The data directory (WARC files, crawl lock, JOBDIRs, the database) is the one given, else
$XXGK_DATA, else ./data. The database is the one given; else, when a data directory was given,
the `xxgk.db` in it (an explicit directory never writes to an archive named only in the
environment); else $XXGK_DB; else `xxgk.db` in the data directory.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

DB_NAME = "xxgk.db"
DEMO_DIR = Path("data/demo")  # where `xxgk demo` (and `make demo`) builds its archive


class Paths(NamedTuple):
    data_dir: Path
    db: Path


def resolve(data_dir: str | os.PathLike | None = None, db: str | os.PathLike | None = None) -> Paths:
    """The data directory and the database path (empty strings count as not given)."""
    directory = Path(data_dir or os.environ.get("XXGK_DATA") or "data")
    if db:
        return Paths(directory, Path(db))
    if data_dir or not os.environ.get("XXGK_DB"):
        return Paths(directory, directory / DB_NAME)
    return Paths(directory, Path(os.environ["XXGK_DB"]))


def missing_archive(path: Path) -> str:
    """Why there is nothing at `path`, and where an archive is when the demo built one."""
    demo = DEMO_DIR / DB_NAME
    hint = (f"; the demo's archive is {demo}: give --db {demo}" if demo.is_file() and Path(path) != demo
            else " (build one with `xxgk load`, `xxgk crawl` or `xxgk demo`)")
    return f"no archive at {path}{hint}"
