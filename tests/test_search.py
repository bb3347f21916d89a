"""Chinese full-text search (archive/search.py): tokens, query rewriting, snippets, and exact
precision and recall on archives built with the real loader."""
from __future__ import annotations

import random
import re

import pytest

from archive import search
from archive.db import open_db
from datasette_support import TERMS, build_archive, texts


def test_index_tokens_are_bigrams_plus_the_last_character_of_each_run():
    tokens = lambda text: search.index_tokens(text).split()  # noqa: E731 (the spacing is not kept)
    assert tokens("政务公开") == ["政务", "务公", "公开", "开"]
    assert tokens("复议，诉讼") == ["复议", "议", "，", "诉讼", "讼"]
    assert tokens("共 2022件") == ["共", "2022", "件"]
    assert tokens("x中y") == ["x", "中", "y"]
    assert tokens("ＡＢＣ１２３") == ["ＡＢＣ１２３"]  # as printed: unicode61 makes it one word
    assert tokens("") == tokens(None) == []


def test_a_reports_text_is_its_parts_tokens_with_a_break_between():
    parts = ["一、总体情况", "全年收到申请213件。", "", "二", "x" + search.SECTION_BREAK + "复议", "诉讼"]
    _, _, _, text = search.document(1, "t", "a", [(n, parts[2 * n], parts[2 * n + 1]) for n in range(3)])
    want = []
    for i, part in enumerate(parts):
        want += ([search.SECTION_BREAK] if i else []) + search.index_tokens(part).split()
    assert text.split() == want
    assert want.count(search.SECTION_BREAK) == 5  # the one inside a text is not a break


@pytest.mark.parametrize("query, expected", [
    ("依申请公开", '"依申 申请 请公 公开"'),
    ("复议", '"复议"'),
    ("议", '"议" *'),
    ("复议 诉讼", '"复议" AND "诉讼"'),
    ('"政务 新媒体"', '"政务 务 新媒 媒体"'),
    ("2022年", '"2022 年" *'),
    ("公开abc", '"公开 开 abc"'),
    ('say "hi', '"say" AND "hi"'),
    ("，。", '""'),
    ("", '""'),
])
def test_match_query(query, expected):
    assert search.match_query(query) == expected


def test_snippet_highlights_the_original_text():
    text = "前面的文字很多很多很多很多。因政府信息公开被申请行政复议3件，其中复议维持2件。后面的文字"
    s = search.snippet(text, "复议", width=6)
    assert s == "…开被申请行政【复议】3件，其中【复议】…"
    # Latin is matched case-insensitively; the snippet shows it as printed
    assert search.snippet("共有ABC平台", "abc") == "共有【ABC】平台"
    assert search.snippet("没有匹配【】", "复议") == "没有匹配〖〗"
    # 【】 always mean a match: the text's own become 〖〗
    assert search.snippet("【政策解读】与复议", "复议") == "〖政策解读〗与【复议】"
    assert search.snippet(None, "复议") == ""


def _memory_archive(texts_by_report: dict[int, list[str]]):
    db = open_db(":memory:")
    for rid, parts in texts_by_report.items():
        db["reports"].insert({"id": rid, "sha256": f"h{rid}", "title": "", "agency": ""})
        db["sections"].insert_all({"report_id": rid, "number": i + 1, "heading": "", "text": t}
                                  for i, t in enumerate(parts))
    search.refresh(db)
    return db


def _hits(db, query: str) -> set[int]:
    sql = f"SELECT rowid FROM {search.FTS_TABLE} WHERE {search.FTS_TABLE} MATCH ?"
    return {r[0] for r in db.execute(sql, [search.match_query(query)]).fetchall()}


def test_random_texts_match_exactly_the_substring_oracle():
    """Any Han query of 1-5 characters finds exactly the texts that contain it."""
    rng = random.Random(7)
    alphabet = "复议诉讼公开依申请政务新媒体，。 a1Ｂ２\n"
    corpus = {i: ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
                  for _ in range(rng.randint(1, 3))] for i in range(1, 301)}
    db = _memory_archive(corpus)
    han = alphabet[:13]
    queries = list(TERMS) + ["".join(rng.choice(han) for _ in range(rng.randint(1, 5))) for _ in range(300)]
    checked_nonempty = 0
    for q in queries:
        want = {i for i, parts in corpus.items() if any(q in p for p in parts)}
        assert _hits(db, q) == want, q
        checked_nonempty += bool(want) and len(want) < len(corpus)
    assert checked_nonempty > 100  # the oracle is not trivially all or nothing


