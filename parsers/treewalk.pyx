# cython: language_level=3, boundscheck=False, wraparound=False
"""The HTML front end's loops over every element of a page, compiled: the walk over the
report body, the searches for data tables, known container classes and heading candidates,
and the reading of a data table's cells (parsers/html.py holds everything else).

In Python each element visited costs a proxy object, an attribute list and a few method
calls into lxml; here the loops read libxml2's nodes directly through lxml's public C API
(`lxml.includes.etreepublic`), and call back into Python only for what is rare or already
written there: cleaning a text, judging a style or a chrome box, emitting a block.
The semantics are exactly those of the Python versions over lxml's API (`iterwalk` with
`.text`/`.tail`, `iter`, `xpath`), which tests/test_html_treewalk.py keeps as the reference.
"""
from cpython.unicode cimport PyUnicode_DecodeUTF8
from libc.string cimport memset, strcmp, strlen, strstr
from lxml.includes cimport tree
from lxml.includes.etreepublic cimport _Element, elementFactory, import_lxml__etree

import_lxml__etree()

from .blocks import TCell

cdef enum:  # what the walk does at an element, by tag
    INLINE, BLOCK, SKIP, TABLE, BR, IMG, PRE

cdef dict _KIND = {}  # tag → kind
cdef dict _HEADING = {}  # h1…h6 → level
cdef dict _CLEANED = {}  # parsers.html's memo of cleaned texts
cdef object _clean, _chrome_attrs, _count


def configure(html) -> None:
    """Take the tag sets, memos and helpers from parsers.html, where they are defined."""
    global _clean, _chrome_attrs, _count, _CLEANED
    _KIND.clear()
    _KIND.update({t: BLOCK for t in html._BLOCK})
    _KIND.update({t: SKIP for t in html._SKIP})
    _KIND.update({"table": TABLE, "br": BR, "img": IMG, "pre": PRE})
    _HEADING.clear()
    _HEADING.update(html._HEADINGS)
    _clean, _chrome_attrs, _count = html._clean, html._chrome_attrs, html._count
    _CLEANED = html._CLEANED


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


cdef bint _blank(tree.xmlNode* n) noexcept:
    """Whether the text run from `n` is absent or ASCII whitespace only: then `not text or
    text.isspace()` holds for its text, and it need not be decoded (the newlines between tags)."""
    cdef const unsigned char* p
    while n is not NULL and _is_text(n):
        p = <const unsigned char*>n.content
        while p is not NULL and p[0]:
            if p[0] != 32 and not 9 <= p[0] <= 13:
                return False
            p += 1
        n = n.next
    return True


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


cdef inline tree.xmlAttr* _find_attr(tree.xmlNode* n, const char* name) noexcept:
    cdef tree.xmlAttr* a = n.properties
    while a is not NULL and strcmp(<const char*>a.name, name) != 0:
        a = a.next
    return a


cdef str _attr(tree.xmlNode* n, const char* name):
    """An attribute's value, or None when the element has no such attribute."""
    cdef tree.xmlAttr* a = _find_attr(n, name)
    return None if a is NULL else _run(a.children) or ""


cdef bint _display_none(const unsigned char* p, int* k) noexcept:
    """Feed the bytes at `p` (to their NUL) to a search for "display:none" with spaces dropped
    and letters lowered; `k` carries the matched length from one piece of a value to the next.
    Bytes suffice: lowering a character outside ASCII never gives one of these letters."""
    cdef const char* want = b"display:none"
    cdef unsigned char c
    while p[0]:
        c = p[0]
        p += 1
        if c == 32:  # U+0020 only, as str.replace(" ", "")
            continue
        if 65 <= c <= 90:
            c += 32
        if c == want[k[0]]:
            k[0] += 1
            if k[0] == 12:
                return True
        else:  # (no proper prefix of the pattern is also its suffix: restart here)
            k[0] = 1 if c == want[0] else 0
    return False


cdef bint _hides(tree.xmlNode* n) noexcept:
    """Whether `n` has an inline style that hides it (inline styles only: what editors and Word
    write)."""
    cdef tree.xmlAttr* a = _find_attr(n, "style")
    cdef tree.xmlNode* t
    cdef int k = 0
    if a is NULL:
        return False
    t = a.children
    while t is not NULL:  # (the value's text nodes: one, unless it held an entity)
        if _is_text(t) and t.content is not NULL and _display_none(<const unsigned char*>t.content, &k):
            return True
        t = t.next
    return False


def hidden_style(str style) -> bool:
    """The rule `_hides` applies, on a style string: "display:none" in style.replace(" ", "").lower()."""
    cdef bytes data = style.encode("utf-8", "surrogatepass")
    cdef int k = 0
    return _display_none(<const unsigned char*>data, &k)


cdef inline tree.xmlNode* _element_from(tree.xmlNode* n) noexcept:
    """`n` or the first element among its following siblings."""
    while n is not NULL and n.type != tree.XML_ELEMENT_NODE:
        n = n.next
    return n


