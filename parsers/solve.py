"""Candidate readings of a row whose printed form lost information: digits of adjacent cells
run together ("0017" for three cells, "0 00 00 0 0" with a few spaces left), or empty cells
collapsed so the values no longer sit under their columns. The table's identities then choose
among the readings (tables.py). Enumeration is bounded (candidate and node caps) and says when
it stopped early: a reading list that is not complete proves nothing about the others.
"""
from __future__ import annotations

import re
from functools import lru_cache
from itertools import combinations
from typing import Iterator

MAX_CANDIDATES = 400
MAX_SPLIT_NODES = 50_000
MAX_PART = 12  # digits of one cell (a procurement amount in 元 has up to ~11)
# a printed number without a leading zero, a sign only at its start; a decimal fraction
_PIECE = re.compile(r"[+\-]?(?:0|[1-9]\d*)(?:\.\d+)?")
_SPACE = re.compile(r"[\s\u3000\xa0]+")
# a token: a digit run (signs and decimal points inside) with a unit after its last number,
# or not-applicable marks
_TOKEN = re.compile(r"(?P<body>(?:[+\-减增]?\d[\d.]*)+)(?P<unit>万元|元|%|％|件|条|个|项)?")
_NA = re.compile(r"/+|／+|—+|–|-{1,2}|无")
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")


@lru_cache(maxsize=8192)
def tokens(text: str) -> tuple[str, ...] | None:
    """The printed tokens of a cell run (whitespace separates cells); None if one is unreadable."""
    out = []
    for tok in _SPACE.split(text.strip()):
        if not tok:
            continue
        if _THOUSANDS.fullmatch(tok):
            out.append(tok)  # "1,234": one number
        elif _TOKEN.fullmatch(tok) or _NA.fullmatch(tok):
            out.append(tok)
        else:
            return None
    return tuple(out)


@lru_cache(maxsize=8192)
def cuts(text: str, n: int, group: int | None = None,
         max_part: int = MAX_PART) -> tuple[tuple[tuple[str, ...], ...], bool]:
    """Ways to read a printed run as n cells: (readings, complete).

    Whitespace always separates cells; inside a token the digits of several cells may run
    together ("1000001" = 1,0,0,0,0,0,1). A number has no leading zero and a sign only at its
    start; a unit (元, 万元, %) belongs to the token's last number; "/" marks one cell each.
    `group`: the cells come in groups of that size whose last is the sum of the others (a row's
    总计): only readings where every group adds up. `max_part`: the most digits of one cell
    (a page printing every cell apart passes the token's length: a 20-digit number is one cell
    there, beyond the integer range, not twenty). `complete` is False when the enumeration hit
    its caps.
    """
    toks = tokens(text)
    if toks is None or not toks or len(toks) > n:
        return (), True
    # each token: (the string cut into numbers, its unit) or a fixed list of cells
    units: list[tuple[str, str]] = []
    fixed: list[list[str] | None] = []
    for tok in toks:
        if _THOUSANDS.fullmatch(tok):
            fixed.append([tok])
            units.append(("", ""))
        elif _NA.fullmatch(tok):
            fixed.append(list(tok) if tok[0] in "/／" else [tok])
            units.append(("", ""))
        else:
            m = _TOKEN.fullmatch(tok)
            fixed.append(None)
            units.append((m["body"].replace("减", "-").replace("增", "+"), m["unit"] or ""))
    out: list[list[str]] = []
    pieces: list[str] = []
    nodes = 0
    complete = True
    size = group or 0
    # the fewest cells the tokens from index i on can print (a token prints at least one)
    rest_min = [0] * (len(toks) + 1)
    rest_max = [0] * (len(toks) + 1)
    for i in range(len(toks) - 1, -1, -1):
        f = fixed[i]
        rest_min[i] = rest_min[i + 1] + (len(f) if f else 1)
        rest_max[i] = rest_max[i + 1] + (len(f) if f else len(units[i][0]))

    def fits(piece: str) -> bool:
        """A group's last cell equals the sum of the others (only numbers can take part)."""
        at = len(pieces) % size
        if at != size - 1:
            return True
        group_cells = pieces[len(pieces) - at:] + [piece]
        nums = [_num(p) for p in group_cells]
        if any(x is None for x in nums):
            return True  # a not-applicable mark: the arithmetic says nothing
        return abs(sum(nums[:-1]) - nums[-1]) < 1e-9  # type: ignore[operator]

    def token(i: int) -> None:
        nonlocal nodes, complete
        nodes += 1
        if nodes > MAX_SPLIT_NODES or len(out) >= MAX_CANDIDATES:
            complete = False
            return
        left = n - len(pieces)
        if i == len(toks):
            if left == 0:
                out.append(pieces.copy())
            return
        if not (rest_min[i] <= left <= rest_max[i]):
            return
        f = fixed[i]
        if f is not None:
            added = 0
            for p in f:
                if size and not fits(p):
                    break
                pieces.append(p)
                added += 1
            else:
                token(i + 1)
            del pieces[len(pieces) - added:]
            return
        body, unit = units[i]
        within(i, body, unit, 0)

    def within(i: int, body: str, unit: str, pos: int) -> None:
        """Cut the rest of token i's digits (from pos) into numbers, then go on to token i + 1."""
        nonlocal nodes, complete
        nodes += 1
        if nodes > MAX_SPLIT_NODES or len(out) >= MAX_CANDIDATES:
            complete = False
            return
        left = n - len(pieces)
        after = rest_min[i + 1]
        if left - 1 < after:
            return  # no cell left for the tokens after this one
        for end in range(pos + 1, min(len(body), pos + max_part + 1) + 1):
            piece = body[pos:end]
            if not _PIECE.fullmatch(piece):
                continue
            if end < len(body) and body[end] == ".":
                continue  # never cut in front of a decimal point
            last = end == len(body)
            if size and len(pieces) % size == size - 1 and not fits(piece):
                continue
            if size and len(pieces) % size != size - 1:
                # the group's total must still fit in the digits left for it
                at = len(pieces) % size
                running = sum(_num(p) or 0 for p in pieces[len(pieces) - at:]) + (_num(piece) or 0)
                if running >= 10 ** min(max_part, len(body) - end + rest_max[i + 1]):
                    continue  # the total could not print that many digits
            pieces.append(piece + unit if last else piece)
            if last:
                token(i + 1)
            elif left - 1 > after:
                within(i, body, unit, end)
            pieces.pop()

    token(0)
    return tuple(map(tuple, out)), complete


def _num(piece: str) -> float | int | None:
    """The number a piece prints (None for a not-applicable mark)."""
    m = _PIECE.match(piece)
    if not m:
        return None
    s = m.group(0)
    return float(s) if "." in s else int(s)


def placements(k: int, n: int) -> Iterator[tuple[int, ...]]:
    """Positions for k printed values among n columns, order kept."""
    if k > n:
        return iter(())
    return combinations(range(n), k)
