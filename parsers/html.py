"""HTML front end: a portal page → the report body as Para / Table / Image blocks in reading order.

Portal pages wrap the report in site chrome (menus, breadcrumbs, the national metadata table
索引号/发布机构…, print/close links, footers). The body is a known CMS container (TRS, Hanweb,
UCAP, Epoint, …) when it holds a table or a numbered section heading, else the lowest common
ancestor of the numbered section headings (or of the data tables), else the element holding the
most paragraph text. Tables are emitted as printed (spans kept); layout tables are walked as
containers so only the data tables inside them become Table blocks.

The hot path is bare lxml: libxml2's HTML parser tolerates what portals serve, and a walk over
its tree costs a fraction of building a BeautifulSoup tree (bench/parse_bench.py measures both);
bs4 only finds the `<meta>` charset (see parsers.decode).
"""
from __future__ import annotations

import re
import threading
from functools import lru_cache

from lxml import etree

from .blocks import Block, Image, Para, Table, TCell
from .decode import declaration_problems, decode, utf8_first
from .model import Report
from .spec import norm

_LOCAL = threading.local()  # lxml parsers must not be shared between threads


def _parser() -> etree.HTMLParser:
    parser = getattr(_LOCAL, "parser", None)
    if parser is None:
        parser = _LOCAL.parser = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True,
                                                  no_network=True, huge_tree=True)
    return parser


# Containers the CMS platforms put the article body in (portals.md).
_KNOWN_IDS = ("zoom", "Zoom", "zoomcon", "UCAP-CONTENT", "ivs_content", "vsb_content", "content_text")
_KNOWN_CLASSES = frozenset(("TRS_Editor", "trs_editor_view", "TRS_UEDITOR", "trs_paper_default", "zoom",
                            "article-content", "article_content", "v_news_content", "pages_content",
                            "wp_articlecontent"))
_BY_ID = etree.XPath('id("' + " ".join(_KNOWN_IDS) + '")')  # libxml2 indexes HTML ids
_CLASS_TAGS = ("div", "section", "article", "main")

# A numbered section heading ("一、总体情况", "（三）…", "3. …") naming one of the report's parts,
# in any template generation; menus carry the same words but not the numbering.
_SECTION_WORDS = ("总体情况", "概述", "基本情况", "主动公开", "依申请", "申请情况", "行政复议",
                  "行政诉讼", "收费", "存在的主要问题", "存在问题", "改进情况", "其他需要报告", "其他事项")
_NUMBERED = r"[（(]?\s*(?:[一二三四五六七八九十]+|\d{1,2})\s*[)）、.．]"
_SECTION_WORD = re.compile("|".join(_SECTION_WORDS))
_NUMBER_BEFORE = re.compile(_NUMBERED + r"[^。\n]{0,12}$")  # searched in the 16 characters before a word
_HEADING_LINE = re.compile(r"^\s*(?:第[一二三四五六七八九十]+部分|" + _NUMBERED + ")")

_BLOCK = frozenset(
    "p div h1 h2 h3 h4 h5 h6 li ul ol dl dt dd blockquote section article main center address "
    "figure figcaption form fieldset hr tr td th tbody thead tfoot caption body html".split())
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_SKIP = frozenset("script style noscript template head title select option button input textarea iframe "
                  "object embed map svg canvas audio video nav header footer aside".split())
_CONTAINERS = frozenset("div td th body article section main center form li blockquote".split())

# Site chrome met inside or around bodies: judged on short paragraphs and on class/id names.
_CHROME_TEXT = re.compile(
    r"^(?:[【\[]?\s*(?:打印(?:本页|此页|文章)?|我要打印|关闭(?:窗口|本页)?|返回(?:顶部|首页|列表)?|收藏(?:本页)?"
    r"|分享到?|我要纠错|保存)\s*[】\]]?[\s|｜/:：]*)+$"
    r"|^(?:当前位置|您(?:现在)?(?:的|所在的?)?(?:当前)?位置|当前所在位置|扫一扫|上一篇|下一篇)"
    r"|字体[:：]?\s*[【\[]?\s*大"
    r"|^(?:繁體版?|简体版?|繁体|无障碍(?:浏览|阅读)?|English|长者模式|关怀版|[\s|｜/])+$"
    r"|^(?:发布机构|成文日期|主题分类|主题词|发文字号|公开方式|信息来源|生成日期|作者|文号|名\s*称|标\s*题|分\s*类"
    r"|发文机关|所属机构|有效性|公文种类|体裁分类|组配分类)\s*[:：]"
    r"|(?:索引号|来源|发布时间|发布日期|浏览次数|阅读次数|点击数|访问量)\s*[:：]")
