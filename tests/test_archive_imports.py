"""`xxgk load` on archives other tools made: WARC files in two other crawlers' layouts, written
here with warcio (wget-style: request + response + metadata records, `WARC-Concurrent-To`,
chunked and gzip-encoded HTTP payloads, a revisit; Heritrix/Browsertrix-style: warcinfo,
`WARC-Payload-Digest`, resource records, a URI+date revisit), and folders of saved pages. Every
report is archived with its provenance; nothing else is."""
from __future__ import annotations

import gzip
import hashlib
import io
import shutil
import sqlite3
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.blobs import read_capture
from mockportals.documents import pdf_bytes, png_bytes
from reportgen import generate, render_html, render_text

REPO = Path(__file__).resolve().parents[1]
PINGTAN = REPO.parent / "shared" / "corpus" / "real" / "pingtan"
SITE = "http://www.example-county.gov.cn/xxgk/zfxxgknb/"


def report(seed: int, year: int = 2023):
    return generate(seed=seed, template="2021", year=year, agency=f"示例县第{seed}局")


def chunked(data: bytes, size: int = 700) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(data[i:i + size]), data[i:i + size])
                    for i in range(0, len(data), size)) + b"0\r\n\r\n"


def page_with_attachment(r, pdf_url: str) -> bytes:
    html = render_html(r, style="trs").decode("utf-8")
    return html.replace("</body>", f'<p>附件：<a href="{pdf_url}">报告.pdf</a></p></body>').encode("utf-8")


class Warc:
    """A WARC file being written, remembering what each URL should import as."""

    def __init__(self, path: Path, gzip_records: bool):
        self.path, self.f = path, path.open("wb")
        self.w = WARCWriter(self.f, gzip=gzip_records)

    def write(self, rec) -> str:
        self.w.write_record(rec)
        return rec.rec_headers.get_header("WARC-Record-ID")

    def close(self) -> None:
        self.f.close()


def http(status: str, ctype: str, extra: list[tuple[str, str]] = ()) -> StatusAndHeaders:
    return StatusAndHeaders(status, [("Content-Type", ctype), *extra], protocol="HTTP/1.1")


