"""Nothing lost on load: a document whose rows SQLite cannot store is still archived (the values
null, with findings), a folder load goes on past any file and reports the failures at the end
(exit 1, no traceback), names that are not UTF-8 keep their bytes, FIFOs, sockets and devices
are skipped without being opened."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import re
import socket
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

import parsers
from archive import load as loadmod
from archive.blobs import local_path, read_capture, stored_path
from archive.db import open_db
from archive.load import load_document, load_paths, replace_derived
from reportgen import generate, render_text
from xxgk.cli import cli

REPO = Path(__file__).resolve().parents[1]
FUZZ = REPO.parent / "shared" / "corpus" / "fuzz"
BIG = 99999999999999999999  # 20 digits: past SQLite's integer range (2**63 - 1)


def doc(seed: int, **kw) -> bytes:
    return render_text(generate(seed=seed, **kw)).encode("utf-8")


def doc_20_digits(seed: int) -> bytes:
    """A 2021 report whose first new-request cell prints 20 digits."""
    data, n = re.subn("(本年新收政府信息公开申请数量\t+)[0-9]+".encode(), lambda m: m.group(1) + str(BIG).encode(),
                      doc(seed, template="2021"), count=1)
    assert n == 1
    return data


@pytest.fixture
def db(tmp_path):
    return open_db(tmp_path / "x.db")


def findings(db, report_id: int) -> list[dict]:
    return list(db.query("SELECT * FROM findings WHERE report_id = ? ORDER BY id", [report_id]))


def cell(db, report_id: int, key: tuple[str, str, str]):
    return db.execute("SELECT value, raw FROM cells WHERE report_id = ? AND table_key = ? AND row_key = ?"
                      " AND column_key = ?", [report_id, *key]).fetchone()


def test_a_number_outside_sqlites_range_is_archived_as_null_with_a_finding(db):
    report = parsers.parse(doc(1, template="2021", year=2022))
    first = report.cells[0]
    key = (first.table, first.row, first.column)
    first.value, first.raw = BIG, str(BIG)
    fact = report.facts[0]
    fact.value = -2**70
    res = load_document(db, b"doc-1", url="http://127.0.0.1/1", report=report)
    assert res.change == "new" and res.error.startswith("OverflowError")
    assert tuple(cell(db, res.report_id, key)) == (None, str(BIG))  # the printed digits are kept
    other = report.cells[1]
    assert cell(db, res.report_id, (other.table, other.row, other.column))[0] == other.value
    assert db.execute("SELECT value FROM facts WHERE report_id = ? AND key = ?",
                      [res.report_id, fact.key]).fetchone()[0] is None
    out = [f for f in findings(db, res.report_id) if f["code"] == "value_out_of_range"]
    # the cell, the fact, and the headline figure summed from that cell
    assert [(f["table_key"], f["row_key"], f["column_key"]) for f in out] == [key] + [(None, None, None)] * 2
    assert [json.loads(f["details"]) for f in out] == [
        {"column": "value", "value": str(BIG)}, {"column": "value", "value": str(-2**70)},
        {"column": "regulations_issued", "value": str(BIG)}]
    assert out[0]["message"].startswith(f"{'/'.join(key)}: {BIG} cannot be stored in the archive")
    rep = db["reports"].get(res.report_id)
    assert rep["status"] == report.status and rep["n_findings"] == len(findings(db, res.report_id))
    # loading it again writes nothing
    before = db.conn.total_changes
    assert load_document(db, b"doc-1", url="http://127.0.0.1/1", report=report).change == "unchanged"
    assert db.conn.total_changes == before


def test_text_that_is_not_unicode_and_sidecar_values_of_the_wrong_type_are_stored(db):
    report = parsers.parse(doc(2))
    report.title, report.year = "报告\udcb0", None  # a lone surrogate (bytes escaped by a decoder)
    res = load_document(db, b"doc-2", url="http://127.0.0.1/2", report=report, meta={"year": {"not": "a year"}})
    rep = db["reports"].get(res.report_id)
    assert (rep["title"], rep["year"], rep["status"]) == ("报告\ufffd", None, report.status)
    assert res.error.startswith(("UnicodeEncodeError", "ProgrammingError"))  # whichever SQLite meets first
    assert [(f["code"], json.loads(f["details"])) for f in findings(db, res.report_id)
            if f["code"].startswith("value_")] == [("value_unstorable", {"column": "year",
                                                                          "value": "{'not': 'a year'}"})]


def test_when_nothing_of_the_report_can_be_written_the_capture_is_kept_with_a_load_error(db, monkeypatch):
    data = doc(3)

    real = loadmod.derived_rows

    def broken(report, report_id):
        if report.cells:  # this document's rows, whatever is done to them
            raise KeyError("a parser slip")
        return real(report, report_id)

    monkeypatch.setattr(loadmod, "derived_rows", broken)
    res = load_document(db, data, url="http://127.0.0.1/3")
    monkeypatch.undo()
    assert db["captures"].get(res.capture_id)["sha256"] == loadmod.sha256(data)
    rep = db["reports"].get(res.report_id)
    assert rep["status"] == "failed" and rep["n_cells"] == 0
    (f,) = findings(db, res.report_id)
    assert f["code"] == "load_error" and "KeyError" in f["message"] and "xxgk reparse --force" in f["message"]
    # re-parsable: its bytes are archived, and the rows come back
    replace_derived(db, res.report_id, parsers.parse(data), sha256=rep["sha256"], capture_id=res.capture_id,
                    source=None, meta={}, url=rep["url"], published_date=None)
    assert db["reports"].get(res.report_id)["status"] == "ok"
    assert db.execute("SELECT count(*) FROM cells WHERE report_id = ?", [res.report_id]).fetchone()[0] > 100


def test_reparse_stores_values_out_of_range_as_null_too(db):
    res = load_document(db, doc(4), url="http://127.0.0.1/4")
    report = parsers.parse(doc(4))
    report.cells[0].value = BIG
    rep = db["reports"].get(res.report_id)
    replace_derived(db, res.report_id, report, sha256=rep["sha256"], capture_id=res.capture_id, source=None,
                    meta={}, url=rep["url"], published_date=None)
    c = report.cells[0]
    assert cell(db, res.report_id, (c.table, c.row, c.column))[0] is None
    assert "value_out_of_range" in [f["code"] for f in findings(db, res.report_id)]


def test_the_database_failing_is_not_blamed_on_the_document(db, monkeypatch):
    def locked(*a, **kw):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(loadmod, "_write_rows", locked)
    with pytest.raises(sqlite3.OperationalError):
        load_document(db, doc(5), url="http://127.0.0.1/5")
    assert db["captures"].count == 0 and db["reports"].count == 0


def test_the_20_digit_cell_of_the_fuzz_campaign_is_archived():
    path = FUZZ / "text-cell-20-digits.txt"
    if not path.is_file():
        pytest.skip(f"reference material missing: {path}")
    db = open_db(":memory:")
    (res,) = load_paths(db, [path], progress=False, workers=0)
    assert res.change == "new" and res.capture_id and res.report_id
    value, raw = cell(db, res.report_id, ("applications", "new_received", "natural_person"))
    assert value is None and raw == str(BIG)
    assert "value_out_of_range" in [f["code"] for f in findings(db, res.report_id)]


def test_stored_paths_keep_the_bytes_of_names_that_are_not_utf8(tmp_path):
    name = os.fsdecode(b"\xb0\xa1 50% \xff.txt")
    p = tmp_path / name
    stored = stored_path(p)
    assert stored.startswith("file:///") and "%B0%A1%2050%25%20%FF.txt" in stored
    stored.encode("utf-8")  # SQLite can take it
    assert local_path(stored) == p and os.fsencode(local_path(stored)) == os.fsencode(p)
    assert stored_path(tmp_path / "报告.txt") == str(tmp_path / "报告.txt")  # UTF-8 names as they are


# --- a folder of everything ---------------------------------------------------------------------

@pytest.fixture
def mixed(tmp_path, monkeypatch):
    """Good, damaged, oversized, non-UTF-8-named and special files, and an unreadable one."""
    monkeypatch.setenv("XXGK_MAX_BYTES", "200000")
    d = tmp_path / "in"
    d.mkdir()
    (d / "good-2021.txt").write_bytes(doc(10, template="2021", year=2022))
    (d / "good-2019.txt").write_bytes(doc(11, template="2019", year=2020))
    (d / "20-digits.txt").write_bytes(doc_20_digits(12))
    (d / "damaged.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer <<>>\n%%EO")
    (d / "damaged.docx").write_bytes(b"PK\x03\x04" + os.urandom(300))
    (d / "oversized.html").write_bytes(b"<html><body>" + b"<p>" + "报告".encode() * 60000 + b"</body></html>")
    (d / os.fsdecode(b"\xb1\xa8\xb8\xe6-gbk-name.txt")).write_bytes(doc(13))
    os.mkfifo(d / "pipe.txt")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(d / "sock.html"))
    (d / "gone.txt").symlink_to(d / "no-such-file.txt")  # unreadable: a dangling link
    yield d
    sock.close()


REGULAR = ["20-digits.txt", "damaged.docx", "damaged.pdf", "good-2019.txt", "good-2021.txt", "oversized.html",
           os.fsdecode(b"\xb1\xa8\xb8\xe6-gbk-name.txt")]


def test_loading_a_folder_of_everything(mixed, tmp_path):
    dbp = tmp_path / "all.db"
    result = CliRunner().invoke(cli, ["load", str(mixed), "--db", str(dbp), "--no-progress"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)  # no traceback
    out = result.output
    assert "Traceback" not in out
    assert f"not archived: {mixed}/pipe.txt: a named pipe (FIFO), not a regular file: skipped" in out
    assert f"not archived: {mixed}/sock.html: a socket, not a regular file: skipped" in out
    assert f"not archived: {mixed}/gone.txt: " in out and "No such file" in out
    # (the 20-digit cell too, until the parser nulls such values itself)
    assert re.search(r"[67] of 10 paths not archived, archived with a problem, or failed to parse", out)
    assert f"parse failed (archived with its findings; `xxgk reparse` retries): {mixed}/damaged.pdf" in out
    db = open_db(dbp)
    caps = {Path(r["path"]).name if not r["path"].startswith("file:") else local_path(r["path"]).name: r
            for r in db.query("SELECT * FROM captures")}
    assert sorted(caps) == sorted(REGULAR)  # every regular file is archived
    assert db["reports"].count == len(REGULAR)
    status = {name: db["reports"].get(c["id"])["status"] for name, c in caps.items()}
    assert status["good-2021.txt"] == status["good-2019.txt"] == "ok"
    assert status["damaged.pdf"] == status["damaged.docx"] == status["oversized.html"] == "failed"
    too_large = db.execute("SELECT code FROM findings f JOIN reports r ON r.id = f.report_id "
                           "WHERE r.capture_id = ?", [caps["oversized.html"]["id"]]).fetchall()
    assert [r[0] for r in too_large] == ["too_large"]
    # the name that is not UTF-8: stored with its bytes, read back from the archive
    gbk = caps[REGULAR[-1]]
    assert gbk["path"].startswith("file://") and gbk["path"].endswith("/%B1%A8%B8%E6-gbk-name.txt")
    assert read_capture(gbk) == doc(13)
    assert os.fsdecode(b"\xb1\xa8\xb8\xe6-gbk-name.txt") not in out  # printed escaped, never raw
    # the 20-digit cell: archived, null, with a finding
    big = db["reports"].get(caps["20-digits.txt"]["id"])
    assert "value_out_of_range" in [f["code"] for f in findings(db, big["id"])]
    # a second load of the same folder archives nothing new and reports the same paths
    again = CliRunner().invoke(cli, ["load", str(mixed), "--db", str(dbp), "--no-progress"])
    assert again.exit_code == 1 and "7 unchanged" in again.output


def test_named_paths_one_unreadable_or_special_does_not_stop_the_others(mixed, tmp_path):
    dbp = tmp_path / "named.db"
    args = [str(mixed / n) for n in ("good-2021.txt", "pipe.txt", "gone.txt", "missing.txt", "good-2019.txt")]
    result = CliRunner().invoke(cli, ["load", *args, "--db", str(dbp), "--no-progress"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "5 documents: 2 error, 2 new, 1 skipped" in result.output
    assert open_db(dbp)["reports"].count == 2


def _unreadable_file_is_reported(base: Path) -> None:
    (base / "a.txt").write_bytes(doc(20))
    locked = base / "b.txt"
    locked.write_bytes(doc(21))
    locked.chmod(0)
    db = open_db(base / "p.db")
    res = load_paths(db, [base], progress=False, workers=0)
    assert [(r.change, "Permission denied" in (r.error or "")) for r in res] == [("new", False), ("error", True)]


def test_a_file_without_read_permission_is_reported(tmp_path):
    if os.geteuid() != 0:
        _unreadable_file_is_reported(tmp_path)
        return
    # root reads any file: the load runs in a child without the capabilities that let it
    # (setpriv, util-linux: the file permissions then hold for root too)
    if shutil.which("setpriv") is None:
        pytest.skip("running as root, and setpriv (util-linux) is not installed to drop root's file access")
    code = ("import sys; from pathlib import Path; sys.path.insert(0, 'tests'); "
            "from test_load_damaged import _unreadable_file_is_reported as t; t(Path(sys.argv[1]))")
    res = subprocess.run(["setpriv", "--bounding-set", "-dac_override,-dac_read_search", sys.executable, "-c", code,
                          str(tmp_path)], cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_loading_parses_in_a_capped_worker(tmp_path, monkeypatch):
    seen = []
    real = loadmod.ParsePool.parse_now

    def parse_now(self, data, media_type, name):
        seen.append((self.workers, self.memory))
        return real(self, data, media_type, name)

    monkeypatch.setattr(loadmod.ParsePool, "parse_now", parse_now)
    (tmp_path / "a.txt").write_bytes(doc(30))
    res = load_paths(open_db(tmp_path / "w.db"), [tmp_path], progress=False)
    assert res[0].status == "ok" and seen == [(1, 2**30)]


def test_a_document_over_the_memory_cap_fails_and_the_next_one_loads(tmp_path):
    """A worker capped at 150 MiB of address space meets a 32 MB page of text (its parse needs
    ≈ 270 MiB): the parse fails (a MemoryError, or the worker dies and is replaced), the
    document is archived as failed with a finding, and the next document is parsed as usual."""
    huge = b"<html><body>" + ("<p>" + "一、总体情况，" * 40 + "</p>").encode() * 40_000 + b"</body></html>"
    db = open_db(tmp_path / "m.db")
    with loadmod.ParsePool(1, memory=150 * 2**20) as pool:
        over = pool.parse_now(huge, "text/html", "huge.html")
        after = pool.parse_now(doc(32), "text/plain", "next.txt")
    assert over.status == "failed" and [f.code for f in over.findings] in (["resource_limit"], ["parser_crashed"])
    assert after.status == "ok" and len(after.cells) > 100
    res = load_document(db, huge, path="/x/huge.html", report=over)
    assert db["reports"].get(res.report_id)["status"] == "failed"
    assert db.execute("SELECT code FROM findings WHERE report_id = ?", [res.report_id]).fetchone()[0] == \
        over.findings[0].code


def test_a_report_from_a_worker_is_the_report_from_this_process(tmp_path):
    data = doc(31)
    (tmp_path / "a.txt").write_bytes(data)
    a, b = open_db(tmp_path / "a.db"), open_db(tmp_path / "b.db")
    load_paths(a, [tmp_path / "a.txt"], progress=False, workers=1)
    load_paths(b, [tmp_path / "a.txt"], progress=False, workers=0)
    q = "SELECT table_key, row_key, column_key, value, raw FROM cells ORDER BY 1, 2, 3"
    assert list(a.execute(q)) == list(b.execute(q)) and len(list(a.execute(q))) > 100