# class/id tokens of chrome boxes; whole tokens, since e.g. a print-area wrapper may hold the body
_CHROME_TOKEN = re.compile(r".*(?:share|bread|crumb|fontsize|font-size|font_size).*|(?:btn[-_]?)?print(?:[-_]?btn)?"
                           r"|position|location|dqwz|curpos|current-position")
_META_TABLE = re.compile(r"发布机构|成文日期|主题分类|发文字号|发布日期|公开方式|生成日期")
_TITLE_SPLIT = re.compile(r"\s*[-_|｜—–]+\s*")

_CJK_GAP = re.compile(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])")  # padding between CJK characters


def _clean(s: str) -> str:
    if s.isdecimal():  # most table cells: nothing to clean
        return s
    return _clean_short(s) if len(s) <= 80 else _cleaned(s)


@lru_cache(maxsize=20_000)  # short texts recur: pages repeat the template's labels
def _clean_short(s: str) -> str:
    return _cleaned(s)


def _cleaned(s: str) -> str:
    cleaned = " ".join(s.replace("\u200b", "").replace("\ufeff", "").split())  # split() knows U+00A0, U+3000
    return _CJK_GAP.sub("", cleaned) if " " in cleaned else cleaned


def to_blocks(data: bytes, report: Report, charset: str | None = None) -> list[Block]:
    """The report body of an HTML page as blocks, the page title first (heading=1)."""
    parser = _parser()
    # A UTF-8 page (most of them) is handed to libxml2 as it is, which checks its UTF-8 while
    # parsing: an invalid byte sends it the long way, through decode(), as does any other page.
    root = _parse(data, parser) if utf8_first(data) else None
    if root is not None and not parser.error_log.filter_types([etree.ErrorTypes.ERR_INVALID_ENCODING]):
        enc, problems = "utf-8", declaration_problems(data, charset, html=True)
    else:
        text, enc, problems = decode(data, charset, html=True)
        raw = data if enc == "utf-8" and not problems and not data.startswith(b"\xef\xbb\xbf") else text.encode("utf-8")
        root = _parse(raw, parser)
    for p in problems:
        report.add_finding("encoding", "warning", p, encoding=enc)
    if root is None:
        report.add_finding("empty_document", "error", "the HTML page has no content")
        return []
    if parser.error_log.filter_types([etree.ErrorTypes.ERR_RESOURCE_LIMIT]):
        report.add_finding("html_too_deep", "warning",
                           "markup nested deeper than the parser's limit; the rest of the page is not read")
    return _with_title(_body_blocks(root), _title(root))


def _parse(raw: bytes, parser: etree.HTMLParser) -> etree._Element | None:
    try:
        return etree.fromstring(raw, parser)
    except etree.XMLSyntaxError:
        return None


# --- the title ---------------------------------------------------------------------------

def _title(root: etree._Element) -> str:
    head = root.find("head")
    for meta in head.iter("meta") if head is not None else ():
        if (meta.get("name") or "").lower() == "articletitle" and (meta.get("content") or "").strip():
            return _clean(meta.get("content"))
    headings = [_clean("".join(h.itertext())) for h in root.iter("h1", "h2")]
    for h in headings:
        if "报告" in h or "年报" in h:
            return h
    page_title = next((_clean("".join(t.itertext())) for t in root.iter("title")), "")
    parts = [p for p in _TITLE_SPLIT.split(page_title) if p]
    for p in parts:
        if "报告" in p:
            return p
    return next((h for h in headings if h), parts[0] if parts else "")


