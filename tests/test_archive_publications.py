"""Publications (archive/publications.py): the renditions of one report grouped, one primary by
the documented rule, every view counting a publication once; documents built with reportgen,
rendered, parsed and loaded by the real loader."""
from __future__ import annotations

import sqlite3

import pytest

from archive import crosscheck, publications
from archive.db import content_digest, open_db
from archive.load import load_document
from reportgen import agencies, generate, render_html, render_text

KEY = ("applications", "new_received", "total")


def truth(report, key=KEY):
    return next(c.value for c in report.cells if (c.table, c.row, c.column) == key)


def text(report, **kw):
    return dict(data=render_text(report).encode("utf-8"), media_type="text/plain", **kw)


@pytest.fixture
def db(tmp_path):
    return open_db(tmp_path / "x.db")


@pytest.fixture(scope="module")
def ag():
    return agencies(5, 6)


def pubs(db):
    return {r["id"]: (r["publication_id"], r["is_primary"]) for r in db.query(
        "SELECT id, publication_id, is_primary FROM reports ORDER BY id")}


def test_a_page_and_its_attachment_are_one_publication_counted_once(db, ag):
    r = generate(seed=1, template="2021", year=2022, agency=ag[0])
    page = load_document(db, render_html(r, "trs"), url="http://127.0.0.1/p.html", media_type="text/html")
    pdf_like = load_document(db, **text(r, url="http://127.0.0.1/p.txt", parent_url="http://127.0.0.1/p.html",
                                        kind="attachment"))
    other = load_document(db, **text(generate(seed=2, template="2021", year=2022, agency=ag[1])))
    crosscheck.run(db)
    assert pubs(db) == {page.report_id: (page.report_id, 1), pdf_like.report_id: (page.report_id, 0),
                        other.report_id: (other.report_id, 1)}
    # every view and the publications view count it once
    assert db.execute("SELECT count(*) FROM applications_wide").fetchone()[0] == 2
    assert db.execute("SELECT sum(n_reports) FROM agency_years").fetchone()[0] == 2
    row = db.execute("SELECT renditions, rendition_ids, renditions_disagree, new_requests FROM publications "
                     "WHERE publication_id = ?", [page.report_id]).fetchone()
    assert row == (2, f"{page.report_id},{pdf_like.report_id}", 0, truth(r))


def test_a_failed_page_gives_way_to_its_attachment(db, ag):
    r = generate(seed=3, template="2021", year=2021, agency=ag[2])
    stub = load_document(db, f"{ag[2].name}2021年政府信息公开工作年度报告 详见附件。".encode(),
                         url="http://127.0.0.1/s.html", media_type="text/html", meta={"agency": ag[2].name, "year": 2021})
    attachment = load_document(db, **text(r, url="http://127.0.0.1/s.txt", parent_url="http://127.0.0.1/s.html",
                                          kind="attachment"))
    assert db["reports"].get(stub.report_id)["status"] == "failed"
    crosscheck.run(db)
    assert pubs(db) == {stub.report_id: (stub.report_id, 0), attachment.report_id: (stub.report_id, 1)}


def test_a_corrected_version_at_the_same_url_is_primary_and_the_disagreement_a_finding(db, ag):
    first = generate(seed=4, template="2021", year=2022, agency=ag[3])
    fixed = generate(seed=5, template="2021", year=2022, agency=ag[3])
    url = "http://127.0.0.1/r.txt"
    old = load_document(db, **text(first, url=url, fetched_at="2026-02-01T00:00:00+00:00"))
    new = load_document(db, **text(fixed, url=url, fetched_at="2026-03-01T00:00:00+00:00"))
    assert new.change == "changed" and truth(first) != truth(fixed)
    crosscheck.run(db)
    assert pubs(db) == {old.report_id: (old.report_id, 0), new.report_id: (old.report_id, 1)}
    assert db.execute("SELECT new_requests, renditions_disagree FROM publications").fetchall() == [(truth(fixed), 1)]
    (dup,) = db.query("SELECT * FROM findings WHERE code = 'duplicate_report'")
    assert {dup["subject_report_id"], dup["other_report_id"]} == {old.report_id, new.report_id}


def test_rank_status_then_more_cells_then_fewer_findings_then_first_archived(db, ag):
    r = generate(seed=6, template="2021", year=2020, agency=ag[4])
    a = load_document(db, **text(r, url="http://127.0.0.1/a.txt"))
    b = load_document(db, render_html(r, "word"), url="http://127.0.0.1/b.html", media_type="text/html")

    def primary_after(sql: str = "", *params) -> int:
        if sql:
            with db.atomic():
                db.execute(sql, params)
        publications.assign(db)
        (rid,) = [rid for rid, (pub, prim) in pubs(db).items() if prim]
        assert {pub for pub, _ in pubs(db).values()} == {a.report_id}
        return rid

    assert primary_after("UPDATE reports SET n_cells = 200, n_findings = 0, status = 'ok'") == a.report_id  # a tie
    assert primary_after("UPDATE reports SET n_findings = 1 WHERE id = ?", a.report_id) == b.report_id
    assert primary_after("UPDATE reports SET n_cells = 201 WHERE id = ?", a.report_id) == a.report_id
    assert primary_after("UPDATE reports SET status = 'partial' WHERE id = ?", a.report_id) == b.report_id


def test_without_agency_or_year_a_report_is_its_own_publication(db):
    one = load_document(db, "一份没有机关名称的文字".encode(), url="http://127.0.0.1/x", media_type="text/plain")
    two = load_document(db, "另一份没有机关名称的文字".encode(), url="http://127.0.0.1/y", media_type="text/plain")
    crosscheck.run(db)
    assert pubs(db) == {one.report_id: (one.report_id, 1), two.report_id: (two.report_id, 1)}


def test_grouping_again_writes_nothing_and_new_documents_count_until_grouped(db, ag):
    r = generate(seed=7, template="2019", year=2020, agency=ag[0])
    a = load_document(db, **text(r, url="http://127.0.0.1/g.txt"))
    crosscheck.run(db)
    before, digest = db.conn.total_changes, content_digest(db)
    assert publications.assign(db) == 0
    assert db.conn.total_changes == before and content_digest(db) == digest
    b = load_document(db, render_html(r, "trs"), url="http://127.0.0.1/g.html", media_type="text/html")
    # loaded, not yet grouped: a publication of its own (is_primary defaults to 1)
    assert db["reports"].get(b.report_id)["is_primary"] == 1
    assert db["reports"].get(b.report_id)["publication_id"] is None
    assert db.execute("SELECT renditions FROM publications WHERE report_id = ?", [b.report_id]).fetchone() == (1,)
    crosscheck.run(db)
    assert {pubs(db)[a.report_id][0], pubs(db)[b.report_id][0]} == {a.report_id}
    assert pubs(db)[a.report_id][1] + pubs(db)[b.report_id][1] == 1


def test_an_archive_from_before_publications_gets_them(tmp_path):
    """0.2.0 archives have no publication columns: the migration adds them and groups the
    reports (xxgk serve then counts publications at once, without grouping at every start)."""
    from pathlib import Path
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript((Path(__file__).parent / "fixtures" / "archive-0.2.0-tables.sql").read_text(encoding="utf-8"))
    conn.execute("INSERT INTO reports (id, sha256, agency, year) VALUES (1, 'a', '甲', 2022), (2, 'b', '甲', 2022)")
    conn.commit()
    conn.close()
    db = open_db(path)
    assert db.execute("SELECT id, publication_id, is_primary FROM reports").fetchall() == [(1, 1, 1), (2, 1, 0)]
    assert publications.assign(db) == 0
