"""Crawl health (`source_health`, `xxgk status`) and report revisions on archives built row by row."""
from __future__ import annotations

import json

from click.testing import CliRunner

from archive.db import open_db
from archive.health import revisions, source_health
from archive.load import load_document
from archive.runs import finish_run, start_run
from archive.sources import upsert_sources
from reportgen import generate, render_html
from xxgk.cli import cli as main

SOURCES = [{"id": s, "name": s.upper(), "entry_url": f"http://h/{s}/"} for s in
           ("good", "flaky", "moved", "walled", "quiet", "fresh")]


def run(db, sid, status="finished", requests=10, errors=0, blocked=0, new=0, unchanged=0, captures=()):
    rid = start_run(db, sid)
    for url, code in captures:
        load_document(db, f"{url} {code} {rid}".encode(), url=url, source_id=sid, kind="error", http_status=code,
                      run_id=rid)
    finish_run(db, rid, status=status, requests=requests, errors=errors, blocked=blocked, reports_new=new,
               reports_unchanged=unchanged)
    return rid


def build(path):
    db = open_db(path)
    upsert_sources(db, SOURCES)
    doc = render_html(generate(seed=5, year=2023))
    load_document(db, doc, url="http://h/good/t1.html", source_id="good", fetched_at="2026-02-01T00:00:00+00:00")
    run(db, "good", new=12)
    run(db, "good", unchanged=12)
    run(db, "flaky", new=5)
    run(db, "flaky", status="failed", requests=0)
    run(db, "flaky", requests=4, errors=4)
    run(db, "moved", new=3)
    run(db, "moved", requests=2, errors=1, unchanged=0, captures=[("http://h/moved/", 404)])
    run(db, "walled", requests=6, blocked=6)
    run(db, "quiet", new=8)
    run(db, "quiet", new=0)
    return db


def test_source_health_states(tmp_path):
    db = build(tmp_path / "a.db")
    rows = {r["source_id"]: r for r in source_health(db)}
    assert {k: r["state"] for k, r in rows.items()} == {
        "good": "ok", "flaky": "failing", "moved": "moved", "walled": "blocked", "quiet": "quiet",
        "fresh": "never crawled"}
    assert rows["flaky"]["consecutive_failures"] == 2 and rows["good"]["consecutive_failures"] == 0
    assert rows["walled"]["consecutive_failures"] == 1 and rows["walled"]["last_success"] is None
    assert rows["good"]["yield_last"] == 12 and rows["good"]["yield_before"] == 12 and rows["good"]["yield_ratio"] == 1
    assert rows["quiet"]["yield_ratio"] == 0
    assert rows["good"]["last_new_report"].startswith("2026-02-01") and rows["good"]["reports"] == 1
    assert rows["flaky"]["last_success"] is not None and rows["flaky"]["runs"] == 3
    assert [r["source_id"] for r in source_health(db, crawled_only=True)][-1] == "good"  # problems first


def test_status_command(tmp_path):
    build(tmp_path / "a.db").close()
    res = CliRunner().invoke(main, ["status", "--db", str(tmp_path / "a.db"), "--problems", "--json"])
    assert res.exit_code == 0, res.output
    got = {json.loads(line)["source_id"]: json.loads(line)["state"] for line in res.output.splitlines()}
    assert got == {"flaky": "failing", "moved": "moved", "walled": "blocked", "quiet": "quiet"}
    res = CliRunner(env={"COLUMNS": "240"}).invoke(main, ["status", "--db", str(tmp_path / "a.db")])
    assert res.exit_code == 0 and "walled" in res.output and "fresh" not in res.output
    assert "4 with problems" in res.output
    res = CliRunner().invoke(main, ["status", "--db", str(tmp_path / "missing.db")])
    assert res.exit_code != 0 and "no archive" in res.output


def test_changed_document_keeps_revision_history(tmp_path):
    db = open_db(tmp_path / "r.db")
    upsert_sources(db, SOURCES)
    url = "http://h/good/t1.html"
    v1 = render_html(generate(seed=5, year=2023))
    v2 = render_html(generate(seed=6, year=2023))
    a = load_document(db, v1, url=url, source_id="good", fetched_at="2026-02-01T00:00:00+00:00")
    b = load_document(db, v2, url=url, source_id="good", fetched_at="2026-03-01T00:00:00+00:00")
    assert (a.change, b.change) == ("new", "changed")
    revs = revisions(db, url)
    assert [(r["revision"], r["report_id"], r["previous_report_id"], r["revisions"]) for r in revs] == [
        (1, a.report_id, None, 2), (2, b.report_id, a.report_id, 2)]
