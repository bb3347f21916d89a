"""What a PDF page prints, read with PDFium (pypdfium2's raw API): characters, ruling lines,
rectangles and pictures, in the page's displayed coordinates (top-down, `/Rotate` and the
CropBox applied), as dicts with pdfplumber's keys (x0, x1, top, bottom; chars: text, size).

- A character's box runs from its origin over its advance width; vertically it is the
  font size around the baseline (0.88 above, 0.12 below: the ideographic em box), so every
  glyph on a line has the same box whatever its shape ("一" is not a thin line of its own).
- Characters PDFium makes up (spaces and line breaks between text runs) are not printed
  ones; whitespace is left out too: gaps between boxes tell where words end.
- Paths are split into subpaths like pdfminer does: one straight segment is a line, a closed
  axis-aligned four-corner loop a rectangle; curves are not rulings and are left out.
- PDFium is not thread-safe: every call into it holds one process-wide lock.
"""
from __future__ import annotations

import ctypes
import math
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator

import pypdfium2  # noqa: F401  (importing it initialises the library)
import pypdfium2.raw as fz

_LOCK = threading.Lock()
_ASCENT, _DESCENT = 0.88, 0.12  # share of the font size above / below the baseline
_EPS = 0.01  # pt: corners this close are the same point

Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


