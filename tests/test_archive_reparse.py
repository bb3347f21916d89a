"""Re-deriving reports from captured bytes: local files and WARC records."""
from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

import parsers
from archive.blobs import BlobError, read_capture
from archive.db import content_digest, open_db
from archive.load import load_document, load_paths
from archive.reparse import reparse
from reportgen import generate, render_html, render_text
from xxgk.cli import cli


def content(db) -> dict[str, list]:
    """What the archive says, without row ids that a re-parse legitimately renumbers."""
    q = {"reports": "SELECT * FROM reports", "captures": "SELECT * FROM captures",
         "cells": "SELECT * FROM cells", "sections": "SELECT report_id, number, heading, text FROM sections",
         "facts": "SELECT report_id, key, value, text FROM facts",
         "findings": "SELECT report_id, code, severity, message, identity, table_key, row_key, column_key, "
                     "details, scope FROM findings"}
    return {t: sorted(map(tuple, db.execute(sql).fetchall()), key=repr) for t, sql in q.items()}


def write_warc(path: Path, records: list[tuple[str, bytes, str]]) -> list[int]:
    """(url, body, content type) → response records in a gzipped WARC; returns their offsets."""
    offsets = []
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for url, body, ctype in records:
            offsets.append(fh.tell())
            headers = StatusAndHeaders("200 OK", [("Content-Type", ctype), ("Content-Encoding", "gzip")],
                                       protocol="HTTP/1.1")
            rec = writer.create_warc_record(url, "response", payload=io.BytesIO(gzip.compress(body)),
                                            http_headers=headers)
            writer.write_record(rec)
    return offsets


def test_read_capture_from_warc_and_path(tmp_path):
    a, b = render_html(generate(seed=1)), render_text(generate(seed=2)).encode()
    (tmp_path / "warc").mkdir()
    offsets = write_warc(tmp_path / "warc" / "t.warc.gz", [("http://127.0.0.1/a", a, "text/html"),
                                                            ("http://127.0.0.1/b", b, "text/plain")])
    # the HTTP body as served, content-encoding undone
    assert read_capture({"warc_file": "warc/t.warc.gz", "warc_offset": offsets[1]}, tmp_path) == b
    assert read_capture({"warc_file": "warc/t.warc.gz", "warc_offset": offsets[0]}, tmp_path) == a
    (tmp_path / "doc.txt").write_bytes(b)
    assert read_capture({"path": str(tmp_path / "doc.txt")}) == b
    with pytest.raises(BlobError):
        read_capture({"id": 9, "path": str(tmp_path / "gone.txt")})
    with pytest.raises(BlobError):
        read_capture({"id": 9})


def test_reparse_replaces_derived_rows_only_when_the_parser_changed(tmp_path):
    db = open_db(tmp_path / "r.db")
    doc = tmp_path / "d.txt"
    doc.write_bytes(render_text(generate(seed=3, template="2021", year=2022)).encode())
    (res,) = load_paths(db, [doc], progress=False)
    good, digest = content(db), content_digest(db)
    # current parser version: nothing to do
    out = reparse(db, progress=False)
    assert (out.reparsed, out.skipped) == (0, 1) and content_digest(db) == digest
    # an older parser produced (say) fewer cells: reparse restores exactly what loading gives
    with db.atomic():
        db.execute("DELETE FROM cells WHERE report_id = ? AND table_key = 'appeals'", [res.report_id])
        db.execute("UPDATE reports SET parser_version = '0.0.1', reviews = NULL WHERE id = ?", [res.report_id])
    out = reparse(db, progress=False)
    assert out.reparsed == 1 and out.unreadable == {}
    assert content(db) == good
    # --force re-parses at the current version too, with the same result
    assert reparse(db, force=True, progress=False).reparsed == 1
    assert content(db) == good


