"""Attachment bytes: PDF built from a report's text rendering (ruled tables and a real text
layer in the standard Chinese font STSong-Light, so nothing is embedded and it builds in
milliseconds),
DOC from a DOCX by LibreOffice (Kingsoft .wps files are the same binary format), OFD (the
GB/T 33190 zip layout) and PNG (stand-in images for tables published as pictures)."""
from __future__ import annotations

import io
import struct
import subprocess
import tempfile
import threading
import zipfile
import zlib
from pathlib import Path
from xml.sax.saxutils import escape

_PAGE_W, _PAGE_H, _MARGIN = 595, 842, 50
_TEXT, _CELL, _PAD = 10.0, 7.0, 2.0   # narrative and table font sizes, cell padding (pt)


def _width(text: str, size: float) -> float:
    return sum(size if ord(ch) > 127 else size / 2 for ch in text)


def _wrap(text: str, limit: float, size: float) -> list[str]:
    out, cur = [], ""
    for ch in text:
        if cur and _width(cur + ch, size) > limit:
            out.append(cur)
            cur = ""
        cur += ch
    return [*out, cur]


def _hex(text: str) -> str:
    return "<" + text.encode("utf-16-be", "replace").hex().upper() + ">"


def _column_widths(rows: list[list[str]], room: float) -> list[float]:
    """Natural widths, the widest capped (water-filling) so that the table fits `room`."""
    n = max(map(len, rows))
    natural = [max((_width(r[k], _CELL) if k < len(r) else 0) for r in rows) + 2 * _PAD + 1 for k in range(n)]
    natural = [max(w, 16.0) for w in natural]
    if sum(natural) <= room:
        return natural
    lo, hi = 16.0, max(natural)
    for _ in range(40):
        cap = (lo + hi) / 2
        lo, hi = (cap, hi) if sum(min(w, cap) for w in natural) < room else (lo, cap)
    return [min(w, lo) for w in natural]


class _Pages:
    """Content streams for A4 pages, filled top-down."""

    def __init__(self) -> None:
        self.pages: list[list[str]] = []
        self.new_page()

    def new_page(self) -> None:
        self.pages.append([])
        self.y = _PAGE_H - _MARGIN

    def room(self, height: float) -> None:
        if self.y - height < _MARGIN:
            self.new_page()

    def text(self, x: float, y: float, size: float, text: str) -> None:
        self.pages[-1].append(f"BT /F1 {size} Tf 1 0 0 1 {x:.1f} {y:.1f} Tm {_hex(text)} Tj ET")

    def line(self, x1: float, y1: float, x2: float, y2: float) -> None:
        self.pages[-1].append(f"{x1:.1f} {y1:.1f} m {x2:.1f} {y2:.1f} l S")

    def paragraph(self, line: str) -> None:
        for part in _wrap(line, _PAGE_W - 2 * _MARGIN, _TEXT):
            self.room(_TEXT * 1.5)
            self.y -= _TEXT * 1.5
            self.text(_MARGIN, self.y, _TEXT, part)

    def table(self, rows: list[list[str]]) -> None:
        """A ruled table (what Word and WPS exports have): every field a cell, text wrapped."""
        widths = _column_widths(rows, _PAGE_W - 2 * _MARGIN)
        xs = [_MARGIN + sum(widths[:k]) for k in range(len(widths) + 1)]
        self.y -= 4
        for row in rows:
            cells = [_wrap(row[k] if k < len(row) else "", widths[k] - 2 * _PAD, _CELL) for k in range(len(widths))]
            height = max(map(len, cells)) * (_CELL + 2) + 2 * _PAD
            if self.y - height < _MARGIN:
                self.new_page()
            top, bottom = self.y, self.y - height
            self.line(xs[0], top, xs[-1], top)
            self.line(xs[0], bottom, xs[-1], bottom)
            for x in xs:
                self.line(x, top, x, bottom)
            for k, lines in enumerate(cells):
                for i, part in enumerate(lines):
                    if part:
                        self.text(xs[k] + _PAD, top - _PAD - (i + 1) * (_CELL + 2) + 2, _CELL, part)
            self.y = bottom
        self.y -= 4


