"""Legacy Word (DOC) and WPS front end: convert to DOCX with LibreOffice, then read the DOCX.

The conversion is a subprocess (parsers/convert.py): LibreOffice headless with a private
profile in a temporary directory that is removed afterwards, no network, killed after
`Limits.convert_seconds`. When LibreOffice is missing or fails, catdoc (then antiword)
extracts the text, and the text front end reads it (table rows as tab-separated fields).

Files served as "Word" are often something else: a DOCX, a PDF, or an HTML page saved with
a .doc name; those go to their own front end. Encrypted files are detected before any
conversion (a password prompt must never wait for the time limit).
"""
from __future__ import annotations

from .blocks import Block
from .convert import ConversionError, libreoffice, plain_text
from .limits import Limits
from .model import Report

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")  # an encrypted OOXML file in OLE


def to_blocks(data: bytes, report: Report, charset: str | None = None) -> list[Block]:
    head = data[:1024].lstrip()
    if data.startswith(b"PK\x03\x04"):
        from . import docx
        return docx.to_blocks(data, report, charset)
    if data.startswith(b"%PDF"):
        from . import pdf
        return pdf.to_blocks(data, report, charset)
    if head[:1] == b"<" or b"<html" in head.lower() or head.startswith(b"MIME-Version"):
        from . import html  # "Word" documents saved as web pages
        return html.to_blocks(data, report, charset)
    if not data.startswith(_OLE) and not head.startswith(b"{\\rtf"):
        return _fail(report, "corrupt", "not a Word/WPS document (no OLE2 or RTF signature)")
    if data.startswith(_OLE) and not _ole_header_ok(data):
        return _fail(report, "corrupt", "damaged OLE2 header (truncated or not a Word/WPS file)")
    if _encrypted(data):
        return _fail(report, "encrypted", "document is password-protected")
    limits = Limits.from_env()
    suffix = ".rtf" if head.startswith(b"{\\rtf") else ".doc"
    try:
        converted = libreoffice(data, suffix, "docx", timeout=limits.convert_seconds)
    except ConversionError as exc:
        if exc.code == "time_limit":
            return _fail(report, "time_limit", str(exc))
        return _antiword(data, suffix, report, reason=str(exc))
    from . import docx
    blocks = docx.to_blocks(converted, report, charset)
    if not blocks and report.status != "failed":
        return _fail(report, "corrupt", "LibreOffice opened the file but found no text in it (damaged?)")
    return blocks


def _antiword(data: bytes, suffix: str, report: Report, reason: str) -> list[Block]:
    try:
        text = plain_text(data, suffix)
    except ConversionError as exc:
        return _fail(report, exc.code, f"{reason}; {exc}")
    report.add_finding("converted_as_text", "warning",
                       f"read as plain text (catdoc/antiword): {reason}"[:300])
    from . import text as text_front_end
    return text_front_end.to_blocks(text.encode("utf-8"), report, "utf-8")


def _fail(report: Report, code: str, message: str) -> list[Block]:
    report.status = "failed"
    report.add_finding(code, "error", message[:300])
    return []


def _ole_header_ok(data: bytes) -> bool:
    """The compound file header: byte-order mark FFFE and a 512- or 4096-byte sector size."""
    return len(data) >= 1024 and data[28:30] == b"\xfe\xff" and data[30] in (9, 12)


def _encrypted(data: bytes) -> bool:
    """An OLE file holding an encrypted OOXML package, or a Word 97 file with fEncrypted set."""
    if _ENCRYPTED_PACKAGE in data[:1 << 20] or _ENCRYPTED_PACKAGE in data[-(1 << 16):]:
        return True
    # The WordDocument stream starts with the FIB (magic 0xA5EC) at a sector boundary;
    # bit 0x0100 of its flags word is fEncrypted.
    for off in range(512, min(len(data), 1 << 20) - 12, 512):
        if data[off:off + 2] == b"\xec\xa5" and data[off + 2:off + 4] in (b"\xc1\x00", b"\xc2\x00", b"\xc0\x00"):
            flags = int.from_bytes(data[off + 10:off + 12], "little")
            return bool(flags & 0x0100)
    return False
