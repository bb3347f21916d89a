"""Which cells a lossy text rendering leaves determined — the honest reading the expected files ask for.

`nodelim` runs the digits of a row together; `trailing_pipes` with blank zeros collapses the
empty cells to the end of the row. Each printed row then has several candidate readings. A
reading of the whole table must satisfy every identity of the template (row totals, appeals
group totals, and per column the results sum and the balance); a cell is settled when every
such reading gives it the same value, and unknown (None) otherwise.
"""
from __future__ import annotations

import re
from itertools import combinations

from parsers.values import parse_value

from .layout import PrintedTable

Key = tuple[str, str, str]
MAX_NODES = 2_000_000


def _row_ok(table: str, v: tuple, keys: list) -> bool:
    if table == "applications":
        return v[-1] == sum(v[:-1])
    if table == "appeals":
        return all(v[i + 4] == sum(v[i:i + 4]) for i in range(0, len(v), 5))
    return True


# Section 二 has no identity, but the parser may choose a cut of its digits by what holds in a
# correct report (docs/parsing.md): in force ≥ issued − repealed (2021), newly published ≤ all
# published (2019) — for the 规章 and 规范性文件 rows.
def _active_ok(keys: list, v: tuple) -> bool:
    cols = [k[2] for k in keys]
    if not keys or keys[0][1] not in ("regulations", "normative_documents"):
        return True
    if cols == ["issued", "repealed", "in_force"]:
        return v[2] >= v[0] - v[1]
    if cols == ["new_made", "new_published", "total_published"]:
        return v[1] <= v[2]
    return True


_PIECE = re.compile(r"-?(?:0|[1-9]\d*)")


def _digit_splits(run: str, n: int) -> list[tuple[int, ...]]:
    """Cuts of a run of printed integers ("12-13", a sign only in front) into n numbers."""
    out: list[tuple[int, ...]] = []

    def rec(pos: int, acc: tuple[int, ...]) -> None:
        if len(acc) == n:
            if pos == len(run):
                out.append(acc)
            return
        for end in range(pos + 1, len(run) - (n - len(acc) - 1) + 1):
            part = run[pos:end]
            if _PIECE.fullmatch(part):
                rec(end, acc + (int(part),))

    rec(0, ())
    return out


def candidates(table: str, raws: list[str], style: str, keys: list | None = None) -> list[tuple]:
    """Readings of one printed row of values under the row's own arithmetic."""
    values = [parse_value(r).value if r else 0 for r in raws]
    filled = [v for r, v in zip(raws, values) if r]
    n = len(raws)
    if style == "trailing_pipes":
        if len(filled) in (0, n):
            return [tuple(values)]
        out = []
        for pos in combinations(range(n), len(filled)):
            v = [0] * n
            for p, x in zip(pos, filled):
                v[p] = x
            out.append(tuple(v))
    elif style == "nodelim":
        if n == 1:
            return [tuple(values)]
        run = "".join(raws)
        if not re.fullmatch(r"[\d-]+", run) or len(filled) != n:
            raise ValueError(f"nodelim fixtures need every cell printed as plain integers: {raws}")
        out = _digit_splits(run, n)
    else:
        return [tuple(values)]
    out = [v for v in out if _row_ok(table, v, keys or [])]
    if table == "active" and len(out) > 1:
        out = [v for v in out if _active_ok(keys or [], v)] or out
    return out


def _search(rows: list[str], cands: dict[str, list[tuple]], cols: list[str]) -> list[dict[str, tuple]]:
    """Every reading of the applications table that satisfies the column identities."""
    results = rows[rows.index("granted"):rows.index("total_processed")]
    order = ["total_processed"] + results + [r for r in rows if r not in results and r != "total_processed"]
    sols: list[dict[str, tuple]] = []
    chosen: dict[str, tuple] = {}
    nodes = 0

    def rec(i: int, running: list) -> None:
        nonlocal nodes
        nodes += 1
        if nodes > MAX_NODES:
            raise RuntimeError("settle: search too large; choose another fixture seed")
        if i == len(order):
            ok = all(chosen["new_received"][j] + chosen["carried_over"][j]
                     == chosen["total_processed"][j] + chosen["carried_forward"][j] for j in range(len(cols)))
            if ok:
                sols.append(dict(chosen))
            return
        row = order[i]
        for v in cands[row]:
            nxt = running
            if row in results:
                nxt = [a + b for a, b in zip(running, v)]
                if any(s > t for s, t in zip(nxt, chosen["total_processed"])):
                    continue
                if row == results[-1] and nxt != list(chosen["total_processed"]):
                    continue
            chosen[row] = v
            rec(i + 1, nxt)
        chosen.pop(row, None)

    rec(0, [0] * len(cols))
    return sols


def _one_each(rows: list[str], cands: dict[str, list[tuple]]) -> list[tuple]:
    """Readings where every row but one keeps its first candidate: enough to see which cells vary."""
    first = tuple(cands[r][0] for r in rows)
    out = [first]
    for i, r in enumerate(rows):
        out += [first[:i] + (v,) + first[i + 1:] for v in cands[r][1:]]
    return out


def settle(tables: list[PrintedTable], style: str, truth: dict[Key, object]) -> dict[Key, object]:
    """Cells left unknown by a lossy rendering → None (cells not listed are unaffected)."""
    unknown: dict[Key, object] = {}
    app_rows: list[str] = []
    app_cands: dict[str, list[tuple]] = {}
    app_cols: list[str] = []
    for pt in tables:
        for row in pt.rows:
            data = [c for c in row if c.key]
            if not data:
                continue
            keys = [c.key for c in data]
            cands = candidates(pt.table, [c.text for c in data], style, keys)
            assert tuple(truth[k] for k in keys) in cands, (keys, cands)  # type: ignore[index]
            if pt.table == "applications":
                app_rows.append(keys[0][1])  # type: ignore[index]
                app_cands[keys[0][1]] = cands  # type: ignore[index]
                app_cols = [k[2] for k in keys]  # type: ignore[index]
                continue
            for j, k in enumerate(keys):
                if len({v[j] for v in cands}) > 1:
                    unknown[k] = None  # type: ignore[index]
    if app_rows and any(len(c) > 1 for c in app_cands.values()):
        if "total_processed" in app_rows:
            sols = _search(app_rows, app_cands, app_cols)
        else:  # a truncated table: no column identity can be checked, each row stands alone
            sols = [dict(zip(app_rows, combo)) for combo in _one_each(app_rows, app_cands)]
        for r in app_rows:
            for j, c in enumerate(app_cols):
                if len({s[r][j] for s in sols}) > 1:
                    unknown[("applications", r, c)] = None
    return unknown
