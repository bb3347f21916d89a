"""Importing captures other tools made, with their provenance (`xxgk load` dispatches here):

- WARC / WARC.gz files written by Heritrix, Browsertrix, `wget --warc-file`, pywb or this
  project's crawler: every `response` (or http(s) `resource`) record that is a report — an HTML
  page or a document the parser recognises as one — is archived as a capture pointing at its
  record (`warc_file` the WARC's absolute path, `warc_offset` the record's offset, `url` its
  WARC-Target-URI, `fetched_at` its WARC-Date). Payloads are read as warcio reads them
  (chunked and gzip transfer undone), which is also how `archive.blobs.read_capture` reads them
  back. A `revisit` record becomes a capture of its own URL and date pointing at the record that
  holds the payload (found by WARC-Refers-To, WARC-Refers-To-Target-URI + -Date, or the payload
  digest). A document that a report page of the same file links is archived as its attachment.
- Folders of saved pages, one folder per document: `page.html` and/or `page.txt`, whose first
  lines are a header (`标题: …`, `发布时间: …`, `发布机构: …`, `原文链接: …`, then a `=== 正文 ===`
  line), and the page's files beside them. The capture takes the header's 原文链接 as its URL
  and 发布时间 (China time) as its date; the report gets title, agency and date from it where
  the document itself does not say; files in the folder are the page's attachments.
"""
from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable

import lxml.html
import sqlite_utils
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from archive.load import (DOCUMENT_SUFFIXES, LoadResult, document_name, iter_documents, load_document,
                          parse_safely)
from archive.parsepool import ParsePool
from parsers.model import Report

WARC_SUFFIXES = (".warc", ".warc.gz")
SAVED_PAGE_FILES = ("page.html", "page.txt")
CST = timezone(timedelta(hours=8))
# what a report can be: HTML pages and the document formats the parsers read
_DOCUMENT_TYPES = re.compile(r"text/html|xhtml|text/plain|pdf|msword|wordprocessingml|ms-works|wps|ofd|"
                             r"octet-stream", re.I)
_HEADER_LINE = re.compile(r"^\s*(标题|发布时间|发布日期|发布机构|文号|栏目|原文链接|本地目录)\s*[:：]\s*(.*?)\s*$")


def is_warc(path: Path) -> bool:
    return path.name.lower().endswith(WARC_SUFFIXES)


def is_saved_page(path: Path) -> bool:
    return path.is_dir() and any((path / name).is_file() for name in SAVED_PAGE_FILES)


def partition(paths: Iterable[str | Path]) -> tuple[list[Path], list[Path], list[Path]]:
    """(WARC files, saved-page folders, everything else) among `paths` and inside their folders;
    a folder holding neither is left whole to the document loader."""
    warcs: list[Path] = []
    pages: list[Path] = []
    rest: list[Path] = []
    for p in map(Path, paths):
        if p.is_file() or not p.exists():
            (warcs if is_warc(p) else rest).append(p)
            continue
        if is_saved_page(p):
            pages.append(p)
            continue
        found_w = sorted(f for f in p.rglob("*") if f.is_file() and is_warc(f))
        found_p = sorted({f.parent for f in p.rglob("page.*") if f.name in SAVED_PAGE_FILES})
        if not found_w and not found_p:
            rest.append(p)
            continue
        warcs += found_w
        pages += found_p
        inside = set(found_p)
        rest += [f for f in iter_documents([p]) if not inside.intersection(f.parents)]
    return warcs, pages, rest


def load_imports(db: sqlite_utils.Database, warcs: Iterable[Path], pages: Iterable[Path],
                 pool: ParsePool | None = None) -> list[LoadResult]:
    """Load WARC files and saved-page folders, parsing in `pool`'s capped workers (else in this
    process); one that cannot be read is an `error` result."""
    results: list[LoadResult] = []
    for path in warcs:
        try:
            results += load_warc(db, path, pool)
        except (OSError, ValueError, ArchiveLoadFailed) as exc:
            results.append(LoadResult(None, None, "error", None, str(path), f"{type(exc).__name__}: {exc}"))
    for folder in pages:
        try:
            results += load_saved_page(db, folder, pool)
        except (OSError, ValueError) as exc:
            results.append(LoadResult(None, None, "error", None, str(folder), str(exc)))
    return results


