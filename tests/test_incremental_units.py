"""Incremental policy pieces on their own: the re-check interval, pagination stop, page numbers,
the known-items store read from an archive, the url_checks writes, and the JOBDIR lifecycle."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from scrapy import Request

from archive import urlchecks
from archive.db import open_db
from archive.load import load_document
from archive.sources import upsert_sources
from crawler.jobdir import RUNNING, jobdir_for, prepare_jobdir
from crawler.policy import KnownItems, RecheckPolicy, follow_pages, page_number, should_follow_next_page

NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)


def test_recheck_interval_grows_with_age_and_is_clamped():
    p = RecheckPolicy(min_days=1, max_days=90, age_factor=0.25)
    assert p.interval(NOW - timedelta(hours=1), NOW) == timedelta(days=1)       # new: the minimum
    assert p.interval(NOW - timedelta(days=40), NOW) == timedelta(days=10)      # a quarter of its age
    assert p.interval(NOW - timedelta(days=4000), NOW) == timedelta(days=90)    # old: the maximum
    first = NOW - timedelta(days=40)
    assert not p.due(first, NOW - timedelta(days=9), NOW)
    assert p.due(first, NOW - timedelta(days=10), NOW)
    always = RecheckPolicy(min_days=0, age_factor=0)
    assert always.due(NOW, NOW, NOW)


def test_should_follow_next_page():
    known = {"a", "b"}
    assert should_follow_next_page(["a", "x"], known, depth=5)          # a new item: always follow
    assert should_follow_next_page([], known, depth=5)                  # nothing listed: no evidence
    assert should_follow_next_page(["a", "b"], known, depth=0, safety_depth=1)
    assert not should_follow_next_page(["a", "b"], known, depth=1, safety_depth=1)
    assert not should_follow_next_page(["a"], known, depth=0, safety_depth=0)


def req(url: str, **meta) -> Request:
    return Request(url, meta={"role": "listing", **meta})


def test_page_numbers_of_adapters_requests():
    assert page_number(req("http://h/col/index_1.html", page=1)) == 2          # TRS fan-out
    assert page_number(req("http://h/gkmlpt/api/all/5?page=1&sid=1", page=1, api="x")) is None
    assert page_number(req("http://h/gkmlpt/api/all/5?page=3&sid=1", page=3, api="x")) == 3
    assert page_number(req("http://h/module/web/jpage/dataproxy.jsp?startrecord=46&endrecord=90", jpage="post")) == 46
    assert page_number(req("http://h/list_2.html")) == 3                        # a next-page link
    assert page_number(req("http://h/zfxxgknb/2023/")) is None                  # a year sub-column
    assert page_number(req("http://h/col/col123/index.html")) is None


def test_follow_pages_chain_and_fan_out():
    pages = [req(f"http://h/index_{n}.html", page=n) for n in (3, 1, 2)]
    kept, depth = follow_pages(pages, ["a", "new"], {"a"}, depth=0, safety_depth=1)
    assert kept == pages and depth == 0                                          # new item: everything
    kept, depth = follow_pages(pages, ["a"], {"a"}, depth=0, safety_depth=1)
    assert [r.url for r in kept] == ["http://h/index_1.html"] and depth == 1   # known: the next one only
    kept, depth = follow_pages(pages[:1], ["a"], {"a"}, depth=1, safety_depth=1)
    assert kept == [] and depth == 2
    kept, _ = follow_pages(pages, [], {"a"}, depth=1, safety_depth=1)
    assert kept == pages


def known(db, policy=None) -> KnownItems:
    return KnownItems.from_rows(urlchecks.archived(db), urlchecks.checks(db), policy)


@pytest.fixture
def archive(tmp_path):
    db = open_db(tmp_path / "x.db")
    upsert_sources(db, [{"id": "s1", "name": "S"}])
    return db


def test_known_items_from_archive(archive):
    old = (NOW - timedelta(days=100)).isoformat()
    load_document(archive, b"<html>a</html>", url="http://h/a.html", source_id="s1", kind="listing",
                  fetched_at=old, warc_file="warc/a.warc.gz", warc_offset=10)
    load_document(archive, b"%PDF-1.4 x", url="http://h/r.pdf", source_id="s1", kind="attachment",
                  fetched_at=NOW.isoformat(), warc_file="warc/a.warc.gz", warc_offset=99)
    load_document(archive, b"blocked", url="http://h/b.html", source_id="s1", kind="blocked", http_status=412,
                  fetched_at=NOW.isoformat())
    k = known(archive, RecheckPolicy(min_days=1, max_days=90, age_factor=0.25))
    assert "http://h/a.html" in k and "http://h/r.pdf" in k and "http://h/b.html" not in k
    assert k.skip("http://h/r.pdf", NOW + timedelta(hours=1))        # fresh leaf
    assert not k.skip("http://h/r.pdf", NOW + timedelta(days=2))     # due: re-check
    headers, location = k.conditional("http://h/r.pdf")
    assert "If-Modified-Since" in headers and location == ("warc/a.warc.gz", 99)
    assert k.conditional("http://h/unknown.html") is None
    # validators whose answer never reached the archive prove nothing
    archive.conn.execute("INSERT INTO url_checks (url, checked_at, http_status, etag, warc_file, warc_offset)"
                         " VALUES ('http://h/r.pdf', ?, 200, '\"v1\"', 'warc/lost.warc.gz', 5)", [NOW.isoformat()])
    k = known(archive)
    assert k.valid_check("http://h/r.pdf") is None
    archive.conn.execute("UPDATE url_checks SET warc_offset = 99, warc_file = 'warc/a.warc.gz'")
    k = known(archive)
    assert k.conditional("http://h/r.pdf")[0] == {"If-None-Match": '"v1"'}


def test_report_page_known_only_with_its_attachments(archive):
    load_document(archive, b"<html><title>x</title></html>", url="http://h/t1.html", source_id="s1", kind="report",
                  fetched_at=NOW.isoformat(), warc_file="warc/a.warc.gz", warc_offset=1)
    k = known(archive)
    assert not k.complete("http://h/t1.html")    # attachments never recorded: fetch it again
    archive.conn.execute("INSERT INTO url_checks (url, checked_at, http_status, warc_file, warc_offset, children)"
                         " VALUES ('http://h/t1.html', ?, 200, 'warc/a.warc.gz', 1, '[\"http://h/P1.pdf\"]')",
                         [NOW.isoformat()])
    assert not known(archive).complete("http://h/t1.html")   # its PDF is missing
    load_document(archive, b"%PDF-1.4 y", url="http://h/P1.pdf", source_id="s1", kind="attachment",
                  fetched_at=NOW.isoformat(), warc_file="warc/a.warc.gz", warc_offset=50)
    k = known(archive)
    assert k.complete("http://h/t1.html") and k.skip("http://h/t1.html", NOW + timedelta(hours=2))


def test_jobdir_lifecycle(tmp_path):
    one = jobdir_for(tmp_path, ["mock-trs-0"])
    many = jobdir_for(tmp_path, ["b", "a", "c"])
    assert one == tmp_path / "jobs" / "mock-trs-0" and many == jobdir_for(tmp_path, ["c", "a", "b"])
    path = prepare_jobdir(one)
    (path / "requests.seen").write_text("fingerprint\n")
    # the marker is still there: that run was killed, its half-written state is dropped
    path = prepare_jobdir(one)
    assert not (path / "requests.seen").exists() and (path / RUNNING).exists()
    (path / "requests.seen").write_text("fingerprint\n")
    (path / RUNNING).unlink()  # a clean stop keeps the state for the next run
    assert (prepare_jobdir(one) / "requests.seen").exists()


def test_url_checks_keep_a_pages_attachments_only_for_the_same_answer(archive):
    url, t1, t2 = "http://h/t1.html", NOW.isoformat(), (NOW + timedelta(days=1)).isoformat()

    def row():
        return archive.execute("SELECT http_status, checked_at, etag, warc_offset, children FROM url_checks"
                               " WHERE url = ?", [url]).fetchone()

    urlchecks.record_answer(archive, url, "s1", t1, '"e1"', None, "warc/a.warc.gz", 1)
    urlchecks.record_children(archive, url, ["http://h/b.pdf", "http://h/a.pdf", "http://h/a.pdf"])
    assert row() == (200, t1, '"e1"', 1, '["http://h/a.pdf", "http://h/b.pdf"]')
    urlchecks.record_not_modified(archive, url, t2)
    assert row() == (304, t2, '"e1"', 1, '["http://h/a.pdf", "http://h/b.pdf"]')
    urlchecks.record_answer(archive, url, "s1", t2, '"e1"', None, "warc/a.warc.gz", 1)  # the same record
    assert row()[-1] == '["http://h/a.pdf", "http://h/b.pdf"]'
    urlchecks.record_answer(archive, url, "s1", t2, '"e2"', None, "warc/a.warc.gz", 77)  # a new answer
    assert row() == (200, t2, '"e2"', 77, None)
    assert [c.children for c in urlchecks.checks(archive)] == [None]


def test_runs_left_running_by_a_killed_crawl_are_marked(archive):
    from archive.runs import finish_run, last_was_killed, mark_killed, start_run

    done = start_run(archive, "s1")
    finish_run(archive, done)
    dead = start_run(archive, "s1")  # its crawl was killed: never finished
    mine = start_run(archive, "s1")
    assert not last_was_killed(archive, ["s1"], [mine])
    assert mark_killed(archive, keep=[mine]) == 1
    status = {r["id"]: r for r in archive["crawl_runs"].rows}
    assert [status[i]["status"] for i in (done, dead, mine)] == ["finished", "killed", "running"]
    assert status[dead]["finished_at"] == status[dead]["started_at"]
    assert last_was_killed(archive, ["s1"], [mine]) and not last_was_killed(archive, ["s2"], [mine])
    assert mark_killed(archive, keep=[mine]) == 0
