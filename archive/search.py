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
heading and text of the report). It is contentless (`content=''`): the index alone, without a
second copy of the text as tokens (which took 4.3 KiB a report, more than the text itself); the
text is in `reports` and `sections`. A contentless index forgets a row only when told its words
again, so the writers keep it in step: `index(db, ids)` for reports new to it, `forget(db, ids)`
before a report's title, agency or sections change (reparse), then `index` again; `refresh`
does both (after `forget`-worthy changes, call it before changing the rows). `rebuild` makes it
anew. A report deleted by hand leaves its words behind under its id; they never match a report
(every search joins `reports`) and `free_id` never gives that id to a new one. One row per
report keeps the index small and makes the common search, reports by term, one FTS lookup; a
section-level search is that lookup plus a substring check of the matching reports' sections
(`section_search`). The Datasette plugin (archive/datasette/plugins) runs searches with these
functions; `xxgk_match(q)` and friends are SQL functions for canned queries.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat
from operator import add, itemgetter

import sqlite_utils
from sqlite_utils.utils import sqlite3  # the archive's SQLite library, for type hints

# Han ideographs (with 〇, used in years such as 二〇二二): the characters indexed as bigrams
HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_SEGMENT = re.compile(f"([{HAN}]+)|[^{HAN}]+")
# a bare token character for unicode61: letters, digits, marks (what it keeps inside a token)
_WORDISH = re.compile(r"\w", re.UNICODE)

FTS_TABLE = "reports_fts"
FTS_COLUMNS = ("title", "agency", "text")
TOKENIZE = "unicode61 remove_diacritics 2"
# a private-use character: a token for unicode61 that no query can contain (_clean drops it)
SECTION_BREAK = "\ue000"
_SEP = f" {SECTION_BREAK} "  # between the parts of a report's text: no phrase spans two of them
SNIPPET_OPEN, SNIPPET_CLOSE, ELLIPSIS = "【", "】", "…"
_OWN_BRACKETS = str.maketrans("【】", "〖〗")


def _clean(text: str | None) -> str:
    return (text or "").replace(SECTION_BREAK, " ")


def index_tokens(text: str | None) -> str:
    """The text as indexed: bigrams + last character for each Han run, other text unchanged
    (tokens apart: the spacing between them is not kept)."""
    return _bigrams(_clean(text))


_HAN_RUN = re.compile(f"([{HAN}]+)")
_TAIL = itemgetter(slice(1, None))


def _bigrams(text: str) -> str:
    # split: other text, a Han run, other text, …; each run becomes its bigrams and its last
    # character ("政务公开" → "政务 务公 公开 开 "), built with map and join only: a Python loop
    # over the runs cost a fifth more (a report's text has hundreds of them)
    parts = _HAN_RUN.split(text)
    runs = parts[1::2]
    parts[1::2] = map(" ".join, map(map, repeat(add), runs, map(add, map(_TAIL, runs), repeat(" "))))
    return " ".join(parts)


def _text_tokens(parts: Iterable[str | None]) -> str:
    """A report's headings and texts as indexed: one pass over them joined by SECTION_BREAK (a
    token of its own: no phrase spans two parts)."""
    return _bigrams(_SEP.join(map(_clean, parts)))


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


# --- the query language: words (AND), OR, NOT / -word, "quoted phrases", (grouping) -----------

# a parsed query: ("phrase", text) | ("and", [nodes]) | ("or", [nodes]) | ("not", node)
Node = tuple
_TOKEN = re.compile(r'"([^"]*)"?|([()])|([^\s()"]+)')
OPERATORS = ("OR", "AND", "NOT")  # upper case, as FTS5 writes them; 或/and in Chinese text stay words


def _searchable(term: str) -> bool:
    return bool(re.search(f"[{HAN}]", term) or _WORDISH.search(term))


def _tokens(query: str) -> list[tuple[str, str]]:
    """(kind, text): kind "phrase" (a word or a quoted phrase), "(", ")", "OR", "AND", "NOT"."""
    out = []
    for m in _TOKEN.finditer(_clean(query)):
        quoted, paren, word = m.groups()
        if paren:
            out.append((paren, paren))
        elif quoted is not None:
            out.append(("phrase", quoted.strip()))
        elif word in OPERATORS:
            out.append((word, word))
        elif word.startswith("-") and len(word) > 1:  # -诉讼: without 诉讼
            out += [("NOT", "NOT"), ("phrase", word[1:])]
        else:
            out.append(("phrase", word))
    return out