def _parse(pool: ParsePool | None, data: bytes, media_type: str | None, name: str) -> Report:
    return pool.parse_now(data, media_type, name) if pool is not None else parse_safely(data, media_type, name)


# -- WARC ------------------------------------------------------------------------------------

@dataclass
class _Record:
    offset: int                 # the record holding the payload
    url: str
    date: str                   # WARC-Date as the archive stores times (UTC ISO 8601)
    status: int
    media_type: str | None
    report: Report | None = None
    links: tuple[str, ...] = ()  # what an HTML page links (absolute)
    kind: str = "report"
    parent: str | None = None


def _utc(warc_date: str | None) -> str | None:
    if not warc_date:
        return None
    try:
        t = datetime.fromisoformat(warc_date.replace("Z", "+00:00"))
    except ValueError:
        return warc_date
    return (t if t.tzinfo else t.replace(tzinfo=timezone.utc)).astimezone(timezone.utc).isoformat(timespec="seconds")


def _sha1_digest(payload: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(payload).digest()).decode()


def is_report(report: Report) -> bool:
    """The parser recognised a report: most of its numbered parts, or a template table read
    (a list page naming reports is neither)."""
    return len({s.number for s in report.sections if s.number}) >= 3 or (
        report.template in ("2019", "2021") and bool(report.cells))


def _page_links(payload: bytes, url: str) -> tuple[str, ...]:
    try:
        doc = lxml.html.document_fromstring(payload, base_url=url)
        doc.make_links_absolute(url, handle_failures="ignore")
    except (ValueError, lxml.etree.ParserError):
        return ()
    return tuple(link for _, attr, link, _ in doc.iterlinks() if attr == "href")


def load_warc(db: sqlite_utils.Database, path: Path, pool: ParsePool | None = None) -> list[LoadResult]:
    """Archive the reports among a WARC file's records (see the module doc)."""
    path = Path(path).resolve()
    kept: list[_Record] = []
    pages: list[_Record] = []      # pages that only point at an attachment: kept if they link a report
    by_id: dict[str, int] = {}     # WARC-Record-ID → payload record offset
    by_uri_date: dict[tuple[str, str], int] = {}
    by_digest: dict[str, int] = {}
    decided: dict[int, _Record | None] = {}  # payload record offset → what it was judged
    with path.open("rb") as f:
        records = ArchiveIterator(f)
        for rec in records:
            head = rec.rec_headers
            url = head.get_header("WARC-Target-URI") or ""
            if rec.rec_type not in ("response", "resource", "revisit") or not url.startswith(("http://", "https://")):
                continue
            # the payload before the offset: warcio finds the offset by reading the record to its end
            payload = rec.content_stream().read()
            offset = records.get_record_offset()
            date = head.get_header("WARC-Date") or ""
            status = int(rec.http_headers.get_statuscode() or 0) if rec.http_headers else 200
            if rec.rec_type == "revisit":
                original = (by_id.get(head.get_header("WARC-Refers-To") or "")
                            or by_uri_date.get((head.get_header("WARC-Refers-To-Target-URI") or url,
                                                head.get_header("WARC-Refers-To-Date") or ""))
                            or by_digest.get(head.get_header("WARC-Payload-Digest") or ""))
                if original is not None and decided.get(original) is not None and 200 <= (status or 200) < 300:
                    first = decided[original]
                    kept.append(_Record(original, url, _utc(date), status or first.status, first.media_type,
                                        first.report, first.links))
                continue
            by_id[head.get_header("WARC-Record-ID") or ""] = offset
            by_uri_date[(url, date)] = offset
            by_digest[head.get_header("WARC-Payload-Digest") or _sha1_digest(payload)] = offset
            by_digest.setdefault(_sha1_digest(payload), offset)
            ctype = (rec.http_headers.get_header("Content-Type") if rec.rec_type == "response" and rec.http_headers
                     else head.get_header("Content-Type"))
            decided[offset] = None
            if not 200 <= status < 300 or not payload or not (
                    _DOCUMENT_TYPES.search(ctype or "") or Path(url.split("?")[0]).suffix.lower() in DOCUMENT_SUFFIXES):
                continue
            report = _parse(pool, payload, ctype, document_name(url, None))
            html = "html" in (ctype or "").lower()
            item = _Record(offset, url, _utc(date), status, ctype, report, _page_links(payload, url) if html else ())
            if is_report(report):
                decided[offset] = item
                kept.append(item)
            elif html and any(f.code == "attachment_only" for f in report.findings):
                pages.append(item)
    reports = {r.url for r in kept}
    for page in pages:  # a "详见附件" page whose file is a report here: the report's page
        if reports.intersection(page.links):
            decided[page.offset] = page
            kept.append(page)
    linked_by = {link: r.url for r in kept if r.links for link in r.links}
    for r in kept:
        if r.links == () and r.url in linked_by and linked_by[r.url] != r.url:
            r.kind, r.parent = "attachment", linked_by[r.url]
    results = []
    # pages before their attachments: an attachment takes agency and year from its page
    for r in sorted(kept, key=lambda r: r.kind == "attachment"):
        with path.open("rb") as f:
            data = _payload(f, r.offset)
        res = load_document(db, data, url=r.url, media_type=r.media_type, fetched_at=r.date, http_status=r.status,
                            encoding=_charset(r.media_type), warc_file=str(path), warc_offset=r.offset,
                            kind=r.kind, parent_url=r.parent, report=r.report)
        res.path = f"{path}#{r.offset}"
        results.append(res)
    return results


