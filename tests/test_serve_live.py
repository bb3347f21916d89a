"""`xxgk serve` on an archive a crawl is writing to: a real Datasette answers the JSON API, a
table page and a search without an error all through a real crawl of a mock portal into the same
file, and shows the new reports once the crawl is done."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from crawl_support import FAST, REPO, expected, portal_sources
from datasette_support import Server

from archive.db import open_db
from archive.load import load_paths
from crawler.registry import write
from mockportals import MockPortals

pytestmark = [pytest.mark.crawl, pytest.mark.slow]
CORPUS = REPO / "tests" / "fixtures" / "corpus"


def crawl_in_background(mp, data_dir: Path, log: Path) -> subprocess.Popen:
    write(portal_sources(mp, "hanweb"), data_dir / "sources.csv")
    args = ["crawl", "--registry", str(data_dir / "sources.csv"), "--all", "--data-dir", str(data_dir), "--quiet"]
    for s in FAST:
        args += ["-s", s]
    return subprocess.Popen([str(Path(sys.executable).with_name("xxgk")), *args], cwd=REPO,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)


def test_serving_while_a_crawl_writes(tmp_path):
    data_dir = tmp_path / "data"
    db = open_db(data_dir / "xxgk.db")
    loaded = load_paths(db, sorted(CORPUS.glob("h0*.html")), progress=False)
    db.close()
    before = sum(r.report_id is not None for r in loaded)
    assert before >= 3
    # one plain report page, its search and the JSON API: each touches the tables the crawl writes
    paths = {"json": ("/xxgk/reports.json", {"_shape": "objects", "_size": "20", "_sort_desc": "id"}),
             "page": ("/xxgk/reports", {}),
             "search": ("/xxgk/reports.json", {"_search": "政府信息公开", "_shape": "objects"}),
             "sql": ("/xxgk.json", {"sql": "select count(*) as n from reports", "_shape": "array"})}
    with MockPortals(seed=7, page_size=10, portals=("hanweb",)) as mp, \
            Server(data_dir / "xxgk.db", tmp_path / "serve.log") as server:
        crawl = crawl_in_background(mp, data_dir, tmp_path / "crawl.log")
        answers, counts = [], []
        with httpx.Client(base_url=server.url, timeout=30) as client:
            while True:
                done = crawl.poll() is not None  # a last round after the crawl ended
                for name, (path, params) in paths.items():
                    r = client.get(path, params=params)
                    answers.append((name, r.status_code))
                    if name == "sql" and r.status_code == 200:
                        counts.append(r.json()[0]["n"])
                if done:
                    break
        assert crawl.wait() == 0, (tmp_path / "crawl.log").read_text(errors="replace")[-3000:]
        bad = [a for a in answers if a[1] != 200]
        assert not bad, f"{len(bad)} error answers during the crawl: {bad[:10]}"
        assert len(answers) >= 4 * 5  # several rounds ran while the crawl wrote
        assert counts == sorted(counts)  # the server saw the archive grow, never shrink or go back

        archive = sqlite3.connect(data_dir / "xxgk.db")
        total = archive.execute("SELECT count(*) FROM reports").fetchone()[0]
        crawled = {u for (u,) in archive.execute("SELECT url FROM captures WHERE kind = 'report' AND url IS NOT NULL")}
        archive.close()
        assert crawled == expected(mp, "hanweb") and total > before
        assert counts[-1] == total  # after the crawl, every new report is served
        rows = client_rows(server, "/xxgk.json", sql="select url from captures where kind = 'report' and url is not null",
                           _shape="array", _size="max")
        assert {r["url"] for r in rows} == crawled
        agency = next(e.agency for e in mp.manifest if e.portal == "hanweb" and e.expect == "archived")
        found = client_rows(server, "/xxgk/reports.json", _search=agency, _shape="array")
        assert found and all(r["agency"] == agency for r in found)


def client_rows(server: Server, path: str, **params) -> list[dict]:
    r = server.get(path, **params)
    assert r.status_code == 200, r.text[:500]
    return r.json()
