"""DOCX front end (python-docx): paragraphs, tables and text boxes in document order.

- Tables are emitted as printed: `w:gridSpan` → colspan; a `w:vMerge` restart cell gets the
  rowspan of its continuation cells, which are covered (not emitted), as in HTML.
- A table with a table inside a cell is a layout frame: its cells' content (captions,
  the nested table) is read in order, as if it were not framed.
- Text boxes (`w:txbxContent`) are read where they are anchored; of `mc:AlternateContent`
  only the `mc:Choice` is read (the `mc:Fallback` repeats it for old readers).
- Guarded before parsing: the zip's member count, total expanded size and compression
  ratio (zip bombs), and any DTD in an XML part (entity bombs; OOXML never has one — lxml is
  also run with `resolve_entities=False` by python-docx). Each guard ends with a finding.
"""
from __future__ import annotations

import io
import re
import zipfile
from typing import Any, Iterator

from .blocks import Block, Para, Table, TCell
from .limits import Limits
from .model import Report

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_W = "{%s}" % W
_HEADING = re.compile(r"(?:heading|标题)\s*(\d)", re.I)
_MAX_SPAN = 500  # columns one cell may span (as in HTML)


def to_blocks(data: bytes, report: Report, charset: str | None = None) -> list[Block]:
    if data.startswith(b"\xd0\xcf\x11\xe0"):  # OLE: an encrypted DOCX or a DOC named .docx
        from . import doc
        return doc.to_blocks(data, report, charset)
    problem = check_package(data, Limits.from_env())
    if problem:
        report.status = "failed"
        report.add_finding(problem[0], "error", problem[1])
        return []
    import docx  # imported late: only documents that passed the guards reach the parser

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:
        report.status = "failed"
        report.add_finding("corrupt", "error", f"DOCX cannot be read: {type(exc).__name__}: {exc}"[:300])
        return []
    root = document.element
    body = root.find(_W + "body") if root.tag == _W + "document" else None
    if body is None:  # python-docx opens any XML there; its `.body` would then fail
        damage = ("has no w:body" if root.tag == _W + "document"
                  else f"has the root element <{str(root.tag).rpartition('}')[2]}>, not w:document")
        report.status = "failed"
        report.add_finding("corrupt", "error", f"DOCX cannot be read: word/document.xml {damage}"[:300])
        return []
    styles = _style_names(document)
    reader = _Reader(styles)
    return list(reader.blocks(body))


