"""A capture's bytes, wherever they are kept: a WARC record (file + offset, written by the
crawler with warcio) or a local file."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed


class BlobError(Exception):
    """The capture's bytes cannot be read."""


def _resolve(p: str, data_dir: Path | None) -> Path:
    path = Path(p)
    if not path.is_absolute() and data_dir is not None and (data_dir / path).exists():
        return data_dir / path
    return path


def read_warc_response(warc: Path, offset: int) -> tuple[list[tuple[str, str]], bytes]:
    """HTTP headers and payload of the record at `offset` (HTTP body for response records,
    de-chunked and decompressed as warcio does; the block itself, without headers, for resource
    records)."""
    try:
        with open(warc, "rb") as fh:
            fh.seek(offset)
            for record in ArchiveIterator(fh):
                headers = list(record.http_headers.headers) if record.http_headers else []
                return headers, record.content_stream().read()
    except (OSError, ArchiveLoadFailed) as exc:
        raise BlobError(f"{warc}:{offset}: {exc}") from exc
    raise BlobError(f"no WARC record at {warc}:{offset}")


def read_capture(capture: Mapping[str, Any], data_dir: str | Path | None = None) -> bytes:
    """The document bytes of a `captures` row (relative paths resolve against `data_dir`, else
    the working directory). Raises BlobError when they cannot be read."""
    return read_original(capture, data_dir)[0]


def read_original(capture: Mapping[str, Any], data_dir: str | Path | None = None) -> tuple[bytes, str | None]:
    """The document bytes of a `captures` row and the Content-Type they were served with (the
    WARC record's HTTP header; None for a file, or a record without one)."""
    data_dir = Path(data_dir) if data_dir is not None else None
    try:
        if capture.get("warc_file"):
            headers, body = read_warc_response(_resolve(capture["warc_file"], data_dir),
                                               int(capture.get("warc_offset") or 0))
            return body, next((v for k, v in headers if k.lower() == "content-type"), None)
        if capture.get("path"):
            return _resolve(capture["path"], data_dir).read_bytes(), None
    except (OSError, ValueError, ArchiveLoadFailed, BlobError) as exc:
        raise BlobError(f"capture {capture.get('id')}: {exc}") from exc
    raise BlobError(f"capture {capture.get('id')} has neither a WARC record nor a path")