class PdfError(Exception):
    """The document cannot be opened. `kind`: "encrypted" or "corrupt"."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


@dataclass
class PageContent:
    width: float
    height: float
    chars: list[dict] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)
    rects: list[dict] = field(default_factory=list)
    images: int = 0


class Document:
    """An open PDF: `len()` pages, `page(i)` reads page i (0-based). Close it (or use `open_pdf`)."""

    def __init__(self, data: bytes):
        self._data = data  # PDFium reads from this buffer for as long as the document is open
        with _LOCK:
            self._doc = fz.FPDF_LoadMemDocument64(data, len(data), None)
            if not self._doc:
                code = fz.FPDF_GetLastError()
                if code in (fz.FPDF_ERR_PASSWORD, fz.FPDF_ERR_SECURITY):
                    raise PdfError("encrypted", "PDF is encrypted and needs a password")
                raise PdfError("corrupt", _ERRORS.get(code, f"PDFium error {code}"))
            self._pages = fz.FPDF_GetPageCount(self._doc)

    def __len__(self) -> int:
        return self._pages

    def close(self) -> None:
        with _LOCK:
            if self._doc:
                fz.FPDF_CloseDocument(self._doc)
                self._doc = None

    def page(self, index: int) -> PageContent:
        with _LOCK:
            page = fz.FPDF_LoadPage(self._doc, index)
            if not page:
                raise PdfError("corrupt", f"page {index + 1} cannot be loaded")
            try:
                return _read_page(page)
            finally:
                fz.FPDF_ClosePage(page)


_ERRORS = {fz.FPDF_ERR_UNKNOWN: "unknown error", fz.FPDF_ERR_FILE: "file not found or unreadable",
           fz.FPDF_ERR_FORMAT: "not a PDF or corrupted", fz.FPDF_ERR_PAGE: "page not found or content error"}


@contextmanager
def open_pdf(data: bytes) -> Iterator[Document]:
    doc = Document(data)
    try:
        yield doc
    finally:
        doc.close()


def _read_page(page) -> PageContent:
    box = fz.FS_RECTF()
    if not fz.FPDF_GetPageBoundingBox(page, box):  # MediaBox ∩ CropBox: what is displayed
        box.left, box.bottom = 0.0, 0.0
        box.right, box.top = fz.FPDF_GetPageWidthF(page), fz.FPDF_GetPageHeightF(page)
    rotation = fz.FPDFPage_GetRotation(page) % 4  # quarter turns clockwise
    display = _display(box.left, box.bottom, box.right, box.top, rotation)
    w, h = box.right - box.left, box.top - box.bottom
    content = PageContent(*((h, w) if rotation % 2 else (w, h)))
    textpage = fz.FPDFText_LoadPage(page)
    if textpage:
        try:
            content.chars = _chars(textpage, display, rotation, content.width, content.height)
        finally:
            fz.FPDFText_ClosePage(textpage)
    _objects(fz.FPDFPage_CountObjects(page), lambda i: fz.FPDFPage_GetObject(page, i), _IDENTITY, display, content)
    return content


def _display(left: float, bottom: float, right: float, top: float, rotation: int):
    """User space (bottom-up, unrotated) → displayed page (top-down, rotated, cropped)."""
    if rotation == 1:
        return lambda x, y: (y - bottom, x - left)
    if rotation == 2:
        return lambda x, y: (right - x, y - bottom)
    if rotation == 3:
        return lambda x, y: (top - y, right - x)
    return lambda x, y: (x - left, top - y)


def _chars(textpage, display, rotation: int, width: float, height: float) -> list[dict]:
    get_unicode, generated = fz.FPDFText_GetUnicode, fz.FPDFText_IsGenerated
    loose_box, origin, matrix, font_size = (fz.FPDFText_GetLooseCharBox, fz.FPDFText_GetCharOrigin,
                                            fz.FPDFText_GetMatrix, fz.FPDFText_GetFontSize)
    rect, m = fz.FS_RECTF(), fz.FS_MATRIX()
    ox, oy = ctypes.c_double(), ctypes.c_double()
    left, right, low, high = (ctypes.c_double() for _ in range(4))
    out = []
    for k in range(fz.FPDFText_CountChars(textpage)):
        code = get_unicode(textpage, k)
        if code == 0 or code > 0x10FFFF or 0xD800 <= code < 0xE000:
            continue
        text = chr(code)
        if text.isspace() or generated(textpage, k):
            continue
        loose_box(textpage, k, rect)
        matrix(textpage, k, m)
        # the text's axes on the displayed page: upright text runs left to right, up is up
        a, b, c, d = _turn(m.a, m.b, m.c, m.d, rotation)
        size = font_size(textpage, k) * math.hypot(c, d)
        if rect.right - rect.left > 1.05 * size:
            # PDFium's advance can take in the spacing that follows (a vertical header drawn one
            # character per line spans its cell): one em at most, never less than the glyph
            fz.FPDFText_GetCharBox(textpage, k, left, right, low, high)
            rect.right = max(right.value, min(rect.right, rect.left + size))
        x0, top = display(rect.left, rect.top)
        x1, bottom = display(rect.right, rect.bottom)
        x0, x1 = min(x0, x1), max(x0, x1)
        if a > 0 and d > 0 and abs(b) < 1e-3 * a and abs(c) < 1e-3 * d:
            origin(textpage, k, ox, oy)
            base = display(ox.value, oy.value)[1]
            top, bottom = base - _ASCENT * size, base + _DESCENT * size
        else:  # rotated or vertical text: its box as it lies on the page
            top, bottom = min(top, bottom), max(top, bottom)
        cx, cy = (x0 + x1) / 2, (top + bottom) / 2
        if not (0 <= cx <= width and 0 <= cy <= height):
            continue  # outside the CropBox: not displayed
        out.append({"text": text, "x0": x0, "x1": x1, "top": top, "bottom": bottom, "size": size})
    return out


def _turn(a: float, b: float, c: float, d: float, rotation: int) -> tuple[float, float, float, float]:
    """A matrix's axes after the page's quarter turns clockwise, in bottom-up terms."""
    for _ in range(rotation):
        a, b, c, d = b, -a, d, -c
    return a, b, c, d


def _objects(count: int, get, parent: Matrix, display, content: PageContent) -> None:
    m = fz.FS_MATRIX()
    for i in range(count):
        obj = get(i)
        kind = fz.FPDFPageObj_GetType(obj)
        if kind == fz.FPDF_PAGEOBJ_IMAGE:
            content.images += 1
        elif kind in (fz.FPDF_PAGEOBJ_PATH, fz.FPDF_PAGEOBJ_FORM):
            fz.FPDFPageObj_GetMatrix(obj, m)
            own = _compose((m.a, m.b, m.c, m.d, m.e, m.f), parent)
            if kind == fz.FPDF_PAGEOBJ_PATH:
                _path(obj, own, display, content)
            else:  # a Form XObject: its objects are drawn through its matrix
                _objects(fz.FPDFFormObj_CountObjects(obj), lambda j, o=obj: fz.FPDFFormObj_GetObject(o, j),
                         own, display, content)


def _compose(inner: Matrix, outer: Matrix) -> Matrix:
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _path(obj, m: Matrix, display, content: PageContent) -> None:
    x, y = ctypes.c_float(), ctypes.c_float()
    a, b, c, d, e, f = m
    subpaths: list[tuple[list[tuple[float, float]], bool, bool]] = []  # (points, curved, closed)
    points: list[tuple[float, float]] = []
    curved = closed = False
    for j in range(fz.FPDFPath_CountSegments(obj)):
        seg = fz.FPDFPath_GetPathSegment(obj, j)
        fz.FPDFPathSegment_GetPoint(seg, x, y)
        kind = fz.FPDFPathSegment_GetType(seg)
        if kind == fz.FPDF_SEGMENT_MOVETO:
            if points:
                subpaths.append((points, curved, closed))
            points, curved, closed = [], False, False
        curved = curved or kind == fz.FPDF_SEGMENT_BEZIERTO
        closed = closed or bool(fz.FPDFPathSegment_GetClose(seg))
        px, py = x.value, y.value
        points.append(display(a * px + c * py + e, b * px + d * py + f))
    if points:
        subpaths.append((points, curved, closed))
    for pts, curved, closed in subpaths:
        if curved:
            continue
        if closed and not _same(pts[-1], pts[0]):
            pts.append(pts[0])
        if len(pts) == 2 or (len(pts) == 3 and _same(pts[2], pts[0])):
            content.lines.append(_bbox(pts[:2]))
        elif len(pts) == 5 and _same(pts[4], pts[0]) and _square(pts):
            content.rects.append(_bbox(pts[:4]))


def _same(p: tuple[float, float], q: tuple[float, float]) -> bool:
    return abs(p[0] - q[0]) < _EPS and abs(p[1] - q[1]) < _EPS


def _square(pts: list[tuple[float, float]]) -> bool:
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = pts[:4]
    eq = lambda u, v: abs(u - v) < _EPS  # noqa: E731
    return (eq(x0, x1) and eq(y1, y2) and eq(x2, x3) and eq(y3, y0)) or \
        (eq(y0, y1) and eq(x1, x2) and eq(y2, y3) and eq(x3, x0))


def _bbox(pts: list[tuple[float, float]]) -> dict:
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return {"x0": min(xs), "x1": max(xs), "top": min(ys), "bottom": max(ys)}
