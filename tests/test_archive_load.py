"""The archive's schema and loader: rows, keys, idempotency, crash safety, content-hash dedup."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

import parsers
from archive import load as loadmod
from archive.db import content_digest, open_db
from archive.headline import SUMS
from archive.load import load_document, load_paths, load_reports
from archive.runs import finish_run, start_run
from archive.sources import upsert_sources
from parsers import spec
from reportgen import generate, render_text
from xxgk.cli import cli

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "fixtures" / "corpus"
AGREED = {
    "sources": {"id", "name", "level", "province", "city", "county", "region_code", "entry_url", "platform", "flags"},
    "captures": {"id", "url", "fetched_at", "http_status", "media_type", "encoding", "sha256", "size",
                 "warc_file", "warc_offset", "path", "source_id", "kind", "parent_capture_id", "run_id"},
    "reports": {"id", "sha256", "capture_id", "source_id", "agency", "province", "level", "year", "template",
                "title", "url", "published_date", "status", "parser_version", "n_cells", "n_findings",
                "new_requests", "carried_over", "granted", "partially_granted", "withheld", "unavailable",
                "not_processed", "other_handled", "total_processed", "carried_forward", "reviews", "lawsuits",
                "regulations_issued", "normative_documents_issued", "licensing_decisions", "penalty_decisions",
                "coercion_decisions", "fees_10k_yuan"},
    "sections": {"id", "report_id", "number", "heading", "text"},
    "cells": {"report_id", "table_key", "row_key", "column_key", "value", "raw", "imputed", "source"},
    "facts": {"report_id", "key", "value", "text"},
    "findings": {"id", "report_id", "code", "severity", "message", "identity", "table_key", "row_key",
                 "column_key", "details", "scope"},
    "keys": {"table_key", "row_key", "column_key", "label_zh", "description_en", "versions"},
    "crawl_runs": {"id", "source_id", "started_at", "finished_at", "requests", "bytes", "reports_new",
                   "reports_changed", "reports_unchanged", "attachments", "blocked", "errors", "duration_s", "status"},
}


def doc(seed: int, **kw) -> bytes:
    return render_text(generate(seed=seed, **kw)).encode("utf-8")


@pytest.fixture
def db(tmp_path):
    return open_db(tmp_path / "xxgk.db")


def rows(db, sql, params=()):
    return [tuple(r) for r in db.execute(sql, params).fetchall()]


# --- schema ----------------------------------------------------------------------------------

def test_schema_has_agreed_tables_columns_views_fks_and_indexes(tmp_path):
    db = open_db(tmp_path / "a.db")
    for table, cols in AGREED.items():
        assert cols <= set(db[table].columns_dict), table
    assert {"applications_wide", "appeals_wide", "active_wide", "agency_years", "cells"} <= set(db.view_names())
    stored = [*(t for t in AGREED if t != "cells"), "cell_values", "cell_keys"]  # cells: a view over these
    fks = {(fk.table, fk.column, fk.other_table) for t in stored for fk in db[t].foreign_keys}
    assert {("captures", "source_id", "sources"), ("captures", "run_id", "crawl_runs"),
            ("captures", "parent_capture_id", "captures"), ("reports", "capture_id", "captures"),
            ("reports", "source_id", "sources"), ("cell_values", "report_id", "reports"),
            ("cell_values", "key_id", "cell_keys"),
            ("sections", "report_id", "reports"), ("facts", "report_id", "reports"),
            ("findings", "report_id", "reports")} <= fks
    indexed = {tuple(i.columns) for t in stored for i in db[t].indexes}
    for cols in [("year",), ("province",), ("level",), ("template",), ("status",), ("agency", "year"), ("source_id",),
                 ("table_key", "row_key", "column_key"), ("code",), ("sha256",)]:
        assert cols in indexed, cols
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    db.close()
    again = open_db(tmp_path / "a.db")  # opening an up-to-date archive writes nothing
    assert again.conn.total_changes == 0


def test_keys_is_the_data_dictionary(db):
    keys = {(r[0], r[1], r[2]): r for r in rows(db, "SELECT table_key, row_key, column_key, label_zh, "
                                                    "description_en, versions FROM keys")}
    for version in ("2021", "2019"):
        for t, r, c in spec.template(version).cell_keys():
            assert version in keys[(t, r, c)][5].split(",")
            row_label = spec.template(version).row(t, r).label
            assert keys[(t, r, c)][3].startswith(row_label)
            assert keys[(t, r, c)][4]  # an English description
    assert keys[("applications", "other_handling", "total")][5] == "2019"
    assert keys[("applications", "other_other", "total")][5] == "2021"
    assert keys[("applications", "granted", "natural_person")][5] == "2019,2021"
    assert {k for (t, k, _) in keys if t == "facts"} == set(spec.fact_keys())


# --- loading ---------------------------------------------------------------------------------

def test_loaded_rows_are_the_parse(db, tmp_path):
    data = doc(3, template="2021", year=2022)
    res = load_document(db, data, url="http://127.0.0.1/a.html", media_type="text/plain")
    assert res.change == "new"
    parsed = parsers.parse(data, "text/plain")
    rep = db["reports"].get(res.report_id)
    assert (rep["agency"], rep["year"], rep["template"], rep["status"]) == \
        (parsed.agency, parsed.year, parsed.template, parsed.status)
    assert rep["parser_version"] == parsers.PARSER_VERSION and rep["url"] == "http://127.0.0.1/a.html"
    stored = {(t, r, c): (v, raw) for t, r, c, v, raw in rows(
        db, "SELECT table_key, row_key, column_key, value, raw FROM cells WHERE report_id = ?", [res.report_id])}
    assert stored == {(c.table, c.row, c.column): (c.value, c.raw) for c in parsed.cells}
    assert rep["n_cells"] == len(parsed.cells) == len(stored) and len(stored) > 150
    assert rows(db, "SELECT number, heading, text FROM sections WHERE report_id = ? ORDER BY id", [res.report_id]) \
        == [(s.number, s.heading, s.text) for s in parsed.sections]
    assert rows(db, "SELECT key, value FROM facts WHERE report_id = ? ORDER BY id", [res.report_id]) \
        == [(f.key, f.value) for f in parsed.facts]
    assert [r[0] for r in rows(db, "SELECT code FROM findings WHERE report_id = ? ORDER BY id", [res.report_id])] \
        == [f.code for f in parsed.findings]
    # integers stay integers (NUMERIC affinity), so Datasette shows 36, not 36.0
    assert db.execute("SELECT typeof(value) FROM cells WHERE report_id = ? AND row_key = 'new_received' "
                      "AND column_key = 'total'", [res.report_id]).fetchone()[0] == "integer"
    # every stored cell key is in the data dictionary
    assert db.execute("SELECT count(*) FROM cells c LEFT JOIN keys k USING (table_key, row_key, column_key) "
                      "WHERE k.label_zh IS NULL").fetchone()[0] == 0


def test_headline_columns_sum_the_cells(db):
    r = generate(seed=11, template="2021", year=2022)
    res = load_document(db, render_text(r).encode(), media_type="text/plain")
    rep = db["reports"].get(res.report_id)
    cell = {(c.table, c.row, c.column): c.value for c in parsers.parse(render_text(r).encode(), "text/plain").cells}
    for col, alternatives in SUMS.items():
        keys = next((ks for ks in alternatives if any(cell.get(k) is not None for k in ks)), None)
        want = sum(cell[k] for k in keys if cell.get(k) is not None) if keys else None
        assert rep[col] == want, col
    assert rep["withheld"] == sum(cell[("applications", k, "total")] for k in (
        "withheld_state_secret", "withheld_prohibited_by_law", "withheld_security_stability",
        "withheld_third_party_rights", "withheld_internal_affairs", "withheld_process_information",
        "withheld_enforcement_files", "withheld_administrative_query"))
    wide = next(db.query("SELECT * FROM applications_wide WHERE report_id = ?", [res.report_id]))
    assert wide["new_received__total"] == rep["new_requests"]
    assert wide["carried_forward__natural_person"] == cell[("applications", "carried_forward", "natural_person")]
    assert wide["other_handling__total"] is None  # a 2019-only row, absent from this 2021 report
    by_row = {r["row_key"]: r for r in db.query("SELECT * FROM applications_rows WHERE report_id = ?", [res.report_id])}
    assert set(by_row) == {r for (t, r, _) in cell if t == "applications"}
    assert all(by_row[r][c] == v for (t, r, c), v in cell.items() if t == "applications")
    appeals = next(db.query("SELECT * FROM appeals_wide WHERE report_id = ?", [res.report_id]))
    assert all(appeals[f"{r}__{c}"] == v for (t, r, c), v in cell.items() if t == "appeals")


def test_second_load_changes_nothing(db, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    for i in range(4):
        (folder / f"r{i}.txt").write_bytes(doc(20 + i, template=("2021", "2019", "pre2019", "2021")[i]))
    first = load_paths(db, [folder], progress=False)
    assert [r.change for r in first] == ["new"] * 4
    before, digest = db.conn.total_changes, content_digest(db)
    second = load_paths(db, [folder], progress=False)
    assert [r.change for r in second] == ["unchanged"] * 4
    assert [r.report_id for r in second] == [r.report_id for r in first]
    assert db.conn.total_changes == before and content_digest(db) == digest


def test_a_crash_mid_load_leaves_the_database_as_it_was(db, monkeypatch):
    load_document(db, doc(30), url="http://127.0.0.1/one")
    digest, counts = content_digest(db), {t: db[t].count for t in AGREED}
    real = loadmod._write_rows
    calls = []

    def crashing(db_, table, rows_):
        calls.append(table)
        if len(calls) == 3:  # the capture, the report, sections and cells are already written
            raise sqlite3.OperationalError("disk I/O error")  # the database failing, not the document
        real(db_, table, rows_)

    monkeypatch.setattr(loadmod, "_write_rows", crashing)
    with pytest.raises(sqlite3.OperationalError, match="disk I/O error"):
        load_document(db, doc(31), url="http://127.0.0.1/two")
    assert calls == ["sections", "cells", "facts"]
    assert content_digest(db) == digest and {t: db[t].count for t in AGREED} == counts
    assert not db.conn.in_transaction
    monkeypatch.setattr(loadmod, "_write_rows", real)  # the same document loads cleanly afterwards
    assert load_document(db, doc(31), url="http://127.0.0.1/two").change == "new"


def test_same_bytes_at_two_urls_is_one_report_with_two_captures(db):
    data = doc(40)
    a = load_document(db, data, url="http://127.0.0.1/a")
    b = load_document(db, data, url="http://127.0.0.1/b")
    assert (a.change, b.change) == ("new", "unchanged")
    assert a.report_id == b.report_id and a.capture_id != b.capture_id
    assert db["reports"].count == 1 and db["captures"].count == 2
    assert db["reports"].get(a.report_id)["capture_id"] == a.capture_id
    # new content at a known URL is a change
    c = load_document(db, doc(41), url="http://127.0.0.1/a")
    assert c.change == "changed" and db["reports"].count == 2


def test_failing_document_is_recorded_with_its_findings(db):
    res = load_document(db, b"\x00\x01 not a report", media_type="application/x-unknown", url="http://127.0.0.1/x")
    rep = db["reports"].get(res.report_id)
    assert rep["status"] == "failed" and rep["n_findings"] >= 1
    codes = [r[0] for r in rows(db, "SELECT code FROM findings WHERE report_id = ?", [res.report_id])]
    assert "unsupported_format" in codes


def test_capture_only_kinds_and_parent_links(db):
    page = load_document(db, b"<html>listing</html>", url="http://127.0.0.1/list", kind="listing")
    blocked = load_document(db, b"", url="http://127.0.0.1/waf", kind="blocked", http_status=403)
    att = load_document(db, doc(50), url="http://127.0.0.1/r.txt", kind="attachment",
                        parent_url="http://127.0.0.1/list")
    assert (page.change, blocked.change, att.change) == ("capture_only", "capture_only", "new")
    assert page.report_id is None and blocked.report_id is None and db["reports"].count == 1
    assert db["captures"].get(att.capture_id)["parent_capture_id"] == page.capture_id
    assert db["captures"].get(blocked.capture_id)["http_status"] == 403


def test_sources_sidecar_metadata_and_runs(db, tmp_path):
    assert upsert_sources(db, [{"id": "gd-city", "name": "东桥市人民政府", "level": "city", "province": "广东省",
                                "flags": {"js": True}}]) == 1
    assert upsert_sources(db, [{"id": "gd-city", "name": "东桥市人民政府", "level": "city", "province": "广东省",
                                "flags": {"js": True}}]) == 0  # re-registering changes nothing
    run = start_run(db, "gd-city")
    res = load_document(db, doc(60), url="http://127.0.0.1/s", source_id="gd-city", run_id=run)
    finish_run(db, run, requests=3, reports_new=1)
    rep = db["reports"].get(res.report_id)
    assert (rep["province"], rep["level"], rep["source_id"]) == ("广东省", "city", "gd-city")
    run_row = db["crawl_runs"].get(run)
    assert run_row["status"] == "finished" and run_row["requests"] == 3 and run_row["duration_s"] >= 0
    assert db["captures"].get(res.capture_id)["run_id"] == run
    # a local document with a sidecar
    r = generate(seed=61, template="pre2019", year=2016)
    f = tmp_path / "local.txt"
    f.write_bytes(render_text(r).encode())
    (tmp_path / "local.txt.meta.json").write_text(json.dumps(
        {"province": "湖南省", "level": "county", "url": "http://127.0.0.1/local", "published_date": "2017-03-01"}))
    (res2,) = load_paths(db, [f], progress=False)
    rep2 = db["reports"].get(res2.report_id)
    assert (rep2["province"], rep2["level"], rep2["url"], rep2["published_date"]) == \
        ("湖南省", "county", "http://127.0.0.1/local", "2017-03-01")


def test_bulk_path_writes_the_same_rows_as_the_loader(tmp_path):
    data = doc(70, template="2019", year=2020)
    one, bulk = open_db(tmp_path / "one.db"), open_db(tmp_path / "bulk.db")
    for db_ in (one, bulk):
        upsert_sources(db_, [{"id": "s1", "name": "某县人民政府", "level": "county", "province": "河南省"}])
    load_document(one, data, path="/x/doc.txt", source_id="s1")
    meta = {"path": "/x/doc.txt", "source_id": "s1"}
    assert load_reports(bulk, [(parsers.parse(data), data, meta)]) == 1
    assert load_reports(bulk, [(parsers.parse(data), data, meta)]) == 0  # known content
    with pytest.raises(ValueError, match="unknown source ids"):
        load_reports(bulk, [(parsers.parse(data), b"other", {"source_id": "nope"})])
    assert bulk.execute("PRAGMA foreign_keys").fetchone()[0] == 1  # enforcement is back on
    for table, cols in [("reports", "*"), ("cells", "*"), ("sections", "*"), ("facts", "*"), ("findings", "*")]:
        q = f"SELECT {cols} FROM {table} ORDER BY 1, 2, 3"
        assert rows(one, q) == rows(bulk, q), table
    q = "SELECT url, sha256, size, path, kind, locator, source_id FROM captures"
    assert rows(one, q) == rows(bulk, q)


def test_fixture_corpus_and_seed_load(tmp_path, shared_dir):
    db = open_db(tmp_path / "c.db")
    docs = [p for p in loadmod.iter_documents([CORPUS, shared_dir / "corpus" / "seed"])]
    assert len(docs) >= 40
    results = load_paths(db, [CORPUS, shared_dir / "corpus" / "seed"], progress=False)
    assert len(results) == len(docs) and all(r.change == "new" or r.change == "unchanged" for r in results)
    distinct = {loadmod.sha256(p.read_bytes()) for p in docs}
    assert db["reports"].count == len(distinct) and db["captures"].count == len(docs)
    # every fixture with expected JSON is archived with the expected agency/year/template where the parser got it
    seed = json.loads((shared_dir / "corpus" / "seed" / "expected.json").read_text())
    rep = db.execute("SELECT agency, year, template, r.id FROM reports r JOIN captures c ON c.id = r.capture_id "
                     "WHERE c.path LIKE ?", [f"%{seed['document']}"]).fetchone()
    assert tuple(rep[:3]) == (seed["agency"], seed["year"], seed["template"])
    got = {(t, r, c): v for t, r, c, v in rows(db, "SELECT table_key, row_key, column_key, value FROM cells "
                                                   "WHERE report_id = ?", [rep[3]])}
    assert {(c["table"], c["row"], c["column"]): c["value"] for c in seed["cells"]}.items() <= got.items()
    # parsed or failed, nothing is lost: failed reports carry findings
    assert db.execute("SELECT count(*) FROM reports WHERE status = 'failed' AND n_findings = 0").fetchone()[0] == 0
    # the counts on reports agree with the rows, and every cell has a data-dictionary entry
    assert db.execute("SELECT count(*) FROM reports r WHERE n_cells != (SELECT count(*) FROM cells "
                      "WHERE report_id = r.id) OR n_findings != (SELECT count(*) FROM findings "
                      "WHERE report_id = r.id)").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM cells").fetchone()[0] > 100 * 40
    assert db.execute("SELECT count(*) FROM cells c LEFT JOIN keys k USING (table_key, row_key, column_key) "
                      "WHERE k.label_zh IS NULL").fetchone()[0] == 0
    before, digest = db.conn.total_changes, content_digest(db)
    load_paths(db, [CORPUS, shared_dir / "corpus" / "seed"], progress=False)
    assert db.conn.total_changes == before and content_digest(db) == digest


def test_cli_load_twice(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "a.txt").write_bytes(doc(80))
    (folder / "b.txt").write_bytes(doc(81, template="2019", year=2020))
    dbp = tmp_path / "cli.db"
    first = CliRunner().invoke(cli, ["load", str(folder), "--db", str(dbp), "--no-progress"])
    assert first.exit_code == 0, first.output
    assert "2 new" in first.output
    second = CliRunner().invoke(cli, ["load", str(folder), "--db", str(dbp)])  # with the progress bar
    assert second.exit_code == 0 and "2 unchanged" in second.output


def test_a_key_read_twice_keeps_the_first_value_and_says_so(db):
    r = generate(seed=90, template="2021", year=2022)
    first = r.cells[0]
    r.cells.append(parsers.Cell(first.table, first.row, first.column, 999, "999"))
    load_reports(db, [(r, b"doc-90", {"path": "/x/90.txt"})])
    (rid,) = [x[0] for x in rows(db, "SELECT id FROM reports")]
    assert db.execute("SELECT value FROM cells WHERE report_id = ? AND table_key = ? AND row_key = ? "
                      "AND column_key = ?", [rid, first.table, first.row, first.column]).fetchone()[0] == first.value
    (f,) = list(db.query("SELECT * FROM findings WHERE code = 'duplicate_cell'"))
    assert (f["row_key"], json.loads(f["details"])["value"]) == (first.row, 999)


def test_bad_sidecar_is_reported_and_the_rest_still_loads(db, tmp_path):
    (tmp_path / "a.txt").write_bytes(doc(91))
    (tmp_path / "a.txt.meta.json").write_text("{not json")
    (tmp_path / "b.txt").write_bytes(doc(92))
    res = load_paths(db, [tmp_path], progress=False)
    assert [r.change for r in res] == ["error", "new"]
    assert "a.txt.meta.json" in res[0].error and db["reports"].count == 1


def test_unknown_source_is_a_clear_error_that_writes_nothing(db):
    digest = content_digest(db)
    with pytest.raises(ValueError, match="unknown source id 'nope'"):
        load_document(db, doc(93), url="http://127.0.0.1/n", source_id="nope")
    assert content_digest(db) == digest


def test_attachment_inherits_the_page_s_date_source_agency_and_year(db):
    upsert_sources(db, [{"id": "portal", "name": "临江市人民政府", "province": "江西"}])
    stub = "<html><head><title>青石镇人民政府2021年政府信息公开工作年度报告</title></head><body>" \
           "<h1>青石镇人民政府2021年政府信息公开工作年度报告</h1><p>详见附件。</p>" \
           '<a href="/r.txt">附件</a></body></html>'
    page = load_document(db, stub.encode(), url="http://127.0.0.1/p.html", media_type="text/html",
                         source_id="portal", published_date="2022-02-03")
    with db.atomic():  # the page's own report names the agency and year (whatever its status)
        db.execute("UPDATE reports SET agency = '青石镇人民政府', year = 2021 WHERE id = ?", [page.report_id])
    body = render_text(generate(seed=80, template="2021", year=2021)).encode()
    att = load_document(db, body, url="http://127.0.0.1/r.txt", kind="attachment", parent_url="http://127.0.0.1/p.html")
    rep = db["reports"].get(att.report_id)
    assert (rep["published_date"], rep["source_id"], rep["province"]) == ("2022-02-03", "portal", "江西")
    assert db["captures"].get(att.capture_id)["source_id"] == "portal"
    assert rep["agency"] != "青石镇人民政府"  # the attachment's own title wins over the page's
    # its own date and source win
    upsert_sources(db, [{"id": "other", "name": "某县人民政府"}])
    att2 = load_document(db, body + b"\n", url="http://127.0.0.1/r2.txt", kind="attachment", source_id="other",
                         published_date="2022-03-01", parent_url="http://127.0.0.1/p.html")
    rep2 = db["reports"].get(att2.report_id)
    assert (rep2["published_date"], rep2["source_id"]) == ("2022-03-01", "other")
    # an attachment that names nobody (here: unreadable) takes the page's agency and year
    att3 = load_document(db, b"%PDF-1.4 not really", url="http://127.0.0.1/r3.pdf", kind="attachment",
                         parent_url="http://127.0.0.1/p.html")
    rep3 = db["reports"].get(att3.report_id)
    assert (rep3["status"], rep3["agency"], rep3["year"]) == ("failed", "青石镇人民政府", 2021)
