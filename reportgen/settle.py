"""Which cells a lossy text rendering leaves determined — the honest reading the expected files ask for.

The generator's own account of the rules docs/parsing.md states (none of the parser's code):

* `trailing_pipes` with blank zeros collapses the empty cells to the end of each row: a row's
  readings are the placements of its values, order kept, blanks 0.
* `nodelim`, `oneline`, `cells_lines` print a row's cells as one run: a space always parts two
  cells, digits of adjacent cells may run together, blank cells vanish. A row's readings are its
  cuts into as many numbers as it has cells (no leading zero, a sign only in front, never cut
  before a decimal point, a unit with its token's last number) that satisfy the row's own
  arithmetic (总计 = the six applicants; each appeals group's 总计 = its four outcomes) — all the
  cuts when none does (a row printed wrong). Cuts with one blank part dropped (two when no cut
  adds up) that add up are readings too. When no cut gives that many numbers the row printed
  fewer (blank cells dropped): every cut into fewer numbers, the blanks anywhere; a blank part
  is 0, a blank that may be the 总计 leaves it unknown; the readings breaking a checkable total
  are dropped. In section 二 (no identity), for 规章 and 规范性文件: 现行有效 ≥ 制发 − 废止 (2021),
  新公开 ≤ 对外公开总数 (2019) chooses among cuts when some satisfy it.
* Section 三's readings must together satisfy the column identities (results sum, balance).
* A document that prints every cell apart (every token a single number, some run of three or
  more) has a cell per token: rows printing fewer place their numbers among the blanks.
* A row whose remaining readings cut its digits more than one way is unknown in every cell;
  otherwise a cell is settled when every remaining reading gives it the same value.
"""
from __future__ import annotations

import re
from itertools import combinations

from .layout import GCell, PrintedTable

Key = tuple[str, str, str]
MAX_NODES = 2_000_000
_NUMBER = re.compile(r"[+\-]?(?:0|[1-9]\d*)(?:\.\d+)?")
_UNIT = re.compile(r"(万元|元|%|件|条|个|项)$")
# a reading: (value per column — None unknown —, what each column printed — None: a blank)
Reading = tuple[tuple, tuple]


def _value(piece: str) -> int | float:
    s = _UNIT.sub("", piece).replace("减", "-").replace("增", "+")
    f = float(s)
    return int(f) if f.is_integer() and not re.search(r"\.\d*[1-9]", s) else f


def _cuts(text: str, n: int, cap: int | None = None, groups: list[tuple[int, int]] | None = None) \
        -> list[tuple[str, ...]] | None:
    """Every way to read a run as n numbers: a space always parts two numbers, a token's digits
    may hold several (no leading zero, a sign only in front, never cut before a decimal point, a
    unit with the token's last number). `groups`: only those where each (first, total) group
    adds up. None when there are more than `cap`."""
    totals = {t: f for f, t in groups or ()}
    tokens = text.split()
    if not tokens or len(tokens) > n:
        return []
    parts = []
    for tok in tokens:
        unit = _UNIT.search(tok)
        parts.append((tok[:unit.start()] if unit else tok, unit.group(0) if unit else ""))
    out: list[tuple[str, ...]] = []
    acc: list[str] = []

    class Capped(Exception):
        pass

    def rec(t: int, pos: int, left: int) -> None:
        body, unit = parts[t]
        if pos == len(body):
            last = acc[-1]
            acc[-1] = last + unit
            if t + 1 == len(parts):
                if left == 0:
                    out.append(tuple(acc))
                    if cap is not None and len(out) > cap:
                        raise Capped
            elif left >= len(parts) - t - 1:
                rec(t + 1, 0, left)
            acc[-1] = last
            return
        if left == 0:
            return
        for end in range(pos + 1, len(body) + 1):
            piece = body[pos:end].replace("减", "-").replace("增", "+")
            if _NUMBER.fullmatch(piece) and not (end < len(body) and body[end] == "."):
                first = totals.get(len(acc))
                if first is not None and abs(sum(_value(p) for p in acc[first:]) - _value(piece)) > 1e-9:
                    continue  # a group's total that is not the sum of its parts
                acc.append(piece)
                rec(t, end, left - 1)
                acc.pop()

    try:
        rec(0, 0, n)
    except Capped:
        return None
    return out


def _groups(table: str, n: int) -> list[tuple[int, int]]:
    """(first, total) column index of each arithmetic group of a printed row."""
    if table == "applications":
        return [(0, n - 1)]
    if table == "appeals":
        return [(i, i + 4) for i in range(0, n, 5)]
    return []


