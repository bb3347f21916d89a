"""What a PDF page prints, read with PDFium (pypdfium2's raw API): characters, ruling lines,
rectangles and pictures, in the page's displayed coordinates (top-down, `/Rotate` and the
CropBox applied), as dicts with pdfplumber's keys (x0, x1, top, bottom; chars: text, size).

- A character's box runs from its origin over its advance width; vertically it is the
  font size around the baseline (0.88 above, 0.12 below: the ideographic em box), so every
  glyph on a line has the same box whatever its shape ("一" is not a thin line of its own).
- Characters PDFium makes up (FPDFText_IsGenerated: spaces and line breaks between text
  runs) are not printed ones; no whitespace is kept: gaps between boxes tell where words end.
- Paths are split into subpaths like pdfminer does: one straight segment is a line, a closed
  axis-aligned four-corner loop a rectangle; curves are not rulings and are left out.
- Bounded by the page, not by what its numbers say: text objects wholly outside the displayed
  page are taken off it before PDFium builds its text page (whose memory grows by ≈ 250 bytes
  a character: one page of 1,001 runs of 5,000 characters off to the right took 1.3 GB), and
  counted when they lie off the sheet (MediaBox) too, as only damage puts them there; a
  page printing more characters or drawing more lines and boxes than `Limits` allows raises
  LimitExceeded; the loops test the deadline (`limits.check_time`).
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

from .limits import LimitExceeded, Limits, check_time

_LOCK = threading.Lock()
_ASCENT, _DESCENT = 0.88, 0.12  # share of the font size above / below the baseline
_EPS = 0.01  # pt: corners this close are the same point

Matrix = tuple[float, float, float, float, float, float]
_HANDLE, _INT, _FLOAT, _DOUBLE = ctypes.c_void_p, ctypes.c_int, ctypes.c_float, ctypes.c_double


def _fast(function, restype, *argtypes):
    """One of pypdfium2's functions, called with handles as plain addresses: the calls made
    for every character and path segment cost less than with typed pointers."""
    return ctypes.CFUNCTYPE(restype, *argtypes)(ctypes.cast(function, _HANDLE).value)


_PATH, _IMAGE, _FORM, _TEXT = fz.FPDF_PAGEOBJ_PATH, fz.FPDF_PAGEOBJ_IMAGE, fz.FPDF_PAGEOBJ_FORM, fz.FPDF_PAGEOBJ_TEXT
_MOVETO, _BEZIERTO = fz.FPDF_SEGMENT_MOVETO, fz.FPDF_SEGMENT_BEZIERTO
_P_RECT, _P_MATRIX = ctypes.POINTER(fz.FS_RECTF), ctypes.POINTER(fz.FS_MATRIX)
_P_DOUBLE, _P_FLOAT = ctypes.POINTER(_DOUBLE), ctypes.POINTER(_FLOAT)
_count_chars = _fast(fz.FPDFText_CountChars, _INT, _HANDLE)
_unicode = _fast(fz.FPDFText_GetUnicode, ctypes.c_uint, _HANDLE, _INT)
_get_text = _fast(fz.FPDFText_GetText, _INT, _HANDLE, _INT, _INT, _HANDLE)
_text_object = _fast(fz.FPDFText_GetTextObject, _HANDLE, _HANDLE, _INT)
_loose_box = _fast(fz.FPDFText_GetLooseCharBox, _INT, _HANDLE, _INT, _P_RECT)
_char_box = _fast(fz.FPDFText_GetCharBox, _INT, _HANDLE, _INT, _P_DOUBLE, _P_DOUBLE, _P_DOUBLE, _P_DOUBLE)
_char_origin = _fast(fz.FPDFText_GetCharOrigin, _INT, _HANDLE, _INT, _P_DOUBLE, _P_DOUBLE)
_char_matrix = _fast(fz.FPDFText_GetMatrix, _INT, _HANDLE, _INT, _P_MATRIX)
_font_size = _fast(fz.FPDFText_GetFontSize, _DOUBLE, _HANDLE, _INT)
_page_object = _fast(fz.FPDFPage_GetObject, _HANDLE, _HANDLE, _INT)
_form_count = _fast(fz.FPDFFormObj_CountObjects, _INT, _HANDLE)
_form_object = _fast(fz.FPDFFormObj_GetObject, _HANDLE, _HANDLE, ctypes.c_ulong)
_object_type = _fast(fz.FPDFPageObj_GetType, _INT, _HANDLE)
_object_matrix = _fast(fz.FPDFPageObj_GetMatrix, _INT, _HANDLE, _P_MATRIX)
_count_objects = _fast(fz.FPDFPage_CountObjects, _INT, _HANDLE)
_remove_object = _fast(fz.FPDFPage_RemoveObject, _INT, _HANDLE, _HANDLE)
_destroy_object = _fast(fz.FPDFPageObj_Destroy, None, _HANDLE)
_object_bounds = _fast(fz.FPDFPageObj_GetBounds, _INT, _HANDLE, _P_FLOAT, _P_FLOAT, _P_FLOAT, _P_FLOAT)
_segments = _fast(fz.FPDFPath_CountSegments, _INT, _HANDLE)
_segment = _fast(fz.FPDFPath_GetPathSegment, _HANDLE, _HANDLE, _INT)
_segment_point = _fast(fz.FPDFPathSegment_GetPoint, _INT, _HANDLE, _P_FLOAT, _P_FLOAT)
_segment_type = _fast(fz.FPDFPathSegment_GetType, _INT, _HANDLE)
_segment_closes = _fast(fz.FPDFPathSegment_GetClose, _INT, _HANDLE)


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
    hidden: int = 0  # text objects drawn off the page itself (outside its MediaBox: damage, not marks)


class Document:
    """An open PDF: `len()` pages, `page(i)` reads page i (0-based). Close it (or use `open_pdf`)."""

    def __init__(self, data: bytes):
        data = bytes(data)  # a no-op for bytes; PDFium needs a buffer that stays put
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

    def page(self, index: int, limits: Limits | None = None) -> PageContent:
        with _LOCK:
            page = fz.FPDF_LoadPage(self._doc, index)
            if not page:
                raise PdfError("corrupt", f"page {index + 1} cannot be loaded")
            try:
                return _read_page(page, limits or Limits())
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


def _read_page(page, limits: Limits) -> PageContent:
    box = fz.FS_RECTF()
    if not fz.FPDF_GetPageBoundingBox(page, box):  # MediaBox ∩ CropBox: what is displayed
        box.left, box.bottom = 0.0, 0.0
        box.right, box.top = fz.FPDF_GetPageWidthF(page), fz.FPDF_GetPageHeightF(page)
    rotation = fz.FPDFPage_GetRotation(page) % 4  # quarter turns clockwise
    display = _display(box.left, box.bottom, box.right, box.top, rotation)
    w, h = box.right - box.left, box.top - box.bottom
    content = PageContent(*((h, w) if rotation % 2 else (w, h)))
    handle = ctypes.cast(page, _HANDLE).value
    _objects(handle, _count_objects(handle), _page_object, display, content, limits.max_page_edges)
    sheet = _sheet(page)
    content.hidden = _drop_hidden_text(handle, box, sheet)
    # the sheet on the displayed page: what lies beyond it was put there by damage, not as marks
    (x0, y0), (x1, y1) = (_apply(display, sheet[0], sheet[1]), _apply(display, sheet[2], sheet[3]))
    sheet = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
    textpage = fz.FPDFText_LoadPage(page)
    if textpage:
        try:
            handle = ctypes.cast(textpage, _HANDLE).value
            count = _count_chars(handle)
            if count > limits.max_page_chars:
                raise LimitExceeded(f"the page prints {count} characters; limit {limits.max_page_chars}")
            content.chars, off_sheet = _chars(handle, count, display, content.width, content.height, sheet)
            content.hidden += off_sheet
        finally:
            fz.FPDFText_ClosePage(textpage)
    return content


def _sheet(page) -> tuple[float, float, float, float]:
    """The page's MediaBox (left, bottom, right, top): the sheet itself, marks and bleed included."""
    left, bottom, right, top = _FLOAT(), _FLOAT(), _FLOAT(), _FLOAT()
    if fz.FPDFPage_GetMediaBox(page, left, bottom, right, top):
        return left.value, bottom.value, right.value, top.value
    return 0.0, 0.0, fz.FPDF_GetPageWidthF(page), fz.FPDF_GetPageHeightF(page)  # (inherited)