def write_wget_style(path: Path) -> dict:
    """wget --warc-file: warcinfo; per fetch a request then its response (WARC-Concurrent-To);
    bodies as sent (chunked, gzip); a revisit for a repeat; metadata + resource (the log) last."""
    w = Warc(path, gzip_records=True)
    w.write(w.w.create_warcinfo_record(path.name, {"software": "Wget/1.21.3 (linux-gnu)", "format": "WARC File Format 1.0"}))
    r1, r2 = report(1), report(2)
    pdf_url = SITE + "202403/P020240308001.pdf"
    page1 = page_with_attachment(r1, "./P020240308001.pdf")
    pdf = pdf_bytes(render_text(r1, style="tabs").splitlines(), "report 1")
    page2 = render_html(r2, style="govcn")
    listing = "<html><body><ul><li><a href='./202403/t20240308_1.html'>示例县第1局2023年政府信息公开工作年度报告</a></li></ul></body></html>".encode()
    fetches = [  # url, status, content type, body as sent, transfer
        (SITE, "200 OK", "text/html; charset=utf-8", listing, "plain"),
        (SITE + "202403/t20240308_1.html", "200 OK", "text/html; charset=utf-8", page1, "chunked+gzip"),
        (pdf_url, "200 OK", "application/pdf", pdf, "plain"),
        (SITE + "202403/t20240309_2.html", "200 OK", "text/html; charset=utf-8", page2, "chunked"),
        (SITE + "images/logo.png", "200 OK", "image/png", png_bytes(20, 10), "plain"),
        (SITE + "202403/t20240310_3.html", "404 Not Found", "text/html", b"<html>404</html>", "plain"),
    ]
    for url, status, ctype, body, transfer in fetches:
        extra, raw = [], body
        if "gzip" in transfer:
            raw, extra = gzip.compress(raw), [("Content-Encoding", "gzip")]
        if "chunked" in transfer:
            raw, extra = chunked(raw), [*extra, ("Transfer-Encoding", "chunked")]
        req = w.w.create_warc_record(url, "request", payload=io.BytesIO(b""),
                                     http_headers=StatusAndHeaders(f"GET {url.split('.cn', 1)[1]} HTTP/1.1",
                                                                   [("Host", "www.example-county.gov.cn")],
                                                                   is_http_request=True))
        req_id = w.write(req)
        resp = w.w.create_warc_record(url, "response", payload=io.BytesIO(raw), http_headers=http(status, ctype, extra),
                                      warc_headers_dict={"WARC-Concurrent-To": req_id})
        w.write(resp)
    # the same page again under another URL: a revisit pointing at the first record
    first = [(rid, d) for rid, d in _ids(path) if d[0] == SITE + "202403/t20240309_2.html"][0]
    revisit = w.w.create_revisit_record(SITE + "202403/t20240309_2.html?from=rss", digest=first[1][1],
                                        refers_to_uri=first[1][0], refers_to_date=first[1][2],
                                        http_headers=http("200 OK", "text/html; charset=utf-8"),
                                        warc_headers_dict={"WARC-Refers-To": first[0]})
    w.write(revisit)
    w.write(w.w.create_warc_record("metadata://gnu.org/software/wget/warc/MANIFEST.txt", "metadata",
                                   payload=io.BytesIO(b"manifest"), warc_content_type="text/plain"))
    w.write(w.w.create_warc_record("metadata://gnu.org/software/wget/warc/wget.log", "resource",
                                   payload=io.BytesIO(b"--2024-03-08-- log"), warc_content_type="text/plain"))
    w.close()
    return {"reports": {SITE + "202403/t20240308_1.html": page1, SITE + "202403/t20240309_2.html": page2,
                        SITE + "202403/t20240309_2.html?from=rss": page2},
            "attachments": {pdf_url: (pdf, SITE + "202403/t20240308_1.html")}}


def write_browsertrix_style(path: Path) -> dict:
    """Heritrix / Browsertrix: warcinfo, response records with WARC-Payload-Digest, request records,
    a document saved as a `resource` record, page metadata as urn: resources, a URI+date revisit."""
    w = Warc(path, gzip_records=False)
    w.write(w.w.create_warcinfo_record(path.name, {"software": "Browsertrix-Crawler 1.0 (with warcio.js)",
                                                   "isPartOf": "county-reports", "format": "WARC File Format 1.1"}))
    r3 = report(3, 2022)
    page3 = render_html(r3, style="hanweb")
    doc_url = "http://www.example-county.gov.cn/module/download/downfile.jsp?classid=0&filename=abc.pdf"
    pdf4 = pdf_bytes(render_text(report(4), style="tabs").splitlines(), "report 4")
    url3 = "http://www.example-county.gov.cn/art/2023/2/1/art_1229_5.html"
    for url, body, ctype in ((url3, page3, "text/html;charset=UTF-8"),
                             ("http://www.example-county.gov.cn/col/col1229/index.html",
                              b"<html><body>column</body></html>", "text/html")):
        w.write(w.w.create_warc_record(url, "request", payload=io.BytesIO(b""),
                                       http_headers=StatusAndHeaders("GET / HTTP/1.1", [], is_http_request=True)))
        w.write(w.w.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http("200 OK", ctype)))
    w.write(w.w.create_warc_record(doc_url, "resource", payload=io.BytesIO(pdf4), warc_content_type="application/pdf"))
    w.write(w.w.create_warc_record("urn:pageinfo:" + url3, "resource", payload=io.BytesIO(b'{"pages": 1}'),
                                   warc_content_type="application/json"))
    w.write(w.w.create_warc_record("urn:text:" + url3, "resource", payload=io.BytesIO(render_text(r3).encode()),
                                   warc_content_type="text/plain"))
    ids = dict((d[0], d) for _, d in _ids(path))
    w.write(w.w.create_revisit_record(url3, digest=ids[url3][1], refers_to_uri=url3, refers_to_date=ids[url3][2],
                                      http_headers=http("200 OK", "text/html;charset=UTF-8")))
    w.close()
    return {"reports": {url3: page3, doc_url: pdf4}, "attachments": {}}