def _with_title(blocks: list[Block], title: str) -> list[Block]:
    if not title:
        return blocks
    key = norm(title)
    # (a cleaned text has at most one space between two other characters, and norm() only
    # drops spaces: one more than twice as long as the key cannot normalize to it)
    repeated = [i for i, b in enumerate(blocks[:4])
                if isinstance(b, Para) and len(key) <= len(b.text) <= 2 * len(key) and norm(b.text) == key]
    return [Para(title, {"element": "title"}, heading=1)] + [b for i, b in enumerate(blocks) if i not in repeated]


# --- finding the body ----------------------------------------------------------------------

_STRING = etree.XPath("string()")


def _text(el: etree._Element) -> str:
    return _STRING(el)


def _section_words(text: str) -> set[str]:
    """The section words of `text` that follow a numbering (a plain word search first: fast)."""
    found = set()
    for m in _SECTION_WORD.finditer(text):
        if _numbered_before(text[max(0, m.start() - 16):m.start()]):
            found.add(m.group())
    return found


@lru_cache(maxsize=20_000)  # the same words recur in the same sentences: nested containers, templates
def _numbered_before(before: str) -> bool:
    return _NUMBER_BEFORE.search(before) is not None


def _body_blocks(root: etree._Element) -> list[Block]:
    """The blocks of the report body: a known container's when they look like a report, else
    those under the numbered section headings (or the data tables), else the most paragraph text."""
    blocks, level = [], 0
    known = _BY_ID(root) + _with_class(root)
    known = list(dict.fromkeys(known))  # an element can match by id and by class
    if known:
        blocks = _walk(known[0] if len(known) == 1 else _best_container(known))
        level = _report_level(blocks)
        if level == 2:
            return blocks
    anchors = _heading_anchors(root)
    if len(anchors) < 2:
        if level == 1:
            return blocks  # a known container with real text, and no better candidate
        data_tables = _data_tables(root)
        if blocks and all(_metadata_element(t) for t in data_tables):
            return blocks  # a short article in a known container ("详见附件。"): still the article
        anchors += data_tables  # the order does not matter to a common ancestor
    return _walk(_container(_common_ancestor(anchors)) if anchors else _most_text(root))


def _walk(el: etree._Element) -> list[Block]:
    walker = _Walker()
    walker.walk(el)
    return walker.blocks


def _report_level(blocks: list[Block]) -> int:
    """2: a table or a numbered section heading; 1: real text or an image; 0: next to nothing."""
    chars = 0
    for b in blocks:
        if isinstance(b, Table):
            return 2
        if isinstance(b, Para):
            if len(b.text) <= 60 and _HEADING_LINE.match(b.text) and _section_words(b.text):
                return 2
            chars += len(b.text)
    return int(chars > 50 or any(isinstance(b, Image) for b in blocks))


def _best_container(known: list[etree._Element]) -> etree._Element:
    """The known container with the most distinct section headings, then with real content;
    of nested containers scoring the same, the inner one (less chrome)."""
    best, best_score = known[0], (-1, 0)
    for el in known:
        text = _text(el)
        score = (len(_section_words(text)),
                 int(len(text.strip()) > 50 or el.find(".//table") is not None or el.find(".//img") is not None))
        if score > best_score or (score == best_score and _inside(el, best)):
            best, best_score = el, score
    return best


def _inside(el: etree._Element, ancestor: etree._Element) -> bool:
    return any(a is ancestor for a in el.iterancestors())


def _heading_anchors(root: etree._Element) -> list[etree._Element]:
    """Block elements whose whole (short) text is a numbered section heading."""
    found = []
    for el in _section_blocks(next(root.iter("body"), root)):
        line = _clean(_text(el))
        if len(line) <= 60 and _HEADING_LINE.match(line) and _section_words(line):
            found.append(el)
    return found