cdef inline bint _named(tree.xmlNode* n, const char* name) noexcept:
    return n.type == tree.XML_ELEMENT_NODE and strcmp(<const char*>n.name, name) == 0


cdef struct _Tag:  # an element name's kind, cached by its (interned) name pointer for one walk
    const tree.xmlChar* name
    int kind
    int heading  # h1…h6 → 1…6, else 0

cdef enum:
    TAG_SLOTS = 64  # (a page uses a few dozen distinct tags)


cdef int _kind(tree.xmlNode* n, _Tag* cache, int* heading) except -1:
    """The walk's kind of element `n` (and its heading level). libxml2 interns tag names, so
    the name pointer is a key for the walk over one tree; a name not found is decoded once."""
    cdef size_t at = (<size_t>n.name >> 4) % TAG_SLOTS
    cdef _Tag* slot
    cdef int probe
    for probe in range(8):
        slot = &cache[(at + probe) % TAG_SLOTS]
        if slot.name == n.name:
            heading[0] = slot.heading
            return slot.kind
        if slot.name is NULL:
            tag = _utf8(n.name)
            slot.name, slot.kind, slot.heading = n.name, _KIND.get(tag, INLINE), _HEADING.get(tag, 0)
            heading[0] = slot.heading
            return slot.kind
    tag = _utf8(n.name)  # the slots around are taken: no caching
    heading[0] = _HEADING.get(tag, 0)
    return _KIND.get(tag, INLINE)


cdef struct _Box:  # a chrome verdict on a block's class and id, cached for one walk
    const tree.xmlChar* cls  # the values where first met (the tree outlives the walk)
    const tree.xmlChar* ident
    bint chrome

cdef enum:
    BOX_SLOTS = 64


cdef const tree.xmlChar* _plain(tree.xmlNode* n, const char* name) noexcept:
    """An attribute's value when it is one piece of text ("" when absent or empty); NULL when
    it is in several pieces."""
    cdef tree.xmlAttr* a = _find_attr(n, name)
    if a is NULL or a.children is NULL:
        return <const tree.xmlChar*>b""
    if a.children.next is not NULL or not _is_text(a.children):
        return NULL
    return <const tree.xmlChar*>a.children.content if a.children.content is not NULL else <const tree.xmlChar*>b""


cdef inline size_t _hash(const tree.xmlChar* s, size_t h) noexcept:
    while s[0]:
        h = h * 33 + s[0]
        s += 1
    return h


cdef bint _chrome_box(tree.xmlNode* n, _Box* cache) except -1:
    """Whether a block's class and id name a chrome box (parsers.html._chrome_attrs), asked
    once per distinct pair in a walk: Word and CMS pages repeat a few classes on every block."""
    cdef const tree.xmlChar* cls = _plain(n, "class")
    cdef const tree.xmlChar* ident = _plain(n, "id")
    cdef size_t at
    cdef _Box* slot
    cdef int probe
    if cls is NULL or ident is NULL:  # a value in pieces: not cached
        return _chrome_attrs((_attr(n, "class") or "") + " " + (_attr(n, "id") or ""))
    if cls[0] == 0 and ident[0] == 0:
        return False
    at = _hash(ident, _hash(cls, 5381) * 33 + 32) % BOX_SLOTS
    for probe in range(8):
        slot = &cache[(at + probe) % BOX_SLOTS]
        if slot.cls is NULL:
            slot.cls, slot.ident = cls, ident
            slot.chrome = _chrome_attrs(_utf8(cls) + " " + _utf8(ident))
            return slot.chrome
        if strcmp(<const char*>slot.cls, <const char*>cls) == 0 and \
                strcmp(<const char*>slot.ident, <const char*>ident) == 0:
            return slot.chrome
    return _chrome_attrs(_utf8(cls) + " " + _utf8(ident))


def walk(_Element root, walker) -> None:
    """Depth-first over `root` (lxml's iterwalk, start and end events), gathering text into
    `walker.buf` per block element; `walker.flush(heading)` makes the paragraphs,
    `walker.table(el)` and `walker.image(el)` the tables and images."""
    cdef tree.xmlNode* top = root._c_node
    cdef tree.xmlNode* n = top
    cdef tree.xmlNode* child
    cdef list buf = walker.buf
    cdef int kind, heading
    cdef bint skip
    cdef str text
    cdef _Tag cache[TAG_SLOTS]
    cdef _Box boxes[BOX_SLOTS]
    memset(cache, 0, sizeof(cache))
    memset(boxes, 0, sizeof(boxes))
    flush = walker.flush
    while True:
        # --- start: what the element contributes, and whether to enter it
        kind = _kind(n, cache, &heading)
        skip = kind == SKIP
        if not skip and n.properties is not NULL:
            skip = _hides(n)
            if not skip and kind == BLOCK and n is not top:
                skip = _chrome_box(n, boxes)
        if skip:
            pass
        elif kind == BLOCK:
            if buf:
                flush()
            if not _blank(n.children) and (text := _run(n.children)) and not text.isspace():
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
        elif (buf or not _blank(n.children)) and (text := _run(n.children)) and (buf or not text.isspace()):
            buf.append(text)  # inline: span, font, b, a, o:p, …
        child = NULL if skip else _element_from(n.children)
        if child is not NULL:
            n = child
            continue
        # --- end: close the element, take its tail, move to the next one
        while True:
            if buf:
                kind = _kind(n, cache, &heading)
                if kind == BLOCK or kind == TABLE:
                    flush(heading or None)
            if n is top:
                flush()
                return
            if (buf or not _blank(n.next)) and (text := _run(n.next)) and (buf or not text.isspace()):
                buf.append(text)  # the tail
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


