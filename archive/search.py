"""Chinese full-text search: exact substring semantics on FTS5 with the stock tokenizer.

FTS5's `unicode61` tokenizer makes one token of a whole run of Chinese, and `trigram` never
matches two-character words. So the index holds, for every run of Han characters, its
overlapping character bigrams followed by the run's last character ("政务公开" →
"政务 务公 公开 开"); other text is kept as it is (unicode61 splits it into words). A query is
rewritten into the same tokens as a PHRASE ("依申请公开" → "依申 申请 请公 公开"); phrase
matching over consecutive bigrams is exactly "the term is a substring of the text" (Chinese is
indexed as stored, without Unicode folding). The trailing single character ends each run, so no
phrase matches across punctuation, and it lets a one-character query match as a prefix token
("议" → 议*). Latin letters and digits are words, case-insensitive, as unicode61 makes them.

One FTS5 table, `reports_fts` (rowid = reports.id; columns title, agency, text = every section
heading and text of the report), kept in step by `refresh` (the loader calls it inside its load
transaction; a delete trigger forgets deleted reports). One row per report keeps the index
small (about 3× the text: tokens and positions) and makes the common search, reports by term,
one FTS lookup; a section-level search is that lookup plus a substring check of the matching
reports' sections (`section_condition`). Datasette gets the table through metadata (`fts_table`) and the plugin in
archive/datasette/plugins, which replaces Datasette's `escape_fts` SQL function by
`match_query` for this database.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from operator import add

import sqlite_utils
from sqlite_utils.utils import sqlite3  # the archive's SQLite library, for type hints

# Han ideographs (with 〇, used in years such as 二〇二二): the characters indexed as bigrams
HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_SEGMENT = re.compile(f"([{HAN}]+)|[^{HAN}]+")
# a bare token character for unicode61: letters, digits, marks (what it keeps inside a token)
_WORDISH = re.compile(r"\w", re.UNICODE)
# query terms: "quoted phrases" (may hold spaces) or runs without whitespace
_TERM = re.compile(r'"([^"]*)"?|(\S+)')

FTS_TABLE = "reports_fts"
FTS_COLUMNS = ("title", "agency", "text")
TOKENIZE = "unicode61 remove_diacritics 2"
# a private-use character: a token for unicode61 that no query can contain (_clean drops it)
SECTION_BREAK = "\ue000"
SNIPPET_OPEN, SNIPPET_CLOSE, ELLIPSIS = "【", "】", "…"
_OWN_BRACKETS = str.maketrans("【】", "〖〗")


def _clean(text: str | None) -> str:
    return (text or "").replace(SECTION_BREAK, " ")


def index_tokens(text: str | None) -> str:
    """The text as indexed: bigrams + last character for each Han run, other text unchanged."""
    out: list[str] = []
    for m in _SEGMENT.finditer(_clean(text)):
        run = m.group(1)
        if run:
            out.extend(map(add, run, run[1:]))  # the bigrams, at C speed
            out.append(run[-1])
        else:
            out.append(m.group())
    return " ".join(out)


def _phrase(term: str) -> str | None:
    """One query term → an FTS5 phrase expression (None when it holds nothing searchable)."""
    segments = [(m.group(1), m.group()) for m in _SEGMENT.finditer(_clean(term))]
    # drop segments unicode61 would not index (punctuation, spaces) so "followed by" is right
    segments = [(h, s) for h, s in segments if h or _WORDISH.search(s)]
    tokens: list[str] = []
    prefix = False
    for i, (run, seg) in enumerate(segments):
        last = i == len(segments) - 1
        if not run:
            tokens.append(seg)
        elif len(run) == 1 and last:
            # a lone final character may start a bigram or end a run in the text
            tokens.append(run)
            prefix = True
        else:
            tokens.extend(map(add, run, run[1:]))
            if not last:  # the text run must end here: its trailing single character
                tokens.append(run[-1])
    if not tokens:
        return None
    body = " ".join(tokens).replace('"', '""')
    return f'"{body}"' + (" *" if prefix else "")


def match_query(query: str | None) -> str:
    """A user's search (words separated by spaces, "quoted phrases") → FTS5 MATCH expression.

    Every term must occur (AND), each as a substring for Chinese. A query with nothing
    searchable gives an expression that matches nothing."""
    phrases = [p for p in map(_phrase, query_terms(query)) if p]
    return " AND ".join(phrases) if phrases else '""'


def query_terms(query: str | None) -> list[str]:
    """The terms of a search, as `match_query` sees them."""
    terms = []
    for m in _TERM.finditer(query or ""):
        t = _clean(m.group(1) if m.group(1) is not None else m.group(2)).strip()
        if t and (re.search(f"[{HAN}]", t) or _WORDISH.search(t)):
            terms.append(t)
    return terms


def contains(text: str | None, query: str | None) -> bool:
    """Python's reading of a match: every term a (case-folded) substring of text, where spaces
    or punctuation inside a term match any spaces or punctuation, as in FTS."""
    terms = query_terms(query)
    folded = _clean(text).casefold()
    return bool(terms) and all(_term_pattern(t).search(folded) for t in terms)


@lru_cache(maxsize=256)  # xxgk_contains() calls it for every row a search scans
def _term_pattern(term: str) -> re.Pattern:
    pieces = [p for p in re.split(r"[\W_]+", term.casefold()) if p]
    return re.compile(r"[\W_]*".join(map(re.escape, pieces)))


def section_condition(query: str, doc: str) -> tuple[str, dict[str, str]]:
    """SQL condition and parameters for "the section text `doc` (an SQL expression) contains
    every term of the query": its report matches in the index, then each term is checked in the
    section itself; terms of Han characters only with instr() (C speed), others in Python."""
    conds = [f"report_id IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :xxgk_q)"]
    params = {"xxgk_q": match_query(query)}
    for i, term in enumerate(query_terms(query)):
        params[f"xxgk_t{i}"] = term
        if re.fullmatch(f"[{HAN}]+", term):
            conds.append(f"instr({doc}, :xxgk_t{i}) > 0")
        else:
            conds.append(f"xxgk_contains({doc}, :xxgk_t{i})")
    return " AND ".join(conds), params


def snippet(text: str | None, query: str | None, width: int = 24) -> str:
    """`width` characters either side of the first match, each match in 【】, from the ORIGINAL text.

    Matching is on the case-folded text; a char-by-char map brings positions back."""
    text = text or ""
    terms = [t.casefold() for t in query_terms(query)]
    folded_chars: list[str] = []
    origin: list[int] = []  # folded char index -> original char index (ß folds to ss)
    for i, ch in enumerate(text):
        f = ch.casefold()
        folded_chars.extend(f)
        origin.extend([i] * len(f))
    folded = "".join(folded_chars)
    spans: list[tuple[int, int]] = []
    for t in terms:
        start = folded.find(t)
        while start >= 0:
            spans.append((origin[start], origin[start + len(t) - 1] + 1))
            start = folded.find(t, start + len(t))
    if not spans:
        return text[: 2 * width].translate(_OWN_BRACKETS) + (ELLIPSIS if len(text) > 2 * width else "")
    spans.sort()
    lo = max(0, spans[0][0] - width)
    hi = min(len(text), spans[0][1] + width)
    hi = max([hi] + [b for a, b in spans if a < hi])  # never cut a match in two
    # the text's own 【】 become 〖〗, so that 【】 always mark a match (Datasette shows them as <mark>)
    piece = lambda a, b: text[a:b].translate(_OWN_BRACKETS)  # noqa: E731
    out, pos = [ELLIPSIS if lo > 0 else ""], lo
    for a, b in spans:
        if a < pos or a >= hi:  # overlapping an earlier one, or outside the window
            continue
        out += [piece(pos, a), SNIPPET_OPEN, piece(a, b), SNIPPET_CLOSE]
        pos = b
    out += [piece(pos, hi), ELLIPSIS if hi < len(text) else ""]
    return "".join(out).replace("\n", " ")


def register_functions(conn: sqlite3.Connection) -> None:
    """SQL functions for canned queries and ad-hoc SQL: xxgk_match(q), xxgk_snippet(text, q),
    xxgk_contains(text, q) (1/0), xxgk_tokens(text)."""
    conn.create_function("xxgk_match", 1, match_query, deterministic=True)
    conn.create_function("xxgk_snippet", 2, snippet, deterministic=True)
    conn.create_function("xxgk_snippet", 3, snippet, deterministic=True)
    conn.create_function("xxgk_contains", 2, lambda t, q: int(contains(t, q)), deterministic=True)
    conn.create_function("xxgk_tokens", 1, index_tokens, deterministic=True)


def ensure_tables(db: sqlite_utils.Database) -> None:
    """Create the FTS table and the trigger that forgets deleted reports (idempotent)."""
    if not db[FTS_TABLE].exists():
        db.execute(f"CREATE VIRTUAL TABLE [{FTS_TABLE}] USING fts5({', '.join(FTS_COLUMNS)}, "
                   f"tokenize='{TOKENIZE}')")
    db.execute(f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_forget AFTER DELETE ON reports "
               f"BEGIN DELETE FROM {FTS_TABLE} WHERE rowid = old.id; END")


def refresh(db: sqlite_utils.Database, report_ids: Iterable[int] | None = None) -> None:
    """(Re)build the search rows of these reports (all reports when None).

    Runs in the caller's transaction when there is one (the loader's); rows of deleted
    reports go by trigger, reports (re)written under an existing id are replaced here."""
    ensure_tables(db)
    conn = db.conn
    if report_ids is None:
        conn.execute(f"DELETE FROM {FTS_TABLE}")
        _index(conn, "", ())
        return
    ids = sorted({int(i) for i in report_ids})
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        _index(conn, f"WHERE id IN ({','.join('?' * len(chunk))})", chunk)


def _index(conn: sqlite3.Connection, where: str, params: Sequence[int]) -> None:
    reports = conn.execute(f"SELECT id, title, agency FROM reports {where} ORDER BY id", params).fetchall()
    bodies: dict[int, list[str]] = {r[0]: [] for r in reports}
    for rid, heading, text in conn.execute(
            f"SELECT report_id, heading, text FROM sections WHERE report_id IN "
            f"(SELECT id FROM reports {where}) ORDER BY report_id, number, id", params):
        bodies[rid] += (heading or "", text or "")
    # a separator token between headings and texts: no phrase spans two of them
    sep = f" {SECTION_BREAK} "
    conn.executemany(
        f"INSERT OR REPLACE INTO {FTS_TABLE}(rowid, title, agency, text) VALUES (?, ?, ?, ?)",
        ((rid, index_tokens(title), index_tokens(agency), sep.join(map(index_tokens, bodies[rid])))
         for rid, title, agency in reports))
