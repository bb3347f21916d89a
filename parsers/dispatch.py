"""Route a document to its front end (format → blocks), then assemble and check."""
from __future__ import annotations

import importlib

from .limits import Limits, TimeLimit
from .model import Report

# media type → module whose `to_blocks(data: bytes, report: Report, charset: str | None)
# -> list[Block]` reads it (`charset`: declared by the caller, e.g. from an HTTP header)
FRONT_ENDS = {
    "text/plain": "parsers.text",
    "text/markdown": "parsers.text",
    "text/html": "parsers.html",
    "application/xhtml+xml": "parsers.html",
    "application/pdf": "parsers.pdf",
    "application/x-pdf": "parsers.pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "parsers.docx",
    "application/wps-office.docx": "parsers.docx",
    "application/msword": "parsers.doc",
    "application/vnd.ms-word": "parsers.doc",
    "application/rtf": "parsers.doc",
    "text/rtf": "parsers.doc",
    "application/vnd.ms-works": "parsers.doc",
    "application/wps-office.wps": "parsers.doc",
    "application/wps-office.doc": "parsers.doc",
    "application/kswps": "parsers.doc",
    "application/ofd": "parsers.ofd",
}

MEDIA_TYPE_BY_SUFFIX = {
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
        return MEDIA_TYPE_BY_SUFFIX.get("." + suffix, "application/msword")
    if head.startswith(b"PK\x03\x04"):
        suffix = "." + name.lower().rsplit(".", 1)[-1] if "." in name else ""
        return MEDIA_TYPE_BY_SUFFIX.get(suffix, MEDIA_TYPE_BY_SUFFIX[".docx"])
    lowered = head.lower()
    if b"<html" in lowered or b"<!doctype html" in lowered or b"<body" in lowered or b"<table" in lowered:
        return "text/html"
    suffix = "." + name.lower().rsplit(".", 1)[-1] if "." in name else ""
    return MEDIA_TYPE_BY_SUFFIX.get(suffix, "text/plain")


def _charset(media_type: str | None) -> str | None:
    for param in (media_type or "").split(";")[1:]:
        k, _, v = param.partition("=")
        if k.strip().lower() == "charset" and v.strip():
            return v.strip().strip('"').lower()
    return None


def parse_document(data: bytes, media_type: str | None, name: str = "") -> Report:
    from .assemble import assemble
    from .checks import check_identities

    mt = sniff(data, media_type, name)
    report = Report(media_type=mt)
    limits = Limits.from_env()
    try:
        if len(data) > limits.max_bytes:
            report.status = "failed"
            report.add_finding("too_large", "error", f"document is {len(data)} bytes; limit {limits.max_bytes}")
            return report
        module = FRONT_ENDS.get(mt)
        if module is None:
            report.status = "failed"
            report.add_finding("unsupported_format", "error", f"no parser for media type {mt}")
            return report
        blocks = importlib.import_module(module).to_blocks(data, report, charset=_charset(media_type))
        if report.status != "failed":
            assemble(blocks, report)
            check_identities(report)
    except TimeLimit:  # a reader that cannot keep what it read so far
        report.status = "failed"
        report.add_finding("time_limit", "error", f"not read within {limits.parse_seconds:g} s")
    except MemoryError:  # the worker's memory cap (Limits.parse_memory) reached in Python code
        report.status = "failed"
        report.add_finding("resource_limit", "error",
                           "the parse ran out of memory (a parse worker's is capped: XXGK_PARSE_MEMORY)")
    except Exception as exc:  # any bytes in, a report out
        report.status = "failed"
        report.add_finding("parser_error", "error", f"{type(exc).__name__}: {exc}")
    return report
