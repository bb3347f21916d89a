"""Bytes → text for the text and HTML front ends.

Portals publish UTF-8 and the GB family (GB2312 ⊂ GBK ⊂ GB18030), declared in the HTTP
header, only in `<meta>`, or nowhere; an ISO-8859-1 header is often a server default that
lies about a GBK page. Order of trust: a BOM (UTF-16 without one shows itself by NUL bytes);
then UTF-8 if the bytes are strictly valid UTF-8 (GBK text practically never is, and
mislabelled UTF-8 pages exist) or valid but for a few damaged bytes; then a declared charset that decodes strictly (header before
meta; a Latin-1 header yields to meta); then GB18030. A multi-byte character cut off at the
very end (a truncated download) is dropped and reported. If nothing decodes cleanly: the least
damaging candidate with replacement characters, and a problem saying how much was lost.
A declared charset naming no usable text encoding (unknown, or not ASCII-compatible as every
web page's must be: `idna`, `punycode`, `utf-7`, UTF-16 without a BOM, `base64`,
`unicode_escape`) is ignored
with a problem; the bytes are then sniffed as if nothing were declared.

Libraries: w3lib.encoding finds BOMs and resolves labels the WHATWG way (gb2312/gbk →
gb18030, latin-1/ascii → cp1252); bs4's EncodingDetector finds the `<meta>` label as written
(w3lib's scan resolves it, and an unknown label must be named in the problem). Home-made is
the order of trust above: w3lib's `html_to_unicode` believes a declaration, and portals' lie.
"""
from __future__ import annotations

import codecs
from functools import lru_cache

from bs4.dammit import EncodingDetector
from w3lib.encoding import read_bom, resolve_encoding

# WHATWG labels of GBK that neither Python's codec registry nor w3lib knows
_ALIASES = {"x-gbk": "gbk", "windows-936": "gbk", "gb_2312": "gb2312", "csgb2312": "gb2312",
            "x-euc-cn": "gb2312", "chinese": "gb2312", "csiso58gb231280": "gb2312", "iso-ir-58": "gb2312"}
_ASCII = bytes(range(128))
_ASCII_TEXT = _ASCII.decode("ascii")


@lru_cache(maxsize=256)
def _canon(name: str | None) -> str | None:
    """A Python codec name for a declared charset ("latin-1" for a Latin-1/ASCII/cp1252 label:
    a server default that says nothing about the page), or None when it names no usable codec."""
    if not name:
        return None
    n = name.strip().strip("\"'").lower()
    codec = resolve_encoding(_ALIASES.get(n, n)) if n else None
    if codec is None or codec.endswith("unicode-escape"):  # Python's own, reading backslashes
        return None
    try:  # a page's markup is ASCII: a codec that reads ASCII bytes otherwise is no page's
        if _ASCII.decode(codec, "replace") != _ASCII_TEXT:
            return None
    except (LookupError, UnicodeError, TypeError, ValueError):  # not a text codec, no 'replace'
        return None
    return "latin-1" if codec == "cp1252" else codec


def decode(data: bytes, declared: str | None, *, html: bool) -> tuple[str, str, list[str]]:
    """(text, encoding used, problems). `declared`: the caller's charset (e.g. an HTTP header).

    `html=True` also reads `<meta charset>` / `<meta http-equiv=content-type>`.
    """
    problems: list[str] = []
    enc, bom = read_bom(data)
    if enc:
        text = data[len(bom):].decode(enc, errors="replace")
        if "\ufffd" in text:
            problems.append(f"{enc} (byte-order mark) text has undecodable bytes, replaced")
        return text, enc, problems

    enc = _utf16_without_bom(data)
    if enc:
        text = data.decode(enc, errors="replace")
        if "\ufffd" in text:
            problems.append(f"{enc} (no byte-order mark) text has undecodable bytes, replaced")
        return text, enc, problems

    header, meta = _declarations(data, declared, html, problems)

    strong = [e for e in (header, meta) if e and e != "latin-1"]
    candidates = list(dict.fromkeys(["utf-8"] + strong + ["gb18030"]))
    for enc in candidates:
        text = _strict(data, enc, problems)
        if text is not None:
            return text, enc, problems
        if enc == "utf-8" and not _many_utf8_errors(data):
            # UTF-8 damaged in a few places (a flipped byte, a cut inside a character) is still
            # UTF-8: GB18030 would read it "successfully" as nonsense
            text = data.decode("utf-8", errors="replace")
            bad = text.count("\ufffd")
            if bad * 200 <= len(text):
                problems.append(f"lossy decoding: {bad} undecodable byte sequence(s) replaced (decoded as utf-8)")
                return text, enc, problems
        if enc in strong:
            problems.append(f"declared {enc} but the bytes are not valid {enc}")

    if not strong and "latin-1" in (header, meta):
        # declared Latin-1 and neither UTF-8 nor GB18030 fits: believe it (every byte decodes)
        return data.decode("latin-1"), "latin-1", problems
    best_text, best_enc, best_bad = "", candidates[0], -1
    for enc in candidates:
        text = data.decode(enc, errors="replace")
        bad = text.count("\ufffd")
        if best_bad < 0 or bad < best_bad:
            best_text, best_enc, best_bad = text, enc, bad
    problems.append(f"lossy decoding: {best_bad} undecodable byte sequence(s) replaced (decoded as {best_enc})")
    return best_text, best_enc, problems


