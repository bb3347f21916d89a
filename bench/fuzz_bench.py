"""Fuzz campaign: damaged documents through `parsers.parse` in capped worker processes.

Seeds: the project's fixtures (tests/fixtures/corpus), generated reports (text, HTML, DOCX, PDF;
PDF and DOC through LibreOffice when it is installed) and `../shared` (the seed report, the real
PDFs, the Pingtan texts) when present. Each document of the campaign is one seed mutated in one
way, reproducible from its number: bit flips, overwritten, inserted or cut bytes, splices of two
documents, duplicated table rows, trailing whitespace, hostile and re-encoded charsets, huge
numbers and spans, broken zips and DOCX parts, PDF content streams with damaged numbers and
runs of text repeated or moved off the page.

Each document is parsed in the parse workers of the crawl and `xxgk load` (archive.parsepool):
address space capped at `Limits.parse_memory`, killed past twice the time limit and half a
minute, replaced when they die. Reported:
- escapes: an exception out of `parsers.parse` (it promises none);
- memory kills: the worker died (the cap reached in C code, a crash); `resource_limit`
  findings (the cap reached in Python code, a page over a size limit) are counted apart;
- timeouts: killed, or a parse longer than the time limit (`Limits.parse_seconds`);
- `parser_error`: a bug of ours caught by the safety net;
- damaged-but-ok: status `ok`, yet a number silent: a null cell no finding explains or an
  imputed cell that is no blank (parsers.invariants); a cell of the seed gone or read otherwise
  with no finding naming it (its row, its column or its table) — for a mutation that keeps every
  printed number (duplicated rows, whitespace, charsets) any such cell; for the others (but
  splices, which are two documents) one whose row prints nothing new (a row whose printed text
  changed is expected to read otherwise) and no finding says the text is damaged (`encoding`, …).
`--load N` also archives the first N documents twice (archive.load, a scratch database):
documents lost, documents archived with a load problem, second loads that wrote anything.

`python -m bench.fuzz_bench [--n 2000] [--workers 1] [--seed 0] [--load 200] [--out DIR]`;
`--replay I` rebuilds document I (`--out`: written there). Numbers of the last long run:
docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import random
import re
import shutil
import sys
import tempfile
import time
import zipfile
import zlib
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from parsers.limits import Limits
from parsers.model import Report

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "corpus"
FORMATS = ("text", "html", "pdf", "docx", "doc")
WEIGHTS = {"text": 27, "html": 27, "pdf": 25, "docx": 20, "doc": 1}  # ≈ the first campaign's mix
MEDIA = {"text": "text/plain", "html": "text/html", "pdf": "application/pdf", "doc": "application/msword",
         "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


# --- seeds -----------------------------------------------------------------------------------

@dataclass
class Seed:
    name: str
    fmt: str
    data: bytes
    baseline: Report | None = None  # the seed's own parse


def seeds(office: bool = True, shared: bool = True, generated: int = 8) -> list[Seed]:
    """The documents mutated: fixtures, generated reports, ../shared. `office`: PDF and DOC
    converted by LibreOffice (seconds) when it is installed."""
    from mockportals.documents import pdf_bytes
    from reportgen import generate, render_text
    from reportgen.corpus import render, sweep
    from reportgen.docx import render_docx

    out = []
    for p in sorted((REPO / "tests" / "fixtures" / "corpus").iterdir()):
        if p.suffix in (".txt", ".md", ".html"):
            out.append(Seed(p.name, "html" if p.suffix == ".html" else "text", p.read_bytes()))
    for doc in sweep(2 * generated, seed=17):
        name, data, mt, _ = render(doc)
        out.append(Seed(name, "html" if mt == "text/html" else "text", data))
    docx = []
    for i in range(generated):
        report = generate(seed=100 + i, template=("2021", "2019", "2021", "pre2019")[i % 4], year=2019 + i % 6)
        docx.append(_stable_zip(render_docx(report, nested=i % 3 == 1, textbox=i % 4 == 1, headings=i % 2 == 1,
                                            borders=i % 5 != 4)))
        out.append(Seed(f"gen{i}.docx", "docx", docx[-1]))
        out.append(Seed(f"gen{i}.pdf", "pdf", pdf_bytes(render_text(report).split("\n"), report.title)))
    if office and shutil.which("soffice"):
        from parsers.convert import ConversionError, convert_files
        with tempfile.TemporaryDirectory(prefix="xxgk-fuzz-") as tmp:
            paths = []
            for i, data in enumerate(docx[:4]):
                paths.append(Path(tmp) / f"lo{i}.docx")
                paths[-1].write_bytes(data)
            for target, fmt in (("pdf", "pdf"), ("doc", "doc")):
                try:
                    for p in convert_files(paths, target, Path(tmp) / target, timeout=300):
                        out.append(Seed(p.name, fmt, p.read_bytes()))
                except ConversionError as exc:
                    print(f"no LibreOffice {target} seeds: {exc}", file=sys.stderr)
    if shared and SHARED.is_dir():
        for p in sorted(SHARED.glob("seed/*.txt")) + sorted(SHARED.glob("real/pingtan/*.txt")):
            out.append(Seed(p.name, "text", p.read_bytes()))
        for p in sorted(SHARED.glob("real/*.pdf")):
            out.append(Seed(p.name, "pdf", p.read_bytes()))
    return out


# --- mutations -------------------------------------------------------------------------------

@dataclass
class Mutant:
    index: int
    seed: Seed
    kind: str  # the mutation's name
    data: bytes
    media_type: str
    keeps_numbers: bool  # every printed number is still there, as printed
    note: str = ""


_DIGITS = re.compile(rb"\d+")
_HOSTILE = ("idna", "punycode", "utf-7", "utf-16", "utf-32", "base64", "rot13", "zlib", "hz", "unicode_escape",
            "x-no-such", "", "gb2312;", "iso-2022-jp", "cp037", "latin-1", "utf-8", "big5")


def _flip(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    b = bytearray(data)
    n = rng.choice((1, 1, 2, 4, 8, 32))
    for _ in range(n):
        b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
    return bytes(b), f"{n} bit(s)"


def _overwrite(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    b = bytearray(data)
    at, n = rng.randrange(len(b)), rng.choice((1, 4, 16, 256))
    b[at:at + n] = bytes(rng.randrange(256) for _ in range(min(n, len(b) - at)))
    return bytes(b), f"{n} byte(s) at {at}"


def _insert(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    at = rng.randrange(len(data) + 1)
    junk = rng.choice((b"\x00" * rng.randint(1, 64), rng.randbytes(rng.randint(1, 256)), b"\t", b"|", b"\r\n" * 3,
                       b"\xef\xbb\xbf", b"\xff\xfe"))
    return data[:at] + junk + data[at:], f"{len(junk)} byte(s) at {at}"


def _truncate(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    cut = rng.randrange(len(data))
    return data[:cut], f"{cut} of {len(data)} bytes kept"


def _whitespace(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    """Tabs or spaces at the end of some lines, or around separators (keeps every number)."""
    lines = data.split(b"\n")
    picks = rng.sample(range(len(lines)), min(len(lines), rng.randint(1, 8)))
    pad = rng.choice((b"\t", b" ", b"\t\t", b" \t", b"\xe3\x80\x80" if b"\xe3" in data[:4096] else b"  "))
    for i in picks:
        if lines[i].endswith(b"\r"):
            lines[i] = lines[i][:-1] + pad + b"\r"
        else:
            lines[i] += pad
    return b"\n".join(lines), f"{pad!r} after {len(picks)} line(s)"


def _duplicate_line(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    """A line holding numbers printed twice (a table row, for text renderings)."""
    lines = data.split(b"\n")
    rows = [i for i, ln in enumerate(lines) if len(_DIGITS.findall(ln)) >= 3]
    if not rows:
        return data, "no row"
    i = rng.choice(rows)
    return b"\n".join(lines[:i + 1] + [lines[i]] + lines[i + 1:]), f"line {i + 1}"


_TR = re.compile(rb"<tr\b.*?</tr>", re.S | re.I)


def _duplicate_tr(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    rows = [m for m in _TR.finditer(data) if len(_DIGITS.findall(re.sub(rb"<[^>]*>", b" ", m.group()))) >= 3]
    if not rows:
        return data, "no row"
    m = rng.choice(rows)
    return data[:m.end()] + m.group() + data[m.end():], f"row at {m.start()}"


_META_CHARSET = re.compile(rb"charset\s*=\s*[\"']?[\w-]*", re.I)


def _hostile_charset(rng: random.Random, data: bytes) -> tuple[bytes, str, str]:
    """A charset no page can be in, declared in <meta> (added if none) and/or in the header."""
    charset = rng.choice(_HOSTILE)
    where = rng.choice(("meta", "header", "both"))
    if where != "header":
        if _META_CHARSET.search(data[:4096]):
            data = _META_CHARSET.sub(b'charset="' + charset.encode() + b'"', data, count=1)
        else:
            data = b'<meta charset="' + charset.encode() + b'">' + data
    media = f"text/html; charset={charset}" if where != "meta" else "text/html"
    return data, f"{charset!r} in {where}", media


def _reencode(rng: random.Random, data: bytes, seed: Seed) -> tuple[bytes, str]:
    """The same text in another encoding (utf-8 BOM, UTF-16 with and without BOM, GB18030)."""
    from parsers.decode import decode

    text, _, problems = decode(data, None, html=seed.fmt == "html")
    if problems:
        return data, "seed not cleanly decodable"
    enc = rng.choice(("utf-8-sig", "utf-16", "utf-16-le", "gb18030", "utf-8"))
    return text.encode(enc), enc


def _huge_number(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    runs = list(_DIGITS.finditer(data))
    if not runs:
        return data, "no number"
    m = rng.choice(runs)
    n = rng.choice((19, 20, 30, 60, 400, 5000))
    return data[:m.start()] + b"9" * n + data[m.end():], f"{n} digits at {m.start()}"


_SPAN = re.compile(rb"(colspan|rowspan)\s*=\s*[\"']?\d+[\"']?", re.I)


def _huge_span(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    spans = list(_SPAN.finditer(data))
    value = rng.choice((b"0", b"-3", b"600", b"65535", b"99999999", b"1" * 5000, b"2px", b"\xef\xbc\x93"))
    if not spans:
        m = re.search(rb"<t[dh]\b", data, re.I)
        if not m:
            return data, "no cell"
        return data[:m.end()] + b' colspan="' + value + b'"' + data[m.end():], f"{len(value)}-byte span added"
    m = rng.choice(spans)
    return data[:m.start()] + m.group(1) + b'="' + value + b'"' + data[m.end():], f"{m.group(1).decode()}={value[:12]!r}"


def _splice(rng: random.Random, data: bytes, other: bytes) -> tuple[bytes, str]:
    a, b = rng.randrange(len(data)), rng.randrange(len(other))
    return data[:a] + other[b:], f"{a} bytes + the tail of another from {b}"


# DOCX: the zip and its parts

def _zip_parts(data: bytes) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(i, zf.read(i)) for i in zf.infolist()]


def _stable_zip(data: bytes) -> bytes:
    """The same zip with every entry dated 1980-01-01: the same bytes whenever it is made."""
    return _zip([(zipfile.ZipInfo(info.filename), body) for info, body in _zip_parts(data)])


def _zip(parts: list[tuple[zipfile.ZipInfo, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, body in parts:  # (the parts' own dates: the same bytes every time)
            zf.writestr(zipfile.ZipInfo(info.filename, info.date_time), body, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _docx_xml(rng: random.Random, data: bytes) -> tuple[bytes, str, bool]:
    """document.xml damaged or edited: a row twice, a huge number or span, a bogus root, a DTD,
    cut short, garbage."""
    parts = _zip_parts(data)
    k = next(i for i, (info, _) in enumerate(parts) if info.filename == "word/document.xml")
    xml = parts[k][1]
    how = rng.choice(("row_twice", "huge_number", "huge_span", "bogus_root", "dtd", "cut", "garbage", "no_body"))
    keeps = False
    if how == "row_twice":
        rows = [m for m in re.finditer(rb"<w:tr\b.*?</w:tr>", xml, re.S)
                if len(re.findall(rb"<w:t(?:\s[^>]*)?>\d+</w:t>", m.group())) >= 3]
        if rows:
            m = rng.choice(rows)
            xml, keeps = xml[:m.end()] + m.group() + xml[m.end():], True
    elif how == "huge_number":
        runs = list(re.finditer(rb"(<w:t(?:\s[^>]*)?>)(\d+)(</w:t>)", xml))
        if runs:
            m = rng.choice(runs)
            xml = xml[:m.start(2)] + b"9" * rng.choice((20, 30, 5000)) + xml[m.end(2):]
    elif how == "huge_span":
        spans = list(re.finditer(rb'<w:gridSpan w:val="\d+"', xml))
        if spans:
            m = rng.choice(spans)
            xml = xml[:m.start()] + b'<w:gridSpan w:val="' + rng.choice((b"0", b"-1", b"99999999", b"1" * 5000)) + \
                b'"' + xml[m.end():]
    elif how == "bogus_root":
        xml = b'<?xml version="1.0"?><bogus/>'
    elif how == "dtd":
        xml = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>' + xml.split(b"?>", 1)[-1]
    elif how == "cut":
        xml = xml[:rng.randrange(len(xml))]
    elif how == "garbage":
        xml = rng.randbytes(rng.randint(1, 2000))
    else:
        xml = re.sub(rb"<w:body>.*</w:body>", b"", xml, flags=re.S)
    parts[k] = (parts[k][0], xml)
    return _zip(parts), how, keeps


def _zip_header(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    """A field of a zip header damaged: version needed, method, flags, sizes, CRC, name length."""
    b = bytearray(data)
    headers = [m.start() for m in re.finditer(rb"PK\x03\x04|PK\x01\x02", data)]
    at = rng.choice(headers)
    central = b[at + 2] == 1
    fields = {"version": (6, 2) if central else (4, 2), "flags": (8, 2) if central else (6, 2),
              "method": (10, 2) if central else (8, 2), "crc": (16, 4) if central else (14, 4),
              "size": (24, 4) if central else (22, 4), "name_length": (28, 2) if central else (26, 2)}
    name = rng.choice(sorted(fields))
    off, width = fields[name]
    value = rng.choice((0, 1, 99, 122, 255, 2**(8 * width) - 1))
    b[at + off:at + off + width] = value.to_bytes(width, "little")
    return bytes(b), f"{'central' if central else 'local'} {name} = {value} at {at}"


# PDF: the content streams

_STREAM = re.compile(rb"(<<(?:(?!>>).)*?/FlateDecode(?:(?!>>).)*?>>\s*stream\r?\n)(.*?)(\r?\nendstream)", re.S)
_NUMBER = re.compile(rb"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])")


def _pdf_stream(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    """A content stream decompressed, damaged and put back: its numbers set to 2**31 (or huge,
    or negative), its text runs repeated (on or off the page), its bytes flipped."""
    streams = []
    for m in _STREAM.finditer(data):
        try:
            body = zlib.decompress(m.group(2))
        except zlib.error:
            continue
        if b"Tj" in body or b"TJ" in body or b" re" in body:
            streams.append((m, body))
    if not streams:
        return _flip(rng, data)
    m, body = rng.choice(streams)
    how = rng.choice(("numbers_2_31", "numbers_huge", "numbers_negative", "runs_repeated", "runs_off_page",
                      "stream_flips", "stream_cut"))
    if how.startswith("numbers"):
        nums = list(_NUMBER.finditer(body))
        picks = sorted(rng.sample(range(len(nums)), min(len(nums), rng.choice((1, 5, 50, 500)))), reverse=True)
        new = {"numbers_2_31": b"2147483648", "numbers_huge": b"1e38", "numbers_negative": b"-99999"}[how]
        if how == "numbers_huge":
            new = rng.choice((b"3.4e38", b"99999999999999999999", b"0.0000000001"))
        for i in picks:
            body = body[:nums[i].start()] + new + body[nums[i].end():]
        note = f"{how}: {len(picks)} of {len(nums)}"
    elif how.startswith("runs"):
        blocks = re.findall(rb"BT.*?ET", body, re.S)
        if not blocks:
            return _flip(rng, data)
        block, times = rng.choice(blocks), rng.choice((10, 100, 1000))
        if how == "runs_off_page":
            block = re.sub(rb"BT", b"BT 1 0 0 1 50000000 700 Tm", block, count=1)
        run = re.sub(rb"(\((?:[^()\\]|\\.)*\)|<[0-9A-Fa-f\s]*>)(\s*Tj)", lambda r: r.group(1) * 50 + r.group(2),
                     block) if times >= 100 else block
        body += b"\n" + b"\n".join([run] * times)
        note = f"{how}: a text block ×{times}"
    elif how == "stream_flips":
        body, note = _flip(rng, body)
    else:
        body, note = body[:rng.randrange(len(body) + 1)], "stream cut"
    packed = zlib.compress(body)
    head = re.sub(rb"/Length \d+", b"/Length %d" % len(packed), m.group(1), count=1)
    return data[:m.start()] + head + packed + m.group(3) + data[m.end():], note


def mutate(index: int, pool: list[Seed], campaign: int = 0) -> Mutant:
    """Document `index` of campaign `campaign`: always the same bytes for the same arguments."""
    rng = random.Random(f"{campaign}:{index}")
    weights = {f: WEIGHTS[f] for f in FORMATS if any(s.fmt == f for s in pool)}
    fmt = rng.choices(list(weights), list(weights.values()))[0]
    seed = rng.choice([s for s in pool if s.fmt == fmt])
    data, media, keeps = seed.data, MEDIA[fmt], False
    menu: dict[str, Callable[[], tuple]] = {
        "bitflip": lambda: _flip(rng, data), "overwrite": lambda: _overwrite(rng, data),
        "insert": lambda: _insert(rng, data), "truncate": lambda: _truncate(rng, data),
        "splice": lambda: _splice(rng, data, rng.choice([s for s in pool if s.fmt == fmt]).data),
    }
    if fmt in ("text", "html"):
        menu.update(whitespace=lambda: _whitespace(rng, data), huge_number=lambda: _huge_number(rng, data),
                    reencode=lambda: _reencode(rng, data, seed),
                    duplicate_row=lambda: (_duplicate_tr if fmt == "html" else _duplicate_line)(rng, data))
    if fmt == "html":
        menu.update(hostile_charset=lambda: _hostile_charset(rng, data), huge_span=lambda: _huge_span(rng, data))
    if fmt == "docx":
        menu.update(docx_xml=lambda: _docx_xml(rng, data), zip_header=lambda: _zip_header(rng, data))
    if fmt == "pdf":
        menu.update(pdf_stream=lambda: _pdf_stream(rng, data), pdf_stream2=lambda: _pdf_stream(rng, data))
    kind = rng.choice(sorted(menu))
    out = menu[kind]()
    data, note = out[0], out[1]
    if kind == "hostile_charset":
        media = out[2]
    if kind == "docx_xml":
        kind, keeps = f"docx_{note}", out[2]
    kind = kind.rstrip("2")
    keeps = keeps or kind in ("whitespace", "reencode", "duplicate_row", "hostile_charset")
    if kind == "duplicate_row" and note == "no row" or kind == "reencode" and note.startswith("seed not"):
        keeps = True  # unchanged: must read exactly as the seed
    return Mutant(index, seed, kind, data, media, keeps, note)


# --- judging -----------------------------------------------------------------------------------

@dataclass
class Outcome:
    mutant: Mutant
    report: Report | None = None
    escape: str | None = None
    died: int | None = None  # exit code of a worker that died on it
    killed: bool = False  # past the hard time limit
    seconds: float = 0.0
    peak: int = 0  # the worker's peak resident bytes while parsing it
    verdicts: list[str] = field(default_factory=list)
    detail: str = ""


def _cells(report: Report) -> dict[tuple[str, str, str], tuple]:
    return {(c.table, c.row, c.column): (c.value, c.imputed, c.raw) for c in report.cells}


# document-level findings that say the document's text itself is damaged: any cell may differ
_DAMAGED_TEXT = frozenset({"encoding", "damaged_stream", "text_outside_page", "page_unreadable", "converted_as_text"})


def _printed(report: Report) -> dict[tuple[str, str], Counter]:
    """Each row's printed texts (its cells' raws, blanks left out)."""
    out: dict[tuple[str, str], Counter] = {}
    for c in report.cells:
        if c.raw:
            out.setdefault((c.table, c.row), Counter())[c.raw] += 1
    return out


def damaged_but_ok(mutant: Mutant, report: Report) -> str:
    """Why `report` is a damaged document read as `ok` without a word (empty when it is not).

    Flagged: a null cell no finding explains, an imputed cell that is no blank read as 0
    (parsers.invariants: whatever the seed says); a cell of the seed gone, or read otherwise,
    without a finding naming it (its row, its column, its table) — unless the document's text
    is said to be damaged (an `encoding` finding the seed did not have, …), or the mutation
    changed what the row prints (a text the seed's row did not print is in it now: the cell is
    expected to change; not for the mutations that keep every number)."""
    from parsers.invariants import Explained, silent_imputations, silent_nulls

    base = mutant.seed.baseline
    if base is None or report.status != "ok" or mutant.data == mutant.seed.data or mutant.kind == "splice":
        return ""  # (a splice of two documents is neither: there is nothing to compare it with)
    parts = []
    nulls, imputed = silent_nulls(report), silent_imputations(report)
    if nulls:
        parts.append(f"{len(nulls)} null cell(s) without a finding on their row (e.g. {'/'.join(nulls[0])})")
    if imputed:
        parts.append(f"{len(imputed)} imputed cell(s) not a blank (e.g. {'/'.join(imputed[0])})")
    if {f.code for f in report.findings if not f.table} - {f.code for f in base.findings} & _DAMAGED_TEXT:
        return "; ".join(parts)
    said = Explained(report, reads=True)
    seed_cells, cells = _cells(base), _cells(report)
    seed_rows, rows = _printed(base), _printed(report)
    lost, changed = [], []
    for key, (value, _, _) in seed_cells.items():
        got = cells.get(key)
        if said(*key) or (got is not None and got[0] == value):
            continue
        if got is None:
            lost.append(key)
        elif mutant.keeps_numbers or not rows.get(key[:2], Counter()) - seed_rows.get(key[:2], Counter()):
            changed.append((key, value, got[0]))  # (nothing new printed in the row, yet read otherwise)
    if lost:
        parts.append(f"{len(lost)} of the seed's cells missing without a finding (e.g. {'/'.join(lost[0])})")
    if changed:
        (t, r, c), old, new = changed[0]
        parts.append(f"{len(changed)} cell(s) read differently without a finding on their row, the row printing "
                     f"nothing new (e.g. {t}/{r}/{c}: {old} → {new})")
    return "; ".join(parts)


def judge(o: Outcome, limits: Limits) -> Outcome:
    if o.escape:
        o.verdicts.append("escape")
    if o.died is not None:
        o.verdicts.append("memory_kill")  # (or another crash: the exit code tells)
    if o.killed:
        o.verdicts.append("timeout")
    elif o.seconds > limits.parse_seconds:
        o.verdicts.append("over_time_limit")
    if o.report is not None:
        codes = {f.code for f in o.report.findings}
        if "parser_error" in codes:
            o.verdicts.append("parser_error")
            o.detail = next(f.message for f in o.report.findings if f.code == "parser_error")
        if "resource_limit" in codes:
            o.verdicts.append("resource_limit")
            o.detail = o.detail or next(f.message for f in o.report.findings if f.code == "resource_limit")
        why = damaged_but_ok(o.mutant, o.report)
        if why:
            o.verdicts.append("damaged_but_ok")
            o.detail = why
    return o


# --- workers -----------------------------------------------------------------------------------

def _peak_reset() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # Linux: the peak resident size starts again
    except OSError:
        pass


def _peak() -> int:
    try:
        return int(re.search(r"VmHWM:\s+(\d+) kB", Path("/proc/self/status").read_text()).group(1)) * 1024
    except (OSError, AttributeError):
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def fuzz_task(data: bytes, media_type: str, name: str) -> tuple[Report | None, str | None, float, int]:
    """Run in a parse worker: (report, escaped exception, seconds, peak resident bytes)."""
    import parsers

    _peak_reset()
    start = time.monotonic()
    try:
        report, escape = parsers.parse(data, media_type, name=name), None
    except BaseException as exc:  # what this harness looks for
        report, escape = None, f"{type(exc).__name__}: {exc}"[:300]
    return report, escape, time.monotonic() - start, _peak()


def run(mutants: Iterator[Mutant], n_workers: int, limits: Limits) -> Iterator[Outcome]:
    """Each mutant parsed in the parse workers of `archive.parsepool` (capped, one document per
    worker at a time, replaced when they die or hang), `n_workers` at once, in order."""
    from archive.parsepool import ParsePool

    def one(m: Mutant) -> Outcome:
        start = time.monotonic()
        kind, value = pool.run(m.data, m.media_type, m.seed.name)
        if kind == "done":
            report, escape, seconds, peak = value
            return Outcome(m, report, escape, seconds=seconds, peak=peak)
        return Outcome(m, died=value if kind == "died" else None, killed=kind == "timeout",
                       seconds=time.monotonic() - start)

    hard = 2 * limits.parse_seconds + 30  # the production pool's rule
    with ParsePool(n_workers, timeout=hard, memory=limits.parse_memory, task=fuzz_task) as pool, \
            ThreadPoolExecutor(n_workers) as threads:
        window: deque = deque()
        for m in mutants:
            window.append(threads.submit(one, m))
            if len(window) > 2 * n_workers:
                yield window.popleft().result()
        while window:
            yield window.popleft().result()


def baselines(pool: list[Seed], n_workers: int, limits: Limits) -> None:
    """Each seed's own parse, in the same workers."""
    plain = (Mutant(-1 - i, s, "seed", s.data, MEDIA[s.fmt], True) for i, s in enumerate(pool))
    for o in run(plain, n_workers, limits):
        o.mutant.seed.baseline = o.report