def with_class(_Element root, tuple tags, frozenset classes) -> list:
    """The elements of `root` (itself included) in document order whose tag is one of `tags`
    and whose class attribute holds one of `classes` as a token (as str.split() cuts it).
    A class value holding none of them even as a substring is not decoded."""
    cdef list names = [t.encode() for t in tags]
    cdef list wanted = [c.encode() for c in classes]
    cdef tree.xmlNode* top = root._c_node
    cdef tree.xmlNode* n = top
    cdef const tree.xmlChar* value
    cdef bytes b
    cdef bint hit
    found = []
    while n is not NULL:
        if n.type == tree.XML_ELEMENT_NODE and n.properties is not NULL:
            hit = False
            for b in names:
                if strcmp(<const char*>n.name, <const char*>b) == 0:
                    hit = True
                    break
            if hit:
                value = _plain(n, "class")
                if value is not NULL:  # (a value in pieces is decoded whatever it holds)
                    hit = False
                    for b in wanted:
                        if strstr(<const char*>value, <const char*>b) is not NULL:
                            hit = True
                            break
            if hit and (text := _attr(n, "class")) and not classes.isdisjoint(text.split()):
                found.append(elementFactory(root._doc, n))
        n = _next_in(n, top, True)
    return found


def section_blocks(_Element root, words) -> list:
    """The block elements (parsers.html._BLOCK) around the text nodes under `root` that hold one
    of `words`, each once, in the document order of those text nodes."""
    cdef list wanted = [word.encode() for word in words]
    cdef tree.xmlNode* top = root._c_node
    cdef tree.xmlNode* n = _next_in(top, top, True)
    cdef tree.xmlNode* p
    cdef bytes w
    found, seen = [], set()
    while n is not NULL:
        if _is_text(n) and n.content is not NULL and not _blank(n):
            for w in wanted:
                if strstr(<const char*>n.content, <const char*>w) is not NULL:
                    p = n.parent
                    while p is not NULL and p.type == tree.XML_ELEMENT_NODE and \
                            _KIND.get(_utf8(p.name), INLINE) != BLOCK:
                        p = p.parent
                    if p is not NULL and p.type == tree.XML_ELEMENT_NODE and <size_t>p not in seen:
                        seen.add(<size_t>p)
                        found.append(elementFactory(root._doc, p))
                    break
        n = _next_in(n, top, True)
    return found


cdef int _span(tree.xmlNode* cell, const char* name) except -1:
    """A rowspan or colspan as parsers.html._count reads it; plain digits without a call."""
    cdef const tree.xmlChar* value = _plain(cell, name)
    cdef const tree.xmlChar* p = value
    cdef long n = 0
    if value is NULL:
        return _count(_attr(cell, name))
    if not p[0]:
        return 1  # absent or empty
    while p[0]:
        if not 48 <= p[0] <= 57:
            return _count(_utf8(value))  # "2px", " 3 ", "x": the Python rule
        n = n * 10 + (p[0] - 48) if n < 1000 else n
        p += 1
    return 1 if n < 1 else 500 if n > 500 else n


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
    cdef str text
    cdef int rowspan, colspan
    while n is not NULL:
        if _named(n, "tr"):
            in_head = n.parent is not NULL and _named(n.parent, "thead")
            row = []
            r = len(rows)
            cell = n.children
            while cell is not NULL:
                if _named(cell, "td") or _named(cell, "th"):
                    rowspan = colspan = 1
                    if cell.properties is not NULL:
                        if _hides(cell):  # editors keep merged cells as hidden <td>s
                            cell = cell.next
                            continue
                        rowspan = _span(cell, "rowspan")
                        colspan = _span(cell, "colspan")
                    # <br> and <p> inside a cell join with no space ("本年新<br>制作数量")
                    text = _all_text(cell)
                    if not text.isdecimal():  # (most cells are numbers: nothing to clean)
                        text = _CLEANED.get(text) or _clean(text)
                    header = in_head or cell.name[1] == 104  # <th>
                    row.append(TCell(text, {"table": index, "row": r, "col": len(row)}, rowspan, colspan, header))
                cell = cell.next
            if row:
                rows.append(row)
        n = _next_in(n, top, True)  # on through every descendant, as tbl.iter("tr") does
    return rows
