"""archive.parsepool: documents parsed in worker processes come back as the same reports, and a
worker that dies or hangs costs one document at most, never the crawl or the load."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap

from archive.load import parse_safely
from archive.parsepool import ParsePool, default_workers
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
        while not pool.pids():
            await asyncio.sleep(0.01)
        first = pool.pids()
        for pid in first:
            os.kill(pid, signal.SIGKILL)
        report = await job
        return first, pool.pids(), report

    try:
        killed, now_running, report = asyncio.run(kill_during_parse())
    finally:
        pool.close()
    assert report.status != "failed" and len(report.cells) >= 200  # parsed by the new worker
    assert not killed & now_running
    assert "P2.pdf: the parser's worker process died (exit code -9" in caplog.text and "(attempt 1)" in caplog.text


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
    # the large document is still on its way to the worker when it is killed
    script = textwrap.dedent("""
        import asyncio
        from archive.parsepool import ParsePool
        pool = ParsePool(1, timeout=0.001)
        page = b"<html><body><p>" + "年度报告".encode() * 2_000_000 + b"</p></body></html>"
        print(asyncio.run(pool.parse(page, "text/html", "big.html")).findings[0].code)
    """)
    try:
        res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        raise AssertionError("the interpreter did not exit after the pool was replaced") from None
    assert res.returncode == 0 and res.stdout.split() == ["parse_timeout"], res.stderr


def test_workers_ignore_ctrl_c_and_a_pool_whose_worker_was_killed_closes():
    # Ctrl-C reaches the whole process group: the crawl process stops its workers, not the keyboard
    script = textwrap.dedent("""
        import asyncio, os, signal, time
        from archive.parsepool import ParsePool
        pool = ParsePool(1)
        page = b"<html><body><p>not a report</p></body></html>"
        asyncio.run(pool.parse(page, "text/html", "a.html"))
        (pid,) = pool.pids()
        os.kill(pid, signal.SIGINT)
        time.sleep(0.5)
        asyncio.run(pool.parse(page, "text/html", "b.html"))
        print("same worker" if pool.pids() == {pid} else "replaced")
        # killed from outside between two documents: the next one goes to a new worker
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)
        print(asyncio.run(pool.parse(page, "text/html", "c.html")).findings[0].code, pool.pids() != {pid})
        pool.close()
        print("closed", pool.pids())
    """)
    try:
        res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        raise AssertionError("the pool or the interpreter hung") from None
    assert res.returncode == 0 and res.stdout.split("\n")[:3] == ["same worker", "not_a_report True", "closed set()"], \
        res.stderr


def test_a_worker_dying_on_a_document_too_large_for_its_memory_cap_is_replaced():
    """The cap below what the document needs: the worker dies (or its parse fails with a
    MemoryError); twice, then the document is a failed report; the next document is parsed."""
    page = b"<html><body><p>" + "年度报告".encode() * 8_000_000 + b"</p></body></html>"  # 96 MB
    with ParsePool(1, memory=160 * 2**20) as pool:
        over = pool.parse_now(page, "text/html", "big.html")
        after = pool.parse_now(b"not a report", "text/plain", "small.txt")
    assert over.status == "failed" and [f.code for f in over.findings] in (["parser_crashed"], ["resource_limit"])
    assert after.status == "failed" and [f.code for f in after.findings] == ["not_a_report"]


def test_no_workers_parses_in_process():
    pool = ParsePool(0)
    report = asyncio.run(pool.parse(b"not a report", "text/plain", "x.txt"))
    assert report.status == "failed" and pool.pids() == set()
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert default_workers() == max(0, cpus - 1)