def _common_ancestor(els: list[etree._Element]) -> etree._Element:
    chain = [els[0]] + list(els[0].iterancestors())
    chain.reverse()  # root first
    depth = len(chain)
    for el in els[1:]:
        other = [el] + list(el.iterancestors())
        other.reverse()
        d = 0
        while d < min(depth, len(other)) and chain[d] is other[d]:
            d += 1
        depth = d
    return chain[max(depth - 1, 0)]


def _container(el: etree._Element) -> etree._Element:
    """Widen a heading or a table to the block that holds the text around it."""
    while el.tag not in _CONTAINERS and el.getparent() is not None:
        el = el.getparent()
    return el


def _most_text(root: etree._Element) -> etree._Element:
    """The element whose paragraphs hold the most text (pages with no heading and no table)."""
    weight: dict[etree._Element, int] = {}
    for p in root.iter("p"):
        parent = p.getparent()
        if parent is not None:
            weight[parent] = weight.get(parent, 0) + len(_text(p).strip())
    if weight:
        return max(weight, key=weight.get)
    return next(root.iter("body"), root)


# --- tables ----------------------------------------------------------------------------------

def _metadata_element(table: etree._Element) -> bool:
    return _metadata_text("".join(table.itertext())[:400])


_MAX_SPAN = 500
_LEADING_NUMBER = re.compile(r"\s*0*(\d+)")  # "2px", " 3 ", "02"


def _count(value: str | None) -> int:
    """A rowspan, colspan or width attribute as a count in 1…500 ("2", " 3", "2px"; else 1);
    an absurd one (5,000 digits) is clamped, never converted whole."""
    if not value:
        return 1
    if value.isdecimal() and len(value) <= 3:
        return min(max(int(value), 1), _MAX_SPAN)
    digits = _LEADING_NUMBER.match(value)
    if not digits:
        return 1
    return min(max(int(digits.group(1)), 1), _MAX_SPAN) if len(digits.group(1)) <= 3 else _MAX_SPAN


def _is_metadata(rows: list[list[TCell]]) -> bool:
    """The national metadata table (索引号, 发布机构, 成文日期 …) printed above the body."""
    return _metadata_text("".join([c.text for row in rows[:6] for c in row]))


def _metadata_text(head: str) -> bool:
    """The national metadata table's first cells: 索引号, 发布机构, 成文日期 …"""
    return "索引号" in head and bool(_META_TABLE.search(head)) or len(_META_TABLE.findall(head)) >= 3


def _data_tables(root: etree._Element) -> set[etree._Element]:
    """Innermost tables with a row of two cells or more (a table holding tables is layout)."""
    tables = list(root.iter("table"))
    layout = {a for t in tables for a in t.iterancestors("table")}
    return {t for t in tables
            if t not in layout and any(sum(1 for c in tr if c.tag in ("td", "th")) >= 2 for tr in t.iter("tr"))}


def _table_rows(tbl: etree._Element, index: int) -> list[list[TCell]]:
    """A data table's rows as printed: cells with their spans, hidden cells left out."""
    rows: list[list[TCell]] = []
    for tr in tbl.iter("tr"):
        in_head = tr.getparent().tag == "thead"
        row: list[TCell] = []
        for cell in tr:
            if cell.tag not in ("td", "th") or _hidden(cell.get("style")):
                continue
            text = _CELL_TEXT(cell)
            if not text.isdecimal():
                text = _clean(text)
            row.append(TCell(text, {"table": index, "row": len(rows), "col": len(row)},
                             _count(cell.get("rowspan")), _count(cell.get("colspan")),
                             in_head or cell.tag == "th"))
        if row:
            rows.append(row)
    return rows


_CELL_TEXT = etree.XPath("string()")


def _with_class(root: etree._Element) -> list[etree._Element]:
    """Elements of the container tags whose class names a known CMS body container."""
    return [el for el in root.iter(*_CLASS_TAGS)
            if (c := el.get("class")) and not _KNOWN_CLASSES.isdisjoint(c.split())]


def _section_blocks(root: etree._Element) -> list[etree._Element]:
    """Block elements holding a text with a section word (heading candidates), in document order."""
    found: dict[etree._Element, None] = {}
    for t in root.xpath(".//text()"):
        if _SECTION_WORD.search(t):
            el = t.getparent().getparent() if t.is_tail else t.getparent()
            while el is not None and el.tag not in _BLOCK:
                el = el.getparent()
            if el is not None:
                found[el] = None
    return list(found)


