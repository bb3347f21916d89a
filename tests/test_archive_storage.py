"""The archive's storage at scale: cells by key id behind the `cells` view, the contentless search
index, the summary tables kept current by every writer, and old archives migrated to all three
with nothing lost."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import parsers
from archive import crosscheck, search, summary
from archive.bulk import load_reports
from archive.db import open_db
from archive.load import load_document
from archive.reparse import reparse
from bench.archive_bench import synthetic_reports
from datasette_support import build_archive, texts
from reportgen import agencies, generate, render_text

OLD_TABLES = Path(__file__).resolve().parent / "fixtures" / "archive-0.2.0-tables.sql"
# the search index as 0.2.0 to this version made it: the tokens kept as content, a delete trigger
OLD_FTS = ("CREATE VIRTUAL TABLE reports_fts USING fts5(title, agency, text, tokenize='unicode61 remove_diacritics 2');"
           "CREATE TRIGGER reports_fts_forget AFTER DELETE ON reports BEGIN "
           "DELETE FROM reports_fts WHERE rowid = old.id; END;")


def _rows(db, sql, params=()):
    return sorted(tuple(r) for r in db.execute(sql, params).fetchall())


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """An archive loaded document by document (the crawler's path), its checks run."""
    return build_archive(tmp_path_factory.mktemp("loaded") / "xxgk.db")


def test_summaries_follow_documents_loaded_one_by_one(loaded):
    db = open_db(loaded)
    assert summary.check(db) == []
    assert db.execute("SELECT sum(reports) FROM reports_summary").fetchone()[0] == db["reports"].count
    assert db.execute("SELECT count(*) FROM cell_totals").fetchone()[0] > 0
    db.conn.close()


def test_summaries_follow_bulk_loads_reparse_and_renditions(tmp_path):
    db = open_db(tmp_path / "xxgk.db")
    load_reports(db, synthetic_reports(60, syllables=3), batch=25)
    assert summary.check(db) == []
    # a second rendition of a report (same agency and year) takes over as primary when it reads better
    ag = agencies(3, 1)[0]
    docs = []
    for name, seed, template in (("a.txt", 1, "pre2019"), ("b.txt", 2, "2021")):
        (tmp_path / name).write_text(render_text(generate(seed=seed, agency=ag, year=2020, template=template)))
        docs.append(load_document(db, (tmp_path / name).read_bytes(), path=str(tmp_path / name)))
    first, second = docs
    crosscheck.run(db)
    primary = dict(db.execute("SELECT id, is_primary FROM reports WHERE id IN (?, ?)",
                              [first.report_id, second.report_id]).fetchall())
    assert sorted(primary.values()) == [0, 1]
    assert summary.check(db) == []
    # re-derived reports: their cells leave the sums and come back
    with db.atomic():
        db.execute("UPDATE reports SET parser_version = 'old' WHERE id = ?", [second.report_id])
    res = reparse(db, tmp_path, progress=False)
    assert res.reparsed == 1  # (the second, the only one of an older version)
    assert summary.check(db) == []
    # a report moved to another province by hand: the triggers move its counts
    with db.atomic():
        summary.add_cells(db, [first.report_id, second.report_id], -1)
        db.execute("UPDATE reports SET province = '海南' WHERE id IN (?, ?)", [first.report_id, second.report_id])
        summary.add_cells(db, [first.report_id, second.report_id])
    assert summary.check(db) == []
    db.conn.close()


def test_the_cells_view_reads_and_writes_like_the_table(loaded):
    db = open_db(loaded)
    rid = db.execute("SELECT min(report_id) FROM cells").fetchone()[0]
    n = db.execute("SELECT count(*) FROM cells WHERE report_id = ?", [rid]).fetchone()[0]
    assert n == db.execute("SELECT count(*) FROM cell_values WHERE report_id = ?", [rid]).fetchone()[0] > 100
    key = ("applications", "new_received", "total")
    db.execute("BEGIN")
    if True:  # (rolled back: the module's archive stays as loaded)
        db.execute("UPDATE cells SET value = 12345, raw = '12,345' WHERE report_id = ? AND table_key = ? "
                   "AND row_key = ? AND column_key = ?", [rid, *key])
        db.execute("INSERT INTO cells (report_id, table_key, row_key, column_key, value, raw, imputed) "
                   "VALUES (?, 'applications', 'a_row_of_no_template', 'total', 7, '7', 0)", [rid])
        assert db.execute("SELECT value, raw FROM cells WHERE report_id = ? AND table_key = ? AND row_key = ? "
                          "AND column_key = ?", [rid, *key]).fetchone() == (12345, "12,345")
        assert db.execute("SELECT id FROM cell_keys WHERE row_key = 'a_row_of_no_template'").fetchone()
        assert summary.check(db) == []  # the summed 总计 cells follow edits through the view
        db.execute("DELETE FROM cells WHERE report_id = ? AND row_key = 'a_row_of_no_template'", [rid])
        assert db.execute("SELECT count(*) FROM cells WHERE report_id = ?", [rid]).fetchone()[0] == n
        assert summary.check(db) == []
    db.execute("ROLLBACK")
    db.conn.close()


def test_the_index_row_built_in_memory_is_the_one_read_back(tmp_path):
    db = open_db(tmp_path / "xxgk.db")
    load_reports(db, synthetic_reports(20, syllables=3), batch=7)
    for rid, report in zip(range(1, 21), (r for r, _, _ in synthetic_reports(20, syllables=3))):
        (stored,) = search._documents(db.conn, "WHERE id = ?", [rid])
        agency = db.execute("SELECT agency FROM reports WHERE id = ?", [rid]).fetchone()[0]
        assert search.document(rid, report.title, agency,
                               [(s.number, s.heading, s.text) for s in report.sections]) == stored
    db.conn.close()


def _old_archive(path: Path, source: Path) -> None:
    """The rows of `source` (an archive of this version) in an archive laid out as 0.2.0 made
    them: cells a table with its keys as text, the index holding its tokens, no summaries."""
    new = sqlite3.connect(source)
    old = sqlite3.connect(path)
    old.executescript(OLD_TABLES.read_text(encoding="utf-8") + OLD_FTS)
    for table in ("sources", "captures", "reports", "sections", "facts", "findings"):
        cols = [r[1] for r in old.execute(f"PRAGMA table_info([{table}])")]
        rows = new.execute(f"SELECT {', '.join(cols)} FROM [{table}]").fetchall()
        old.executemany(f"INSERT INTO [{table}] ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", rows)
    old.executemany("INSERT INTO cells VALUES (?, ?, ?, ?, ?, ?, ?, ?)", new.execute("SELECT * FROM cells"))
    old.executemany("INSERT INTO reports_fts (rowid, title, agency, text) VALUES (?, ?, ?, ?)",
                    search._documents(new, "", ()))
    old.commit()
    old.close()
    new.close()


def test_an_old_archive_migrates_with_every_cell_and_every_search(loaded, tmp_path):
    old = tmp_path / "old.db"
    _old_archive(old, loaded)
    db = open_db(old)
    current = open_db(loaded)
    try:
        assert db.execute("SELECT type FROM sqlite_master WHERE name = 'cells'").fetchone() == ("view",)
        assert "content=''" in db.execute("SELECT sql FROM sqlite_master WHERE name = 'reports_fts'").fetchone()[0]
        assert _rows(db, "SELECT * FROM cells") == _rows(current, "SELECT * FROM cells")
        reports, _ = texts(old)
        for term in ("复议", "依申请公开", "政务新媒体", "复议 -诉讼"):
            want = {rid for rid, t in reports.items() if search.contains(t, term)}
            got = {r[0] for r in db.execute(f"SELECT rowid FROM {search.FTS_TABLE} WHERE {search.FTS_TABLE} MATCH ?",
                                            [search.match_query(term)])}
            assert got == want, term
        assert summary.check(db) == []
        assert _rows(db, "SELECT * FROM agency_years") == _rows(current, "SELECT * FROM agency_years")
        assert _rows(db, "SELECT id, publication_id, is_primary FROM reports") == \
            _rows(current, "SELECT id, publication_id, is_primary FROM reports")
    finally:
        db.conn.close()
        current.conn.close()
    again = open_db(old)  # migrated once: opening it again writes nothing
    assert again.conn.total_changes == 0
    again.conn.close()


def test_reparse_keeps_the_index_exact(tmp_path):
    """Reparse forgets a report's old words before its rows change, then indexes the new ones."""
    db = open_db(tmp_path / "xxgk.db")
    ag = agencies(5, 1)[0]
    (tmp_path / "r.txt").write_text(render_text(generate(seed=5, agency=ag, year=2021)))
    res = load_document(db, (tmp_path / "r.txt").read_bytes(), path=str(tmp_path / "r.txt"))
    with db.atomic():  # as an older parser left it: other text in its parts
        search.forget(db, [res.report_id])
        db.execute("UPDATE sections SET text = '旧版解析的文字' WHERE report_id = ?", [res.report_id])
        db.execute("UPDATE reports SET parser_version = 'old' WHERE id = ?", [res.report_id])
        search.index(db, [res.report_id])
    hits = lambda q: {r[0] for r in db.execute(f"SELECT rowid FROM {search.FTS_TABLE} WHERE {search.FTS_TABLE} "  # noqa: E731
                                               f"MATCH ?", [search.match_query(q)])}
    assert hits("旧版解析") == {res.report_id}
    reparse(db, tmp_path, progress=False)
    assert hits("旧版解析") == set() and hits("依申请公开") == {res.report_id}
    db.execute(f"INSERT INTO {search.FTS_TABLE}({search.FTS_TABLE}) VALUES ('integrity-check')")
    assert parsers.PARSER_VERSION == db["reports"].get(res.report_id)["parser_version"]
    db.conn.close()


def test_a_bulk_build_without_filter_indexes_keeps_the_ones_its_triggers_read(tmp_path):
    """open_db(indexes=False) (bulk builds) leaves the filter indexes out, but not the one the
    agency summary trigger looks an agency's reports up by: without it every insert read every
    report (a 100,000-report build went from about a minute to hours)."""
    db = open_db(tmp_path / "bulk.db", indexes=False)
    names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'reports'")}
    assert "idx_reports_agency_year" in names and "idx_reports_province" not in names
    assert "idx_reports_agency_year" in _agency_plan(db)
    db.close()


def _agency_plan(db) -> str:
    """How the agency summary trigger's lookup (summary.same_agency) is planned."""
    where = summary.same_agency("new").replace("new.", ":")
    return " ".join(r[3] for r in db.execute(f"EXPLAIN QUERY PLAN SELECT count(*), min(year) FROM reports WHERE {where}",
                                             {"agency": "a", "province": "p", "level": "l"}).fetchall())


def test_the_agency_summary_trigger_reads_one_agency_with_every_index_present(tmp_path):
    """With the filter indexes present and no statistics, the planner preferred (is_primary,
    level) for the trigger's lookup: every report of a level read on each trigger, quadratic in
    a crawl (27 % of `scrapy bench` over 20,000 pages instead of 47 %)."""
    db = open_db(tmp_path / "xxgk.db")
    names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'reports'")}
    assert {"idx_reports_is_primary_level", "idx_reports_agency_year"} <= names
    plan = _agency_plan(db)
    assert "idx_reports_agency_year" in plan and "is_primary_level" not in plan, plan
    db.close()


def _bulk_items():
    """Synthetic reports, then parsed ones of the other templates (keys new to the archive in a
    later batch), with findings, facts and broken arithmetic, and one document twice."""
    items = list(synthetic_reports(40, syllables=3))
    for seed, template in ((5, "pre2019"), (6, "2019"), (7, "2021"), (8, "pre2019")):
        data = render_text(generate(seed=seed, template=template, breaks=("results_sum:total",)
                                    if template != "pre2019" else ())).encode("utf-8")
        items.append((parsers.parse(data, "text/plain"), data, {"path": f"/docs/{seed}.txt"}))
    return items + [items[3]]


COMPARED = {  # every table a bulk load writes, as stored (captures without their fetch time)
    "captures": "SELECT id, url, sha256, size, path, source_id, kind, locator FROM captures",
    "reports": "SELECT * FROM reports", "sections": "SELECT * FROM sections", "cells": "SELECT * FROM cells",
    "facts": "SELECT * FROM facts", "findings": "SELECT * FROM findings",
    "cell_totals": "SELECT * FROM cell_totals", "reports_summary": "SELECT * FROM reports_summary",
    "agency_years_summary": "SELECT * FROM agency_years_summary", "cell_keys": "SELECT * FROM cell_keys",
}


def test_a_staged_bulk_load_writes_what_an_unstaged_one_does(tmp_path):
    """The two-process loader's transport (rows staged in SQLite files, copied by INSERT … SELECT)
    against rows passed in memory: the same archive, row for row, and the same searches."""
    from archive.bulk import Preparer, batches, unchecked_foreign_keys, write_batch

    plain = open_db(tmp_path / "plain.db")
    assert load_reports(plain, _bulk_items(), batch=15) == 44
    staged = open_db(tmp_path / "staged.db")
    stage = tmp_path / "stage"
    stage.mkdir()
    prep = Preparer(staged, stage=stage)
    written = 0
    with unchecked_foreign_keys(staged):
        for chunk in batches(_bulk_items(), 15):
            batch = prep.batch(chunk)
            assert batch.stage and not batch.rows["cells"]  # the rows travel in the file
            written += write_batch(staged, batch)
            assert not Path(batch.stage).exists()  # written once, then gone
    assert written == 44
    assert staged.execute("SELECT count(*) FROM findings").fetchone()[0] > 0
    assert staged.execute("SELECT count(*) FROM facts").fetchone()[0] > 0
    for table, sql in COMPARED.items():
        assert _rows(staged, sql) == _rows(plain, sql), table
    for term in ("复议", "依申请公开", "年度报告", "政务新媒体"):
        sql = "SELECT rowid FROM reports_fts WHERE reports_fts MATCH ?"
        assert _rows(staged, sql, [search._phrase(term)]) == _rows(plain, sql, [search._phrase(term)]), term
    assert summary.check(staged) == []
    plain.conn.close()
    staged.conn.close()


def test_a_batch_adds_to_the_summaries_what_the_insert_triggers_would(tmp_path, monkeypatch):
    """The bulk writer's summaries per batch (summary.batched) against the triggers' per report,
    on the same reports: the same rows; and every other write still goes through the triggers."""
    from contextlib import nullcontext

    from archive.bulk import Preparer, write_batch

    by_trigger = open_db(tmp_path / "trigger.db")
    with monkeypatch.context() as m:
        m.setattr(summary, "batched", lambda db, first, last: nullcontext())
        assert load_reports(by_trigger, _bulk_items(), batch=15) == 44
    by_batch = open_db(tmp_path / "batch.db")
    assert load_reports(by_batch, _bulk_items(), batch=15) == 44
    for table in ("reports_summary", "agency_years_summary"):
        assert _rows(by_batch, f"SELECT * FROM {table}") == _rows(by_trigger, f"SELECT * FROM {table}"), table
    # agencies recounted across batches: some have reports of several years
    assert by_batch.execute("SELECT max(n_years) FROM agency_years_summary").fetchone()[0] > 1
    assert summary.check(by_batch) == []
    flag = "SELECT count(*) FROM archive_info WHERE key = ?"
    assert by_batch.execute(flag, [summary.BATCH_FLAG]).fetchone()[0] == 0
    # a batch that fails (its reports are there already) leaves neither the flag nor a count
    before = _rows(by_batch, "SELECT * FROM reports_summary")
    prep = Preparer(by_batch)
    prep.next_report -= 5  # ids that are taken
    batch = prep.batch(synthetic_reports(50, syllables=3, start=45))
    with pytest.raises(sqlite3.IntegrityError):
        write_batch(by_batch, batch)
    assert by_batch.execute(flag, [summary.BATCH_FLAG]).fetchone()[0] == 0
    assert _rows(by_batch, "SELECT * FROM reports_summary") == before
    # a document loaded on its own afterwards: counted by the triggers
    data = render_text(generate(seed=11)).encode("utf-8")
    load_document(by_batch, data, path=str(tmp_path / "one.txt"))
    assert by_batch.execute("SELECT sum(reports) FROM reports_summary").fetchone()[0] == 45
    assert summary.check(by_batch) == []
    by_trigger.conn.close()
    by_batch.conn.close()


@pytest.mark.parametrize("n", [0, 1, 332, 333, 334, 1000])  # 333 rows a statement (3 columns)
def test_insert_many_inserts_what_executemany_does(n):
    from archive.load import insert_many

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (a, b, c)")
    rows = [(i, f"r{i}" if i % 3 else "", None if i % 5 == 0 else i * 0.5) for i in range(n)]
    insert_many(conn, "INSERT INTO t (a, b, c) VALUES (?, NULLIF(?, ''), ?)", rows)
    expected = [(a, b or None, c) for a, b, c in rows]
    assert conn.execute("SELECT a, b, c FROM t ORDER BY rowid").fetchall() == expected


def test_the_search_index_writes_a_batch_as_one_segment(tmp_path):
    """'hashsize' and 'automerge' (archive/search.py) are set on new indexes and on ones made before."""
    db = open_db(tmp_path / "xxgk.db")
    db.execute(search.DDL)  # an index as earlier versions made it: FTS5's defaults
    config = "SELECT k, v FROM reports_fts_config WHERE k IN ('hashsize', 'automerge')"
    assert db.execute(config).fetchall() == []
    load_reports(db, synthetic_reports(10, syllables=3), batch=10)
    assert dict(db.execute(config).fetchall()) == {"hashsize": 64 * 1024 * 1024, "automerge": 8}
    db.conn.close()