def _drop_hidden_text(page: int, box, sheet: tuple[float, float, float, float]) -> int:
    """Take text objects lying wholly outside the displayed page off it: they are not printed,
    and PDFium's text page would hold every one of their characters. How many of them lay
    off the `sheet` too."""
    left, bottom, right, top = _FLOAT(), _FLOAT(), _FLOAT(), _FLOAT()
    off_sheet = 0
    for i in reversed(range(_count_objects(page))):
        obj = _page_object(page, i)
        if _object_type(obj) != _TEXT or not _object_bounds(obj, left, bottom, right, top):
            continue
        if right.value < box.left or left.value > box.right or top.value < box.bottom or bottom.value > box.top:
            if _remove_object(page, obj):
                _destroy_object(obj)  # removed objects belong to the caller
            off_sheet += (right.value < sheet[0] or left.value > sheet[2] or top.value < sheet[1]
                          or bottom.value > sheet[3])
    return off_sheet


def _display(left: float, bottom: float, right: float, top: float, rotation: int) -> Matrix:
    """User space (bottom-up, unrotated) → the displayed page (top-down, turned, cropped)."""
    return ((1.0, 0.0, 0.0, -1.0, -left, top), (0.0, 1.0, 1.0, 0.0, -bottom, -left),
            (-1.0, 0.0, 0.0, 1.0, right, -bottom), (0.0, -1.0, -1.0, 0.0, top, right))[rotation]


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


