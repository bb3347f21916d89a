"""Keep Python's cyclic garbage collector from running in the middle of a parse.

A parse allocates a thousand-odd short-lived objects (blocks, cells, findings) and frees
them by reference counting when it ends, so the generation-0 collections that its
allocations would trigger only walk objects that are about to die anyway (≈ 3 % of an HTML
parse). The collector is paused while any parse runs — in any thread — and put back as it
was when the last one ends: no state leaks out of `parse`.
"""
from __future__ import annotations

import gc
import threading

_lock = threading.Lock()
_active = 0  # parses running now
_was_enabled = False  # the collector's state when the first of them started


class paused_gc:
    """`with paused_gc(): …` — no cyclic collection inside the block (nestable, thread-safe)."""

    __slots__ = ()

    def __enter__(self) -> None:
        global _active, _was_enabled
        with _lock:
            if _active == 0:
                _was_enabled = gc.isenabled()
                gc.disable()
            _active += 1

    def __exit__(self, *exc: object) -> None:
        global _active
        with _lock:
            _active -= 1
            if _active == 0 and _was_enabled:
                gc.enable()
