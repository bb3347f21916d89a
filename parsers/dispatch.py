"""Route a document to its front end (format → blocks), then assemble and check."""
from __future__ import annotations

import importlib

from .model import Report

MAX_BYTES = 50 * 1024 * 1024  # larger documents are refused, not parsed

# media type → module whose `to_blocks(data: bytes, report: Report) -> list[Block]` reads it
FRONT_ENDS = {
    "text/plain": "parsers.text",
    "text/markdown": "parsers.text",
    "text/html": "parsers.html",
    "application/xhtml+xml": "parsers.html",
}

_BY_SUFFIX = {
    ".txt": "text/plain", ".md": "text/markdown", ".html": "text/html", ".htm": "text/html",
    ".shtml": "text/html", ".xhtml": "application/xhtml+xml", ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".doc": "application/msword", ".wps": "application/vnd.ms-works", ".ofd": "application/ofd",
    ".xls": "application/vnd.ms-excel",
}


def sniff(data: bytes, media_type: str | None, name: str = "") -> str:
    """The document's media type: declared, else by magic bytes, else by file name."""
    if media_type:
        mt = media_type.split(";")[0].strip().lower()
        if mt not in ("application/octet-stream", "binary/octet-stream", ""):
            return mt
    head = data[:1024]
    if head.startswith(b"%PDF"):
        return "application/pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0"):  # OLE2: DOC, WPS, XLS
        suffix = name.lower().rsplit(".", 1)[-1] if "." in name else ""
        return _BY_SUFFIX.get("." + suffix, "application/msword")
    if head.startswith(b"PK\x03\x04"):
        suffix = "." + name.lower().rsplit(".", 1)[-1] if "." in name else ""
        return _BY_SUFFIX.get(suffix, _BY_SUFFIX[".docx"])
    lowered = head.lower()
    if b"<html" in lowered or b"<!doctype html" in lowered or b"<body" in lowered or b"<table" in lowered:
        return "text/html"
    suffix = "." + name.lower().rsplit(".", 1)[-1] if "." in name else ""
    return _BY_SUFFIX.get(suffix, "text/plain")


def parse_document(data: bytes, media_type: str | None, name: str = "") -> Report:
    from .assemble import assemble
    from .checks import check_identities

    mt = sniff(data, media_type, name)
    report = Report(media_type=mt)
    try:
        if len(data) > MAX_BYTES:
            report.status = "failed"
            report.add_finding("too_large", "error", f"document is {len(data)} bytes; limit {MAX_BYTES}")
            return report
        module = FRONT_ENDS.get(mt)
        if module is None:
            report.status = "failed"
            report.add_finding("unsupported_format", "error", f"no parser for media type {mt}")
            return report
        blocks = importlib.import_module(module).to_blocks(data, report)
        if report.status != "failed":
            assemble(blocks, report)
            check_identities(report)
    except Exception as exc:  # any bytes in, a report out
        report.status = "failed"
        report.add_finding("parser_error", "error", f"{type(exc).__name__}: {exc}")
    return report
