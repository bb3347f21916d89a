"""Bad documents end with a clear finding (status failed or partial), never an exception or
a hang: corrupt, truncated, encrypted, zip and entity bombs, scans, very long PDFs, limits.
Every bad document here is made by the test itself."""
from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image, ImageDraw

from parsers import doc, parse
from parsers.convert import ConversionError, convert_files
from needs import shared_path
from parsers.limits import Limits
from reportgen import generate
from reportgen.docx import render_docx

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def codes(report) -> set[str]:
    return {f.code for f in report.findings}


def text_pdf(pages: int, words: str = "Page", picture: bool = False) -> bytes:
    """A minimal valid PDF with one line of text per page (over a full-page picture)."""
    objs = ["<< /Type /Catalog /Pages 2 0 R >>", None,
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for i in range(pages):
        image = "q 500 0 0 700 50 60 cm BI /W 2 /H 2 /CS /G /BPC 8 ID \x00\xff\xff\x00 EI Q " if picture else ""
        stream = f"{image}BT /F1 12 Tf 72 30 Td ({words}) Tj ET" if picture else \
            f"BT /F1 12 Tf 72 720 Td ({words} {i + 1} of the long document) Tj ET"
        stream = stream.encode("latin-1")
        objs.append(f"<< /Length {len(stream)} >>\nstream\n{stream.decode('latin-1')}\nendstream")
        content = len(objs)
        objs.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                    f"/Resources << /Font << /F1 3 0 R >> >> /Contents {content} 0 R >>")
        kids.append(f"{len(objs)} 0 R")
    objs[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {pages} >>"
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objs, 1):
        offsets.append(out.tell())
        out.write(f"{n} 0 obj\n{body}\nendobj\n".encode("latin-1"))
    xref = out.tell()
    out.write(f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode())
    out.write("".join(f"{o:010d} 00000 n \n" for o in offsets).encode())
    out.write(f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def scan_pdf() -> bytes:
    """A 'scanned' report: pages that are pictures, with no text layer."""
    pages = []
    for i in range(2):
        img = Image.new("RGB", (620, 877), "white")
        draw = ImageDraw.Draw(img)
        for y in range(100, 700, 40):
            draw.rectangle((60, y, 560, y + 12), fill="black")
        pages.append(img)
    out = io.BytesIO()
    pages[0].save(out, format="PDF", save_all=True, append_images=pages[1:])
    return out.getvalue()


@pytest.fixture(scope="module")
def good_docx() -> bytes:
    return render_docx(generate(seed=21, template="2021"))


def with_part(docx: bytes, name: str, data: bytes, compress: int = zipfile.ZIP_DEFLATED) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(docx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            if item.filename != name:
                dst.writestr(item, src.read(item.filename))
        dst.writestr(name, data, compress_type=compress)
    return out.getvalue()


# ---------------------------------------------------------------- PDF

def test_corrupt_pdf():
    report = parse(b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n")
    assert report.status == "failed" and "corrupt" in codes(report)


def test_truncated_pdf():
    data = shared_path("corpus", "real", "hongze-2024.pdf").read_bytes()
    report = parse(data[: len(data) * 6 // 10], "application/pdf")
    assert report.status == "failed" and "truncated" in codes(report)


@pytest.mark.office
@pytest.mark.needs("soffice")
def test_encrypted_pdf(good_docx, tmp_path):
    src = tmp_path / "locked.docx"
    src.write_bytes(good_docx)
    export = ('pdf:writer_pdf_Export:{"EncryptFile":{"type":"boolean","value":"true"},'
              '"DocumentOpenPassword":{"type":"string","value":"secret"}}')
    (locked,) = convert_files([src], export, tmp_path / "out")
    report = parse(locked)
    assert report.status == "failed" and "encrypted" in codes(report)


def test_image_only_pdf_needs_ocr():
    report = parse(scan_pdf(), "application/pdf")
    assert report.status == "failed"
    assert "needs_ocr" in codes(report)
    assert not report.cells and not report.sections


def test_scan_with_stamped_page_numbers_needs_ocr():
    """Scanners often stamp a text page number on the picture: still no usable text layer."""
    report = parse(text_pdf(3, "- 1 -", picture=True), "application/pdf")
    assert report.status == "failed" and "needs_ocr" in codes(report)


def test_very_long_pdf_reads_up_to_the_page_limit():
    assert Limits().max_pages < 500
    report = parse(text_pdf(500), "application/pdf")
    assert report.status in ("partial", "failed")  # failed: these pages are not a report either
    limit = next(f for f in report.findings if f.code == "page_limit")
    assert limit.details == {"pages": 500, "limit": Limits().max_pages}


def test_page_limit_is_configurable(monkeypatch):
    from parsers import pdf
    from parsers.blocks import Para
    from parsers.model import Report

    monkeypatch.setenv("XXGK_MAX_PAGES", "3")
    report = Report()
    blocks = pdf.to_blocks(text_pdf(8, "Line"), report)
    assert [b.text for b in blocks if isinstance(b, Para)] == [f"Line {i} of the long document" for i in (1, 2, 3)]
    assert report.status == "partial" and "page_limit" in codes(report)


def test_time_limit(monkeypatch):
    monkeypatch.setenv("XXGK_PARSE_SECONDS", "0")
    report = parse(text_pdf(5), "application/pdf")
    assert report.status in ("partial", "failed")
    assert "time_limit" in codes(report)


# ---------------------------------------------------------------- DOCX

def test_corrupt_docx():
    report = parse(b"PK\x03\x04" + b"\x00garbage" * 100, DOCX)
    assert report.status == "failed" and "corrupt" in codes(report)


def test_truncated_docx(good_docx):
    report = parse(good_docx[: len(good_docx) // 2], DOCX)
    assert report.status == "failed" and "corrupt" in codes(report)


def test_zip_bomb_ratio(good_docx):
    bomb = with_part(good_docx, "word/media/image1.bin", b"\0" * (20 * 2**20))
    assert len(bomb) < 2**20  # 20 MB of zeros compress to a few KB
    report = parse(bomb, DOCX)
    assert report.status == "failed" and "resource_limit" in codes(report)


def test_expanded_size_limit(good_docx, monkeypatch):
    monkeypatch.setenv("XXGK_MAX_UNZIPPED", str(len(good_docx)))
    report = parse(good_docx, DOCX)
    assert report.status == "failed" and "resource_limit" in codes(report)


def test_entity_bomb(good_docx):
    laughs = "".join(f'<!ENTITY l{i} "{"&l%d;" % (i - 1) * 10}">' for i in range(1, 10))
    xml = (f'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY l0 "lol">{laughs}]>'
           '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
           '<w:body><w:p><w:r><w:t>&l9;</w:t></w:r></w:p></w:body></w:document>')
    report = parse(with_part(good_docx, "word/document.xml", xml.encode()), DOCX)
    assert report.status == "failed" and "unsafe_xml" in codes(report)


def test_docx_parser_does_not_expand_entities():
    """The second line of defence, if a DTD ever got past the guard."""
    from docx.oxml import parse_xml
    from lxml import etree

    root = parse_xml(b'<!DOCTYPE r [<!ENTITY e "boom">]><r>&e;</r>')
    assert b"boom" not in etree.tostring(root)


# ---------------------------------------------------------------- DOC / WPS / OFD

def test_encrypted_word_file():
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 + b"\x3e\x00\x03\x00\xfe\xff\x09\x00\x06\x00"
    # an OLE container whose directory names the EncryptedPackage stream (an encrypted DOCX)
    ole = header + b"\0" * 1000 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 600
    for name in ("report.doc", "report.docx"):
        report = parse(ole, name=name)
        assert report.status == "failed" and "encrypted" in codes(report), name


def test_corrupt_doc():
    report = parse(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x17" * 5000, "application/msword")
    assert report.status == "failed" and codes(report) & {"conversion_failed", "corrupt"}


def test_not_a_word_file():
    report = parse(b"just some bytes, nothing more", "application/msword")
    assert report.status == "failed" and "corrupt" in codes(report)


@pytest.mark.office
@pytest.mark.needs("soffice")
def test_conversion_time_limit(good_docx, tmp_path, monkeypatch):
    src = tmp_path / "r.docx"
    src.write_bytes(good_docx)
    (word,) = convert_files([src], "doc", tmp_path / "out")
    monkeypatch.setenv("XXGK_CONVERT_SECONDS", "0.05")
    report = parse(word)
    assert report.status == "failed" and "time_limit" in codes(report)


@pytest.mark.office
@pytest.mark.needs("soffice", "catdoc-or-antiword")  # LibreOffice makes the DOC the fallback reads
def test_text_fallback_without_libreoffice(good_docx, tmp_path, monkeypatch):
    src = tmp_path / "r.docx"
    src.write_bytes(good_docx)
    (word,) = convert_files([src], "doc", tmp_path / "out")
    truth = generate(seed=21, template="2021")

    def missing(*args, **kwargs):
        raise ConversionError("converter_missing", "LibreOffice (soffice) is not installed")

    monkeypatch.setattr(doc, "libreoffice", missing)
    report = parse(word)
    assert "converted_as_text" in codes(report)
    got = {(c.table, c.row, c.column): c.value for c in report.cells}
    right = sum(got.get((c.table, c.row, c.column), "missing") == c.value for c in truth.cells)
    assert right >= len(truth.cells) * 3 // 4  # a fallback: most cells, said to be partial
    assert report.status in ("ok", "partial")


def test_ofd_is_unsupported():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("OFD.xml", '<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"/>')
    for kwargs in ({"media_type": "application/ofd"}, {"name": "report.ofd"}, {"media_type": DOCX}):
        report = parse(out.getvalue(), **kwargs)
        assert report.status == "failed" and "unsupported_format" in codes(report), kwargs
