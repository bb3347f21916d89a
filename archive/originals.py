"""The archived originals: a capture's bytes exactly as captured, for the server's
`/-/captures/<id>/raw` and for `xxgk export --with-originals`.

A portal's page, served again from the archive, must not run the portal's scripts nor load
anything from outside (trackers, fonts, the live site): every answer carries a Content-Security-
Policy that sandboxes the document and allows only inline styles and images from the archive
itself, and the browser is told not to guess another type.
"""
from __future__ import annotations

import mimetypes
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from archive.blobs import BlobError, read_original

CSP = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'"
# extensions of the media types the parsers read, where the URL does not give one
_EXTENSIONS = {"text/html": ".html", "text/plain": ".txt", "application/pdf": ".pdf", "application/msword": ".doc",
               "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
               "application/ofd": ".ofd", "application/vnd.ms-works": ".wps"}


def read(capture: Mapping[str, Any], data_dirs: Iterable[str | Path]) -> tuple[bytes, str]:
    """The captured bytes and their Content-Type as captured (the HTTP header kept in the WARC
    record, else the capture's media type and declared encoding). Relative paths are looked up
    in each of `data_dirs` in turn. Raises BlobError."""
    errors = []
    for d in [*data_dirs, None]:
        try:
            body, ctype = read_original(capture, d)
        except BlobError as exc:
            errors.append(str(exc))
            continue
        return body, ctype or content_type(capture)
    raise BlobError(errors[-1])


def content_type(capture: Mapping[str, Any]) -> str:
    media = capture.get("media_type") or "application/octet-stream"
    return f"{media}; charset={capture['encoding']}" if capture.get("encoding") and media.startswith("text/") else media


def extension(capture: Mapping[str, Any]) -> str:
    """The file extension of a capture: its URL's or path's, else its media type's."""
    name = urlsplit(capture.get("url") or "").path or capture.get("path") or ""
    ext = Path(name).suffix.lower()
    if ext and len(ext) <= 6 and ext[1:].isalnum():
        return ext
    media = (capture.get("media_type") or "").split(";")[0].strip()
    return _EXTENSIONS.get(media) or mimetypes.guess_extension(media) or ".bin"


def filename(capture: Mapping[str, Any]) -> str:
    """A file name for the original: its SHA-256 (what it is) and its extension."""
    return f"{capture['sha256']}{extension(capture)}"


def headers(capture: Mapping[str, Any]) -> dict[str, str]:
    """Headers of the server's answer besides Content-Type: the sandbox, no type sniffing, and
    a file name for saving."""
    return {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
            "Content-Disposition": f'inline; filename="{filename(capture)}"'}