def test_no_match_across_sections_or_punctuation():
    db = _memory_archive({1: ["……依申", "请公开……"], 2: ["依申，请公开"], 3: ["依申请公开"]})
    assert _hits(db, "依申请公开") == {3}
    assert _hits(db, "依申") == {1, 2, 3}
    assert _hits(db, "请公开") == {1, 2, 3}


def test_refresh_follows_changes_and_deletes():
    """The index is contentless: a report's words are forgotten while its rows are as indexed,
    then its new rows indexed (reparse does both in one transaction)."""
    db = _memory_archive({1: ["行政复议"], 2: ["行政诉讼"]})
    assert _hits(db, "复议") == {1}
    search.forget(db, [1])
    db.execute("UPDATE sections SET text = '没有了' WHERE report_id = 1")
    search.index(db, [1])
    search.refresh(db, [1])  # idempotent on unchanged rows
    assert _hits(db, "复议") == set() and _hits(db, "没有") == {1}
    search.forget(db, [2])
    db.execute("DELETE FROM sections WHERE report_id = 2")
    db.execute("DELETE FROM reports WHERE id = 2")
    assert _hits(db, "诉讼") == set()
    assert db.execute(f"SELECT count(*) FROM {search.FTS_TABLE}").fetchone()[0] == 1
    db.execute(f"INSERT INTO {search.FTS_TABLE}({search.FTS_TABLE}) VALUES ('integrity-check')")


def test_a_report_deleted_by_hand_never_lends_its_words_to_a_new_one():
    db = _memory_archive({1: ["行政复议"], 2: ["行政诉讼"]})
    db.execute("DELETE FROM sections WHERE report_id = 2")
    db.execute("DELETE FROM reports WHERE id = 2")  # without forget: its words stay under id 2
    assert search.free_id(db) == 3
    assert db.execute(f"SELECT count(*) FROM {search.FTS_TABLE} f JOIN reports r ON r.id = f.rowid "
                      f"WHERE {search.FTS_TABLE} MATCH ?", [search.match_query("诉讼")]).fetchone()[0] == 0
    search.rebuild(db)
    assert _hits(db, "诉讼") == set() and _hits(db, "复议") == {1}


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    return build_archive(tmp_path_factory.mktemp("search") / "xxgk.db")


@pytest.mark.parametrize("term", TERMS)
def test_loaded_archive_precision_and_recall(archive, term):
    reports, _ = texts(archive)
    want = {rid for rid, text in reports.items() if term in text}
    assert want and len(want) < len(reports), "fixture must have reports with and without the term"
    db = open_db(archive)
    try:
        assert _hits(db, term) == want
        # a full rebuild gives the same index
        search.refresh(db)
        assert _hits(db, term) == want
    finally:
        db.conn.close()


def test_loaded_archive_has_near_misses(archive):
    """The fixture really tests precision: texts with the characters but not the term."""
    reports, _ = texts(archive)
    assert any("复 议" in t and "复议" not in t for t in reports.values())
    assert any("依申" in t and "请公开" in t and "依申请公开" not in t for t in reports.values())
    assert any("政务新" in t and "政务新媒体" not in t for t in reports.values())


def test_contains_reads_a_match_like_the_index():
    assert search.contains("行政复议三件", "复议")
    assert not search.contains("复 议", "复议")
    assert search.contains("政务，新媒体", '"政务 新媒体"')
    assert search.contains("共有ABC平台与复议", "abc 复议")
    assert not search.contains("共有ABC平台", "abc 复议")
    assert not search.contains("共有ＡＢＣ平台", "abc")  # no Unicode folding: as stored
    assert not search.contains("任何文字", "，")


