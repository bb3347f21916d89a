"""crawler.parsepool: documents parsed in worker processes come back as the same reports, and a
worker that dies or hangs costs one document at most, never the crawl."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap

from archive.load import parse_safely
from crawler.parsepool import ParsePool, default_workers
from mockportals.documents import pdf_bytes
from reportgen import generate, render_html, render_text


def _pdf(seed: int, copies: int = 1) -> bytes:
    return pdf_bytes(render_text(generate(seed=seed, template="2021", year=2023)).split("\n") * copies, "report")


def test_worker_parse_equals_in_process_parse():
    html = render_html(generate(seed=5, template="2019", year=2020), style="trs", encoding="gbk")
    pdf = _pdf(6)
    pool = ParsePool(1)

    async def both():
        return await asyncio.gather(pool.parse(html, "text/html", "a.html"), pool.parse(pdf, None, "P1.pdf"))

    try:
        got = asyncio.run(both())
    finally:
        pool.close()
    assert [r.to_dict() for r in got] == [parse_safely(html, "text/html", "a.html").to_dict(),
                                         parse_safely(pdf, None, "P1.pdf").to_dict()]
    assert got[1].status == "ok" and len(got[1].cells) == 200


def test_dead_worker_is_replaced_and_the_document_tried_again(caplog):
    pool = ParsePool(1)
    pdf = _pdf(7, copies=20)  # ~60 pages: still being parsed when its worker is killed

    async def kill_during_parse():
        job = asyncio.ensure_future(pool.parse(pdf, "application/pdf", "P2.pdf"))
        while not (pool._executor and pool._executor._processes):
            await asyncio.sleep(0.01)
        first = set(pool._executor._processes)
        for pid in first:
            os.kill(pid, signal.SIGKILL)
        report = await job
        return first, set(pool._executor._processes), report

    try:
        killed, now_running, report = asyncio.run(kill_during_parse())
    finally:
        pool.close()
    assert report.status != "failed" and len(report.cells) >= 200  # parsed by the new worker
    assert not killed & now_running
    assert "P2.pdf: the parser's worker process died" in caplog.text and "(attempt 1)" in caplog.text


def test_a_document_that_keeps_hanging_is_archived_as_failed():
    pool = ParsePool(1, timeout=0.001)  # no real parse finishes this fast: every attempt times out
    try:
        report = asyncio.run(pool.parse(_pdf(8), "application/pdf", "P3.pdf"))
        pool.timeout = 60  # and the same pool works again afterwards, on fresh workers
        ok = asyncio.run(pool.parse(_pdf(8), "application/pdf", "P3.pdf"))
    finally:
        pool.close()
    assert report.status == "failed"
    assert [f.code for f in report.findings] == ["parse_timeout"]
    assert ok.status == "ok"


def test_the_interpreter_still_exits_after_a_pool_was_replaced():
    # the pool's feeder thread is still writing the large document when its worker is killed;
    # on CPython 3.11.2 the exit then waited for that write forever (gh-94777)
    script = textwrap.dedent("""
        import asyncio
        from crawler.parsepool import ParsePool
        pool = ParsePool(1, timeout=0.001)
        page = b"<html><body><p>" + "年度报告".encode() * 2_000_000 + b"</p></body></html>"
        print(asyncio.run(pool.parse(page, "text/html", "big.html")).findings[0].code)
    """)
    try:
        res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        raise AssertionError("the interpreter did not exit after the pool was replaced") from None
    assert res.returncode == 0 and res.stdout.split() == ["parse_timeout"], res.stderr


def test_workers_ignore_ctrl_c_and_a_pool_broken_between_documents_closes():
    # Ctrl-C reaches the whole process group: the crawl process stops its workers, not the keyboard
    script = textwrap.dedent("""
        import asyncio, os, signal, time
        from crawler.parsepool import ParsePool
        pool = ParsePool(1)
        page = b"<html><body><p>not a report</p></body></html>"
        asyncio.run(pool.parse(page, "text/html", "a.html"))
        (pid,) = pool._executor._processes
        os.kill(pid, signal.SIGINT)
        time.sleep(0.5)
        asyncio.run(pool.parse(page, "text/html", "b.html"))
        print("same worker" if set(pool._executor._processes) == {pid} else "replaced")
        # killed from outside while a large document is on its way to it, and the crawl ends
        # before anyone awaits that document
        big = b"<html><body><p>" + "年度报告".encode() * 2_000_000 + b"</p></body></html>"
        pool._executor.submit(len, big)
        os.kill(pid, signal.SIGKILL)
        while not pool._executor._broken:
            time.sleep(0.05)
        pool.close()
        print("closed")
    """)
    try:
        res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        raise AssertionError("the pool or the interpreter hung") from None
    assert res.returncode == 0 and res.stdout.split("\n")[:2] == ["same worker", "closed"], res.stderr


def test_no_workers_parses_in_process():
    pool = ParsePool(0)
    report = asyncio.run(pool.parse(b"not a report", "text/plain", "x.txt"))
    assert report.status == "failed" and pool._executor is None
    assert default_workers() == max(0, len(os.sched_getaffinity(0)) - 1)