def _adds_up(table: str, v: tuple) -> bool | None:
    """True/False when the row's totals can be checked, None when a total is unknown."""
    verdict: bool | None = True
    for first, total in _groups(table, len(v)):
        if v[total] is None:
            verdict = None
        elif abs(v[total] - sum(v[first:total])) > 1e-9:
            return False
    return verdict


def _active_ok(keys: list[Key], v: tuple) -> bool:
    cols = [k[2] for k in keys]
    if not keys or keys[0][1] not in ("regulations", "normative_documents"):
        return True
    if cols == ["issued", "repealed", "in_force"]:
        return v[2] >= v[0] - v[1]
    if cols == ["new_made", "new_published", "total_published"]:
        return v[1] <= v[2]
    return True


def spaced(runs: list[str]) -> bool:
    """A document printing every cell apart: every token one number, some run of 3 cells or more."""
    toks = [r.split() for r in runs]
    return any(len(t) >= 3 for t in toks) and all(_cuts(x, 1) for t in toks for x in t)


def run_readings(table: str, keys: list[Key], text: str, apart: bool = False) -> list[Reading]:
    """The readings of one row printed as a run (see the module docstring); `apart`: the
    document prints every cell apart, a token is one cell."""
    n = len(keys)
    groups = _groups(table, n)
    if apart:
        toks = text.split()
        if len(toks) == n:
            return [(tuple(map(_value, toks)), tuple(toks))]
        if not toks or len(toks) > n:
            return []
        totals = {t for _, t in _groups(table, n)}
        out = []
        for pos in combinations(range(n), len(toks)):
            v: list = [None if j in totals else 0 for j in range(n)]
            printed: list = [None] * n
            for p, piece in zip(pos, toks):
                v[p], printed[p] = _value(piece), piece
            out.append((tuple(v), tuple(printed)))
        return [r for r in out if _adds_up(table, r[0]) is not False] or out
    good = _cuts(text, n, groups=groups) or []
    exists = bool(good) or _cuts(text, n, cap=0) is None  # some cut into n numbers at all
    if exists:
        every = good or _cuts(text, n) or []
        readings = [(tuple(map(_value, c)), c) for c in every]
        dropped = _dropped(table, text, n, 1 if good else 2) if groups else []
        if dropped:  # a blank cell dropped (two when no cut adds up) is a reading too
            return readings + dropped
        if table == "active" and len(readings) > 1:
            readings = [r for r in readings if _active_ok(keys, r[0])] or readings
        return readings
    if not text.split():
        return []
    # fewer numbers than cells: blanks dropped
    short: list[Reading] = []
    totals = {t for _, t in _groups(table, n)}
    for k in range(n - 1, len(text.split()) - 1, -1):
        for c in _cuts(text, k):
            for pos in combinations(range(n), k):
                v: list = [None if j in totals else 0 for j in range(n)]
                printed: list = [None] * n
                for p, piece in zip(pos, c):
                    v[p], printed[p] = _value(piece), piece
                short.append((tuple(v), tuple(printed)))
    kept = [r for r in short if _adds_up(table, r[0]) is not False]
    return kept or short


def _dropped(table: str, text: str, n: int, most: int) -> list[Reading]:
    """Readings with one blank cell (up to `most`) dropped from among the parts, every group
    adding up; none when the cuts are too many to check (over 400, as the parser)."""
    totals = {t for _, t in _groups(table, n)}
    out: list[Reading] = []
    for k in range(n - 1, n - most - 1, -1):
        got = _cuts(text, k, cap=400)
        if got is None or len(got) * n * n > 20_000:
            return []
        for c in got:
            for pos in combinations(range(n), k):
                if totals - set(pos):
                    continue
                v = [0] * n
                printed: list = [None] * n
                for p, piece in zip(pos, c):
                    v[p], printed[p] = _value(piece), piece
                if _adds_up(table, tuple(v)):
                    out.append((tuple(v), tuple(printed)))
    return out


def trailing_readings(table: str, raws: list[str]) -> list[Reading]:
    values = [_value(r) if r else 0 for r in raws]
    filled = [v for r, v in zip(raws, values) if r]
    n = len(raws)
    if len(filled) in (0, n):
        return [(tuple(values), ())]
    out = []
    for pos in combinations(range(n), len(filled)):
        v = [0] * n
        for p, x in zip(pos, filled):
            v[p] = x
        if _adds_up(table, tuple(v)) is not False:
            out.append((tuple(v), ()))
    return out