# --- OR, NOT, phrases and grouping, against a brute-force oracle ------------------------------

def _random_query(rng: random.Random, han: str, depth: int = 2):
    """A random query string and its meaning, built together: the oracle never reads the parser."""
    if depth == 0 or rng.random() < 0.35:
        term = "".join(rng.choice(han) for _ in range(rng.randint(1, 3)))
        return term, lambda text, t=term: t in text
    kind = rng.choice(["and", "AND", "or", "not", "minus"])
    a, fa = _random_query(rng, han, depth - 1)
    if kind == "minus":  # -word
        term = "".join(rng.choice(han) for _ in range(rng.randint(1, 2)))
        return f"({a}) -{term}", lambda text: fa(text) and term not in text
    b, fb = _random_query(rng, han, depth - 1)
    if kind == "or":
        return f"({a}) OR ({b})", lambda text: fa(text) or fb(text)
    if kind == "not":
        return f"({a}) NOT ({b})", lambda text: fa(text) and not fb(text)
    joiner = " AND " if kind == "AND" else " "
    return f"({a}){joiner}({b})", lambda text: fa(text) and fb(text)


def test_boolean_queries_match_exactly_the_oracle():
    """Random trees of words, OR, NOT, -word and AND (written or implied) over random texts:
    the index finds exactly the reports the oracle picks (precision and recall 1), and
    `contains` agrees on every text."""
    rng = random.Random(11)
    alphabet = "复议诉讼公开依申请，。 \n"
    corpus = {i: ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
                  for _ in range(rng.randint(1, 3))] for i in range(1, 301)}
    db = _memory_archive(corpus)
    # a report matches as a whole (its words may be in different parts); no word spans two
    # parts, and none spans the newline that joins them here
    joined = {i: "\n".join(parts) for i, parts in corpus.items()}
    informative = 0
    for _ in range(300):
        query, means = _random_query(rng, "复议诉讼公开依申请")
        want = {i for i, t in joined.items() if means(t)}
        assert _hits(db, query) == want, (query, search.match_query(query))
        assert {i for i, t in joined.items() if search.contains(t, query)} == want, query
        informative += 0 < len(want) < len(corpus)
    assert informative > 100


@pytest.mark.parametrize("query, means", [
    ("复议 OR 诉讼", lambda t: "复议" in t or "诉讼" in t),
    ("复议 NOT 诉讼", lambda t: "复议" in t and "诉讼" not in t),
    ("复议 -诉讼", lambda t: "复议" in t and "诉讼" not in t),
    ("复议 诉讼 OR 公开", lambda t: ("复议" in t and "诉讼" in t) or "公开" in t),
    ("复议 OR 诉讼 公开", lambda t: "复议" in t or ("诉讼" in t and "公开" in t)),
    ("(复议 OR 诉讼) 依申请", lambda t: ("复议" in t or "诉讼" in t) and "依申请" in t),
    ("复议 NOT 诉讼 OR 依申请", lambda t: ("复议" in t and "诉讼" not in t) or "依申请" in t),
    ('"复议 诉讼" OR 依申请公开', lambda t: bool(re.search(r"复议[\W_]+诉讼", t)) or "依申请公开" in t),
    ("NOT 复议", lambda t: False),  # nothing to exclude from: documented, matches nothing
])
def test_named_boolean_queries(query, means):
    corpus = {1: ["行政复议一件"], 2: ["行政诉讼一件"], 3: ["复议、诉讼各一件"], 4: ["依申请公开"],
              5: ["复议与依申请公开"], 6: ["诉讼，公开"], 7: ["无关"], 8: ["复 议"]}
    db = _memory_archive(corpus)
    want = {i for i, parts in corpus.items() if means("\n".join(parts))}
    assert _hits(db, query) == want
    assert {i for i, parts in corpus.items() if search.contains("\n".join(parts), query)} == want


def test_snippets_highlight_what_was_searched_for_not_what_was_excluded():
    assert search.query_terms("复议 -诉讼 OR (公开 NOT 依申请)") == ["复议", "公开"]
    assert search.snippet("行政复议与诉讼", "复议 NOT 公开") == "行政【复议】与诉讼"
