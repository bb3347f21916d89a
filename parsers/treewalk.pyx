# cython: language_level=3, boundscheck=False, wraparound=False
"""The HTML front end's two hot loops, compiled: the walk over the report body and the
reading of a data table's cells (parsers/html.py holds everything else).

In Python each element visited costs a proxy object, an attribute list and a few method
calls into lxml; here the loops read libxml2's nodes directly through lxml's public C API
(`lxml.includes.etreepublic`), and call back into Python only for what is rare or already
written there: cleaning a text, judging a style or a chrome box, emitting a block.
The semantics are exactly those of lxml's `iterwalk` with `.text`/`.tail`, which the Python
versions used (tests/test_html_treewalk.py compares both on generated pages).
"""
from cpython.unicode cimport PyUnicode_DecodeUTF8
from libc.string cimport strcmp, strlen
from lxml.includes cimport tree
from lxml.includes.etreepublic cimport _Element, elementFactory, import_lxml__etree

import_lxml__etree()

from .blocks import TCell

cdef enum:  # what the walk does at an element, by tag
    INLINE, BLOCK, SKIP, TABLE, BR, IMG, PRE

cdef dict _KIND = {}  # tag → kind
cdef dict _HEADING = {}  # h1…h6 → level
cdef dict _CLEANED = {}, _HIDING = {}  # parsers.html's memos
cdef object _clean, _chrome_attrs, _hidden_style, _count


def configure(html) -> None:
    """Take the tag sets, memos and helpers from parsers.html, where they are defined."""
    global _clean, _chrome_attrs, _hidden_style, _count, _CLEANED, _HIDING
    _KIND.clear()
    _KIND.update({t: BLOCK for t in html._BLOCK})
    _KIND.update({t: SKIP for t in html._SKIP})
    _KIND.update({"table": TABLE, "br": BR, "img": IMG, "pre": PRE})
    _HEADING.clear()
    _HEADING.update(html._HEADINGS)
    _clean, _chrome_attrs, _hidden_style, _count = html._clean, html._chrome_attrs, html._hidden_style, html._count
    _CLEANED, _HIDING = html._CLEANED, html._HIDING


cdef inline str _utf8(const tree.xmlChar* s):
    return PyUnicode_DecodeUTF8(<const char*>s, strlen(<const char*>s), NULL)


cdef inline bint _is_text(tree.xmlNode* n) noexcept:
    return n.type == tree.XML_TEXT_NODE or n.type == tree.XML_CDATA_SECTION_NODE


cdef str _run(tree.xmlNode* n):
    """The text of the text nodes from `n` to the next non-text node (lxml's .text / .tail)."""
    if n is NULL or not _is_text(n):
        return None
    if n.next is NULL or not _is_text(n.next):
        return _utf8(n.content) if n.content is not NULL else ""
    parts = []
    while n is not NULL and _is_text(n):
        if n.content is not NULL:
            parts.append(_utf8(n.content))
        n = n.next
    return "".join(parts)


cdef inline tree.xmlNode* _next_in(tree.xmlNode* n, tree.xmlNode* top, bint enter) noexcept:
    """The node after `n` in document order within `top` (entering `n` if `enter`), or NULL."""
    if enter and n.type == tree.XML_ELEMENT_NODE and n.children is not NULL:
        return n.children
    while n is not top and n.next is NULL:
        n = n.parent
    return NULL if n is top else n.next


cdef str _all_text(tree.xmlNode* top):
    """Every text node under `top` in document order (tostring(method="text"), itertext())."""
    cdef tree.xmlNode* c = top.children
    if c is NULL:
        return ""
    if c.next is NULL and _is_text(c):
        return _utf8(c.content) if c.content is not NULL else ""
    parts = []
    while c is not NULL:
        if _is_text(c) and c.content is not NULL:
            parts.append(_utf8(c.content))
        c = _next_in(c, top, True)
    return "".join(parts)


cdef str _attr(tree.xmlNode* n, const char* name):
    """An attribute's value, or None when the element has no such attribute."""
    cdef tree.xmlAttr* a = n.properties
    while a is not NULL:
        if strcmp(<const char*>a.name, name) == 0:
            return _run(a.children) or ""
        a = a.next
    return None


cdef inline tree.xmlNode* _element_from(tree.xmlNode* n) noexcept:
    """`n` or the first element among its following siblings."""
    while n is not NULL and n.type != tree.XML_ELEMENT_NODE:
        n = n.next
    return n


cdef inline bint _named(tree.xmlNode* n, const char* name) noexcept:
    return n.type == tree.XML_ELEMENT_NODE and strcmp(<const char*>n.name, name) == 0