# --- loading ------------------------------------------------------------------------------------

def load_twice(outcomes: list[Outcome]) -> Counter:
    """Archive each document twice in a scratch database: lost, archived with a problem, not
    idempotent."""
    from archive.db import content_digest, open_db
    from archive.load import load_document

    counts: Counter = Counter()
    with tempfile.TemporaryDirectory(prefix="xxgk-fuzz-db-") as tmp:
        db = open_db(Path(tmp) / "fuzz.db")
        for o in outcomes:
            if o.report is None:
                continue
            path = f"/fuzz/{o.mutant.index}-{o.mutant.seed.name}"
            try:
                res = load_document(db, o.mutant.data, path=path, media_type=o.mutant.media_type, report=o.report)
                counts["archived"] += 1
                counts["archived_with_a_problem"] += bool(res.error)
                before, digest = db.conn.total_changes, content_digest(db) if counts["archived"] % 100 == 0 else None
                load_document(db, o.mutant.data, path=path, media_type=o.mutant.media_type, report=o.report)
                counts["second_load_wrote"] += db.conn.total_changes != before or (
                    digest is not None and content_digest(db) != digest)
            except Exception as exc:
                counts["lost"] += 1
                print(f"  lost on load: #{o.mutant.index} {type(exc).__name__}: {exc}"[:200], file=sys.stderr)
    return counts


