"""Serving a published snapshot from several Datasette processes: two `xxgk serve` on their own
copies answer alike (the recipe of docs/serving.md, behind any reverse proxy), and `xxgk serve
--workers 2` answers every request through its proxy from both of its workers."""
from __future__ import annotations

import hashlib
import shutil

import httpx
import pytest

from archive.db import open_db
from archive.export import export
from datasette_support import Server, build_archive

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    """A published snapshot: the SQLite file of an export bundle."""
    base = tmp_path_factory.mktemp("snapshot")
    db = open_db(build_archive(base / "live.db"))
    bundle = export(db, base / "dist", version="1.0.0")
    db.conn.close()
    return bundle / "xxgk.db"


def _answers(server) -> tuple:
    search = server.get("/xxgk/reports.json", _search="复议", _shape="array", _size="max").json()
    page = server.get("/xxgk/reports.json", _search="依申请公开").json()
    return ({r["id"] for r in search}, page["filtered_table_rows_count"],
            server.get("/xxgk/province_year_totals.json", _shape="array").json())


def test_two_processes_on_their_own_copies_answer_alike(snapshot, tmp_path):
    copies = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        copies.append(shutil.copy(snapshot, tmp_path / name / "xxgk.db"))
    digests = [hashlib.sha256(open(c, "rb").read()).hexdigest() for c in copies]
    with Server(copies[0], tmp_path / "a.log") as a, Server(copies[1], tmp_path / "b.log") as b:
        assert a.port != b.port
        first, second = _answers(a), _answers(b)
        assert first == second and first[0] and first[1] > 0
    # read-only copies: served, not written
    assert [hashlib.sha256(open(c, "rb").read()).hexdigest() for c in copies] == digests


def test_workers_behind_one_address(snapshot, tmp_path):
    copy = shutil.copy(snapshot, tmp_path / "xxgk.db")
    with Server(tmp_path / "xxgk.db", tmp_path / "direct.log") as direct:
        want = _answers(direct)
    with Server(copy, tmp_path / "workers.log", args=("--workers", "2")) as served:
        workers = {served.get("/xxgk/reports.json", _size=1).headers["x-xxgk-worker"] for _ in range(6)}
        assert len(workers) == 2  # both workers answer, in turn
        # the links Datasette writes lead back through the proxy, not to a worker's own port
        assert served.get("/xxgk/reports.json", _size=1).json()["next_url"].startswith(served.url + "/")
        assert _answers(served) == want
        csv = served.get("/xxgk/reports.csv", _stream="on")  # every publication, streamed through the proxy
        db = open_db(copy, wal=False)
        publications = db.execute("SELECT count(*) FROM reports WHERE is_primary = 1").fetchone()[0]
        db.conn.close()
        assert csv.status_code == 200 and len(csv.text.strip().splitlines()) == publications + 1
    # stopping `xxgk serve` (SIGTERM) stops its workers too
    for port in workers:
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
