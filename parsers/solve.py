"""Candidate readings of a row whose printed form lost information: digits of adjacent cells
run together ("0017" for three cells), or empty cells collapsed so the values no longer sit
under their columns. The table's identities then choose among the readings (tables.py).
Enumeration is bounded (candidate and node caps).
"""
from __future__ import annotations

import re
from itertools import combinations
from typing import Iterator

MAX_CANDIDATES = 400
MAX_NODES = 200_000
_RUN = re.compile(r"[\d.+\-]+")
_PIECE = re.compile(r"[+\-]?(?:0|[1-9]\d*)(?:\.\d+)?")


def digit_splits(run: str, n: int, group: int | None = None, max_part: int = 9) -> list[list[str]]:
    """Ways to cut a run of printed numbers ("0017", "3-481", "0.0000") into n numbers.

    A number has no leading zero, a sign only at its start, and no cut inside a decimal.
    `group`: the numbers come in groups of that size whose last is the sum of the others
    (a row's 总计), checked as each group completes. Returns the pieces.
    """
    out: list[list[str]] = []
    if not run or len(run) > n * (max_part + 2) or not _RUN.fullmatch(run):
        return out
    pieces: list[str] = []
    nodes = 0

    def group_ok() -> bool:
        if not group or len(pieces) % group:
            return True
        vals = [_num(p) for p in pieces[-group:]]
        return abs(vals[-1] - sum(vals[:-1])) < 1e-9

    def rec(pos: int) -> None:
        nonlocal nodes
        nodes += 1
        if len(out) >= MAX_CANDIDATES or nodes > MAX_NODES:
            return
        left = n - len(pieces)
        if left == 0:
            if pos == len(run):
                out.append(pieces.copy())
            return
        if not (left <= len(run) - pos <= left * (max_part + 2)):
            return
        for end in range(pos + 1, min(len(run), pos + max_part + 1) + 1):
            piece = run[pos:end]
            if end < len(run) and run[end] == ".":
                continue  # never cut in front of a decimal point
            if _PIECE.fullmatch(piece):
                pieces.append(piece)
                if group_ok():
                    rec(end)
                pieces.pop()

    rec(0)
    return out


def _num(piece: str) -> float | int:
    return float(piece) if "." in piece else int(piece)


def placements(k: int, n: int) -> Iterator[tuple[int, ...]]:
    """Positions for k printed values among n columns, order kept."""
    if k > n:
        return iter(())
    return combinations(range(n), k)
