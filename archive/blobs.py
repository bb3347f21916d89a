"""A capture's bytes, wherever they are kept: a WARC record (file + offset, written by the
crawler with warcio) or a local file.

A local path is stored as text: as it is when its name is valid UTF-8, else as its `file:` URI
with every byte of the name percent-encoded (what `Path.as_uri()` gives), so the exact bytes of
the name are kept and `local_path` turns it back."""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote_from_bytes, unquote_to_bytes
from typing import Any, Mapping

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed


class BlobError(Exception):
    """The capture's bytes cannot be read."""


def stored_path(path: Path) -> str:
    """A local path as `captures.path` keeps it (see the module doc)."""
    text = str(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes of the name, as surrogates (os.fsdecode)
        return "file://" + quote_from_bytes(os.fsencode(path))
    return text


def local_path(stored: str) -> Path:
    """The path that `stored_path` stored."""
    if stored.startswith("file://"):
        return Path(os.fsdecode(unquote_to_bytes(stored[len("file://"):])))
    return Path(stored)


def display_path(path: str | Path) -> str:
    """A path as a person can read it and any terminal print it: undecodable bytes as \\xNN."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _resolve(p: str, data_dir: Path | None) -> Path:
    path = local_path(p)
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