def _hidden(style: str | None) -> bool:
    return style is not None and "display:none" in style.replace(" ", "").lower()


# --- the walk ----------------------------------------------------------------------------

# verdicts cached: pages of one portal repeat their styles, class names and chrome lines

def _chrome_attrs(attrs: str) -> bool:
    """A block's class and id ("class id") naming a chrome box (share, breadcrumb, print …)."""
    return attrs != " " and _chrome_tokens(attrs)


@lru_cache(maxsize=20_000)
def _chrome_tokens(attrs: str) -> bool:
    return any(_CHROME_TOKEN.fullmatch(t) for t in attrs.lower().split())


@lru_cache(maxsize=20_000)
def _chrome_text(text: str) -> bool:
    """A short paragraph of site chrome (print/close links, breadcrumbs, metadata lines)."""
    return _CHROME_TEXT.search(text) is not None


class _Walker:
    """Depth-first over the body: text gathered per block element, tables and images in place."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.buf: list[str] = []
        self.paras = 0
        self.tables = 0
        self.images = 0
        self.data_tables: set[etree._Element] = set()

    def flush(self, heading: int | None = None) -> None:
        if not self.buf:
            return
        text = "".join(self.buf)
        self.buf.clear()
        if text.isspace():  # the newlines between tags: most flushes
            return
        text = _clean(text)
        if text and not (len(text) < 80 and _chrome_text(text)):
            self.blocks.append(Para(text, {"element": self.paras}, heading))
            self.paras += 1

    def walk(self, root: etree._Element) -> None:
        self.data_tables = _data_tables(root)
        events = etree.iterwalk(root, events=("start", "end"))
        buf, flush = self.buf, self.flush
        for event, el in events:
            tag = el.tag
            if event == "end":
                if buf and (tag in _BLOCK or tag == "table"):
                    flush(_HEADINGS.get(tag))
                if el is not root and (tail := el.tail) and (buf or not tail.isspace()):
                    buf.append(tail)
                continue
            if tag in _SKIP or _hidden(el.get("style")) or (
                    tag in _BLOCK and el is not root and ("class" in el.keys() or "id" in el.keys())
                    and _chrome_attrs((el.get("class") or "") + " " + (el.get("id") or ""))):
                events.skip_subtree()
            elif tag in _BLOCK:
                if buf:
                    flush()
                if (text := el.text) and not text.isspace():
                    buf.append(text)
            elif tag == "table":
                if buf:
                    flush()
                if self.table(el):
                    events.skip_subtree()
            elif tag in ("br", "img"):
                if buf:
                    flush()
                if tag == "img":
                    self.image(el)
            elif tag == "pre":
                if buf:
                    flush()
                for line in "".join(el.itertext()).splitlines():
                    buf.append(line)
                    flush()
                events.skip_subtree()
            elif (text := el.text) and (buf or not text.isspace()):
                buf.append(text)
        flush()

    def table(self, tbl: etree._Element) -> bool:
        """Emit a data table (True); False for a layout table, whose cells the walk enters."""
        if tbl not in self.data_tables:
            return False  # a layout table (or a one-column box): its cells are containers
        rows = _table_rows(tbl, self.tables)
        if not _is_metadata(rows):
            self.blocks.append(Table(rows, {"table": self.tables}))
            self.tables += 1
            for img in tbl.iter("img"):
                self.image(img)
        return True

    def image(self, img: etree._Element) -> None:
        src = (img.get("src") or img.get("data-src") or "").strip()
        if not src or any(_count(img.get(a)) < 40 for a in ("width", "height") if img.get(a)):
            return  # icons and spacers
        if src.startswith("data:"):
            src = src.split(",", 1)[0] + ",…"  # inline image data is not kept
        self.blocks.append(Image(src, _clean(img.get("alt") or img.get("title") or ""), {"image": self.images}))
        self.images += 1