def parse(query: str | None) -> Node | None:
    """A search as a tree (None: nothing searchable). NOT binds tightest, then AND (also two
    words side by side), then OR, as in FTS5: `复议 诉讼 OR 公开` = (复议 AND 诉讼) OR 公开.
    Stray operators and unbalanced parentheses are forgiven, never an error."""
    toks = _tokens(query or "")
    pos = 0

    def peek() -> str | None:
        return toks[pos][0] if pos < len(toks) else None

    def either() -> Node | None:
        nonlocal pos
        parts = [both()]
        while peek() == "OR":
            pos += 1
            parts.append(both())
        return _node("or", parts)

    def both() -> Node | None:
        nonlocal pos
        parts = []
        while peek() not in (None, ")", "OR"):
            if peek() == "AND":
                pos += 1
                continue
            parts.append(one())
        return _node("and", parts)

    def one() -> Node | None:
        nonlocal pos
        kind, text = toks[pos]
        pos += 1
        if kind == "NOT":
            inner = one() if peek() not in (None, ")", "OR", "AND") else None
            return ("not", inner) if inner else None
        if kind == "(":
            inner = either()
            if peek() == ")":
                pos += 1
            return inner
        return ("phrase", text) if kind == "phrase" and _searchable(text) else None

    tree = None
    while pos < len(toks):  # a stray ")" ends the expression early: go on after it
        tree = _node("and", [tree, either()])
        if peek() == ")":
            pos += 1
    return tree


def _node(kind: str, parts: list[Node | None]) -> Node | None:
    parts = [p for p in parts if p]
    return None if not parts else parts[0] if len(parts) == 1 else (kind, parts)


def _fts(node: Node) -> str | None:
    """A tree as an FTS5 expression (None: it can match nothing, e.g. only NOT)."""
    kind, body = node
    if kind == "phrase":
        return _phrase(body)
    if kind == "or":
        parts = [p for p in map(_fts, body) if p]
        return " OR ".join(_wrap(p) for p in parts) if parts else None
    if kind == "not":
        return None  # a NOT alone excludes from nothing
    pos = [p for p in (_fts(c) for c in body if c[0] != "not") if p]
    if not pos:
        return None
    expr = " AND ".join(_wrap(p) for p in pos)
    negs = [p for p in (_fts(c[1]) for c in body if c[0] == "not") if p]
    if negs:
        expr = (f"({expr})" if len(pos) > 1 else expr) + "".join(f" NOT {_wrap(n)}" for n in negs)
    return expr


def _wrap(expr: str) -> str:
    return expr if expr.startswith('"') and expr.count('"') == 2 else f"({expr})"


def match_query(query: str | None) -> str:
    """A user's search → FTS5 MATCH expression: each word or "quoted phrase" a phrase of bigrams
    (a substring, for Chinese), combined with AND (side by side), OR, NOT (or -word) and
    parentheses. A query with nothing searchable gives an expression that matches nothing."""
    tree = parse(query)
    return (_fts(tree) if tree else None) or '""'


def query_terms(query: str | None) -> list[str]:
    """The words and phrases a match must contain somewhere (not those under NOT): what
    snippets highlight."""
    out: list[str] = []

    def walk(node: Node) -> None:
        kind, body = node
        if kind == "phrase":
            out.append(body)
        elif kind in ("and", "or"):
            for c in body:
                walk(c)

    tree = parse(query)
    if tree:
        walk(tree)
    return list(dict.fromkeys(out))


def contains(text: str | None, query: str | None) -> bool:
    """Python's reading of a match: the query's tree over (case-folded) substrings of text, where
    spaces or punctuation inside a phrase match any spaces or punctuation, as in FTS."""
    tree = parse(query)
    return bool(tree) and _holds(tree, _clean(text).casefold())


def _holds(node: Node, folded: str) -> bool:
    kind, body = node
    if kind == "phrase":
        return bool(_term_pattern(body).search(folded))
    if kind == "or":
        return any(_holds(c, folded) for c in body)
    if kind == "not":
        return False
    positive = [c for c in body if c[0] != "not"]
    return bool(positive) and all(_holds(c, folded) for c in positive) \
        and not any(_holds(c[1], folded) for c in body if c[0] == "not")


@lru_cache(maxsize=256)  # xxgk_contains() calls it for every row a search scans
def _term_pattern(term: str) -> re.Pattern:
    pieces = [p for p in re.split(r"[\W_]+", term.casefold()) if p]
    # pieces a space or punctuation separates in the query are separated in the text too (the
    # index ends a run there): "政务 新媒体" finds 政务，新媒体, not 政务新媒体
    return re.compile(r"[\W_]+".join(map(re.escape, pieces)))


