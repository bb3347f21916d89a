"""Incremental crawls for real: `xxgk crawl` over HTTP against the mock portals, twice and more.

- a second crawl of unchanged portals archives nothing new and asks for little;
- after `publish(portal, n=3)` the next crawl archives exactly those three;
- a report changed at the same URL becomes a new capture and a new report revision.
"""
from __future__ import annotations

import sqlite3

import pytest

from crawl_support import connect, crawl, expected, portal_sources, urls

from mockportals import MockPortals  # noqa: E402  (crawl_support puts the repo on sys.path)

pytestmark = [pytest.mark.crawl, pytest.mark.slow]

RECHECK_ALL = ("-s", "XXGK_RECHECK_MIN_DAYS=0", "-s", "XXGK_RECHECK_AGE_FACTOR=0")
PORTALS = ("trs", "hanweb", "gkmlpt", "fujian")


@pytest.fixture(scope="module")
def mp():
    with MockPortals(seed=5, page_size=10, portals=PORTALS) as portals:
        yield portals


def captures(db: sqlite3.Connection) -> list[tuple]:
    return sorted(tuple(r) for r in db.execute("SELECT url, kind, sha256 FROM captures"))


def last_runs(db: sqlite3.Connection, n: int) -> list[sqlite3.Row]:
    return db.execute("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT ?", [n]).fetchall()


def served(mp, since: int, portal: str) -> list:
    return [r for r in mp.requests_log[since:] if r.portal == portal]


@pytest.mark.parametrize("portal", PORTALS)
def test_second_crawl_archives_nothing_new(mp, portal, tmp_path):
    sources = portal_sources(mp, portal)
    start = len(mp.requests_log)
    crawl(sources, tmp_path)
    first = served(mp, start, portal)
    db = connect(tmp_path)
    before = captures(db)
    assert urls(db, "report") == expected(mp, portal)
    n_reports = db.execute("SELECT count(*) FROM reports").fetchone()[0]
    start = len(mp.requests_log)
    crawl(sources, tmp_path)
    second = served(mp, start, portal)
    assert captures(db) == before                      # not one new capture
    assert db.execute("SELECT count(*) FROM reports").fetchone()[0] == n_reports
    runs = last_runs(db, len(sources))
    assert sum(r["reports_new"] + r["reports_changed"] for r in runs) == 0
    assert all(r["status"] == "finished" for r in runs)
    # the known reports listed on the pages visited count as unchanged: the source is healthy, not quiet
    assert sum(r["reports_unchanged"] for r in runs) > 0
    assert not db.execute("SELECT 1 FROM findings WHERE code = 'source_yield_dropped'").fetchone()
    # (gkmlpt's second category answers 404 from page 2 on: its list stays short of its post_count)
    assert {r["state"] for r in db.execute("SELECT state FROM source_health")} == (
        {"incomplete"} if portal == "gkmlpt" else {"ok"})
    assert len(second) <= 0.25 * len(first), [r.path for r in second]
    assert {(r.method, r.path) for r in second} <= {(r.method, r.path) for r in first}
    # known report pages and files were not asked for again
    assert not {r.path for r in second} & {e.url.split(str(mp.sites[portal].base), 1)[-1] for e in mp.manifest
                                           if e.portal == portal and e.expect == "archived"}


def test_published_reports_are_exactly_what_the_next_crawl_adds(mp, tmp_path):
    sources = portal_sources(mp, "trs")
    crawl(sources, tmp_path)
    db = connect(tmp_path)
    had = urls(db, "report")
    new = mp.publish("trs", n=3)
    log = tmp_path / "logs" / "crawl.log"
    crawl(sources, tmp_path, "--log-file", str(log))
    text = log.read_text(encoding="utf-8")  # INFO lines although --quiet keeps stderr to warnings
    assert "incremental:" in text and "Spider closed (finished)" in text
    assert urls(db, "report") - had == {e.url for e in new}
    runs = last_runs(db, len(sources))
    assert sum(r["reports_new"] for r in runs) == 3 and sum(r["reports_changed"] for r in runs) == 0
    for e in new:
        r = db.execute("SELECT r.agency, r.year FROM captures c JOIN reports r ON r.sha256 = c.sha256"
                       " WHERE c.url = ? AND c.kind = 'report'", [e.url]).fetchone()
        assert (r["agency"], r["year"]) == (e.agency, e.year)
        for att in e.attachments:  # a new report's PDF comes with it
            assert db.execute("SELECT 1 FROM captures WHERE url = ?", [att]).fetchone(), att


def test_changed_report_becomes_a_new_revision(mp, tmp_path):
    sources = portal_sources(mp, "trs")
    crawl(sources, tmp_path)
    db = connect(tmp_path)
    before = captures(db)
    entry = mp.revise("trs", next(e.url for e in mp.manifest if e.portal == "trs" and e.kind == "report"
                                  and e.fmt == "html" and e.expect == "archived" and e.template == "2021"))
    start = len(mp.requests_log)
    crawl(sources, tmp_path, *RECHECK_ALL)
    again = served(mp, start, "trs")
    assert sum(r.status == 304 for r in again) >= 10       # the unchanged pages answered 304
    added = sorted(set(captures(db)) - set(before))
    # the page and its PDF (rendered from the same numbers) changed; nothing else did
    assert {(u, k) for u, k, _ in added} == {(entry.url, "report"), *((a, "attachment") for a in entry.attachments)}
    revs = db.execute("SELECT * FROM report_revisions WHERE url = ? ORDER BY revision", [entry.url]).fetchall()
    assert [r["revision"] for r in revs] == [1, 2]
    assert revs[1]["previous_report_id"] == revs[0]["report_id"] != revs[1]["report_id"]
    truth = {(c.table, c.row, c.column): c.value for c in entry.generate().cells}
    got = dict(((t, r, c), v) for t, r, c, v in db.execute(
        "SELECT table_key, row_key, column_key, value FROM cells WHERE report_id = ?", [revs[1]["report_id"]]))
    key = ("applications", "new_received", "total")
    assert got[key] == truth[key]
    runs = last_runs(db, len(sources))
    assert sum(r["reports_changed"] for r in runs) == 1 and sum(r["reports_new"] for r in runs) == 0