def pdf_bytes(lines: list[str], title: str = "") -> bytes:
    """A small, valid PDF whose text layer holds `lines`: runs of tab-separated lines become
    ruled tables, other lines wrapped paragraphs; "- N -" page numbers at the bottom."""
    pages = _Pages()
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and "\t" in lines[j]:
            j += 1
        if j > i:
            pages.table([ln.split("\t") for ln in lines[i:j]])
            i = j
        else:
            pages.paragraph(lines[i])
            i += 1
    objs: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, filled in below
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H"
        b" /DescendantFonts [4 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo"
        b" << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /FontDescriptor 5 0 R"
        b" /DW 1000 /W [1 95 500] >>",
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880]"
        b" /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>",
    ]
    kids = []
    for n, ops in enumerate(pages.pages, 1):
        number = f"- {n} -"
        ops = ["0.5 w", *ops,
               f"BT /F1 {_TEXT} Tf 1 0 0 1 {(_PAGE_W - _width(number, _TEXT)) / 2:.1f} {_MARGIN / 2} Tm {_hex(number)} Tj ET"]
        stream = zlib.compress("\n".join(ops).encode("ascii"))
        objs.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {_PAGE_W} {_PAGE_H}]"
                    f" /Resources << /Font << /F1 3 0 R >> >> /Contents {len(objs) + 2} 0 R >>".encode())
        kids.append(len(objs))
        objs.append(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objs[1] = ("<< /Type /Pages /Kids [" + " ".join(f"{k} 0 R" for k in kids)
               + f"] /Count {len(kids)} >>").encode()
    objs.append(f"<< /Title {_hex(title)} /Producer (xxgk mockportals) >>".encode())
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objs) + 1, len(objs), xref)
    return bytes(out)


_SOFFICE_LOCK = threading.Lock()


def doc_bytes(docx: bytes) -> bytes:
    """Word 97 binary (.doc; also what Kingsoft .wps files are) converted by LibreOffice."""
    with _SOFFICE_LOCK, tempfile.TemporaryDirectory(prefix="mockdoc-") as tmp:
        src = Path(tmp) / "report.docx"
        src.write_bytes(docx)
        # a private profile: other LibreOffice users on this machine must not block us
        subprocess.run(
            ["soffice", f"-env:UserInstallation=file://{tmp}/profile", "--headless",
             "--convert-to", "doc", "--outdir", tmp, str(src)],
            check=True, capture_output=True, timeout=120,
        )
        return (Path(tmp) / "report.doc").read_bytes()


_OFD_NS = 'xmlns:ofd="http://www.ofdspec.org/2016"'


def ofd_bytes(lines: list[str], title: str = "") -> bytes:
    """An OFD package (zip): OFD.xml → Doc_0/Document.xml → one Content.xml per page of
    TextObjects, sizes in millimetres on A4."""
    per_page, objs_id = 60, 10
    pages = [lines[i:i + per_page] for i in range(0, len(lines), per_page)] or [[]]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("OFD.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {_OFD_NS} Version="1.1" '
                   f'DocType="OFD"><ofd:DocBody><ofd:DocInfo><ofd:Title>{escape(title)}</ofd:Title>'
                   '</ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>')
        z.writestr("Doc_0/PublicRes.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res {_OFD_NS} '
                   'BaseLoc="Res"><ofd:Fonts><ofd:Font ID="2" FontName="宋体" FamilyName="宋体"/>'
                   '</ofd:Fonts></ofd:Res>')
        refs = []
        for n, page in enumerate(pages):
            texts = []
            for k, line in enumerate(page):
                objs_id += 1
                y = 20 + k * 4.4
                texts.append(f'<ofd:TextObject ID="{objs_id}" Boundary="20 {y:.1f} 170 4.4" Font="2" '
                             f'Size="3.5"><ofd:TextCode X="0" Y="3.5">{escape(line.replace(chr(9), "  "))}'
                             '</ofd:TextCode></ofd:TextObject>')
            z.writestr(f"Doc_0/Pages/Page_{n}/Content.xml",
                       f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page {_OFD_NS}><ofd:Content>'
                       f'<ofd:Layer ID="{3 + n}">{"".join(texts)}</ofd:Layer></ofd:Content></ofd:Page>')
            refs.append(f'<ofd:Page ID="{100 + n}" BaseLoc="Pages/Page_{n}/Content.xml"/>')
        z.writestr("Doc_0/Document.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document {_OFD_NS}>'
                   f'<ofd:CommonData><ofd:MaxUnitID>{objs_id + len(pages) + 100}</ofd:MaxUnitID>'
                   '<ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea>'
                   '<ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData>'
                   f'<ofd:Pages>{"".join(refs)}</ofd:Pages></ofd:Document>')
    return buf.getvalue()


def png_bytes(width: int, height: int, shade: int = 200) -> bytes:
    """A grey PNG with ruled lines: the stand-in for a table photographed into an image."""
    rows = b"".join(
        b"\x00" + bytes(60 if (y % 20 == 0 or x % 80 == 0) else shade for x in range(width))
        for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