def _ids(path: Path) -> list[tuple[str, tuple[str, str, str]]]:
    with path.open("rb") as f:
        return [(r.rec_headers.get_header("WARC-Record-ID"),
                 (r.rec_headers.get_header("WARC-Target-URI"), r.rec_headers.get_header("WARC-Payload-Digest"),
                  r.rec_headers.get_header("WARC-Date")))
                for r in ArchiveIterator(f) if r.rec_type in ("response", "resource")]


def records(path: Path) -> dict[str, list[tuple[int, str, str]]]:
    """url → [(offset, type, WARC-Date)] of every record, as a reader finds them."""
    out: dict[str, list] = {}
    with path.open("rb") as f:
        it = ArchiveIterator(f)
        for r in it:
            out.setdefault(r.rec_headers.get_header("WARC-Target-URI"), []).append(
                (it.get_record_offset(), r.rec_type, r.rec_headers.get_header("WARC-Date")))
    return out


def utc(warc_date: str) -> str:
    return datetime.fromisoformat(warc_date.replace("Z", "+00:00")).astimezone(timezone.utc).isoformat(timespec="seconds")


def xxgk_load(*args: str, code: int = 0) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("xxgk")
    res = subprocess.run([str(exe), "load", "--no-progress", *args], capture_output=True, text=True, timeout=240, cwd=REPO)
    assert res.returncode == code, res.stderr[-3000:]
    return res


def captures(db_path: Path) -> dict[str, sqlite3.Row]:
    db = sqlite3.connect(db_path)
    db.row_factory = sqlite3.Row
    return {r["url"]: r for r in db.execute("SELECT c.*, p.url AS parent_url FROM captures c"
                                              " LEFT JOIN captures p ON p.id = c.parent_capture_id")}


@pytest.mark.parametrize("layout", ["wget", "browsertrix"])
def test_warc_of_another_crawler_is_imported_with_provenance(layout, tmp_path):
    warc = tmp_path / ("crawl.warc.gz" if layout == "wget" else "crawl.warc")
    want = (write_wget_style if layout == "wget" else write_browsertrix_style)(warc)
    db_path = tmp_path / "xxgk.db"
    xxgk_load(str(warc), "--db", str(db_path))
    got = captures(db_path)
    assert set(got) == set(want["reports"]) | set(want["attachments"])  # no list page, image, 404 or log
    recs = records(warc)
    for url, row in got.items():
        body = want["reports"].get(url) or want["attachments"][url][0]
        # the payload as sent (content-decoded), read back from the WARC record the row names
        assert row["sha256"] == hashlib.sha256(body).hexdigest() and read_capture(dict(row)) == body
        assert row["warc_file"] == str(warc.resolve())
        # the record of this URL holding the payload; a URL seen only in a revisit record points
        # at the record of the same payload (a revisit of the same URL adds no capture: same content)
        own = [x for x in recs[url] if x[1] in ("response", "resource")] or recs[url]
        assert row["fetched_at"] == utc(own[0][2])
        if own[0][1] == "revisit":
            payload_url = next(u for u, b in want["reports"].items() if b == body and u != url)
            assert row["warc_offset"] == [o for o, t, _ in recs[payload_url] if t in ("response", "resource")][0]
        else:
            assert row["warc_offset"] == own[0][0]
        if url in want["attachments"]:
            assert (row["kind"], row["parent_url"]) == ("attachment", want["attachments"][url][1])
        else:
            assert row["kind"] == "report"
    db = sqlite3.connect(db_path)
    n_docs = len({hashlib.sha256(b).hexdigest() for b in want["reports"].values()} | {
        hashlib.sha256(b).hexdigest() for b, _ in want["attachments"].values()})
    assert db.execute("SELECT count(*) FROM reports").fetchone()[0] == n_docs
    assert db.execute("SELECT count(*) FROM reports WHERE year IS NULL OR n_cells = 0").fetchone()[0] == 0
    # loading again changes nothing
    before = list(db.execute("SELECT * FROM captures ORDER BY id"))
    xxgk_load(str(warc), "--db", str(db_path))
    assert list(db.execute("SELECT * FROM captures ORDER BY id")) == before