def _payload(f, offset: int) -> bytes:
    f.seek(offset)
    return next(iter(ArchiveIterator(f))).content_stream().read()


def _charset(ctype: str | None) -> str | None:
    m = re.search(r"charset=([\w-]+)", ctype or "", re.I)
    return m.group(1).lower() if m else None


# -- saved pages -------------------------------------------------------------------------------

def saved_page_header(text: str) -> dict[str, str]:
    """The `key: value` lines at the top of a saved page's text, up to its 正文 line."""
    header: dict[str, str] = {}
    for line in text.splitlines()[:40]:
        if line.startswith("====") or "正文" in line and "=" in line:
            break
        if m := _HEADER_LINE.match(line):
            header[m.group(1)] = m.group(2)
    return header


def _published(value: str | None) -> tuple[str | None, str | None]:
    """(published date, capture time in UTC) from a header's 发布时间 (China time)."""
    m = re.match(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:\s+(\d{1,2}):(\d{2}))?", value or "")
    if not m:
        return None, None
    y, mo, d, h, mi = (int(x) if x else 0 for x in m.groups())
    t = datetime(y, mo, d, h, mi, tzinfo=CST)
    return t.date().isoformat(), t.astimezone(timezone.utc).isoformat(timespec="seconds")


def load_saved_page(db: sqlite_utils.Database, folder: Path, pool: ParsePool | None = None) -> list[LoadResult]:
    """One saved document: its page (page.html, else page.txt) and the files beside it."""
    folder = Path(folder).resolve()
    txt, html = folder / "page.txt", folder / "page.html"
    header = saved_page_header(txt.read_text(encoding="utf-8", errors="replace")) if txt.is_file() else {}
    if not header and html.is_file():
        header = saved_page_header(html.read_text(encoding="utf-8", errors="replace"))
    page = html if html.is_file() else txt
    url = header.get("原文链接") or None
    published, captured = _published(header.get("发布时间") or header.get("发布日期"))
    meta: dict[str, Any] = {k: v for k, v in (("agency", header.get("发布机构")), ("url", url)) if v}
    page_result = load_document(db, page.read_bytes(), url=url, path=str(page), fetched_at=captured,
                                published_date=published, meta=meta,
                                report=_parse(pool, page.read_bytes(), None, page.name))
    page_result.path = str(page)
    results = [page_result]
    for f in sorted(folder.iterdir()):
        if f.is_file() and f.name not in SAVED_PAGE_FILES and f.suffix.lower() in DOCUMENT_SUFFIXES \
                and f.suffix.lower() not in (".txt", ".html", ".htm", ".tsv"):
            data = f.read_bytes()
            res = load_document(db, data, path=str(f), fetched_at=captured, kind="attachment" if url else "report",
                                parent_url=url, meta=meta, report=_parse(pool, data, None, f.name))
            res.path = str(f)
            results.append(res)
    return results
