"""Printed table rows → template cells (table, row, column).

Rows are matched by their labels, never by position: the last cell of a row whose label
names a template row is that row's key, and the cells after it are its values. Columns come
from counts per row: a row prints as many values as its template row has columns, in header
order; merged-cell fillers (empty fields), one extra number (the seed's (七)总计) and lost
positions (collapsed empty cells, digits run together) are resolved here, with the table's
arithmetic (solve.py) where counting is not enough.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from operator import add
from functools import lru_cache
from typing import Any, Callable

from .blocks import Table, TCell
from .labels import column_matcher, core, group_cores, numbered, row_matcher
from .model import Cell, Report
from .solve import MAX_PART, _num, cuts, placements, tokens
from .spec import TABLES, RowDef, norm, template
from .values import parse_value

Key = tuple[str, str, str]
MAX_ROW_CELLS = 200  # wider rows are cut (a real row has at most ~20 cells)
MAX_UNMATCHED = 20  # row_unmatched findings reported one by one; the rest are counted
MAX_BLANK_PROBE = 200  # rows of a table looked at for empty fields
MAX_SHORT_READINGS = 2000  # placements of a short row's values: more → the row is left unknown

# words that say which table a row belongs to, even without a section heading
_MARKERS = (
    ("appeals", ("结果维持", "未经复议直接起诉", "复议后起诉", "尚未审结")),
    ("applications", ("申请人情况", "本年新收", "自然人", "勾稽关系", "予以公开", "商业企业")),
    ("active", ("第二十条", "信息内容", "制发件数", "新制作数量", "上一年项目数量")),
)
SECTION_TABLE = {2: "active", 3: "applications", 4: "appeals"}
# rows of another version a report may print instead of its own (2021 → 2019's （六）其他处理)
VARIANT_ROWS = {"2021": ("other_handling",)}
VARIANT_OF = {"other_handling": ("other_no_correction", "other_unpaid_fee", "other_other")}


# A printed cell assigned to a column: the front end's TCell itself (text as printed, source).
Printed = TCell


@dataclass(slots=True)
class Reading:
    """What was printed for one template row: one or several candidate assignments."""
    table: str
    row: str
    candidates: list[list[Printed | None]]
    how: str = "positional"  # positional | window | placement | split
    printed: int = 0  # values printed (non-empty cells) in the row
    hint: int | None = None  # the candidate whose first value sits under its column's header
    raw: str = ""  # a run of cells as printed (how == "split")
    short: bool = False  # fewer values printed than columns: a reading's blank may be a dropped total
    pending: TCell | None = None  # a run to cut when the whole document has been read
    keep: bool = False  # readings that break the row's arithmetic are kept (it may be printed wrong)


@lru_cache(maxsize=None)
def _header_cores(version: str) -> frozenset[str]:
    """Labels that only ever head columns (a row holding one, without values, is a header)."""
    tpl = template(version)
    cores = {core(c.label) for t in TABLES for c in tpl.columns.get(t, [])}
    cores |= {core(a) for t in TABLES for c in tpl.columns.get(t, []) for a in c.aliases}
    cores |= {core(r.label) for r in tpl.rows.get("appeals", [])}
    cores |= set(group_cores())
    cores.discard("")
    return frozenset(cores)


@lru_cache(maxsize=None)
def _row_defs(version: str) -> tuple[dict[str, dict[str, RowDef]], dict[str, RowDef]]:
    """(table → row key → row definition, the variant rows among them) of a version."""
    tpl = template(version)
    row_defs = {t: {r.key: r for r in tpl.rows.get(t, [])} for t in TABLES}
    # a 2021 report may still print 2019's single （六）其他处理 row: read it under its own key
    variants = {v: r for v in VARIANT_ROWS.get(version, ()) if (r := template("2019").row("applications", v))}
    row_defs["applications"].update(variants)
    return row_defs, variants


MISSING = Printed("", {"missing": True})  # a cell the document does not print at all (cut off)
UNKNOWN = Printed("", {"unknown": True})  # printed, but unreadable where it is (digits that cannot be cut)


_VALUE_TEXT: dict[str, bool] = {}
# TableReader._match memo: version → current table → label → row (strings cache their hash,
# a tuple key would be hashed again on every look-up)
_ROW_OF: dict[str, dict[str | None, dict[str, tuple[str, str] | None]]] = {}
_MAX_ROW_OF = 5_000  # labels memoized per (version, current table)
# what a row of labels does: (the current table after it, ((table, column), field index) it heads)
_LabelRow = tuple[str | None, tuple[tuple[tuple[str, str], int], ...]]
# TableReader._label_row memo: (version, current table, the row's texts) → its outcome
_LABEL_ROWS: dict[tuple[str, str | None, tuple[str, ...]], _LabelRow | None] = {}
_MAX_LABEL_ROWS = 5_000
_UNSEEN = object()
_OUTCOME_WORDS = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "合计")
_HAS_DIGIT = re.compile(r"\d")


def _is_value(cell: TCell) -> bool:
    """A number or a not-applicable mark (not a label); memoized: documents repeat their cells."""
    t = cell.text
    v = _VALUE_TEXT.get(t)
    if v is None:
        v = parse_value(t).kind in ("number", "na", "out_of_range")
        if len(t) <= 64 and len(_VALUE_TEXT) < 50_000:
            _VALUE_TEXT[t] = v
    return v or cell.source.get("run") is True


def _values(row: list[TCell], texts: list[str], runs: bool) -> list[bool]:
    """Which cells of a row hold a value (`_is_value`): the memo answers for most cells (the
    numbers and the labels) without a call per cell. `runs`: cells may hold digits run together."""
    values = [*map(_VALUE_TEXT.get, texts)]  # None: a text not seen yet (or an empty cell)
    if runs:
        for i, v in enumerate(values):
            if v is None:
                values[i] = bool(texts[i]) and _is_value(row[i])
            elif not v:  # a label: a value only as digits run together (see _is_value)
                values[i] = row[i].source.get("run") is True
    elif None in values:
        for i, v in enumerate(values):
            if v is None:
                values[i] = bool(texts[i]) and _is_value(row[i])
    return values


@dataclass
class TableReader:
    version: str
    report: Report
    current: str | None = None
    readings: dict[tuple[str, str], Reading] = field(default_factory=dict)
    # section 四 printed as one data row (groups × outcomes), gathered across rows
    appeals_values: list[TCell] = field(default_factory=list)
    appeals_rows: list[list[TCell]] = field(default_factory=list)  # its data rows as printed
    appeals_offset: int = 0  # where its values start in their printed row
    appeals_lost: bool = False  # printed with its positions lost
    appeals_hint_x: int | None = None  # where the first outcome's header stands
    appeals_by_outcome: dict[str, list[TCell]] = field(default_factory=dict)  # transposed: outcome → groups
    header_x: dict[tuple[str, str], int] = field(default_factory=dict)  # column → field index, per block
    seen: set[str] = field(default_factory=set)  # tables that printed at least one row
    unmatched: int = 0  # rows of values without a template label
    total_only: dict[str, bool] = field(default_factory=dict)  # applications row → printed only its 总计
    only_totals: bool = False
    runs: bool = False  # some table may hold digits of several cells run together (Table.source)
    printed_rows: set[tuple[str, str]] = field(default_factory=set)  # (table, row) of the cells made
    printed_fields: dict[tuple[str, str], list[TCell]] = field(default_factory=dict)  # a row's cells as printed
    run_texts: list[str] = field(default_factory=list)  # every run of cells the document prints
    spaced: bool | None = None  # every cell printed apart (set when the document is read)
    keeps_blanks: bool = False  # the table being read prints blank cells as empty fields

    def __post_init__(self) -> None:
        self.tpl = template(self.version)
        self.row_defs, self.variants = _row_defs(self.version)  # shared per version: read only
        self.header_cores = _header_cores(self.version)
        self.matchers = {t: row_matcher(self.version, t) for t in TABLES}
        self.row_memo = _ROW_OF.setdefault(self.version, {})

    # --- reading rows -----------------------------------------------------------------

    def feed(self, table: Table, section_table: str | None, check: Callable[[], None] = lambda: None) -> None:
        """Read one printed table; `check` is called every few rows (the caller's deadline)."""
        if section_table:
            self.current = section_table
        self.header_x = {}
        self.runs = self.runs or bool(table.source.get("runs"))
        # a rendering printing blank cells as empty fields (before or between printed ones)
        self.keeps_blanks = any(_blank_before_text(row) for row in table.rows[:MAX_BLANK_PROBE])
        if table.source.get("runs"):
            self.run_texts += [c.text for row in table.rows for c in row if c.source.get("run")]
        positions_lost = table.source.get("positions") == "lost"
        for n, row in enumerate(table.rows):
            if n % 64 == 63:
                check()
            self._row(row if len(row) <= MAX_ROW_CELLS else row[:MAX_ROW_CELLS], positions_lost)

    def _match(self, text: str) -> tuple[str, str] | None:
        """The template row a label names (the current table's rows first); memoized per
        version and current table: the same labels come back in every report."""
        memo = self.row_memo.get(self.current)
        if memo is None:
            memo = self.row_memo[self.current] = {}
        found = memo.get(text, _UNSEEN)
        if found is _UNSEEN:
            found = self._find_row(text)
            if len(text) <= 200 and len(memo) < _MAX_ROW_OF:
                memo[text] = found
        return found

    def _find_row(self, text: str) -> tuple[str, str] | None:
        order = [self.current] if self.current else []
        order += [t for t in TABLES if t != self.current]
        for t in order:
            key = self.matchers[t](text)
            if key:
                return t, key
        if self.variants and row_matcher("2019", "applications")(text) in self.variants:
            return "applications", row_matcher("2019", "applications")(text)
        return None

    def _switched(self, texts: list[str]) -> str | None:
        """The current table after a row without a template label: the one its words mark."""
        joined = "".join([core(t) for t in texts if t and len(t) < 400])
        for table, words in _MARKERS:
            for w in words:
                if w in joined:
                    return table
        return self.current

    def _hit(self, texts: list[str], values: list[bool]) -> tuple[int, str, str] | None:
        """(cell index, table, row) of the last label naming a template row."""
        hit: tuple[int, str, str] | None = None
        if values.count(False) == 1:  # the usual row: its label, then values (found in C)
            i = values.index(False)
            if texts[i] and (m := self._match(texts[i])):
                hit = (i, *m)
        else:
            for i, t in enumerate(texts):
                if t and not values[i]:
                    m = self._match(t)
                    if m:
                        hit = (i, *m)
        if hit is not None and self.current == "appeals" and hit[1] != "appeals" and not numbered(texts[hit[0]]) \
                and column_matcher(self.version, "appeals")(texts[hit[0]]):
            hit = None  # 总计 as an outcome row of a transposed section 四, not (七)总计
        return hit

    def _label_row(self, texts: list[str]) -> _LabelRow | None:
        """What a row without values does: (the current table after it, the columns it heads
        with their field index), or None for a row naming a template row (read as any row).
        Memoized by its texts: every report repeats the same header rows."""
        key = (self.version, self.current, tuple(texts))
        outcome = _LABEL_ROWS.get(key, _UNSEEN)
        if outcome is _UNSEEN:
            outcome = self._label_row_outcome(texts)
            if len(_LABEL_ROWS) < _MAX_LABEL_ROWS and sum(map(len, texts)) <= 2000:
                _LABEL_ROWS[key] = outcome
        return outcome

    def _label_row_outcome(self, texts: list[str]) -> _LabelRow | None:
        if self._is_header(texts):
            current = self._switched(texts)
            if not current:
                return current, ()
            cm = column_matcher(self.version, current)
            return current, tuple(((current, col), x) for x, t in enumerate(texts) if t and (col := cm(t)))
        if self._hit(texts, [False] * len(texts)) is None:
            return self._switched(texts), ()
        return None

    def _row(self, row: list[TCell], positions_lost: bool) -> None:
        texts = [c.text for c in row]
        if not any(texts):
            if self.current == "appeals" and len(row) >= 5 and "appeals" not in self.seen:
                self.appeals_lost = positions_lost
                self.appeals_rows.append(row)  # a data row printed all blank
                self.seen.add("appeals")
            return
        values = _values(row, texts, self.runs)
        has_value = True in values
        if not has_value:
            outcome = self._label_row(texts)
            if outcome is not None:  # a header row, or labels naming no template row
                self.current, heads = outcome
                for column, x in heads:
                    self.header_x.setdefault(column, x)
                return
        hit = self._hit(texts, values)
        if hit is None:
            self.current = self._switched(texts)
            if has_value and self.current == "appeals":
                last_text = max((i for i, c in enumerate(row) if c.text and not values[i]), default=-1)
                outcome = column_matcher(self.version, "appeals")(row[last_text].text) if last_text >= 0 else None
                if outcome and (self._count(row[last_text + 1:]) > len(self.tpl.rows.get("appeals", []))
                                or sum(w in norm(row[last_text].text) for w in _OUTCOME_WORDS) > 1):
                    outcome = None  # the header (or its last word) before the data row
                if outcome:  # section 四 transposed: one row per outcome, a value per group
                    self.appeals_by_outcome.setdefault(outcome, row[last_text + 1:])
                    self.seen.add("appeals")
                    return
                if not self.appeals_rows:
                    self.appeals_offset = last_text + 1
                    self.appeals_lost = positions_lost
                    self.appeals_hint_x = None if positions_lost else self.header_x.get(("appeals", "upheld"))
                self.appeals_rows.append(row[last_text + 1:])
                self.seen.add("appeals")
            elif has_value:
                self.unmatched += 1
                if self.unmatched <= MAX_UNMATCHED:
                    self.report.add_finding("row_unmatched", "info",
                                            f"a row of values without a known label: {' | '.join(texts)[:120]}",
                                            table=self.current, source=row[0].source)
            return
        i, table, key = hit
        self.current = table
        self.seen.add(table)
        cols = self.row_defs[table][key].columns
        if (table, key) in self.readings:
            self._again(table, key, row[i + 1:], row[i].source)
            return
        if _HAS_DIGIT.search(core(texts[i])) and not any(texts[i + 1:]):
            # a number printed inside the label's cell ("行政强制 | 3" read as one field): present,
            # so never a blank read as 0
            self.readings[(table, key)] = Reading(table, key, [[UNKNOWN] * len(cols)], "positional")
            self.report.add_finding("value_unreadable", "warning",
                                    f"{table}.{key}: a number printed inside the label {texts[i][:60]!r}; "
                                    "its cells are left unknown", table=table, row=key, raw=texts[i][:200])
            return
        if table == "applications":
            tx = self.header_x.get(("applications", "total"))
            if tx is None or (self.runs and any(c.source.get("run") for c in row[i + 1:])):  # (a run: all columns)
                self.total_only[key] = False
            else:
                printed_at = [x for x, t in enumerate(texts[i + 1:], i + 1) if t]
                if key == "total_processed" and len(printed_at) == 2:
                    printed_at = printed_at[1:]  # the copied (七)总计 row repeats its total in front
                self.total_only[key] = printed_at.count(tx) == len(printed_at)  # all under 总计
        hx = self.header_x.get((table, cols[0]))
        at = None if hx is None or positions_lost else hx - (i + 1)
        fields = self.printed_fields[(table, key)] = row[i + 1:]
        self.readings[(table, key)] = self._read(table, key, fields, len(cols), positions_lost, at)

    def _again(self, table: str, key: str, fields: list[TCell], source: dict) -> None:
        """A template row printed a second time: the same values are one row; other values make
        the row unknown (which printing is right cannot be told)."""
        first = self.printed_fields.get((table, key), [])
        if not any(c.text.strip() for c in fields):
            self.report.add_finding("duplicate_row", "info", f"{table}.{key} printed again without values; "
                                    "first kept", table=table, row=key, source=source)
            return
        same = [c.text.strip() for c in first if c.text.strip()] == [c.text.strip() for c in fields if c.text.strip()]
        if same:
            self.report.add_finding("duplicate_row", "info", f"{table}.{key} printed twice with the same values; "
                                    "read once", table=table, row=key, source=source)
            return
        n = len(self.row_defs[table][key].columns)
        self.readings[(table, key)] = Reading(table, key, [[UNKNOWN] * n], "positional")
        self.report.add_finding("duplicate_row", "warning", f"{table}.{key} printed twice with different values "
                                f"({' '.join(c.text for c in first)[:60]!r} and "
                                f"{' '.join(c.text for c in fields)[:60]!r}); left unknown",
                                table=table, row=key, source=source)

    def _is_header(self, texts: list[str]) -> bool:
        """A row without values that names columns — or that has more text cells than a row's
        label chain ever has (header labels broken in halves: "结果 | 结果 | 其他 …")."""
        texts = [t for t in texts if t]
        if len(texts) >= 4:
            return True
        for t in texts:
            if core(t) in self.header_cores and not numbered(t):
                return True
        return False

    def _read(self, table: str, key: str, fields: list[TCell], n: int, positions_lost: bool,
              header_at: int | None = None) -> Reading:
        """The candidate assignments of printed cells to the row's n columns.

        `header_at`: where, among `fields`, the header of the row's first column stands."""
        runs = [c for c in fields if c.source.get("run")] if self.runs else None
        if runs:
            if self.spaced is None:  # still reading the document: cut once every run is known
                return Reading(table, key, [[UNKNOWN] * n], "split", printed=n, raw=runs[0].text, pending=runs[0])
            return self._split(table, key, runs[0], n)
        if len(fields) == n and not positions_lost:  # the usual row: one value per column
            return Reading(table, key, [list(fields)], "positional", len([1 for c in fields if c.text]))
        filled = [i for i, c in enumerate(fields) if c.text]
        k = len(filled)
        collapsed = positions_lost and self._trailing_empties(fields, filled)
        if len(fields) == n and not collapsed:
            return Reading(table, key, [list(fields)], printed=k)
        if not k and len(fields) < n:
            return Reading(table, key, [list(fields) + [MISSING] * (n - len(fields))], "short")  # a label alone
        if len(fields) < n and not positions_lost and self.keeps_blanks:
            # fewer fields than columns in a rendering that prints blank cells as empty fields:
            # the row ends early (a copy cut inside it). What is printed stands where it was,
            # from under the first column's header (else from the first value); the rest is
            # missing, not blank
            start = header_at if header_at is not None and 0 <= header_at < len(fields) else \
                (filled[0] if filled else 0)
            got = list(fields[start:start + n])
            return Reading(table, key, [got + [MISSING] * (n - len(got))], "short", printed=k)
        if len(fields) < n and not positions_lost:
            merged = self._merged_or_dropped(table, key, [fields[i] for i in filled], n)
            if merged is not None:
                return merged
            # a short row, nothing to say where its blank cells were dropped: every placement of
            # the printed values in order (never shifted left as if they were the first columns);
            # the identities choose, else the cells disagreeing stay unknown
            self._short_row(table, key, k, n, fields[filled[0]].source if filled else {})
            cands = []
            for pos in placements(k, n):
                slots: list[Printed | None] = self._gaps(table, key, n)
                for p, i in zip(pos, filled):
                    slots[p] = fields[i]
                cands.append(slots)
            return Reading(table, key, cands or [[None] * n], "placement", printed=k, short=True)
        cands: list[list[Printed | None]] = []
        hint = None
        # windows of n fields holding every printed value; failing that, holding all but the
        # first or the last (one number printed too many, like the seed's (七)总计 row)
        for drop in ((), (0,), (-1,)) if k else ((),):
            keep = [f for j, f in enumerate(filled) if not any(j == (d % k) for d in drop)]
            blanked = [c if i in keep else TCell("", c.source) for i, c in enumerate(fields)] if drop else fields
            if keep:
                lo, hi = max(0, keep[-1] - n + 1), min(keep[0], len(fields) - n)
            else:
                lo, hi = 0, len(fields) - n
            for s in range(lo, hi + 1):
                if s == header_at and not drop:
                    hint = len(cands)
                cands.append(list(blanked[s:s + n]))
            if cands and not drop:
                break
        how = "window"
        if collapsed or (positions_lost and len(fields) < n):
            how = "placement"
            for pos in placements(min(k, n), n):
                slots: list[Printed | None] = [None] * n
                for p, i in zip(pos, filled):
                    slots[p] = fields[i]
                cands.append(slots)
        return Reading(table, key, cands or [[None] * n], how, printed=k, hint=hint)

    @staticmethod
    def _trailing_empties(fields: list[TCell], filled: list[int]) -> bool:
        return bool(filled) and filled == list(range(len(filled))) and len(filled) < len(fields)

    def _merged_or_dropped(self, table: str, key: str, filled: list[TCell], n: int) -> Reading | None:
        """A row printing fewer fields than columns, its fields numbers: cells run together in a
        field ("1 0 0 1", "1001" — an extractor that missed a column line) or blank cells dropped.
        Both are readings: the cuts of the fields as one run (solve.cuts), and the numbers as
        printed placed among blanks. None when a field is not numbers."""
        text = " ".join(c.text.strip() for c in filled)
        toks = tokens(text) if filled else None
        if not toks or len(toks) > n:
            return None
        run = TCell(text, {**filled[0].source, "run": True, "fields": len(filled)})
        rd = self._split(table, key, run, n)
        if len(toks) < n:
            slots = self._gaps(table, key, n)
            apart, _ = cuts(text, len(toks), max_part=max(MAX_PART, len(text)))  # (tokens apart: never cut)
            for cut in apart[:1]:
                rd.candidates += [[v if v is None or v is UNKNOWN else Printed(v, {**run.source, "part": j})
                                   for j, v in enumerate(_spread(pos, cut, slots))] for pos in placements(len(toks), n)]
            rd.short = True
        return rd

    def _blank_dropped(self, table: str, key: str, text: str, n: int, group: int, most: int) -> list[list]:
        """Readings of a run as n - 1 (… n - most) numbers with the blanks among the parts, every
        group adding up; none when there are too many to check."""
        totals = frozenset(j for j, x in enumerate(self._gaps(table, key, n)) if x is UNKNOWN)
        return [_spread(pos, cut, [None] * n) for pos, cut in _dropped(text, n, group, most, totals)]

    @staticmethod
    def _count(cells: list[TCell]) -> int:
        """Values printed in cells (a run counts its space-separated tokens)."""
        return sum(len(tokens(c.text) or (c.text,)) if c.source.get("run") else 1 for c in cells if c.text)

    def _gaps(self, table: str, key: str, n: int) -> list:
        """A short row's slots before its values are placed: a blank part reads 0 as anywhere,
        but a total that may be the dropped cell is not read as a blank total — unknown."""
        if key == "*":  # section 四 as one printed row
            cols = tuple(c.key for _ in self.tpl.rows.get("appeals", []) for c in self.tpl.columns.get("appeals", []))
        else:
            cols = self._columns(table, key) if key in self.row_defs.get(table, {}) else ()
        return [UNKNOWN if c == "total" else None for c in cols[:n]] + [None] * (n - len(cols))

    def _short_row(self, table: str, key: str, k: int, n: int, source: dict) -> None:
        self.report.add_finding("short_row", "warning", f"{table}.{key}: {k} value(s) printed for {n} columns; "
                                "where the blank cells stood is read from the identities, else left unknown",
                                table=table, row=key, printed=k, columns=n, source=source)

    def _split(self, table: str, key: str, run: TCell, n: int) -> Reading:
        """Cells printed as one run (digits of adjacent cells together, spaces where some cells
        are apart): every reading the row's own arithmetic allows (solve.cuts). A reading chosen
        among several cuts is marked `"split": "identities"` in its cells' source; the only
        possible cut `"split": "unique"`."""
        cols = self._columns(table, key) if key in self.row_defs.get(table, {}) else ()
        group = 5 if table == "appeals" and n in (5, 15) else (n if table == "applications" and "total" in cols else None)
        text = run.text
        if self.spaced:  # a page that prints every cell apart: a token is one cell, never cut
            toks = tokens(text) or ()
            apart, complete = cuts(text, len(toks), max_part=max(MAX_PART, len(text))) if toks and len(toks) <= n \
                else ((), True)
            if apart and len(toks) < n:
                self._short_row(table, key, len(toks), n, run.source)
                slots = self._gaps(table, key, n)
                readings = tuple(_spread(pos, apart[0], slots) for pos in placements(len(toks), n))
                return self._run_reading(table, key, run, n, list(readings), readings, short=True)
            return self._run_reading(table, key, run, n, list(apart), apart, short=False)
        readings, complete = cuts(text, n, group)
        every, every_complete = cuts(text, n) if group or not readings else (readings, complete)
        ways = f"{len(every)}{'' if every_complete else ' or more'}"
        short = False
        if group and every and complete:
            # as many numbers as cells — or a blank cell dropped (two when no cut adds up) and
            # the numbers then add up: all are readings (a dropped 总计 cannot be checked, and is
            # not one here); a cut that does not add up stays one too (the row printed wrong)
            dropped = self._blank_dropped(table, key, text, n, group, 1 if readings else 2)
            if dropped:
                wrong = not readings
                readings = tuple(readings or every) + tuple(dropped)
                every = tuple(every) + tuple(dropped)
                if wrong:  # printed wrong, or blanks dropped: no reading can be preferred
                    return self._run_reading(table, key, run, n, list(readings), every, False, ways, keep=True)
        if group and not readings and every_complete and every:
            readings, complete = every, every_complete  # no cut adds up: the row is printed wrong
        if not readings and complete and not every:
            # no cut gives n numbers: fewer were printed (blank cells dropped). Every reading of
            # k < n numbers with the n - k blanks placed anywhere, for every such k
            toks = tokens(text) or ()
            slots = self._gaps(table, key, n)
            fewer: list[list] = []
            for k in range(n - 1, max(len(toks), 1) - 1, -1):
                got, complete = cuts(text, k)
                fewer += [_spread(pos, cut, slots) for cut in got for pos in placements(k, n)]
                if not complete or len(fewer) > MAX_SHORT_READINGS:
                    complete = False
                    break
            if fewer and complete:
                short = True
                self._short_row(table, key, len([p for p in fewer[0] if p is not None and p is not UNKNOWN]), n,
                                run.source)
                every = readings = fewer
        if not complete:
            self.report.add_finding("digits_ambiguous", "warning",
                                    f"{table}.{key}: the printed run {text[:40]!r} reads too many ways to be "
                                    "searched; left unknown", table=table, row=key, raw=text[:200],
                                    candidates=[], source=run.source)
            return Reading(table, key, [[UNKNOWN] * n], "split", printed=n)
        return self._run_reading(table, key, run, n, list(readings), every, short, ways)

    def _run_reading(self, table: str, key: str, run: TCell, n: int, readings: list, every, short: bool,
                     ways: str = "", keep: bool = False) -> Reading:
        """The candidates of a run's readings; `every`: all its cuts (more than one: the reading
        taken is chosen by the identities)."""
        text = run.text
        cols = self._columns(table, key) if key in self.row_defs.get(table, {}) else ()
        if not readings:
            self.report.add_finding("value_unreadable", "warning",
                                    f"{table}.{key}: the printed run {text[:40]!r} cannot be read as {n} "
                                    "cells; left unknown", table=table, row=key, raw=text[:200], source=run.source)
            return Reading(table, key, [[UNKNOWN] * n], "split", printed=n)
        if table == "active" and len(readings) > 1:
            plausible = [r for r in readings if _plausible(self.version, key, cols, r)]
            readings = plausible or readings
        how_split = "identities" if len(every) > 1 else "unique"
        cands = [[v if v is None or v is UNKNOWN else Printed(v, {**run.source, "part": j, "split": how_split})
                  for j, v in enumerate(r)] for r in readings]
        if len(cands) == 1 and how_split == "identities":
            self.report.add_finding("inferred_split", "info",
                                    f"{table}.{key}: the printed run {text[:40]!r} reads {ways} ways; the "
                                    "only one that satisfies the row's arithmetic was used",
                                    table=table, row=key, source=run.source)
        return Reading(table, key, cands, "split", printed=n, raw=text, short=short, keep=keep)

    # --- settling values ----------------------------------------------------------------

    def finish(self) -> list[Cell]:
        self.spaced = _spaced(self.run_texts)
        for rk, rd in self.readings.items():
            if rd.pending is not None:
                self.readings[rk] = self._split(rd.table, rd.row, rd.pending, len(rd.candidates[0]))
        if self.unmatched > MAX_UNMATCHED:
            self.report.add_finding("row_unmatched", "info", f"{self.unmatched - MAX_UNMATCHED} more rows of "
                                    "values without a known label", count=self.unmatched - MAX_UNMATCHED)
        if self.appeals_by_outcome:
            self._appeals_transposed()
        if self.appeals_rows:
            self._appeals_data()
        if self.appeals_values and ("appeals", "*") not in self.readings:
            self._appeals_block()
        self._only_totals()
        if all(len(rd.candidates) == 1 for rd in self.readings.values()):
            return self._cells({rk: 0 for rk in self.readings})  # the usual case: nothing to settle
        vectors: dict[tuple[str, str], list[tuple]] = {}
        for rk, rd in self.readings.items():
            hinted = rd.candidates[rd.hint] if rd.hint is not None else None
            vecs, keep = self._vectors(rd, hinted)
            rd.candidates = keep
            rd.hint = None
            if hinted is not None:
                hv = tuple(_row_value(rd.table, self._columns(*rk), hinted, j) for j in range(len(hinted)))
                rd.hint = vecs.index(hv) if hv in vecs else None
            vectors[rk] = vecs
        chosen = self._resolve(vectors)
        return self._cells(chosen)

    def _only_totals(self) -> None:
        """Section 三 printed with only its 总计 column (every row's values under 总计): the
        applicant columns are not reported — unknown, not 0 (0 only beside a 总计 of 0)."""
        apps = [rd for (t, _), rd in self.readings.items() if t == "applications"]
        if not any(rd.printed for rd in apps):
            return
        under_total = bool(self.total_only) and all(self.total_only.values())  # by header position
        # or by counts: no row prints more than its 总计 (the copied (七)总计 row may repeat it),
        # and each can be read with every applicant column blank
        by_count = all(
            (rd.printed <= 1 or (rd.row == "total_processed" and rd.printed == 2))
            and any(all(p is None or not p.text for p in cand[:-1]) for cand in rd.candidates)
            for rd in apps)
        if not (under_total or by_count):
            return
        self.only_totals = True
        for (table, row), rd in self.readings.items():
            if table != "applications":
                continue
            cols = self._columns(table, row)
            last = next((p for cand in rd.candidates for p in reversed(cand) if p is not None and p.text), None)
            parts: list[Printed | None] = [None for _ in cols[:-1]]
            rd.candidates = [parts + [last]]
            rd.how, rd.hint = "positional", None
            rd.printed = 1 if last else 0
        self.report.add_finding("parts_omitted", "warning",
                                "applications: only the 总计 column is printed; applicant columns beside a "
                                "non-zero 总计 are unknown", table="applications")

    def _appeals_transposed(self) -> None:
        """Section 四 printed with outcomes as rows and the three groups as columns."""
        groups = [r.key for r in self.tpl.rows.get("appeals", [])]
        outcomes = [c.key for c in self.tpl.columns.get("appeals", [])]
        by_group: dict[str, list[Printed | None]] = {g: [] for g in groups}
        for o in outcomes:
            cells = self.appeals_by_outcome.get(o)
            before = len(self.report.findings)
            reading = self._read("appeals", o, cells, len(groups), False) if cells else None
            self._name_groups(before, o, groups)  # (an outcome is a column here, not a row)
            if reading and len(reading.candidates) != 1:
                self.report.add_finding("uncertain_position", "warning",
                                        f"appeals.{o}: the outcome's values cannot be placed among the groups; "
                                        "left unknown", table="appeals", column=o, rows=list(groups))
            for gi, g in enumerate(groups):
                by_group[g].append(reading.candidates[0][gi] if reading and len(reading.candidates) == 1
                                   else (UNKNOWN if reading else MISSING))
        for g in groups:
            self.readings.setdefault(("appeals", g), Reading("appeals", g, [by_group[g]]))

    def _appeals_data(self) -> None:
        """Section 四's data rows as one printed sequence (it may wrap over rows); a data row
        printed again is read once when its values are the same, and makes section 四 unknown
        when they differ."""
        n = len(self.tpl.rows.get("appeals", [])) * len(self.tpl.columns.get("appeals", []))
        block: list[TCell] = []
        at = len(self.appeals_rows)
        for i, row in enumerate(self.appeals_rows):
            if len(block) >= n or self._count(block) >= n:
                at = i
                break
            block.extend(row)
        self.appeals_values = block
        again = [c for row in self.appeals_rows[at:] for c in row]
        if not again:
            return
        printed = [c.text.strip() for c in block if c.text.strip()]
        repeated = [c.text.strip() for c in again if c.text.strip()]
        if printed and len(repeated) % len(printed) == 0 and repeated == printed * (len(repeated) // len(printed)):
            self.report.add_finding("duplicate_row", "info", "appeals: the data row printed again with the same "
                                    "values; read once", table="appeals", source=again[0].source)
            return
        self.report.add_finding("duplicate_row", "warning", "appeals: the data row printed again with other "
                                f"values ({' '.join(printed)[:60]!r} and {' '.join(repeated)[:60]!r}); section 四 "
                                "left unknown", table="appeals", rows=[g.key for g in self.tpl.rows.get("appeals", [])],
                                source=again[0].source)
        for g in self.tpl.rows.get("appeals", []):
            self.readings.setdefault(("appeals", g.key), Reading(
                "appeals", g.key, [[UNKNOWN] * len(g.columns)], "positional"))

    def _appeals_block(self) -> None:
        """Section 四 printed as one data row of 15 values (groups × outcomes)."""
        groups = [r.key for r in self.tpl.rows.get("appeals", [])]
        outcomes = [c.key for c in self.tpl.columns.get("appeals", [])]
        n = len(groups) * len(outcomes)
        vals = self.appeals_values
        before = len(self.report.findings)
        if len(vals) == 1 and vals[0].source.get("run"):
            rd = self._split("appeals", "*", vals[0], n)
        else:
            hx = self.appeals_hint_x
            at = None if hx is None else hx - self.appeals_offset
            rd = self._read("appeals", "*", vals, n, self.appeals_lost, at)
        self._name_groups(before, "*", groups)
        # keep the readings whose every group adds up (or, failing that, none breaks): the groups
        # share one printed sequence, so they are filtered together before being fanned out
        cols = tuple(outcomes)
        w = len(outcomes)

        def fit(cand: list[Printed | None]) -> int:
            worst = 2
            for gi in range(len(groups)):
                part = cand[gi * w:(gi + 1) * w]
                vec = [_row_value("appeals", cols, part, j) for j in range(w)]
                if any(v is None for v in vec):
                    worst = min(worst, 1)
                elif abs(vec[-1] - sum(vec[:-1])) > 1e-6:
                    return 0
            return worst

        if len(rd.candidates) > 1 and not rd.keep:
            scored = [(fit(c), c) for c in rd.candidates]
            best = max(f for f, _ in scored)
            if rd.short and best:  # a short row: every reading that breaks no group (see _vectors)
                best = 1
            hinted = rd.candidates[rd.hint] if rd.hint is not None else None
            rd.candidates = [c for f, c in scored if f >= best] if rd.short else [c for f, c in scored if f == best]
            rd.hint = next((i for i, c in enumerate(rd.candidates) if c is hinted), None)
        # fan the 15-wide reading out into one reading per group
        for gi, g in enumerate(groups):
            if ("appeals", g) in self.readings:
                continue
            seg = slice(gi * len(outcomes), (gi + 1) * len(outcomes))
            cands, seen, hint = [], {}, None
            for ci, cand in enumerate(rd.candidates):
                part = cand[seg]
                sig = tuple(p.text if p else None for p in part)
                if sig not in seen:
                    seen[sig] = len(cands)
                    cands.append(part)
                if ci == rd.hint:
                    hint = seen[sig]
            self.readings[("appeals", g)] = Reading("appeals", g, cands, rd.how, hint=hint, raw=rd.raw, short=rd.short,
                                                    keep=rd.keep)

    def _name_groups(self, since: int, key: str, groups: list[str]) -> None:
        """Findings made since `since` on section 四 read as one printed sequence (`key` "*", or
        an outcome of a transposed table) name the groups they are about: every row of it."""
        for f in self.report.findings[since:]:
            if f.table == "appeals" and f.row == key:
                f.row = None
                if key != "*":
                    f.column = key
                f.details["rows"] = list(groups)

    def _columns(self, table: str, row: str) -> tuple[str, ...]:
        return self.row_defs[table][row].columns

    def _vectors(self, rd: Reading, hinted: list[Printed | None] | None = None
                 ) -> tuple[list[tuple], list[list[Printed | None]]]:
        """Distinct value readings of a row; those that break the row's own total are dropped
        when another reading keeps it. A reading whose total is printed but one of its parts is
        no number (out of range, unreadable, not applicable) cannot be checked: it breaks
        nothing, like one that adds up (a 20-digit number where a part stood never makes the
        row's printed total a blank one). Of the readings giving the same values, the one under
        the column headers (`hinted`) is kept: where its blank cells stand is printed."""
        cols = self._columns(rd.table, rd.row)
        seen: dict[tuple, list[Printed | None]] = {}
        for cand in ([hinted] if hinted is not None else []) + rd.candidates[:2000]:
            vec = tuple(_row_value(rd.table, cols, cand, j) for j in range(len(cols)))
            seen.setdefault(vec, cand)
        if len(seen) > 1 and "total" in cols and not rd.keep:
            t = cols.index("total")
            good = {v: c for v, c in seen.items() if v[t] is not None and (
                None in v or abs(v[t] - sum(x for j, x in enumerate(v) if j != t)) < 1e-6)}
            unknown = {v: c for v, c in seen.items() if v[t] is None}
            under = next(iter(seen)) if hinted is not None else None  # (the hinted reading's values)
            if rd.short:  # a short row: the readings that do not break its total (one whose
                # dropped cell is the total cannot be checked, and is kept)
                kept = {**good, **unknown} or seen
            else:
                kept = good or unknown or seen
            if under is not None and under not in kept and (under in good or under in unknown):
                # the values under their headers break nothing: a reading that adds up only by
                # shifting them (a blank 总计 over 1,0,0,0,0,1 read as ␣,1,0,0,0,0,1) does not
                # outrank them; the table's arithmetic, then the headers, choose
                kept = {under: seen[under], **kept}
            seen = kept
        return list(seen), list(seen.values())

    def _resolve(self, vectors: dict[tuple[str, str], list[tuple]]) -> dict[tuple[str, str], int | None | list]:
        """Which reading each row keeps: an index, or per-column settled indices."""
        chosen: dict[tuple[str, str], Any] = {rk: 0 for rk, v in vectors.items() if len(v) == 1}
        ambiguous = [rk for rk, v in vectors.items() if len(v) > 1]
        if not ambiguous:
            return chosen
        app_amb = [rk for rk in ambiguous if rk[0] == "applications"]
        consistent: dict[str, set[tuple]] = self._solve_applications(vectors, app_amb) if app_amb else {}
        for rk in ambiguous:
            vecs = vectors[rk]
            if rk[0] == "applications" and consistent.get(rk[1]):
                options = sorted(consistent[rk[1]], key=vecs.index)
            else:
                options = vecs
            rd = self.readings[rk]
            by = "the only reading consistent with the table's arithmetic"
            if len(options) > 1 and rd.hint is not None and vecs[rd.hint] in options:
                options, by = [vecs[rd.hint]], "the reading that puts the values under their headers"
            if len(options) == 1:
                chosen[rk] = vecs.index(options[0])
                self.report.add_finding(
                    "inferred_split" if rd.how == "split" else "inferred_position", "warning",
                    f"{rk[0]}.{rk[1]}: printed positions ambiguous ({rd.how}); {by} was used",
                    table=rk[0], row=rk[1], readings=len(vecs))
            else:
                chosen[rk] = options  # settle per column below
        return chosen

    def _solve_applications(self, vectors: dict, amb: list[tuple[str, str]]) -> dict[str, set[tuple]]:
        """For each ambiguous section 三 row, the readings that take part in some reading of the
        whole table satisfying the column identities ((七)总计 = sum of results; 一 + 二 = (七)
        + 四): a depth-first search with bounds. Empty when the search could not finish (then
        nothing is settled by it)."""
        rows = list(self.row_defs["applications"])
        results = self._results()
        balance = ("new_received", "carried_over", "total_processed", "carried_forward")
        ncol = len(self._columns("applications", "new_received"))
        fixed = {rk[1]: v[0] for rk, v in vectors.items() if rk[0] == "applications" and len(v) == 1}
        order = sorted((rk[1] for rk in amb), key=lambda r: (r not in balance, rows.index(r)))
        cands = {r: vectors[("applications", r)] for r in order}
        res_set = set(results)
        res_order = [r for r in order if r in res_set]
        known = lambda v: v is not None  # noqa: E731
        # bounds on what the not-yet-chosen result rows can still add, per column
        lo = [[0.0] * ncol for _ in range(len(res_order) + 1)]
        hi = [[0.0] * ncol for _ in range(len(res_order) + 1)]
        for i in range(len(res_order) - 1, -1, -1):
            for c in range(ncol):
                col = [v[c] for v in cands[res_order[i]]]
                lo[i][c] = lo[i + 1][c] + (min(x for x in col if known(x)) if any(map(known, col)) else 0)
                hi[i][c] = hi[i + 1][c] + (max(x for x in col if known(x)) if all(map(known, col)) else float("inf"))
        base = [0.0] * ncol
        base_known = [True] * ncol
        for r in results:
            if r in fixed:
                for c in range(ncol):
                    if known(fixed[r][c]):
                        base[c] += fixed[r][c]
                    else:
                        base_known[c] = False
            elif r not in cands:  # a result row not printed: the column sums cannot be checked
                base_known = [False] * ncol
        grid: dict[str, tuple] = dict(fixed)
        seen: dict[str, set[tuple]] = {r: set() for r in order}
        as_float = {v: [float("nan") if x is None else x for x in v] for r in res_order for v in cands[r]}
        nodes = 0
        limit = 50_000  # (a search this long settles nothing: the cells stay unknown)

        def balance_ok() -> bool:
            if not all(b in grid for b in balance):
                return True
            for c in range(ncol):
                v = [grid[b][c] for b in balance]
                if all(map(known, v)) and abs(v[0] + v[1] - v[2] - v[3]) > 1e-6:
                    return False
            return True

        def sums_ok(done: int, partial: list[float], complete: bool) -> bool:
            tp = grid.get("total_processed")
            if tp is None:
                return True
            low, high = lo[done], hi[done]
            for c, (t, p, b, bk) in enumerate(zip(tp, partial, base, base_known)):
                if t is None or not bk or p != p:
                    continue
                have = b + p
                if (complete and abs(have - t) > 1e-6) or have + low[c] > t + 1e-6 or have + high[c] < t - 1e-6:
                    return False
            return True

        found = False
        pinned: tuple[str, tuple] | None = None

        def rec(i: int, done: int, partial: list[float]) -> None:
            """Depth-first to the first reading of the whole table that holds, with `pinned`."""
            nonlocal nodes, found
            nodes += 1
            if nodes > limit:
                return
            if i == len(order):
                if sums_ok(done, partial, True):
                    found = True
                    for r in order:
                        seen[r].add(grid[r])
                return
            r = order[i]
            for v in ([pinned[1]] if pinned is not None and pinned[0] == r else cands[r]):
                grid[r] = v
                if r in balance:
                    if balance_ok() and (r != "total_processed" or sums_ok(done, partial, False)):
                        rec(i + 1, done, partial)
                elif r in res_set:
                    nxt = list(map(add, partial, as_float[v]))  # (an unknown is NaN: it stays so)
                    if sums_ok(done + 1, nxt, False):
                        rec(i + 1, done + 1, nxt)
                else:  # a row no column identity reads (a variant row beside its sub-rows)
                    rec(i + 1, done, partial)
                if found or nodes > limit:
                    break
            del grid[r]

        # each reading of each row: is it part of some reading of the whole table that holds?
        # (readings seen in a whole-table reading found before are not searched for again)
        for r in order:
            for v in cands[r]:
                if v in seen[r]:
                    continue
                found, pinned = False, (r, v)
                rec(0, 0, [0.0] * ncol)
                if nodes > limit:
                    return {}  # not exhaustive: the readings found prove nothing about the others
        return seen

    # --- cells ----------------------------------------------------------------------------

    def _cells(self, chosen: dict[tuple[str, str], Any]) -> list[Cell]:
        out: list[Cell] = []  # one per key: rows are distinct, and so are a row's columns
        blanks: list[Cell] = []
        add = self.report.add_finding
        for (table, row), pick in chosen.items():
            rd = self.readings[(table, row)]
            cols = self._columns(table, row)
            if isinstance(pick, list):  # ambiguous: settle a column only if every reading agrees
                vecs = [tuple(_row_value(table, cols, c, j) for j in range(len(cols))) for c in rd.candidates]
                first = rd.candidates[vecs.index(pick[0])]
                # digits cut more than one way: no cut is taken, every cell of the run stays
                # unknown (only where the cut is one and a short row's blank may stand in
                # several places do the cells all readings agree on stand)
                cut_ways = {tuple(p.text for p in rd.candidates[vecs.index(v)] if isinstance(p, TCell) and p.text)
                            for v in pick} if rd.how == "split" else set()
                printed_row: list[Printed | None] = []
                unsettled = []
                for j, col in enumerate(cols):
                    vals = {v[j] for v in pick}
                    if len(vals) == 1 and len(cut_ways) <= 1:
                        printed_row.append(first[j])
                    else:
                        printed_row.append(UNKNOWN)
                        unsettled.append(col)
                        if rd.how != "split":
                            add("uncertain_position", "warning",
                                f"{table}.{row}.{col}: printed positions ambiguous ({rd.how}); readings give "
                                f"{sorted(vals, key=lambda x: (x is None, x))}; left unknown",
                                table=table, row=row, column=col)
                # the columns the table's arithmetic settled (the row's own readings disagree there)
                settled = [col for j, col in enumerate(cols) if printed_row[j] is not UNKNOWN
                           and len({v[j] for v in vecs}) > 1]
                if settled:
                    add("inferred_split" if rd.how == "split" else "inferred_position",
                        "info" if rd.how == "split" else "warning",
                        f"{table}.{row}: printed positions ambiguous ({rd.how}); {', '.join(settled)} settled by the "
                        "table's arithmetic (the only value every reading consistent with it gives)",
                        table=table, row=row, columns=settled)
                self._unplaced_values(table, row, cols, [rd.candidates[vecs.index(v)] for v in pick], printed_row)
                if unsettled and rd.how == "split":
                    # (a cell every reading leaves unknown — a dropped 总计 — is one of them too)
                    unsettled = [col for col, p in zip(cols, printed_row) if p is UNKNOWN]
                    add("digits_ambiguous", "warning",
                        f"{table}.{row}: the printed run {rd.raw[:40]!r} reads {len(pick)} ways that satisfy the "
                        f"identities ({'; '.join(' '.join(_show(x) for x in v) for v in pick[:4])}"
                        f"{' …' if len(pick) > 4 else ''}); {', '.join(unsettled)} left unknown",
                        table=table, row=row, columns=unsettled, raw=rd.raw[:200],
                        candidates=[list(v) for v in pick[:20]])
            else:
                printed_row = rd.candidates[pick]
                # (a positional reading keeps every value it printed: nothing to count)
                kept = rd.printed if rd.how == "positional" else \
                    len([p for p in printed_row if p is not None and p.text])
                if rd.printed > kept and rd.how != "split":
                    add("extra_cells", "info", f"{table}.{row}: {rd.printed - kept} more value(s) printed "
                        "than the template has columns; dropped", table=table, row=row)
                if rd.short and UNKNOWN in printed_row and not any(
                        f.code == "short_row" and f.table == table and f.row == row for f in self.report.findings):
                    # the reading taken dropped a blank that may be the row's 总计: unknown, and said
                    gone = [c for c, p in zip(cols, printed_row) if p is UNKNOWN]
                    add("short_row", "warning", f"{table}.{row}: a value fewer printed than columns; "
                        f"{', '.join(gone)} may be the blank dropped: left unknown", table=table, row=row,
                        unknown=gone)
            if any(p is not MISSING for p in printed_row):
                self.printed_rows.add((table, row))
            for col, printed in zip(cols, printed_row):
                if printed is MISSING:
                    continue
                if printed is UNKNOWN:
                    out.append(Cell(table, row, col, None, "", False, {}))
                    continue
                if printed is None:
                    raw, src = "", {}
                else:
                    raw, src = printed.text, printed.source
                v = parse_value(raw)
                cell = Cell(table, row, col, v.value, raw, False, src)
                kind = v.kind
                if kind == "number":  # nearly every cell
                    if v.approx:
                        add("value_approx", "info", f"{table}.{row}.{col}: {raw!r} is an approximation",
                            table=table, row=row, column=col, raw=raw)
                elif kind == "blank":
                    blanks.append(cell)
                elif kind == "unreadable":
                    add("value_unreadable", "warning", f"{table}.{row}.{col}: cannot read {raw[:40]!r}",
                        table=table, row=row, column=col, raw=raw[:200])
                elif kind == "out_of_range":
                    add("value_out_of_range", "warning", f"{table}.{row}.{col}: {raw[:40]!r} is beyond the "
                        "archive's integer range (±2^63−1); left unknown", table=table, row=row, column=col,
                        raw=raw[:200])
                out.append(cell)
        if blanks:  # (the cells by key only when a blank needs its neighbours)
            self._impute({(c.table, c.row, c.column): c for c in out}, blanks)
        return self._in_printed_order(out, list(chosen))

    def _unplaced_values(self, table: str, row: str, cols: tuple[str, ...], readings: list[list],
                         printed_row: list) -> None:
        """A printed text that is no number (beyond the integer range, unreadable) in a row whose
        positions stay unknown: its cell is not known, but that it was printed is said, on the
        row, with the columns it may stand in (a text the row's settled cells hold is said on
        its cell)."""
        where: dict[tuple[str, str], list[str]] = {}
        for cand in readings:
            for col, p in zip(cols, cand):
                if isinstance(p, TCell) and p.text and p is not UNKNOWN and p is not MISSING:
                    kind = parse_value(p.text).kind
                    if kind in ("out_of_range", "unreadable"):
                        cs = where.setdefault((kind, p.text), [])
                        if col not in cs:
                            cs.append(col)
        for (kind, raw), cs in where.items():
            if len(cs) == 1 and any(isinstance(p, TCell) and p.text == raw for p in printed_row):
                continue  # placed: its cell says it
            cs.sort(key=cols.index)
            if kind == "out_of_range":
                self.report.add_finding(
                    "value_out_of_range", "warning", f"{table}.{row}: {raw[:40]!r} is beyond the archive's integer "
                    f"range (±2^63−1), printed in one of {', '.join(cs)} (positions lost); left unknown",
                    table=table, row=row, columns=cs, raw=raw[:200])
            else:
                self.report.add_finding(
                    "value_unreadable", "warning", f"{table}.{row}: cannot read {raw[:40]!r}, printed in one of "
                    f"{', '.join(cs)} (positions lost); left unknown", table=table, row=row, columns=cs, raw=raw[:200])

    def _in_printed_order(self, out: list[Cell], rows: list[tuple[str, str]]) -> list[Cell]:
        """The cells in the template's order, then any variant row's cells as they came."""
        rank = _row_rank(self.version)
        at = [rank.get(r, -1) for r in rows]
        if -1 not in at and at == sorted(at):
            # rows read in the template's order (the usual case) and each row's cells in its
            # columns' order: `out` already is in printed order (no look-up per cell)
            return out
        by_key = {(c.table, c.row, c.column): c for c in out}
        order = _order(self.version)
        return [by_key[k] for k in order if k in by_key] + [c for k, c in by_key.items() if k not in order]

    def _results(self) -> list[str]:
        """The rows （七）总计 adds up: （一） to （六）; a 2021 report printing 2019's single
        （六）其他处理 row has it in place of the three sub-rows."""
        rows = [r.key for r in self.tpl.rows.get("applications", [])]
        if not rows:
            return []
        results = rows[rows.index("granted"):rows.index("total_processed")]
        printed = {r for t, r in self.readings if t == "applications"}
        if "other_handling" in self.variants and "other_handling" in printed and \
                not printed & set(VARIANT_OF["other_handling"]):
            results = [r for r in results if r not in VARIANT_OF["other_handling"]] + ["other_handling"]
        return results

    def _impute(self, cells: dict[Key, Cell], blanks: list[Cell]) -> None:
        """Blank → 0 where the row and column say so; a blank total over non-zero parts stays None."""
        results = self._results()
        app_parts = [c.key for c in self.tpl.columns.get("applications", []) if c.key != "total"]
        if self.only_totals:  # applicant columns not printed: unknown, unless their 总计 is 0
            omitted = [b for b in blanks if b.table == "applications" and b.column != "total"]
            blanks = [b for b in blanks if not (b.table == "applications" and b.column != "total")]
            for b in omitted:
                t = cells.get(("applications", b.row, "total"))
                if t is not None and t.value == 0:
                    b.value, b.imputed = 0, True

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
        # a blank total left unknown: over known parts the identity check derives it
        # (`total_omitted` with the sum); over parts not all known it is said here
        open_totals = {(b.table, b.row, b.column) for b in totals if b.value is None}

        def part_lists(k: Key) -> list[list[Key]]:
            out = []
            if k[0] == "applications" and k[2] == "total":
                out.append([("applications", k[1], p) for p in app_parts])
            if k[0] == "applications" and k[1] == "total_processed":
                out.append([("applications", r, k[2]) for r in results])
            if k[0] == "appeals" and k[2] == "total":
                out.append([("appeals", k[1], o.key) for o in self.tpl.columns["appeals"] if o.key != "total"])
            return out

        def derivable(k: Key, depth: int = 0) -> bool:
            c = cells.get(k)
            if c is None:
                return False
            if c.value is not None:
                return True
            return k in open_totals and depth < 3 and \
                any(all(derivable(p, depth + 1) for p in parts) for parts in part_lists(k))

        for b in totals:
            k = (b.table, b.row, b.column)
            if b.value is None and not derivable(k):
                self.report.add_finding("total_omitted", "warning",
                                        f"{b.row}/{b.column}: total printed blank; its parts are not all known, "
                                        "so neither is it", table=b.table, row=b.row, column=b.column, derived=None)


@lru_cache(maxsize=None)
def _row_rank(version: str) -> dict[tuple[str, str], int]:
    """The template's rows in printed order (the order of `_order`'s cells)."""
    return {(t, r.key): i for i, (t, r) in enumerate((t, r) for t in TABLES for r in template(version).rows.get(t, []))}


@lru_cache(maxsize=None)
def _order(version: str) -> dict[Key, int]:
    """Cells in printed order: the template's, then any variant row."""
    return {k: i for i, k in enumerate(template(version).cell_keys())}


def _row_value(table: str, cols: tuple[str, ...], cand: list[Printed | None], j: int) -> float | int | None:
    """A cell's value within one reading of its row (blank → 0, a blank total over non-zero
    parts → unknown), for comparing readings."""
    p = cand[j]
    if p is MISSING or p is UNKNOWN:
        return None
    v = parse_value(p.text if p else "")
    if v.kind != "blank":
        return v.value
    if cols[j] == "total" and table in ("applications", "appeals"):
        others = [parse_value(c.text if c else "") for i, c in enumerate(cand) if i != j]
        if all(o.kind == "blank" or o.value == 0 for o in others):
            return 0
        return None
    return 0


def _spread(pos: tuple[int, ...], cut: tuple[str, ...], slots: list) -> list:
    """The numbers of a short row at positions `pos` among its slots (what a gap holds)."""
    out = list(slots)
    for p, v in zip(pos, cut):
        out[p] = v
    return out


# Arithmetic that holds in section 二 of a correct report, used only to choose among the cuts
# of a run of digits (never to report a break): documents issued this year and not repealed
# are still in force (2021: 现行有效件数 ≥ 本年制发件数 − 本年废止件数); what was newly published
# is part of all that is published (2019: 本年新公开数量 ≤ 对外公开总数量).
_ACTIVE_RULES = {
    "2021": (("issued", "repealed", "in_force"), lambda i, r, f: f >= i - r),
    "2019": (("new_published", "total_published"), lambda p, t: p <= t),
}


def _plausible(version: str, row: str, cols: tuple[str, ...], reading: list) -> bool:
    rule = _ACTIVE_RULES.get(version)
    if rule is None or row not in ("regulations", "normative_documents") or not set(rule[0]) <= set(cols):
        return True
    vals = [parse_value(reading[cols.index(c)] or "") for c in rule[0]]
    if any(v.kind != "number" for v in vals):
        return True
    return bool(rule[1](*(v.value for v in vals)))


def _show(v: object) -> str:
    return "blank" if v is None else str(v)


def _spaced(runs: list[str]) -> bool:
    """Whether a document prints every cell of its runs apart: every token a single number (no
    "00", no "1000001" of seven cells can be told from one) and some run of three cells or more."""
    toks = [tokens(r) for r in runs]
    if not toks or any(t is None for t in toks) or not any(len(t) >= 3 for t in toks):  # type: ignore[arg-type]
        return False
    return all(cuts(tok, 1, max_part=max(MAX_PART, len(tok)))[0] for t in toks for tok in t)  # type: ignore[union-attr]


@lru_cache(maxsize=4096)
def _dropped(text: str, n: int, group: int, most: int, totals: frozenset[int]) -> tuple:
    """(positions, numbers) of a run read as n - 1 (… n - most) numbers, the blanks among the
    parts (never a 总计), every group of `group` adding up; () when too many to check. Cached:
    documents repeat the same runs."""
    out = []
    for k in range(n - 1, n - most - 1, -1):
        got, complete = cuts(text, k)
        if not complete or len(got) * n * n > MAX_SHORT_READINGS * 10:
            return ()
        for cut in got:
            nums = [_num(p) for p in cut]
            if None in nums:
                continue
            for pos in placements(k, n):
                if totals - set(pos):
                    continue  # a blank 总计
                v = [0] * n
                for p, x in zip(pos, nums):
                    v[p] = x
                if all(abs(v[g + group - 1] - sum(v[g:g + group - 1])) < 1e-9 for g in range(0, n, group)):
                    out.append((pos, cut))
    return tuple(out)


def _blank_before_text(row: list[TCell]) -> bool:
    """An empty field before a printed one: the rendering keeps blank cells."""
    seen_blank = False
    for c in row[:MAX_ROW_CELLS]:
        if not c.text:
            seen_blank = True
        elif seen_blank:
            return True
    return False