def _search(names: list[str], results: list[str], cands: dict[str, list[tuple]], ncol: int) -> list[dict[str, tuple]]:
    """Every reading of section 三 that satisfies the column identities: the balance when its
    four rows are printed, the results sum when every result row is (a check with an unknown
    operand is not made). Results rows are chosen after （七）总计, their running sums bounded
    by it (counts are never negative)."""
    balance = ("new_received", "carried_over", "total_processed", "carried_forward")
    check_balance = all(r in names for r in balance)
    check_results = "total_processed" in names and all(r in names for r in results)
    order = (["total_processed"] + results if check_results else []) + \
        [r for r in names if not check_results or (r not in results and r != "total_processed")]
    sols: list[dict[str, tuple]] = []
    chosen: dict[str, tuple] = {}
    nodes = 0

    def rec(i: int, running: list) -> None:
        nonlocal nodes
        nodes += 1
        if nodes > MAX_NODES:
            raise RuntimeError("settle: search too large; choose another fixture seed")
        if i == len(order):
            for j in range(ncol):
                bal = [chosen[r][j] for r in balance] if check_balance else [None]
                if None not in bal and abs(bal[0] + bal[1] - bal[2] - bal[3]) > 1e-9:
                    return
            sols.append(dict(chosen))
            return
        row = order[i]
        for v in cands[row]:
            nxt = running
            if check_results and row in results:
                tp = chosen["total_processed"]
                nxt = [None if a is None or b is None else a + b for a, b in zip(running, v)]
                if any(x is not None and t is not None and x > t + 1e-9 for x, t in zip(nxt, tp)):
                    continue
                if row == results[-1] and any(x is not None and t is not None and abs(x - t) > 1e-9
                                              for x, t in zip(nxt, tp)):
                    continue
            chosen[row] = v
            rec(i + 1, nxt)
        chosen.pop(row, None)

    rec(0, [0] * ncol)
    return sols


def settle(tables: list[PrintedTable], style: str, truth: dict[Key, object],
           runs: dict[int, str] | None = None) -> dict[Key, object]:
    """Cells left unknown by a lossy rendering → None; cells of a row a run style does not
    print at all (every cell blank) → "missing". `runs`: for a run style, each data row's
    printed run by id of its first value cell."""
    unknown: dict[Key, object] = {}
    rows: list[tuple[str, list[Key], list[Reading]]] = []
    apart = spaced([r for r in (runs or {}).values() if r])
    for pt in tables:
        for row in pt.rows:
            data: list[GCell] = [c for c in row if c.key]
            if not data:
                continue
            keys = [c.key for c in data]  # type: ignore[misc]
            if style == "trailing_pipes":
                readings = trailing_readings(pt.table, [c.text for c in data])
            else:
                readings = run_readings(pt.table, keys, (runs or {}).get(id(data[0]), ""), apart)
                if not readings:
                    unknown.update(dict.fromkeys(keys, "missing"))
                    continue
            want = tuple(truth[k] for k in keys)
            assert any(all(a is None or a == b for a, b in zip(r[0], want)) for r in readings), \
                (keys, want, readings[:5])
            if pt.table == "appeals" and len(keys) > 5:  # section 四 as one row: a reading per group
                for g in range(0, len(keys), 5):
                    rows.append(("appeals", keys[g:g + 5], list(dict.fromkeys(
                        (r[0][g:g + 5], r[1][g:g + 5] if r[1] else ()) for r in readings))))
            else:
                rows.append((pt.table, keys, list(dict.fromkeys(readings))))
    app = {keys[0][1]: (keys, readings) for t, keys, readings in rows if t == "applications"}
    if any(len(r) > 1 for _, r in app.values()):
        order = [k[1] for k in truth if k[0] == "applications" and k[2] == "total"]  # the template's rows
        results = order[order.index("granted"):order.index("total_processed")]
        names = [r for r in order if r in app]
        sols = _search(names, results, {r: list(dict.fromkeys(x[0] for x in app[r][1])) for r in names},
                       len(app[names[0]][0]))
        allowed = {r: {s[r] for s in sols} for r in names}
        rows = [(t, keys, [x for x in readings if t != "applications" or x[0] in allowed[keys[0][1]]])
                for t, keys, readings in rows]
    for table, keys, readings in rows:
        if len({tuple(p for p in r[1] if p is not None) for r in readings}) > 1:
            unknown.update(dict.fromkeys(keys))  # the digits cut more than one way
            continue
        for j, k in enumerate(keys):
            if len({r[0][j] for r in readings}) > 1 or any(r[0][j] is None for r in readings):
                unknown[k] = None
    return unknown
