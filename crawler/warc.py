"""Raw capture: every HTTP exchange as WARC request + response records (warcio, gzip per record).

Files live in `<data dir>/warc/`, named after the start time, host and process (workers on
several machines share the folder); a capture is addressed by (path relative to the data dir,
offset of its response record). Identical payloads are stored once: a repeat answer becomes a
small `revisit` record and the capture points at the first full response record. The digest
index (`FileDigests`: `warc/digests.tsv`, sha256 → file, offset) is append-only and rebuilt from
the WARC files when missing, so it can never disagree with them for long; a fleet shares one in
Redis instead (crawler.fleet.stream.RedisDigests).
"""
from __future__ import annotations

import base64
import hashlib
import io
import os
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

INDEX_NAME = "digests.tsv"
_HOP_BY_HOP = {"transfer-encoding", "connection", "keep-alive"}  # the body is stored de-chunked


@dataclass(frozen=True)
class Stored:
    warc_file: str  # relative to the data dir, e.g. "warc/xxgk-20260101T000000-host-123-00000.warc.gz"
    warc_offset: int  # offset of the full response record holding the payload
    sha256: str
    revisit: bool  # this exchange wrote only a revisit record


class FileDigests:
    """The digest index of one data dir: `warc/digests.tsv` (sha256, file, offset), appended to
    as records are written, rebuilt from the WARC files when missing."""

    def __init__(self, data_dir: str | os.PathLike, settings=None) -> None:
        self.data_dir = Path(data_dir)
        self.dir = self.data_dir / "warc"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.index: dict[str, tuple[str, int]] = {}
        self._load()
        self._fh = (self.dir / INDEX_NAME).open("a", encoding="utf-8")

    def _load(self) -> None:
        path = self.dir / INDEX_NAME
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                parts = line.split("\t")
                if len(parts) == 3 and (self.data_dir / parts[1]).exists():
                    self.index.setdefault(parts[0], (parts[1], int(parts[2])))
            return
        for warc in sorted(self.dir.glob("*.warc*")):  # index lost: rebuild it from the archive
            rel = str(warc.relative_to(self.data_dir))
            with warc.open("rb") as f:
                it = ArchiveIterator(f)
                for rec in it:
                    if rec.rec_type == "response":
                        digest = rec.rec_headers.get_header("WARC-Payload-SHA256")
                        if digest:
                            self.index.setdefault(digest, (rel, it.get_record_offset()))
        with path.open("w", encoding="utf-8") as f:
            f.writelines(f"{d}\t{r}\t{o}\n" for d, (r, o) in self.index.items())

    def get(self, sha: str) -> tuple[str, int] | None:
        return self.index.get(sha)

    def add(self, sha: str, rel: str, offset: int) -> None:
        self.index[sha] = (rel, offset)
        self._fh.write(f"{sha}\t{rel}\t{offset}\n")
        self._fh.flush()

    def close(self) -> None:
        self._fh.close()


class WarcStore:
    def __init__(self, data_dir: str | os.PathLike, max_bytes: int = 1 << 30, index=None) -> None:
        self.data_dir = Path(data_dir)
        self.dir = self.data_dir / "warc"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.max_bytes = max_bytes
        self._stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
        self._seq = 0
        self._fh: io.BufferedWriter | None = None
        self._writer: WARCWriter | None = None
        self._rel = ""
        self.index = index if index is not None else FileDigests(self.data_dir)

    # -- files ------------------------------------------------------------------------------
    def _open(self) -> None:
        name = f"xxgk-{self._stamp}-{socket.gethostname()}-{os.getpid()}-{self._seq:05d}.warc.gz"
        self._seq += 1
        self._fh = (self.dir / name).open("ab")
        self._rel = f"warc/{name}"
        self._writer = WARCWriter(self._fh, gzip=True)
        info = self._writer.create_warcinfo_record(name, {"software": "xxgk-archive crawler (warcio)",
                                                          "format": "WARC File Format 1.1"})
        self._writer.write_record(info)

    def _ensure_open(self) -> WARCWriter:
        if self._fh is None or self._fh.tell() > self.max_bytes:
            self.close_file()
            self._open()
        assert self._writer is not None
        return self._writer

    def close_file(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def close(self) -> None:
        self.close_file()
        self.index.close()

    # -- records ----------------------------------------------------------------------------
    def write(self, *, url: str, method: str, request_headers: list[tuple[str, str]],
              request_body: bytes, status: int, reason: str, response_headers: list[tuple[str, str]],
              body: bytes, fetched_at: float | None = None) -> Stored:
        """Write one exchange; returns where its payload lives."""
        writer = self._ensure_open()
        assert self._fh is not None
        date = datetime.fromtimestamp(fetched_at or time.time(), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        sha = hashlib.sha256(body).hexdigest()
        http = StatusAndHeaders(f"{status} {reason}".strip(),
                                [(k, v) for k, v in response_headers if k.lower() not in _HOP_BY_HOP],
                                protocol="HTTP/1.1")
        warc_headers = {"WARC-Date": date, "WARC-Payload-SHA256": sha}
        original = self.index.get(sha)
        offset = self._fh.tell()
        if original:
            resp = writer.create_revisit_record(
                url, digest=_sha1_b32(body), refers_to_uri=url, refers_to_date=date, http_headers=http,
                warc_headers_dict={**warc_headers, "WARC-Refers-To-Filename": original[0],
                                   "WARC-Refers-To-Offset": str(original[1])})
        else:
            resp = writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                             http_headers=http, warc_headers_dict=warc_headers)
        # the exchange reaches the file in one write(): a crawl killed at any moment (even by
        # SIGKILL) leaves whole records only, and every WARC file reads to its end
        buf = io.BytesIO()
        out = WARCWriter(buf, gzip=True)
        out.write_record(resp)
        path = _request_target(url)
        req = writer.create_warc_record(
            url, "request", payload=io.BytesIO(request_body),
            http_headers=StatusAndHeaders(f"{method} {path} HTTP/1.1", request_headers,
                                          is_http_request=True),
            warc_headers_dict={"WARC-Date": date,
                               "WARC-Concurrent-To": resp.rec_headers.get_header("WARC-Record-ID")})
        out.write_record(req)
        self._fh.write(buf.getvalue())
        self._fh.flush()
        if original:
            return Stored(original[0], original[1], sha, True)
        self.index.add(sha, self._rel, offset)
        return Stored(self._rel, offset, sha, False)


def _sha1_b32(body: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode()


def _request_target(url: str) -> str:
    u = urlsplit(url)
    return (u.path or "/") + (f"?{u.query}" if u.query else "")
