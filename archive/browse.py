"""What the served archive computes for the pages of `reports` and `sections` besides Datasette,
so that a page costs about the same whether a search matches fifty reports or a million:

- `count`: the rows a page selects, counted up to CAP and no further (shown "10,000+");
- `page`: the ids of one page of a search of `reports` (the plugin hands them to Datasette's own
  query, which then reads 51 rows instead of collecting every match first);
- `facets`: counts by column — exact from `reports_summary` when the page filters only on the
  columns it is grouped by (no search), exact over the rows when they are at most CAP, else
  estimated (≈) from a sample spread over the archive (`SAMPLE_STRATA` stretches of ids,
  `SAMPLE_PER_STRATUM` rows from the start of each), with the method in the result.

A `Selection` is what a page selects: Datasette's filter clauses (on the table's own columns, as
Datasette writes them) and parameters, and the search. Its rows are read with the search index
driving (`reports_fts` in rowid order joined to the table by primary key), which is how the
issue's measurements found a first page in 1 ms and a capped count in 1.4–5.5 ms at a million
reports, where Datasette's `id IN (SELECT rowid … MATCH …)` built the list of every match first.
Everything here takes a plain sqlite3 connection (Datasette's, read-only).
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils.utils import sqlite3

from archive import search, summary

CAP = 10_000
SAMPLE_STRATA = 20
SAMPLE_PER_STRATUM = 250
_FTS = search.FTS_TABLE


# request arguments that address renditions themselves: the reports table then lists every document
RENDITION_ARGS = ("id", "publication_id", "is_primary", "sha256", "capture_id")


def all_renditions(args) -> bool:
    """Whether a request to `reports` (its arguments) asks for every document rather than one
    row per publication (its primary rendition)."""
    return args.get("_renditions") == "all" or any(
        k.split("__")[0] in RENDITION_ARGS for k in args if not k.startswith("_"))


@dataclass(frozen=True)
class Selection:
    """The rows of `table` (reports or sections) a page selects."""
    table: str
    where: tuple[str, ...] = ()  # SQL on the table's columns, ANDed
    params: dict[str, Any] = field(default_factory=dict)
    match: str | None = None  # FTS5 expression: reports whose index row matches it (sections: their report's)
    condition: str | None = None  # sections: what the part's own text must satisfy (search.section_search)

    def sql(self, columns: str, ids: str = "", ordered: bool = True) -> str:
        """SELECT `columns` of the selected rows, in id order of the table (reports) or of the
        report (sections) unless not `ordered`; `ids`: a condition on the id column (reports) or
        report id (sections), named `xxgk_id`."""
        where = [*self.where, *([self.condition] if self.condition else [])]
        if self.match is None:
            key = "id" if self.table == "reports" else "report_id"
            where += [ids.replace("xxgk_id", f"[{self.table}].{key}")] if ids else []
            order = f" ORDER BY [{self.table}].{key}{', id' if self.table == 'sections' else ''}"
            return f"SELECT {columns} FROM [{self.table}] {_where(where)}{order if ordered else ''}"
        fts_ids = f" AND {ids.replace('xxgk_id', 'rowid')}" if ids else ""
        join = "id" if self.table == "reports" else "report_id"
        order = f" ORDER BY xxgk_fts.xxgk_rowid{', [sections].id' if self.table == 'sections' else ''}"
        return (f"SELECT {columns} FROM (SELECT rowid AS xxgk_rowid FROM {_FTS} WHERE {_FTS} MATCH :xxgk_match"
                f"{fts_ids}) AS xxgk_fts JOIN [{self.table}] ON [{self.table}].{join} = xxgk_fts.xxgk_rowid "
                f"{_where(where)}{order if ordered else ''}")

    def bound(self, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        return {**self.params, **({"xxgk_match": self.match} if self.match is not None else {}), **(extra or {})}


def _where(clauses: list[str]) -> str:
    return f"WHERE {' AND '.join(f'({c})' for c in clauses)}" if clauses else ""


def count(conn: sqlite3.Connection, sel: Selection, cap: int = CAP) -> int:
    """How many rows the selection has, counting no further than cap + 1."""
    return conn.execute(f"SELECT count(*) FROM ({sel.sql('1', ordered=False)} LIMIT {cap + 1})",
                        sel.bound()).fetchone()[0]


def page(conn: sqlite3.Connection, sel: Selection, after: int | None, size: int) -> list[int]:
    """Ids of the first `size` + 1 selected reports after id `after`, in id order (reports only:
    its rows come in id order either way)."""
    ids = "xxgk_id > :xxgk_after" if after is not None else ""
    sql = f"{sel.sql('[reports].id', ids)} LIMIT {size + 1}"
    return [r[0] for r in conn.execute(sql, sel.bound({"xxgk_after": after}))]


def fts_count(conn: sqlite3.Connection, match: str, cap: int) -> int:
    """How many reports the search index matches, counting no further than cap + 1."""
    return conn.execute(f"SELECT count(*) FROM (SELECT 1 FROM {_FTS} WHERE {_FTS} MATCH ? LIMIT {cap + 1})",
                        [match]).fetchone()[0]


# a sections search reads parts in id order (their text decides) when its words are in more
# reports than this; fewer, it reads the parts of the reports the index matches
COMMON = 20_000


def sections_clause(conn: sqlite3.Connection, s: search.SectionSearch, common: int = COMMON) -> tuple[str, dict]:
    """The WHERE clause (and parameters) of a sections search for Datasette's query: a
    search of words that are everywhere reads parts in id order and stops at a page (their own
    text decides, exactly: `s.exact`); any other, the parts of the reports the index matches."""
    if s.match is None:
        return "0", {}
    if s.exact and fts_count(conn, s.match, common) > common:
        return s.condition, dict(s.params)
    return (f"report_id IN (SELECT rowid FROM {_FTS} WHERE {_FTS} MATCH :xxgk_match) AND {s.condition}",
            {"xxgk_match": s.match, **s.params})


# --- facets ---------------------------------------------------------------------------------

@dataclass
class Facets:
    """Counts by value for each column, largest first: exact, or estimates (≈)."""
    counts: dict[str, list[tuple[Any, int]]]
    truncated: dict[str, bool]
    exact: bool
    method: str  # how they were counted, for the page
    total: int | None  # the rows counted (an estimate when not exact)
    sample: int = 0  # rows read for the estimate


def counted_here(table: str, args: dict[str, list[str]]) -> bool:
    """Whether a table page's count is this module's rather than Datasette's (`args`: the
    request's query arguments): a search of reports or sections (capped), a reports page filtered
    on reports_summary's columns alone (exact, from it), any page of the cells view (capped: it
    has 200 rows a report)."""
    if table == "cells":
        return True
    if table not in ("reports", "sections"):
        return False
    if any(args.get("_search", [])):
        return True
    named = {k.split("__")[0] for k in args if not (k.startswith("_") and "__" not in k)}
    return table == "reports" and named <= set(summary.DIMS) and "_where" not in args


def summary_count(conn: sqlite3.Connection, sel: Selection) -> int:
    """The exact number of rows of a `summarised` selection, from reports_summary."""
    return conn.execute(f"SELECT coalesce(sum(reports), 0) FROM reports_summary {_where(list(sel.where))}",
                        sel.params).fetchone()[0]


def summarised(sel: Selection, filter_columns: set[str]) -> bool:
    """Whether reports_summary can count this selection exactly: no search, and filters only on
    the columns it is grouped by (`filter_columns`: the columns the filters name)."""
    return sel.table == "reports" and sel.match is None and filter_columns <= set(summary.DIMS)


def facets(conn: sqlite3.Connection, sel: Selection, columns: list[str], size: int,
           from_summary: bool = False) -> Facets:
    """Facet counts of `columns` over the selection (at most `size` values each; `from_summary`:
    the selection is `summarised`)."""
    if from_summary:
        return _summary_facets(conn, sel, columns, size)
    n = count(conn, sel)
    if n <= CAP:
        rows = conn.execute(sel.sql(", ".join(f"[{sel.table}].[{c}]" for c in columns), ordered=False),
                            sel.bound()).fetchall()
        counters = [Counter(r[i] for r in rows if r[i] is not None) for i in range(len(columns))]
        return _ranked(columns, counters, size, exact=True, total=n,
                       method=f"counted over all {n:,} rows")
    return _sampled(conn, sel, columns, size)


def _summary_facets(conn: sqlite3.Connection, sel: Selection, columns: list[str], size: int) -> Facets:
    where = _where(list(sel.where))
    counts, truncated = {}, {}
    for c in columns:
        rows = conn.execute(f"SELECT [{c}], sum(reports) FROM reports_summary {where} "
                            f"{'AND' if where else 'WHERE'} [{c}] IS NOT NULL GROUP BY [{c}] "
                            f"ORDER BY 2 DESC, 1 LIMIT {size + 1}", sel.params).fetchall()
        counts[c], truncated[c] = [tuple(r) for r in rows[:size]], len(rows) > size
    total = conn.execute(f"SELECT coalesce(sum(reports), 0) FROM reports_summary {where}", sel.params).fetchone()[0]
    return Facets(counts, truncated, True, "counted from the reports_summary table", total)


def _ranked(columns: list[str], counters: list[Counter], size: int, *, exact: bool, total: int | None,
            method: str, sample: int = 0) -> Facets:
    counts, truncated = {}, {}
    for c, counter in zip(columns, counters):
        ranked = sorted(counter.items(), key=lambda kv: (-kv[1], _sortable(kv[0])))
        counts[c], truncated[c] = ranked[:size], len(ranked) > size
    return Facets(counts, truncated, exact, method, total, sample)


def _sortable(value: Any) -> tuple:
    return (0, value, "") if isinstance(value, (int, float)) else (1, 0, str(value))


def _sampled(conn: sqlite3.Connection, sel: Selection, columns: list[str], size: int) -> Facets:
    """Estimates from SAMPLE_STRATA stretches of the id range: from the start of each, up to
    SAMPLE_PER_STRATUM selected rows; a stretch read to its end counts as it is, one cut short
    is scaled by its length over the ids read (a stratified sample: every part of the archive,
    whatever order it was loaded in, is represented)."""
    key = "id" if sel.table == "reports" else "report_id"
    # (two subqueries: min() and max() in one SELECT read every row, 0.1–0.5 s at a million reports;
    # alone, each is one index lookup)
    lo, hi = conn.execute(f"SELECT (SELECT min({key}) FROM [{sel.table}]), (SELECT max({key}) FROM [{sel.table}])").fetchone()
    if lo is None:
        return _ranked(columns, [Counter() for _ in columns], size, exact=True, total=0, method="")
    step = max(1, math.ceil((hi - lo + 1) / SAMPLE_STRATA))
    cols = ", ".join([f"[{sel.table}].[{key}]", *(f"[{sel.table}].[{c}]" for c in columns)])
    weighted = [Counter() for _ in columns]
    total, read = 0.0, 0
    for a in range(lo, hi + 1, step):
        b = a + step
        rows = conn.execute(f"{sel.sql(cols, 'xxgk_id >= :xxgk_a AND xxgk_id < :xxgk_b')} LIMIT {SAMPLE_PER_STRATUM}",
                            sel.bound({"xxgk_a": a, "xxgk_b": b})).fetchall()
        if not rows:
            continue
        read += len(rows)
        # the whole stretch, or the part of it up to the last row read
        weight = 1.0 if len(rows) < SAMPLE_PER_STRATUM else step / (rows[-1][0] - a + 1)
        total += len(rows) * weight
        for i in range(len(columns)):
            for r in rows:
                if r[i + 1] is not None:
                    weighted[i][r[i + 1]] += weight
    estimates = [Counter({v: _round(w) for v, w in c.items()}) for c in weighted]
    return _ranked(columns, estimates, size, exact=False, total=_round(total), sample=read,
                   method=f"estimated from {read:,} rows read in {SAMPLE_STRATA} stretches of the archive")


def _round(x: float) -> int:
    """An estimate to two significant digits (≈ 190,000, ≈ 2,300, ≈ 45)."""
    if x < 100:
        return round(x)
    digits = 10 ** (int(math.log10(x)) - 1)
    return int(round(x / digits) * digits)


def shown(n: int | None, cap: int = CAP) -> str:
    """A capped count as the page shows it: 1,234, or 10,000+ beyond the cap."""
    return "" if n is None else f"{cap:,}+" if n > cap else f"{n:,}"