def _chars(textpage: int, count: int, display: Matrix, width: float, height: float,
           sheet: tuple[float, float, float, float]) -> tuple[list[dict], int]:
    """The characters on the displayed page, and how many lie off the `sheet` (display
    coordinates) as well."""
    rect, m = fz.FS_RECTF(), fz.FS_MATRIX()
    ox, oy = _DOUBLE(), _DOUBLE()
    tight = [_DOUBLE() for _ in range(4)]
    A, B, C, D, E, F = display
    styles: dict[int, tuple[float, bool]] = {}  # text object → (font size, upright): one per object
    out = []
    off_sheet = 0
    for k, text in enumerate(_text(textpage, count)):
        if not k & 1023:
            check_time()
        if text.isspace() or text == "\0":  # PDFium's made-up characters are all spaces and line breaks
            continue
        obj = _text_object(textpage, k)
        style = styles.get(obj)
        if style is None:
            _char_matrix(textpage, k, m)
            # the text's axes on the displayed page: upright text runs left to right, up is up
            a, b = m.a * A + m.b * C, m.a * B + m.b * D
            c, d = m.c * A + m.d * C, m.c * B + m.d * D
            style = styles[obj] = (_font_size(textpage, k) * math.hypot(c, d),
                                   a > 0 and d < 0 and abs(b) < 1e-3 * a and abs(c) < -1e-3 * d)
        size, upright = style
        _loose_box(textpage, k, rect)
        left, right, low, high = rect.left, rect.right, rect.bottom, rect.top
        if right - left > 1.05 * size:
            # PDFium's advance can take in the spacing that follows (a vertical header drawn one
            # character per line spans its cell): one em at most, never less than the glyph
            _char_box(textpage, k, *tight)
            right = max(tight[1].value, min(right, left + size))
        x0, x1 = A * left + C * high + E, A * right + C * low + E
        x0, x1 = min(x0, x1), max(x0, x1)
        if upright:
            _char_origin(textpage, k, ox, oy)
            base = B * ox.value + D * oy.value + F
            top, bottom = base - _ASCENT * size, base + _DESCENT * size
        else:  # rotated or vertical text: its box as it lies on the page
            top, bottom = B * left + D * high + F, B * right + D * low + F
            top, bottom = min(top, bottom), max(top, bottom)
        cx, cy = (x0 + x1) / 2, (top + bottom) / 2
        if not (0 <= cx <= width and 0 <= cy <= height):  # outside the CropBox: not displayed
            off_sheet += not (sheet[0] <= cx <= sheet[2] and sheet[1] <= cy <= sheet[3])
            continue
        out.append({"text": text, "x0": x0, "x1": x1, "top": top, "bottom": bottom, "size": size})
    return out, off_sheet