def _without_not(node: Node) -> Node | None:
    """The tree with its NOT parts removed: what any text satisfying it must also satisfy."""
    kind, body = node
    if kind == "phrase":
        return node
    if kind == "not":
        return None
    if kind == "and" and not any(c[0] != "not" for c in body):
        return None  # only exclusions: matches nothing, as the tree does
    return _node(kind, [_without_not(c) for c in body if c[0] != "not"])


@dataclass(frozen=True)
class SectionSearch:
    """A search of report parts: `condition` (SQL with `params`) is what the part's own text
    (heading, newline, text) must satisfy; `match` (an FTS5 expression, None: nothing can match)
    what its report then matches in the index. When `exact` (words of Han characters only, all
    required: instr() at C speed), the condition alone decides — a part holding the words puts
    them in its report — and the index only narrows the parts to read; otherwise (OR, NOT,
    phrases: xxgk_contains in Python) both are needed: a phrase may run from a heading on into
    its text, where the index does not follow it."""
    condition: str
    params: dict[str, str]
    match: str | None
    exact: bool


def section_search(query: str, doc: str) -> SectionSearch:
    """The search `query` of report parts whose text is the SQL expression `doc`."""
    tree = parse(query)
    # the reports holding the words the section needs: a NOT judges the section, not its report
    # (another part of the report may hold the excluded word), so it is left out of this step
    relaxed = _without_not(tree) if tree else None
    match = _fts(relaxed) if relaxed else None
    words = [tree] if tree and tree[0] == "phrase" else tree[1] if tree and tree[0] == "and" else None
    if words and all(w[0] == "phrase" and re.fullmatch(f"[{HAN}]+", w[1]) for w in words):
        params = {f"xxgk_t{i}": term for i, (_, term) in enumerate(words)}
        return SectionSearch(" AND ".join(f"instr({doc}, :{p}) > 0" for p in params), params, match, True)
    return SectionSearch(f"xxgk_contains({doc}, :xxgk_all)", {"xxgk_all": query}, match, False)


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


DDL = (f"CREATE VIRTUAL TABLE [{FTS_TABLE}] USING fts5({', '.join(FTS_COLUMNS)}, content='', "
       f"tokenize='{TOKENIZE}')")


# FTS5 writes its pending terms out as a new segment each time they pass 'hashsize' bytes (1 MB
# by default) and merges segments as they pile up: a 5,000-report batch made dozens, and their
# merging was two thirds of the index's cost (200 → 65 µs a report at 1,000,000). With 64 MiB a
# batch is one segment. A transaction writes its terms out at its end whatever the size.
# 'automerge' 8 (4 by default): segments of a size are merged eight at a time, so a term's entries
# are rewritten about 2.5 times on the way to a million reports instead of about 4 (the writer's
# commit at 1,200,000: 182–224 → 153 µs a report), for at most 7 segments of a size to read.
CONFIG = {"hashsize": 64 * 1024 * 1024, "automerge": 8}


def ensure_tables(db: sqlite_utils.Database) -> None:
    """Create the search index, and set its CONFIG on one made before (idempotent)."""
    if not db[FTS_TABLE].exists():
        db.execute(DDL)
    have = dict(db.execute(f"SELECT k, v FROM [{FTS_TABLE}_config]").fetchall())
    for key, value in CONFIG.items():
        if have.get(key) != value:
            db.execute(f"INSERT INTO [{FTS_TABLE}]([{FTS_TABLE}], rank) VALUES ('{key}', {value})")


def migrate(db: sqlite_utils.Database) -> None:
    """An archive whose index still kept its own copy of the tokens (and a delete trigger that
    relied on it): rebuilt contentless (migration 0005)."""
    db.execute(f"DROP TRIGGER IF EXISTS {FTS_TABLE}_forget")
    row = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", [FTS_TABLE]).fetchone()
    if row and "content=''" not in row[0]:
        db.execute(f"DROP TABLE [{FTS_TABLE}]")
        rebuild(db)


def free_id(db: sqlite_utils.Database) -> int:
    """The next report id: above every report and every id the index has words for."""
    top = db.execute("SELECT max(id) FROM reports").fetchone()[0] or 0
    if db[FTS_TABLE].exists():
        top = max(top, db.execute(f"SELECT max(id) FROM [{FTS_TABLE}_docsize]").fetchone()[0] or 0)
    return top + 1


