"""Every resource limit of a parse, in one place (docs/formats.md lists them).

A document that exceeds a limit ends quickly with a finding, never a hang or a crash.
Each limit can be changed through an environment variable, `XXGK_` + the field's name in
capitals, read at parse time. `parse_memory` is applied by the parse workers
(`archive.parsepool`), the only place a process's memory can be capped without capping the
crawl or the loader itself.

The time limit is a deadline (`time_limit`) that the loops of the slow readers test with
`check_time()`: between pages and inside them (characters, paths, rulings, cells), so one
page cannot outlast it either.
"""
from __future__ import annotations

import os
import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, fields
from typing import Iterator


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 50 * 2**20       # XXGK_MAX_BYTES: larger documents are refused (`too_large`)
    max_pages: int = 100              # XXGK_MAX_PAGES: PDF pages read; the rest → partial
    parse_seconds: float = 60.0       # XXGK_PARSE_SECONDS: wall time for a PDF's pages, checked inside them too
    max_page_chars: int = 100_000     # XXGK_MAX_PAGE_CHARS: characters on one displayed PDF page; a denser page is skipped
    max_page_edges: int = 20_000      # XXGK_MAX_PAGE_EDGES: ruling lines and boxes on one PDF page; beyond, no ruled tables
    convert_seconds: float = 90.0     # XXGK_CONVERT_SECONDS: one LibreOffice conversion (DOC/WPS)
    max_unzipped: int = 200 * 2**20   # XXGK_MAX_UNZIPPED: bytes a DOCX may expand to
    max_ratio: int = 200              # XXGK_MAX_RATIO: per-member compression ratio (zip bombs)
    max_members: int = 2000           # XXGK_MAX_MEMBERS: files inside one DOCX
    parse_memory: int = 2**30         # XXGK_PARSE_MEMORY: address space of a parse worker (RLIMIT_AS), bytes

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Limits":
        env = os.environ if env is None else env
        kw = {}
        for f in fields(cls):
            raw = env.get("XXGK_" + f.name.upper())
            if raw:
                try:
                    kw[f.name] = int(float(raw)) if f.type == "int" else float(raw)
                except ValueError:
                    pass  # a malformed setting keeps the default
        return cls(**kw)


class LimitExceeded(Exception):
    """A part of a document (a PDF page) is over one of the limits; the message says which."""


class TimeLimit(Exception):
    """The document's time ran out: raised by `check_time` inside a reader's loops."""


_DEADLINE: ContextVar[float | None] = ContextVar("xxgk_parse_deadline", default=None)


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Within this block, `check_time()` raises TimeLimit once `seconds` have passed."""
    token = _DEADLINE.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def check_time() -> None:
    """Raise TimeLimit if the current deadline has passed (a no-op outside `time_limit`).
    Cheap (≈ 0.1 µs), but loops over characters call it every thousand or so."""
    deadline = _DEADLINE.get()
    if deadline is not None and time.monotonic() > deadline:
        raise TimeLimit
