"""Attachment bytes: PDF built from a report's text rendering (a real text layer in the
standard Chinese font STSong-Light, so nothing is embedded and it builds in milliseconds),
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

_PAGE_W, _PAGE_H, _MARGIN, _SIZE, _LEADING = 595, 842, 50, 10, 15


def _width(text: str, size: float = _SIZE) -> float:
    return sum(size if ord(ch) > 127 else size / 2 for ch in text)


def _wrap(line: str, limit: float) -> list[str]:
    out, cur = [], ""
    for ch in line:
        if _width(cur + ch) > limit:
            out.append(cur)
            cur = ""
        cur += ch
    return [*out, cur]


def _layout(lines: list[str]) -> list[list[tuple[float, str]]]:
    """Each printed line as (x, text) runs: tab-separated fields become table-like columns."""
    rows: list[list[tuple[float, str]]] = []
    for line in lines:
        fields = line.split("\t")
        if len(fields) == 1:
            rows += [[(_MARGIN, part)] for part in _wrap(line, _PAGE_W - 2 * _MARGIN)]
            continue
        x, runs = float(_MARGIN), []
        for f in fields:
            if f.strip():
                runs.append((x, f.strip()))
            x += max(_width(f.strip()), 12) + 10
        rows.append(runs)
    return rows


def _hex(text: str) -> str:
    return "<" + text.encode("utf-16-be", "replace").hex().upper() + ">"


def pdf_bytes(lines: list[str], title: str = "") -> bytes:
    """A small, valid PDF whose text layer holds `lines` (tabs become column positions), with
    page numbers printed as "- N -" at the bottom like Word exports."""
    per_page = (_PAGE_H - 2 * _MARGIN) // _LEADING - 1
    rows = _layout(lines) or [[]]
    pages = [rows[i:i + per_page] for i in range(0, len(rows), per_page)]
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
    for n, page in enumerate(pages, 1):
        ops = ["BT", f"/F1 {_SIZE} Tf"]
        y = _PAGE_H - _MARGIN
        for runs in page:
            ops += [f"1 0 0 1 {x:.1f} {y} Tm {_hex(t)} Tj" for x, t in runs]
            y -= _LEADING
        ops.append(f"1 0 0 1 {_PAGE_W / 2 - 12:.1f} {_MARGIN / 2} Tm {_hex(f'- {n} -')} Tj")
        ops.append("ET")
        stream = zlib.compress("\n".join(ops).encode("ascii"))
        objs.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {_PAGE_W} {_PAGE_H}]"
                    f" /Resources << /Font << /F1 3 0 R >> >> /Contents {len(objs) + 2} 0 R >>".encode())
        kids.append(len(objs))
        objs.append(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objs[1] = ("<< /Type /Pages /Kids [" + " ".join(f"{k} 0 R" for k in kids)
               + f"] /Count {len(kids)} >>").encode()
    info = f"<< /Title {_hex(title)} /Producer (xxgk mockportals) >>".encode()
    objs.append(info)
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