def _text(textpage: int, count: int) -> str:
    """The characters' text, one for each index: all in one call, unless a character outside
    the BMP (two UTF-16 units) puts them out of step; then one call per character."""
    buffer = ctypes.create_string_buffer(4 * count + 4)  # room for pairs of units
    units = _get_text(textpage, 0, count, buffer)
    text = buffer.raw[:2 * max(units - 1, 0)].decode("utf-16-le", "replace")
    if len(text) == count:
        return text
    codes = (_unicode(textpage, k) for k in range(count))
    return "".join(chr(c) if c <= 0x10FFFF and not 0xD800 <= c < 0xE000 else "\0" for c in codes)


def _objects(container: int, count: int, get, outer: Matrix, content: PageContent, max_edges: int) -> None:
    """Paths and images among the `count` objects of `container` (`get(container, i)`), drawn
    through `outer` onto the displayed page; LimitExceeded past `max_edges` lines and boxes."""
    m = fz.FS_MATRIX()
    for i in range(count):
        if not i & 255:
            check_time()
        obj = get(container, i)
        kind = _object_type(obj)
        if kind == _IMAGE:
            content.images += 1
        elif kind == _PATH or kind == _FORM:
            _object_matrix(obj, m)
            own = _compose((m.a, m.b, m.c, m.d, m.e, m.f), outer)
            if kind == _PATH:
                _path(obj, own, content)
                if len(content.lines) + len(content.rects) > max_edges:
                    raise LimitExceeded(f"the page draws more than {max_edges} lines and boxes")
            else:  # a Form XObject: its objects are drawn through its matrix
                _objects(obj, _form_count(obj), _form_object, own, content, max_edges)


def _compose(inner: Matrix, outer: Matrix) -> Matrix:
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _path(obj: int, m: Matrix, content: PageContent) -> None:
    x, y = _FLOAT(), _FLOAT()
    a, b, c, d, e, f = m
    points: list[tuple[float, float]] = []  # the current subpath's, up to 6: more is no ruling
    curved = False
    seg = 0
    for j in range(_segments(obj)):
        if not j & 4095:
            check_time()
        prev, seg = seg, _segment(obj, j)
        kind = _segment_type(seg)
        if kind == _MOVETO:
            if points:
                _subpath(points, curved, prev, content)
            points, curved = [], False
        elif kind == _BEZIERTO:
            curved = True
        if len(points) < 6:
            _segment_point(seg, x, y)
            px, py = x.value, y.value
            points.append((a * px + c * py + e, b * px + d * py + f))
    if points:
        _subpath(points, curved, seg, content)


def _subpath(pts: list[tuple[float, float]], curved: bool, last: int, content: PageContent) -> None:
    """One subpath (split like pdfminer does): a straight segment is a line, a closed
    axis-aligned four-corner loop a rectangle; `last` is its last segment."""
    n = len(pts)
    if curved or n < 2 or n > 5:
        return
    if n == 2:
        _keep(content.lines, pts, content)
        return
    closed = _segment_closes(last)  # "h": back to the start
    if n == 3 and closed and _same(pts[2], pts[0]):
        _keep(content.lines, pts[:2], content)
        return
    if closed and not _same(pts[-1], pts[0]):
        pts.append(pts[0])
    if len(pts) == 5 and _same(pts[4], pts[0]) and _square(pts):
        _keep(content.rects, pts[:4], content)


def _same(p: tuple[float, float], q: tuple[float, float]) -> bool:
    return abs(p[0] - q[0]) < _EPS and abs(p[1] - q[1]) < _EPS


def _square(pts: list[tuple[float, float]]) -> bool:
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = pts[:4]
    eq = lambda u, v: abs(u - v) < _EPS  # noqa: E731
    return (eq(x0, x1) and eq(y1, y2) and eq(x2, x3) and eq(y3, y0)) or \
        (eq(y0, y1) and eq(x1, x2) and eq(y2, y3) and eq(x3, x0))


def _keep(out: list[dict], pts: list[tuple[float, float]], page: PageContent) -> None:
    """Add the box around `pts` to `out` unless it lies outside the displayed page."""
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    x0, x1, top, bottom = min(xs), max(xs), min(ys), max(ys)
    if x1 >= 0 and bottom >= 0 and x0 <= page.width and top <= page.height:
        out.append({"x0": x0, "x1": x1, "top": top, "bottom": bottom})
