"""Printed table rows → template cells (table, row, column).

Rows are matched by their labels, never by position: the last cell of a row whose label
names a template row is that row's key, and the cells after it are its values. Columns come
from counts per row: a row prints as many values as its template row has columns, in header
order; merged-cell fillers (empty fields), one extra number (the seed's (七)总计) and lost
positions (collapsed empty cells, digits run together) are resolved here, with the table's
arithmetic (solve.py) where counting is not enough.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .blocks import Table, TCell
from .labels import _NUMBERING, core, group_cores, row_matcher
from .model import Cell, Report
from .solve import digit_splits, placements, search
from .spec import TABLES, norm, template
from .values import parse_value

Key = tuple[str, str, str]
MAX_ROW_CELLS = 200  # wider rows are cut (a real row has at most ~20 cells)

# words that say which table a row belongs to, even without a section heading
_MARKERS = (
    ("appeals", ("结果维持", "未经复议直接起诉", "复议后起诉", "尚未审结")),
    ("applications", ("申请人情况", "本年新收", "自然人", "勾稽关系", "予以公开", "商业企业")),
    ("active", ("第二十条", "信息内容", "制发件数", "新制作数量", "上一年项目数量")),
)
SECTION_TABLE = {2: "active", 3: "applications", 4: "appeals"}


@dataclass
class Printed:
    """One printed cell assigned to a column (raw text as printed, where it came from)."""
    raw: str
    source: dict[str, Any]


@dataclass
class Reading:
    """What was printed for one template row: one or several candidate assignments."""
    table: str
    row: str
    candidates: list[list[Printed | None]]
    how: str = "positional"  # positional | window | placement | split
    extra: int = 0  # cells beyond the template's columns (dropped)


def _header_cores(version: str) -> frozenset[str]:
    tpl = template(version)
    cores = {core(c.label) for t in TABLES for c in tpl.columns.get(t, [])}
    cores |= {core(a) for t in TABLES for c in tpl.columns.get(t, []) for a in c.aliases}
    cores |= {core(r.label) for r in tpl.rows.get("appeals", [])}
    cores |= set(group_cores())
    cores.discard("")
    return frozenset(cores)


_HEADER_CORES: dict[str, frozenset[str]] = {}


def _is_value(cell: TCell) -> bool:
    return cell.source.get("run") is True or parse_value(cell.text).kind in ("number", "na")


@dataclass
class TableReader:
    version: str
    report: Report
    current: str | None = None
    readings: dict[tuple[str, str], Reading] = field(default_factory=dict)
    appeals_values: list[TCell] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)  # tables that printed at least one row
    rows_read: int = 0

    def __post_init__(self) -> None:
        tpl = template(self.version)
        self.tpl = tpl
        self.row_defs = {t: {r.key: r for r in tpl.rows.get(t, [])} for t in TABLES}
        if self.version not in _HEADER_CORES:
            _HEADER_CORES[self.version] = _header_cores(self.version)
        self.header_cores = _HEADER_CORES[self.version]
        self.matchers = {t: row_matcher(self.version, t) for t in TABLES}

    # --- reading rows -----------------------------------------------------------------

    def feed(self, table: Table, section_table: str | None) -> None:
        if section_table:
            self.current = section_table
        positions_lost = table.source.get("delimiters") == "pipe"
        for row in table.rows:
            self.rows_read += 1
            self._row(row[:MAX_ROW_CELLS], positions_lost)

    def _match(self, text: str) -> tuple[str, str] | None:
        order = [self.current] if self.current else []
        order += [t for t in TABLES if t != self.current]
        for t in order:
            key = self.matchers[t](text)
            if key:
                return t, key
        return None

    def _switch(self, texts: list[str]) -> None:
        joined = norm("".join(texts))[:400]
        for table, words in _MARKERS:
            if any(w in joined for w in words):
                self.current = table
                return

    def _row(self, row: list[TCell], positions_lost: bool) -> None:
        texts = [c.text for c in row]
        if not any(texts):
            if self.current == "appeals" and len(row) >= 5 and "appeals" not in self.seen:
                self.appeals_values.extend(row)  # a data row printed all blank
            return
        values = [_is_value(c) for c in row]
        has_value = any(values)
        if not has_value and self._is_header(row):
            self._switch(texts)
            return
        self._switch(texts)
        hit: tuple[int, str, str] | None = None
        for i, c in enumerate(row):
            if c.text and not values[i]:
                m = self._match(c.text)
                if m:
                    hit = (i, *m)
        if hit is None:
            if has_value and self.current == "appeals":
                last_text = max((i for i, c in enumerate(row) if c.text and not values[i]), default=-1)
                self.appeals_values.extend(row[last_text + 1:])
                self.seen.add("appeals")
            elif has_value:
                self.report.add_finding("row_unmatched", "info",
                                        f"a row of values without a known label: {' | '.join(texts)[:120]}",
                                        table=self.current, source=row[0].source)
            return
        i, table, key = hit
        self.current = table
        self.seen.add(table)
        if (table, key) in self.readings:
            self.report.add_finding("duplicate_row", "info", f"{table}.{key} printed again; first kept",
                                    table=table, row=key, source=row[i].source)
            return
        n = len(self.row_defs[table][key].columns)
        self.readings[(table, key)] = self._read(table, key, row[i + 1:], n, positions_lost)

    def _is_header(self, row: list[TCell]) -> bool:
        for c in row:
            if c.text and core(c.text) in self.header_cores and not _NUMBERING.match(norm(c.text)):
                return True
        return False

    def _read(self, table: str, key: str, fields: list[TCell], n: int, positions_lost: bool) -> Reading:
        """The candidate assignments of printed cells to the row's n columns."""
        runs = [c for c in fields if c.source.get("run")]
        if runs and n > 1:
            return self._split(table, key, runs[0], n)
        if runs:
            fields = runs
        filled = [i for i, c in enumerate(fields) if c.text]
        k = len(filled)
        as_printed = lambda cells: [Printed(c.text, c.source) if c is not None else None for c in cells]  # noqa: E731
        if k > n:  # one number too many: keep the rightmost n unless arithmetic says the leftmost
            right = [fields[i] for i in filled[-n:]]
            left = [fields[i] for i in filled[:n]]
            return Reading(table, key, [as_printed(right), as_printed(left)], "window", extra=k - n)
        if len(fields) == n and not (positions_lost and self._trailing_empties(fields, filled)):
            return Reading(table, key, [as_printed(fields)])
        if k == n:
            return Reading(table, key, [as_printed([fields[i] for i in filled])])
        cands: list[list[Printed | None]] = []
        if len(fields) >= n:
            lo = max(0, (filled[-1] - n + 1) if filled else 0)
            hi = min(filled[0] if filled else len(fields) - n, len(fields) - n)
            for s in range(lo, hi + 1):
                cands.append(as_printed(fields[s:s + n]))
        how = "window"
        if positions_lost and self._trailing_empties(fields, filled) or len(fields) < n:
            how = "placement"
            for pos in placements(k, n):
                slots: list[Printed | None] = [None] * n
                for p, i in zip(pos, filled):
                    slots[p] = Printed(fields[i].text, fields[i].source)
                cands.append(slots)
        return Reading(table, key, cands or [[None] * n], how)

    @staticmethod
    def _trailing_empties(fields: list[TCell], filled: list[int]) -> bool:
        return bool(filled) and filled == list(range(len(filled))) and len(filled) < len(fields)

    def _split(self, table: str, key: str, run: TCell, n: int) -> Reading:
        """Digits of adjacent cells run together: every cut the row's arithmetic allows."""
        check = None
        if table == "applications":
            check = lambda p: p[-1] == sum(p[:-1])  # noqa: E731
        elif table == "appeals":
            check = lambda p: all(p[g + 4] == sum(p[g:g + 4]) for g in range(0, len(p), 5))  # noqa: E731
        digits = run.text
        splits = digit_splits(digits, n, check)
        cands = [[Printed(v, {**run.source, "part": j}) for j, v in enumerate(s)] for s in splits]
        if not cands:
            self.report.add_finding("split_failed", "warning",
                                    f"{table}.{key}: digits {digits[:40]!r} cannot be cut into {n} "
                                    "values that satisfy the row's arithmetic", table=table, row=key,
                                    source=run.source)
            cands = [[None] * n]
        return Reading(table, key, cands, "split")

    # --- settling values ----------------------------------------------------------------

    def finish(self) -> list[Cell]:
        if self.appeals_values and ("appeals", "*") not in self.readings:
            self._appeals_block()
        vectors: dict[tuple[str, str], list[tuple]] = {}
        for rk, rd in self.readings.items():
            vecs, keep = self._vectors(rd)
            rd.candidates = keep
            vectors[rk] = vecs
        chosen = self._resolve(vectors)
        return self._cells(chosen)

    def _appeals_block(self) -> None:
        """Section 四 printed as one data row of 15 values (groups × outcomes)."""
        groups = [r.key for r in self.tpl.rows.get("appeals", [])]
        outcomes = [c.key for c in self.tpl.columns.get("appeals", [])]
        n = len(groups) * len(outcomes)
        vals = self.appeals_values
        if len(vals) == 1 and vals[0].source.get("run"):
            rd = self._split("appeals", "*", vals[0], n)
        else:
            rd = self._read("appeals", "*", vals, n, False)
        # fan the 15-wide reading out into one reading per group
        for gi, g in enumerate(groups):
            if ("appeals", g) in self.readings:
                continue
            seg = slice(gi * len(outcomes), (gi + 1) * len(outcomes))
            cands, seen = [], set()
            for cand in rd.candidates:
                part = cand[seg]
                sig = tuple(p.raw if p else None for p in part)
                if sig not in seen:
                    seen.add(sig)
                    cands.append(part)
            self.readings[("appeals", g)] = Reading("appeals", g, cands, rd.how, rd.extra if gi == 0 else 0)

    def _columns(self, table: str, row: str) -> tuple[str, ...]:
        return self.row_defs[table][row].columns

    def _vectors(self, rd: Reading) -> tuple[list[tuple], list[list[Printed | None]]]:
        """Distinct value readings of a row; those that break the row's own total are dropped
        when another reading keeps it."""
        cols = self._columns(rd.table, rd.row)
        seen: dict[tuple, list[Printed | None]] = {}
        for cand in rd.candidates[:2000]:
            vec = tuple(_row_value(rd.table, cols, cand, j) for j in range(len(cols)))
            seen.setdefault(vec, cand)
        if len(seen) > 1 and "total" in cols:
            t = cols.index("total")
            good = {v: c for v, c in seen.items() if v[t] is not None and all(x is not None for x in v)
                    and abs(v[t] - sum(x for j, x in enumerate(v) if j != t)) < 1e-6}
            unknown = {v: c for v, c in seen.items() if v[t] is None}
            seen = good or unknown or seen
        return list(seen), list(seen.values())

    def _resolve(self, vectors: dict[tuple[str, str], list[tuple]]) -> dict[tuple[str, str], int | None | list]:
        """Which reading each row keeps: an index, or per-column settled indices."""
        chosen: dict[tuple[str, str], Any] = {rk: 0 for rk, v in vectors.items() if len(v) == 1}
        ambiguous = [rk for rk, v in vectors.items() if len(v) > 1]
        if not ambiguous:
            return chosen
        app_amb = [rk for rk in ambiguous if rk[0] == "applications"]
        solutions: list[list[tuple]] = []
        if app_amb:
            solutions = self._solve_applications(vectors, app_amb)
        for rk in ambiguous:
            vecs = vectors[rk]
            if rk in app_amb and solutions:
                options = sorted({s[app_amb.index(rk)] for s in solutions}, key=vecs.index)
            else:
                options = vecs
            if len(options) == 1:
                chosen[rk] = vecs.index(options[0])
                rd = self.readings[rk]
                self.report.add_finding(
                    "split_inferred", "warning",
                    f"{rk[0]}.{rk[1]}: printed positions ambiguous ({rd.how}); the only reading "
                    "consistent with the table's arithmetic was used", table=rk[0], row=rk[1],
                    readings=len(vecs))
            else:
                chosen[rk] = options  # settle per column below
        return chosen

    def _solve_applications(self, vectors: dict, amb: list[tuple[str, str]]) -> list[list[tuple]]:
        cols = list(self._columns("applications", "new_received"))
        rows = [r.key for r in self.tpl.rows["applications"]]
        results = rows[rows.index("granted"):rows.index("total_processed")]
        fixed = {rk[1]: v[0] for rk, v in vectors.items() if rk[0] == "applications" and len(v) == 1}
        amb_rows = [rk[1] for rk in amb]

        def grid(chosen: list[tuple]) -> dict[str, tuple]:
            g = dict(fixed)
            g.update(zip(amb_rows, chosen))
            return g

        def ok(chosen: list[tuple]) -> bool:
            g = grid(chosen)
            for j in range(len(cols)):
                tp = g.get("total_processed")
                parts = [g[r][j] for r in results if r in g]
                if tp is not None and tp[j] is not None and len(parts) == len(results) \
                        and None not in parts and abs(tp[j] - sum(parts)) > 1e-6:
                    return False
                bal = [g.get(r) for r in ("new_received", "carried_over", "total_processed", "carried_forward")]
                if all(b is not None and b[j] is not None for b in bal):
                    if abs(bal[0][j] + bal[1][j] - bal[2][j] - bal[3][j]) > 1e-6:
                        return False
            return True

        sols, _exhausted = search([vectors[rk] for rk in amb], ok)
        return sols

    # --- cells ----------------------------------------------------------------------------

    def _cells(self, chosen: dict[tuple[str, str], Any]) -> list[Cell]:
        out: dict[Key, Cell] = {}
        blanks: list[Cell] = []
        for (table, row), pick in chosen.items():
            rd = self.readings[(table, row)]
            cols = self._columns(table, row)
            if rd.extra and pick is not None:
                self.report.add_finding("extra_cells", "info",
                                        f"{table}.{row}: {rd.extra} more value(s) printed than the "
                                        f"template has columns; the {'leftmost' if pick == 1 else 'rightmost'} "
                                        f"{len(cols)} kept", table=table, row=row)
            for j, col in enumerate(cols):
                if isinstance(pick, list):  # ambiguous: settle a column only if every reading agrees
                    vals = {v[j] for v in pick}
                    vecs = [tuple(_row_value(table, cols, c, jj) for jj in range(len(cols))) for c in rd.candidates]
                    if len(vals) == 1:
                        printed = rd.candidates[vecs.index(pick[0])][j]
                    else:
                        self.report.add_finding(
                            "split_uncertain", "warning",
                            f"{table}.{row}.{col}: printed positions ambiguous ({rd.how}); readings give "
                            f"{sorted(vals, key=lambda x: (x is None, x))}; left unknown",
                            table=table, row=row, column=col)
                        out[(table, row, col)] = Cell(table, row, col, None, "", False, {})
                        continue
                else:
                    printed = rd.candidates[pick][j]
                raw = printed.raw if printed else ""
                src = dict(printed.source) if printed else {}
                v = parse_value(raw)
                cell = Cell(table, row, col, v.value, raw, False, src)
                if v.kind == "blank":
                    blanks.append(cell)
                elif v.kind == "unreadable":
                    self.report.add_finding("value_unreadable", "warning",
                                            f"{table}.{row}.{col}: cannot read {raw[:40]!r}",
                                            table=table, row=row, column=col, raw=raw[:200])
                elif v.approx:
                    self.report.add_finding("value_approx", "info",
                                            f"{table}.{row}.{col}: {raw!r} is an approximation",
                                            table=table, row=row, column=col, raw=raw)
                out[(table, row, col)] = cell
        self._impute(out, blanks)
        order = {k: i for i, k in enumerate(self.tpl.cell_keys())}
        return sorted(out.values(), key=lambda c: order.get((c.table, c.row, c.column), 1 << 30))

    def _impute(self, cells: dict[Key, Cell], blanks: list[Cell]) -> None:
        """Blank → 0 where the row and column say so; a blank total over non-zero parts stays None."""
        rows = [r.key for r in self.tpl.rows.get("applications", [])]
        results = rows[rows.index("granted"):rows.index("total_processed")] if rows else []
        app_parts = [c.key for c in self.tpl.columns.get("applications", []) if c.key != "total"]
        # a table printed with only its 总计 column filled: the blank parts are unknown, not 0
        part_cells = [c for c in cells.values() if c.table == "applications" and c.column != "total"]
        if part_cells and all(c.raw == "" for c in part_cells) and any(
                c.value for c in cells.values() if c.table == "applications" and c.column == "total"):
            self.report.add_finding("parts_omitted", "warning",
                                    "applications: only the 总计 column is printed; the applicant "
                                    "columns are left unknown", table="applications")
            blanks = [b for b in blanks if not (b.table == "applications" and b.column != "total")]

        def parts_of(c: Cell) -> list[Key]:
            if c.table == "applications" and c.column == "total":
                return [("applications", c.row, p) for p in app_parts]
            if c.table == "applications" and c.row == "total_processed":
                return [("applications", r, c.column) for r in results]
            if c.table == "appeals" and c.column == "total":
                return [("appeals", c.row, o.key) for o in self.tpl.columns["appeals"] if o.key != "total"]
            return []

        totals = [b for b in blanks if parts_of(b)]
        for b in blanks:
            if not parts_of(b):
                b.value, b.imputed = 0, True
        # (七)总计 parts first, then row totals (its 总计 cell depends on both)
        totals.sort(key=lambda c: (c.column == "total", c.row == "total_processed"))
        for b in totals:
            parts = [cells.get(k) for k in parts_of(b)]
            if parts and all(p is not None and p.value == 0 for p in parts):
                b.value, b.imputed = 0, True


def _row_value(table: str, cols: tuple[str, ...], cand: list[Printed | None], j: int) -> float | int | None:
    """A cell's value within one reading of its row (blank → 0, a blank total over non-zero
    parts → unknown), for comparing readings."""
    p = cand[j]
    v = parse_value(p.raw if p else "")
    if v.kind != "blank":
        return v.value
    if cols[j] == "total" and table in ("applications", "appeals"):
        others = [parse_value(c.raw if c else "") for i, c in enumerate(cand) if i != j]
        if all(o.kind == "blank" or o.value == 0 for o in others):
            return 0
        return None
    return 0