def index(db: sqlite_utils.Database, report_ids: Iterable[int]) -> None:
    """Add these reports (not in the index yet) to the index (in one transaction, or the caller's)."""
    with db.atomic():
        ensure_tables(db)
        _each_chunk(db, report_ids, lambda where, ids: db.conn.executemany(
            f"INSERT INTO {FTS_TABLE}(rowid, title, agency, text) VALUES (?, ?, ?, ?)", _documents(db.conn, where, ids)))


def forget(db: sqlite_utils.Database, report_ids: Iterable[int]) -> None:
    """Remove these reports' words from the index; their rows must still be as they were when
    indexed (call it before changing them). Reports not in the index are skipped."""
    if not db[FTS_TABLE].exists():
        return

    def one_chunk(where: str, ids: list[int]) -> None:
        marks = ",".join("?" * len(ids))
        present = [r[0] for r in db.execute(f"SELECT id FROM [{FTS_TABLE}_docsize] WHERE id IN ({marks})", ids)]
        if present:
            db.conn.executemany(
                f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, agency, text) VALUES ('delete', ?, ?, ?, ?)",
                _documents(db.conn, f"WHERE id IN ({','.join('?' * len(present))})", present))
    with db.atomic():
        _each_chunk(db, report_ids, one_chunk)


def refresh(db: sqlite_utils.Database, report_ids: Iterable[int] | None = None) -> None:
    """`forget` then `index` these reports (every report when None: `rebuild`)."""
    if report_ids is None:
        rebuild(db)
        return
    ids = sorted({int(i) for i in report_ids})
    forget(db, ids)
    index(db, ids)


def rebuild(db: sqlite_utils.Database) -> None:
    """The index anew from every report (in one transaction, or the caller's)."""
    with db.atomic():
        ensure_tables(db)
        db.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('delete-all')")
        db.conn.executemany(f"INSERT INTO {FTS_TABLE}(rowid, title, agency, text) VALUES (?, ?, ?, ?)",
                            _documents(db.conn, "", ()))


def _each_chunk(db: sqlite_utils.Database, report_ids: Iterable[int], fn) -> None:
    ids = sorted({int(i) for i in report_ids})
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        fn(f"WHERE id IN ({','.join('?' * len(chunk))})", chunk)


def document(report_id: int, title: str | None, agency: str | None,
             sections: Iterable[tuple[int, str | None, str | None]]) -> tuple[int, str, str, str]:
    """A report's row of the index, from its title, agency and (number, heading, text) sections
    (the same as `_documents` reads back from the archive: sections by number, then as given)."""
    parts: list[str] = []
    for _, heading, text in sorted(sections, key=_BY_NUMBER):
        parts += (heading or "", text or "")
    return report_id, index_tokens(title), index_tokens(agency), _text_tokens(parts)


def _BY_NUMBER(section: tuple) -> tuple:  # as SQL's ORDER BY number (NULL first); stable: then as given
    return section[0] is not None, section[0] or 0


def add_documents(db: sqlite_utils.Database, documents: list[tuple[int, str, str, str]]) -> None:
    """Add rows made by `document` to the index (reports not in it yet; the caller's transaction)."""
    if documents:
        ensure_tables(db)
        db.conn.executemany(f"INSERT INTO {FTS_TABLE}(rowid, title, agency, text) VALUES (?, ?, ?, ?)", documents)


def _documents(conn: sqlite3.Connection, where: str, params: Sequence[int]) -> Iterator[tuple[int, str, str, str]]:
    """(report id, title, agency, text) as indexed, for the reports `where` selects, by id.
    Sections are read in one pass alongside (both in id order), never all at once."""
    reports = conn.execute(f"SELECT id, title, agency FROM reports {where} ORDER BY id", params)
    sections = conn.cursor().execute(
        f"SELECT report_id, heading, text FROM sections WHERE report_id IN "
        f"(SELECT id FROM reports {where}) ORDER BY report_id, number, id", params)
    pending = next(sections, None)
    for rid, title, agency in reports:
        parts: list[str] = []
        while pending is not None and pending[0] < rid:  # sections of no listed report (cannot happen)
            pending = next(sections, None)
        while pending is not None and pending[0] == rid:
            parts += (pending[1] or "", pending[2] or "")
            pending = next(sections, None)
        yield rid, index_tokens(title), index_tokens(agency), _text_tokens(parts)
