"""Test support for search and Datasette (H7): an archive whose texts the tests control, and a
real `xxgk serve` process on 127.0.0.1.

The archive is built the way the product builds it: reportgen documents, edited so that every
search term has reports with it, reports without it and near misses, loaded with H4's loader.
Expected results are computed from what the database stores, with Python's `in`."""
from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from archive import crosscheck
from archive.db import open_db
from archive.load import load_document
from archive.runs import finish_run, start_run
from archive.sources import upsert_sources
import reportgen
from reportgen import generate, render_text

REPO = Path(__file__).resolve().parents[1]
TERMS = ("复议", "诉讼", "公开", "依申请公开", "政务新媒体")
# inserted into section texts: the terms, and near misses that must not match
INSERTS = ("行政复议", "复 议", "复，议", "议复", "诉讼", "诉 讼", "讼诉", "依申请公开", "依申请",
           "申请公开", "依申请 公开", "政务新媒体", "政务新", "新媒体", "政务 新媒体", "政务新媒",
           "公 开", "开公", "ＡＢＣ１２３", "政务新媒体矩阵", "复议诉讼")
# every occurrence of a term replaced in a whole document, so some reports lack it entirely
ERASE = {"复议": "审议", "诉讼": "起诉", "公开": "发布", "依申请": "按申请", "新媒体": "新平台"}
TEMPLATES = ("2021", "2019", "pre2019")
N_AGENCIES = 12


def build_archive(path: Path, n: int = 36) -> Path:
    """Load `n` edited reportgen reports: 12 invented agencies, three reports each over
    2019-2022 (each agency misses one year), three templates, some printed arithmetic broken."""
    db = open_db(path)
    rng = random.Random(20240607)
    agencies = reportgen.agencies(7, N_AGENCIES)
    for seed in range(n):
        agency = agencies[seed % N_AGENCIES]
        year = ((2019, 2020, 2022) if seed % 2 else (2019, 2021, 2022))[seed // N_AGENCIES % 3]
        template = TEMPLATES[seed % 3]
        breaks = ("results_sum:total",) if seed % 4 == 0 and template != "pre2019" else ()
        r = generate(seed=seed, template=template, year=year, agency=agency, breaks=breaks)
        for i, s in enumerate(r.sections):
            words = rng.sample(INSERTS, rng.randint(0, 3))
            s.text = "".join(f"{w}。" for w in words) + s.text
            if seed % 6 == 1 and i < len(r.sections) - 1:
                s.text += "依申"  # the next part starts 请公开: 依申请公开 spans two parts only
            if seed % 6 == 1 and i > 0:
                s.text = "请公开" + s.text
        doc = render_text(r)
        for term in [t for t in ERASE if seed % 5 == (list(ERASE).index(t) % 5)]:
            doc = doc.replace(term, ERASE[term])
        load_document(db, doc.encode("utf-8"), url=f"http://reports.invalid/{seed}.txt",
                      media_type="text/plain", meta={"province": agency.province, "level": agency.level})
    # a crawl history for the crawl-health query and dashboard panel
    upsert_sources(db, [{"id": "portal-a", "name": "门户甲", "entry_url": "http://portal-a.invalid/"},
                        {"id": "portal-b", "name": "门户乙", "entry_url": "http://portal-b.invalid/"}])
    for sid, status, requests in (("portal-a", "finished", 20), ("portal-b", "finished", 12), ("portal-b", "failed", 0)):
        finish_run(db, start_run(db, sid), status=status, requests=requests, reports_new=requests // 2)
    # a list that declared 20 records of which the crawl reached 10 (crawler.pipelines writes these)
    upsert_sources(db, [{"id": "portal-c", "name": "门户丙", "entry_url": "http://portal-c.invalid/nb/"}])
    run = start_run(db, "portal-c")
    finish_run(db, run, requests=12, reports_new=10, lists_incomplete=1)
    db["findings"].insert({"code": "list_incomplete", "severity": "warning", "scope": "cross_report",
                           "message": "list http://portal-c.invalid/nb/ declares 20 records; the crawl reached 10",
                           "details": json.dumps({"declared": 20, "reached": 10, "unit": "records", "run_id": run,
                                                  "list_url": "http://portal-c.invalid/nb/", "source_id": "portal-c"})})
    crosscheck.run(db)  # as `xxgk load` does after a batch: publications grouped, findings across reports
    db.conn.close()
    return path


def texts(path: Path) -> tuple[dict[int, str], dict[int, tuple[int, str]]]:
    """What the index covers, as stored: report id -> title, agency and every section joined by
    newlines; section id -> (report id, heading + newline + text)."""
    db = open_db(path)
    try:
        reports = {rid: f"{t or ''}\n{a or ''}" for rid, t, a in
                   db.execute("SELECT id, title, agency FROM reports").fetchall()}
        sections = {}
        for sid, rid, h, t in db.execute("SELECT id, report_id, heading, text FROM sections").fetchall():
            reports[rid] += f"\n{h or ''}\n{t or ''}"
            sections[sid] = (rid, f"{h or ''}\n{t or ''}")
        return reports, sections
    finally:
        db.conn.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`xxgk serve --db PATH` as a subprocess on a free loopback port (context manager); the
    port is given with --port, or with `$PORT` when `port_env`."""

    def __init__(self, db_path: Path, log_path: Path, port_env: bool = False, args: tuple[str, ...] = ()):
        self.db_path, self.log_path, self.port_env, self.args = db_path, log_path, port_env, args
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> "Server":
        self.log = open(self.log_path, "wb")
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        args = [str(Path(sys.executable).with_name("xxgk")), "serve", "--db", str(self.db_path), *self.args]
        if self.port_env:
            env["PORT"] = str(self.port)
        else:
            args += ["--port", str(self.port)]
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, cwd=REPO, env=env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"xxgk serve exited: {self.log_path.read_text(errors='replace')}")
            try:
                if httpx.get(f"{self.url}/-/versions.json", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"xxgk serve did not start: {self.log_path.read_text(errors='replace')}")

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()

    def get(self, path: str, **params) -> httpx.Response:
        return httpx.get(self.url + path, params=params or None, timeout=30)
