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
MAX_SPLIT_NODES = 50_000
_RUN = re.compile(r"[\d.+\-]+")
_PIECE = re.compile(r"[+\-]?(?:0|[1-9]\d*)(?:\.\d+)?")


def digit_splits(run: str, n: int, group: int | None = None, max_part: int = 9) -> list[list[str]]:
    """Ways to cut a run of printed numbers ("0017", "3-481", "0.0000") into n numbers.

    A number has no leading zero, a sign only at its start, and no cut inside a decimal.
    `group`: the numbers come in groups of that size whose last is the sum of the others
    (a row's 总计): the last of a group must be what the others add up to, and the others
    may not add up to more than the digits left for it can print. Returns the pieces.
    """
    out: list[list[str]] = []
    if not run or len(run) > n * (max_part + 2) or not _RUN.fullmatch(run):
        return out
    size = group or 0
    pieces: list[str] = []
    nodes = 0

    def rec(pos: int, running: float) -> None:
        nonlocal nodes
        nodes += 1
        if len(out) >= MAX_CANDIDATES or nodes > MAX_SPLIT_NODES:
            return
        left = n - len(pieces)
        if left == 0:
            if pos == len(run):
                out.append(pieces.copy())
            return
        rest = len(run) - pos
        if not (left <= rest <= left * (max_part + 2)):
            return
        in_group = len(pieces) % size if size else -1
        if size and in_group == size - 1:  # the group's total: exactly the sum so far
            for end in range(pos + 1, min(len(run), pos + max_part + 2) + 1):
                piece = run[pos:end]
                if (end == len(run) or run[end] != ".") and _PIECE.fullmatch(piece) \
                        and abs(_num(piece) - running) < 1e-9:
                    pieces.append(piece)
                    rec(end, 0)
                    pieces.pop()
            return
        if size and running >= 10 ** min(max_part + 1, rest - (left - 1)):
            return  # the total could not print that many
        for end in range(pos + 1, min(len(run), pos + max_part + 1) + 1):
            piece = run[pos:end]
            if end < len(run) and run[end] == ".":
                continue  # never cut in front of a decimal point
            if _PIECE.fullmatch(piece):
                pieces.append(piece)
                rec(end, running + _num(piece) if size else 0)
                pieces.pop()

    rec(0, 0)
    return out


def _num(piece: str) -> float | int:
    return float(piece) if "." in piece else int(piece)


def placements(k: int, n: int) -> Iterator[tuple[int, ...]]:
    """Positions for k printed values among n columns, order kept."""
    if k > n:
        return iter(())
    return combinations(range(n), k)