def saved_page(folder: Path, text: str, header: dict[str, str], files: dict[str, bytes] = {}) -> None:
    folder.mkdir(parents=True)
    head = "".join(f"{k}: {v}\n" for k, v in header.items())
    (folder / "page.txt").write_text(head + "==================== 正文 ====================\n" + text, encoding="utf-8")
    (folder / "links.tsv").write_text("text\turl\n", encoding="utf-8")
    for name, data in files.items():
        (folder / name).write_bytes(data)


def test_saved_page_folders_are_imported(tmp_path):
    root = tmp_path / "archive"
    r = report(5, 2022)
    url = "https://www.example-county.gov.cn/zwgk/zfxxgknb/202301/t20230110_5.htm"
    pdf = pdf_bytes(render_text(report(6), style="tabs").splitlines(), "report 6")
    saved_page(root / "202301" / "5_示例县第5局2022年度政府信息公开工作年度报告", render_text(r, style="tabs"),
               {"标题": "示例县第5局2022年度政府信息公开工作年度报告", "发布时间": "2023-01-10 16:24", "文号": "",
                "发布机构": "示例县第5局", "栏目": "政府信息公开年报", "原文链接": url}, {"附件1.pdf": pdf})
    (root / "notes.txt").write_text("not a report", encoding="utf-8")  # a plain file beside: the plain loader
    db_path = tmp_path / "xxgk.db"
    res = xxgk_load(str(root), "--db", str(db_path), code=1)  # notes.txt is no report: exit 1, named
    assert "parse failed" in res.stderr and "notes.txt" in res.stderr and res.stderr.count("parse failed") == 1
    got = captures(db_path)
    page = got[url]
    assert page["kind"] == "report" and page["path"].endswith("page.txt")
    assert page["fetched_at"] == "2023-01-10T08:24:00+00:00"  # 16:24 China time
    db = sqlite3.connect(db_path)
    rep = db.execute("SELECT title, agency, year, published_date, url, n_cells FROM reports WHERE capture_id = ?",
                     [page["id"]]).fetchone()
    assert rep[1:] == ("示例县第5局", 2022, "2023-01-10", url, rep[5]) and rep[5] > 0
    (att,) = db.execute("SELECT c.path, p.url FROM captures c JOIN captures p ON p.id = c.parent_capture_id"
                        " WHERE c.kind = 'attachment'").fetchall()
    assert att[0].endswith("附件1.pdf") and att[1] == url
    assert db.execute("SELECT count(*) FROM captures WHERE path LIKE '%links.tsv'").fetchone()[0] == 0


def test_real_saved_page_folder(tmp_path):
    """A real report as a public archive saved it (../shared/corpus/real/pingtan, read at run time)."""
    src = PINGTAN / "pingtan-017.txt"
    if not src.exists():
        pytest.skip(f"{src} is not there: ../shared is absent")
    folder = tmp_path / "86688_report"
    folder.mkdir()
    shutil.copyfile(src, folder / "page.txt")
    db_path = tmp_path / "xxgk.db"
    xxgk_load(str(folder), "--db", str(db_path))
    url = "https://www.pingtan.gov.cn/zwgk/zfxxgk/dfbmptlj/ptzhsyqbm/ptzhsyqczj/zfxxgknb/202401/t20240131_86688.htm"
    row = captures(db_path)[url]
    assert row["fetched_at"] == "2024-01-31T00:28:00+00:00"
    db = sqlite3.connect(db_path)
    title, year, published = db.execute("SELECT title, year, published_date FROM reports").fetchone()
    assert (year, published) == (2023, "2024-01-31") and "财政金融局2023年度政府信息公开工作年度报告" in title