def test_reparse_reads_warc_records_and_keeps_metadata(tmp_path):
    data = render_html(generate(seed=4, template="2019", year=2020))
    (tmp_path / "warc").mkdir()
    (off,) = write_warc(tmp_path / "warc" / "c.warc.gz", [("http://127.0.0.1/r.html", data, "text/html")])
    db = open_db(tmp_path / "w.db")
    res = load_document(db, data, url="http://127.0.0.1/r.html", media_type="text/html",
                        warc_file="warc/c.warc.gz", warc_offset=off, published_date="2021-01-30",
                        meta={"province": "河北省"})
    good = content(db)
    with db.atomic():
        db.execute("DELETE FROM sections WHERE report_id = ?", [res.report_id])
        db.execute("UPDATE reports SET parser_version = 'old' WHERE id = ?", [res.report_id])
    out = reparse(db, tmp_path, progress=False)
    assert out.reparsed == 1
    rep = db["reports"].get(res.report_id)
    assert (rep["province"], rep["published_date"], rep["parser_version"]) == \
        ("河北省", "2021-01-30", parsers.PARSER_VERSION)
    assert content(db) == good


def test_unreadable_or_altered_bytes_are_reported_not_lost(tmp_path):
    db = open_db(tmp_path / "u.db")
    doc = tmp_path / "d.txt"
    doc.write_bytes(render_text(generate(seed=5)).encode())
    (res,) = load_paths(db, [doc], progress=False)
    db.execute("UPDATE reports SET parser_version = 'old' WHERE id = ?", [res.report_id])
    db.conn.commit()
    doc.write_bytes(b"edited afterwards")
    out = reparse(db, progress=False)
    assert out.reparsed == 0 and "sha256 differs" in out.unreadable[res.report_id]
    doc.unlink()
    out = reparse(db, progress=False)
    assert res.report_id in out.unreadable
    assert db["cells"].count > 0  # the derived rows are kept


def test_cli_reparse(tmp_path):
    db_path = tmp_path / "c.db"
    doc = tmp_path / "d.txt"
    doc.write_bytes(render_text(generate(seed=6)).encode())
    db = open_db(db_path)
    load_paths(db, [doc], progress=False)
    db.execute("UPDATE reports SET parser_version = 'old'")
    db.conn.commit()
    db.close()
    out = CliRunner().invoke(cli, ["reparse", "--db", str(db_path), "--no-progress"])
    assert out.exit_code == 0, out.output
    assert "1 re-parsed" in out.output
    out = CliRunner().invoke(cli, ["reparse", "--db", str(db_path), "--no-progress"])
    assert "0 re-parsed, 1 already current" in out.output


def test_reparse_in_batches_with_parse_workers_and_resumes_after_an_interruption(tmp_path, monkeypatch):
    import archive.reparse as reparse_mod
    from archive import summary

    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(11):
        (docs / f"{i:02d}.txt").write_text(render_text(generate(seed=40 + i, year=2019 + i % 4)))
    db = open_db(tmp_path / "b.db")
    load_paths(db, [docs], progress=False)
    good = content(db)
    with db.atomic():
        db.execute("DELETE FROM cells WHERE table_key = 'appeals'")
        db.execute("UPDATE reports SET parser_version = 'old'")
    real, calls = reparse_mod._write, []

    def dying(db_, done):  # the machine goes down while the third batch is written
        calls.append(len(done))
        if len(calls) == 3:
            raise KeyboardInterrupt
        real(db_, done)

    monkeypatch.setattr(reparse_mod, "_write", dying)
    with pytest.raises(KeyboardInterrupt):
        reparse(db, progress=False, workers=1, batch=3)
    assert calls == [3, 3, 3]
    assert db.execute("SELECT count(*) FROM reports WHERE parser_version = ?",
                      [parsers.PARSER_VERSION]).fetchone()[0] == 6  # two batches written, each whole
    monkeypatch.undo()
    out = reparse(db, progress=False, workers=1, batch=3)
    assert out.reparsed == 5 and out.skipped == 6
    assert content(db) == good and summary.check(db) == []