def walk(_Element root, walker) -> None:
    """Depth-first over `root` (lxml's iterwalk, start and end events), gathering text into
    `walker.buf` per block element; `walker.flush(heading)` makes the paragraphs,
    `walker.table(el)` and `walker.image(el)` the tables and images."""
    cdef tree.xmlNode* top = root._c_node
    cdef tree.xmlNode* n = top
    cdef tree.xmlNode* child
    cdef list buf = walker.buf
    cdef int kind
    cdef bint skip
    cdef str tag, text, style, cls, ident
    flush = walker.flush
    while True:
        # --- start: what the element contributes, and whether to enter it
        tag = _utf8(n.name)
        kind = _KIND.get(tag, INLINE)
        skip = kind == SKIP
        if not skip and n.properties is not NULL:
            style = _attr(n, "style")
            if style is not None:
                hidden = _HIDING.get(style)
                skip = _hidden_style(style) if hidden is None else hidden
            if not skip and kind == BLOCK and n is not top:
                cls = _attr(n, "class")
                ident = _attr(n, "id")
                if cls is not None or ident is not None:
                    skip = _chrome_attrs((cls or "") + " " + (ident or ""))
        if skip:
            pass
        elif kind == BLOCK:
            if buf:
                flush()
            text = _run(n.children)
            if text and not text.isspace():
                buf.append(text)
        elif kind == TABLE:
            if buf:
                flush()
            skip = walker.table(elementFactory(root._doc, n))
        elif kind == BR:
            if buf:
                flush()
        elif kind == IMG:
            if buf:
                flush()
            walker.image(elementFactory(root._doc, n))
        elif kind == PRE:
            if buf:
                flush()
            for line in _all_text(n).splitlines():
                buf.append(line)
                flush()
            skip = True
        else:  # inline: span, font, b, a, o:p, …
            text = _run(n.children)
            if text and (buf or not text.isspace()):
                buf.append(text)
        child = NULL if skip else _element_from(n.children)
        if child is not NULL:
            n = child
            continue
        # --- end: close the element, take its tail, move to the next one
        while True:
            if buf:
                kind = _KIND.get(_utf8(n.name), INLINE)
                if kind == BLOCK or kind == TABLE:
                    flush(_HEADING.get(_utf8(n.name)))
            if n is top:
                flush()
                return
            text = _run(n.next)
            if text and (buf or not text.isspace()):
                buf.append(text)
            child = _element_from(n.next)
            if child is not NULL:
                n = child
                break
            n = n.parent


cdef bint _is_data_table(tree.xmlNode* tbl) noexcept:
    """No table inside, and a row of two cells or more."""
    cdef tree.xmlNode* n = _next_in(tbl, tbl, True)
    cdef tree.xmlNode* c
    cdef int cells
    cdef bint wide = False
    while n is not NULL:
        if _named(n, "table"):
            return False
        if not wide and _named(n, "tr"):
            cells = 0
            c = n.children
            while c is not NULL:
                if _named(c, "td") or _named(c, "th"):
                    cells += 1
                c = c.next
            wide = cells >= 2
        n = _next_in(n, tbl, True)
    return wide


def data_tables(_Element root) -> set:
    """The tables of figures under `root` (itself included): no table inside them, and a row
    of two cells or more; the others are layout tables or one-column boxes."""
    cdef tree.xmlNode* top = root._c_node
    cdef tree.xmlNode* n = top
    found = set()
    while n is not NULL:
        if _named(n, "table") and _is_data_table(n):
            found.add(elementFactory(root._doc, n))
        n = _next_in(n, top, True)
    return found


def table_rows(_Element tbl, int index) -> list:
    """The printed rows of a data table: its <tr>s (as tbl.iter("tr")), each a list of TCell
    for its <td>/<th> children as printed, spans kept; cells hidden by an inline style left out."""
    cdef tree.xmlNode* top = tbl._c_node
    cdef tree.xmlNode* n = _next_in(top, top, True)
    cdef tree.xmlNode* cell
    cdef list rows = []
    cdef list row
    cdef bint in_head, header
    cdef int r
    cdef str text, style, rowspan, colspan
    while n is not NULL:
        if _named(n, "tr"):
            in_head = n.parent is not NULL and _named(n.parent, "thead")
            row = []
            r = len(rows)
            cell = n.children
            while cell is not NULL:
                if _named(cell, "td") or _named(cell, "th"):
                    rowspan = colspan = None
                    if cell.properties is not NULL:
                        style = _attr(cell, "style")  # editors keep merged cells as hidden <td>s
                        if style is not None:
                            hidden = _HIDING.get(style)
                            if (_hidden_style(style) if hidden is None else hidden):
                                cell = cell.next
                                continue
                        rowspan = _attr(cell, "rowspan")
                        colspan = _attr(cell, "colspan")
                    # <br> and <p> inside a cell join with no space ("本年新<br>制作数量")
                    text = _all_text(cell)
                    if not text.isdecimal():  # (most cells are numbers: nothing to clean)
                        text = _CLEANED.get(text) or _clean(text)
                    header = in_head or cell.name[1] == 104  # <th>
                    row.append(TCell(text, {"table": index, "row": r, "col": len(row)},
                                     1 if rowspan is None else _count(rowspan),
                                     1 if colspan is None else _count(colspan), header))
                cell = cell.next
            if row:
                rows.append(row)
        n = _next_in(n, top, True)  # on through every descendant, as tbl.iter("tr") does
    return rows