def _declarations(data: bytes, declared: str | None, html: bool, problems: list[str]) -> tuple[str | None, str | None]:
    """(the caller's charset, the `<meta>` charset) as codec names; a declaration naming no
    usable codec is a problem."""
    header = _canon(declared)
    if declared and header is None:
        problems.append(f"declared charset {declared!r} is unknown or unusable; ignored")
    meta_name = EncodingDetector.find_declared_encoding(data, is_html=True) if html else None
    meta = _canon(meta_name)
    if meta_name and meta is None:
        problems.append(f"<meta> charset {meta_name!r} is unknown or unusable; ignored")
    return header, meta


def utf8_first(data: bytes) -> bool:
    """Whether `decode` would try UTF-8 first and its start reads as UTF-8: no byte-order mark,
    no NUL bytes (UTF-16 shows itself by them), a first 4 KiB that is UTF-8 (a character cut at
    the end of it allowed). Then a page that is UTF-8 throughout decodes as UTF-8."""
    if read_bom(data)[0] or b"\x00" in data[:4096]:
        return False
    try:
        codecs.utf_8_decode(data[:4096], "strict", False)
    except UnicodeDecodeError:
        return False
    return True


def declaration_problems(data: bytes, declared: str | None, *, html: bool) -> list[str]:
    """`decode`'s problems for a page that is UTF-8 throughout (`utf8_first` and no invalid
    byte): only declarations naming no usable codec."""
    problems: list[str] = []
    _declarations(data, declared, html, problems)
    return problems


def _many_utf8_errors(data: bytes) -> bool:
    """Whether the start of `data` alone has too many UTF-8 errors for the whole to count as
    damaged UTF-8 (more than one per 200 characters; a text has at most as many characters as
    bytes): GBK pages fail every few bytes, and then decoding all of them is wasted."""
    for size in (4096, 16384):
        if size >= len(data):
            return False  # the whole document is decoded anyway
        # (-1: the cut may split a character, which then counts as one error of its own)
        if (data[:size].decode("utf-8", errors="replace").count("\ufffd") - 1) * 200 > len(data):
            return True
    return False


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 shows itself by NUL bytes (ASCII halves) that no other text has; the byte order
    is the one that reads as Chinese, ASCII and common punctuation rather than mojibake."""
    sample = data[:4096]
    if b"\x00" not in sample or len(data) % 2:
        return None
    enc = max(("utf-16-le", "utf-16-be"), key=lambda e: _readable_share(sample.decode(e, errors="replace")))
    return enc if _readable_share(sample.decode(enc, errors="replace")) > 0.3 else None


def _readable_share(text: str) -> float:
    good = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff" or " " <= ch <= "~" or ch in "\n\r\t，。、；：（）“”")
    return good / max(1, len(text))


def _strict(data: bytes, enc: str, problems: list[str]) -> str | None:
    """`data` decoded strictly, tolerating only a multi-byte character cut off at the very end
    (a truncated download); None when the bytes are not `enc`."""
    try:
        return data.decode(enc)
    except UnicodeDecodeError as exc:
        if exc.end != len(data) or exc.reason not in ("unexpected end of data", "incomplete multibyte sequence"):
            return None
        try:
            text = data[:exc.start].decode(enc)
        except UnicodeDecodeError:
            return None
        problems.append(f"document ends inside a {enc} character (truncated?); {len(data) - exc.start} byte(s) dropped")
        return text