# --- the campaign -----------------------------------------------------------------------------

def campaign(n: int, n_workers: int, campaign_seed: int, pool: list[Seed], limits: Limits,
             progress: Callable[[int], None] | None = None) -> list[Outcome]:
    baselines(pool, n_workers, limits)
    out = []
    for o in run((mutate(i, pool, campaign_seed) for i in range(n)), n_workers, limits):
        out.append(judge(o, limits))
        if progress and len(out) % 500 == 0:
            progress(len(out))
    return out


def summary(outcomes: list[Outcome], seconds: float, limits: Limits) -> dict:
    by = Counter(v for o in outcomes for v in o.verdicts)
    return {
        "documents": len(outcomes), "seconds": round(seconds, 1),
        "formats": dict(Counter(o.mutant.seed.fmt for o in outcomes)),
        "mutations": dict(Counter(o.mutant.kind for o in outcomes)),
        "statuses": dict(Counter(o.report.status if o.report else "no report" for o in outcomes)),
        "escapes": by["escape"], "memory_kills": by["memory_kill"], "timeouts": by["timeout"],
        "over_time_limit": by["over_time_limit"], "parser_errors": by["parser_error"],
        "resource_limit_findings": by["resource_limit"], "damaged_but_ok": by["damaged_but_ok"],
        "time_limit": limits.parse_seconds, "memory_cap": limits.parse_memory,
        "slowest_seconds": round(max((o.seconds for o in outcomes), default=0.0), 2),
        "peak_rss_max": max((o.peak for o in outcomes), default=0),
        "flagged": [{"index": o.mutant.index, "seed": o.mutant.seed.name, "mutation": o.mutant.kind,
                     "note": o.mutant.note, "verdicts": o.verdicts, "detail": o.detail or o.escape or "",
                     "died": o.died, "sha256": hashlib.sha256(o.mutant.data).hexdigest()[:16]}
                    for o in outcomes if o.verdicts],
    }


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.fuzz_bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=2000, help="documents to mutate and parse")
    ap.add_argument("--workers", type=int, default=1, help="parse worker processes")
    ap.add_argument("--seed", type=int, default=0, help="campaign number: the same number, the same documents")
    ap.add_argument("--load", type=int, default=200, help="documents also archived twice (scratch database)")
    ap.add_argument("--no-office", action="store_true", help="no LibreOffice seeds (PDF/DOC conversions)")
    ap.add_argument("--out", type=Path, help="write summary.json and the flagged documents here")
    ap.add_argument("--replay", type=int, help="rebuild document I only (written to --out)")
    args = ap.parse_args()
    limits = Limits.from_env()
    t0 = time.monotonic()
    pool = seeds(office=not args.no_office)
    print(f"{len(pool)} seeds: " + ", ".join(f"{n} {f}" for f, n in Counter(s.fmt for s in pool).items())
          + f" ({time.monotonic() - t0:.0f} s)", flush=True)
    if args.replay is not None:
        m = mutate(args.replay, pool, args.seed)
        print(f"#{m.index}: {m.seed.name} · {m.kind} · {m.note} · {len(m.data)} bytes · {m.media_type}")
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / f"{m.index}-{m.kind}-{m.seed.name}").write_bytes(m.data)
        return
    start = time.monotonic()
    outcomes = campaign(args.n, args.workers, args.seed, pool, limits,
                        lambda k: print(f"  {k} documents, {time.monotonic() - start:.0f} s", flush=True))
    result = summary(outcomes, time.monotonic() - start, limits)
    if args.load:
        result["load"] = dict(load_twice(outcomes[:args.load]))
    print(f"{result['documents']} documents in {result['seconds']:.0f} s "
          f"({', '.join(f'{n} {f}' for f, n in result['formats'].items())})")
    print(f"  statuses: {result['statuses']}")
    for key in ("escapes", "memory_kills", "timeouts", "over_time_limit", "parser_errors", "damaged_but_ok",
                "resource_limit_findings"):
        print(f"  {key.replace('_', ' ')}: {result[key]}")
    print(f"  slowest parse {result['slowest_seconds']} s (limit {limits.parse_seconds:g} s); "
          f"largest peak {result['peak_rss_max'] / 2**20:.0f} MiB (cap {limits.parse_memory / 2**20:.0f} MiB)")
    if "load" in result:
        print(f"  loaded twice: {result['load']}")
    for f in [f for f in result["flagged"] if f["verdicts"] != ["resource_limit"]][:40]:
        print(f"  #{f['index']} {f['seed']} · {f['mutation']} ({f['note']}): {', '.join(f['verdicts'])}"
              f" {f['detail'][:160]}")
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "summary.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
        flagged = {f["index"] for f in result["flagged"]}
        for o in outcomes:
            if o.mutant.index in flagged:
                (args.out / f"{o.mutant.index}-{o.mutant.kind}-{o.mutant.seed.name}").write_bytes(o.mutant.data)


if __name__ == "__main__":
    main()