def check_package(data: bytes, limits: Limits) -> tuple[str, str] | None:
    """(finding code, message) if the zip package is unsafe or unreadable, else None."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except Exception as exc:  # BadZipFile, EOFError, NotImplementedError ("zip file version 12.2") …
        return "corrupt", f"not a readable DOCX (zip) package: {type(exc).__name__}: {exc}"[:300]
    with zf:
        if len(infos) > limits.max_members:
            return "resource_limit", f"DOCX has {len(infos)} parts; limit {limits.max_members}"
        total = sum(i.file_size for i in infos)
        if total > limits.max_unzipped:
            return "resource_limit", f"DOCX expands to {total} bytes; limit {limits.max_unzipped} (zip bomb?)"
        for i in infos:
            if i.file_size > 1_000_000 and i.file_size > limits.max_ratio * max(i.compress_size, 1):
                return "resource_limit", (f"part {i.filename} compresses {i.file_size}:{i.compress_size}; "
                                          f"ratio limit {limits.max_ratio} (zip bomb?)")
        names = {i.filename for i in infos}
        if "OFD.xml" in names:
            return "unsupported_format", "an OFD package, not a DOCX: OFD documents are not parsed yet"
        if "word/document.xml" not in names:
            return "corrupt", "DOCX package has no word/document.xml"
        for i in infos:
            if not i.filename.endswith((".xml", ".rels")):
                continue
            try:
                with zf.open(i) as fh:
                    head = fh.read(65536)  # a DTD must come before the root element
            except Exception as exc:
                return "corrupt", f"part {i.filename} cannot be read: {type(exc).__name__}: {exc}"
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                return "unsafe_xml", f"part {i.filename} declares a DTD/entities (refused: entity bomb guard)"
    return None


def _style_names(document: Any) -> dict[str, str]:
    try:
        return {s.style_id: (s.name or "") for s in document.styles}
    except Exception:
        return {}


class _Reader:
    def __init__(self, styles: dict[str, str]) -> None:
        self.styles = styles
        self.n_para = 0
        self.n_table = 0

    def blocks(self, container: Any) -> Iterator[Block]:
        """Block-level content of a body, cell or text box, in order."""
        for el in container:
            tag = el.tag
            if tag == _W + "p":
                yield from self._paragraph(el)
            elif tag == _W + "tbl":
                yield from self._table(el)
            elif tag == _W + "sdt":  # content control: its sdtContent holds ordinary blocks
                content = el.find(_W + "sdtContent")
                if content is not None:
                    yield from self.blocks(content)

    def _paragraph(self, p: Any) -> Iterator[Block]:
        text = _text(p)
        self.n_para += 1
        if text.strip():
            yield Para(text.strip(), source={"element": self.n_para}, heading=self._heading(p))
        for box in _text_boxes(p):
            yield from self.blocks(box)

    def _heading(self, p: Any) -> int | None:
        style = p.find(f"{_W}pPr/{_W}pStyle")
        if style is None:
            return None
        sid = style.get(_W + "val", "")
        name = self.styles.get(sid, sid)
        if name.lower() == "title" or sid.lower() == "title":
            return 1
        m = _HEADING.search(name) or _HEADING.search(sid)
        return int(m.group(1)) if m else None

    def _table(self, tbl: Any) -> Iterator[Block]:
        grid: list[list[tuple[int, int, Any, str | None]]] = []  # per row: (col, span, tc, vmerge)
        for tr in tbl.iterchildren(_W + "tr"):
            col = _int(tr.find(f"{_W}trPr/{_W}gridBefore"), 0)
            row = []
            for tc in _row_cells(tr):
                span = min(max(_int(tc.find(f"{_W}tcPr/{_W}gridSpan"), 1), 1), _MAX_SPAN)  # damaged: clamped
                vm = tc.find(f"{_W}tcPr/{_W}vMerge")
                vmerge = None if vm is None else (vm.get(_W + "val") or "continue")
                row.append((col, span, tc, vmerge))
                col += span
            grid.append(row)
        if any(tc.find(_W + "tbl") is not None for row in grid for _, _, tc, _ in row):
            # a layout table around the real one (a caption cell, a cell holding the table):
            # its content is read in order, as if it were not framed
            for row in grid:
                for _, _, tc, vmerge in row:
                    if vmerge != "continue":
                        yield from self.blocks(tc)
            return
        t_index = self.n_table
        self.n_table += 1
        rows: list[list[TCell]] = []
        for r, row in enumerate(grid):
            out = []
            for col, span, tc, vmerge in row:
                if vmerge == "continue":
                    continue  # covered by the restart cell above
                rowspan = 1
                if vmerge == "restart":
                    rowspan += _continuations(grid, r, col)
                paras = [_text(p).strip() for p in tc.iterchildren(_W + "p")]
                out.append(TCell("\n".join(t for t in paras if t),
                                 source={"table": t_index, "row": r, "col": col},
                                 rowspan=rowspan, colspan=span))
            rows.append(out)
        yield Table(rows, source={"table": t_index})


def _row_cells(tr: Any) -> Iterator[Any]:
    for el in tr:
        if el.tag == _W + "tc":
            yield el
        elif el.tag == _W + "sdt":  # a content control wrapping cells
            content = el.find(_W + "sdtContent")
            if content is not None:
                yield from content.iterchildren(_W + "tc")


def _continuations(grid: list[list[tuple[int, int, Any, str | None]]], r: int, col: int) -> int:
    n = 0
    for row in grid[r + 1:]:
        cell = next((c for c in row if c[0] == col), None)
        if cell is None or cell[3] != "continue":
            break
        n += 1
    return n


def _int(el: Any, default: int) -> int:
    try:
        value = el.get(_W + "val") if el is not None else None
        return int(value) if value is not None and len(value) <= 6 else default
    except (TypeError, ValueError):
        return default


def _text(p: Any) -> str:
    """A paragraph's own text: runs, tabs and breaks, but not text boxes anchored in it."""
    parts = []
    for el in p.iter(_W + "t", _W + "tab", _W + "br", _W + "cr"):
        if _inside_box(el, p):
            continue
        if el.tag == _W + "t":
            parts.append(el.text or "")
        elif el.tag == _W + "tab":
            parts.append("\t")
        elif el.tag in (_W + "br", _W + "cr"):
            parts.append("\n")
    return "".join(parts)


def _inside_box(el: Any, stop: Any) -> bool:
    node = el
    while node is not None and node is not stop:
        if node.tag in (_W + "txbxContent", "{%s}Fallback" % MC):
            return True
        node = node.getparent()
    return False


def _text_boxes(p: Any) -> list[Any]:
    """Outermost text boxes anchored in paragraph `p`, skipping mc:Fallback copies."""
    boxes = []
    for box in p.iter(_W + "txbxContent"):
        node, skip = box.getparent(), False
        while node is not None and node is not p:
            if node.tag in (_W + "txbxContent", "{%s}Fallback" % MC):
                skip = True
                break
            node = node.getparent()
        if not skip:
            boxes.append(box)
    return boxes
