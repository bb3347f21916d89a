"""Fujian's province-wide platform (TRS publishing; every Fujian government site). The static
column page shows the first page only; its inline script calls
`listModel({pagebar: {prepage, recordCount}, maxStaticIndex, listArgs: {channelid, classsql,
sortfield, …}})` — `channelid` often a reference such as `SiteInfo.searchId`, defined in another
script of the page — and the rest of the column comes from the platform's search API:
`POST /fjdzapp/search` (form-encoded, JSON `{data: [{doctitle, docpuburl, chnldocurl, …}],
pageCount}`), or the older `GET /was5/web/search`, whose answer only looks like JSON (single
quotes, raw newlines). API pages count from 1 over the whole column, so the static page is page
1 and the API is asked for pages 2… as the page's own script asks for them. Details
`./YYYYMM/tYYYYMMDD_<id>.htm`, `.TRS_Editor` bodies, attachments outside the body
(div.article_attachment / ul#file_ul_fj) and in inline script arrays (base.Adapter)."""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any, Iterable, Iterator
from urllib.parse import urlencode, urljoin, urlsplit

import chompjs
from scrapy import FormRequest, Request
from scrapy.http import Response

from ..completeness import ListPage
from ..discovery import clean_title
from .base import Link, base_url, links, list_entries, selector, text_of
from .trs import TrsAdapter

FJDZAPP = "/fjdzapp/search"
WAS5 = "/was5/web/search"
XHR = {"X-Requested-With": "XMLHttpRequest"}
# a JavaScript string literal, or a comment (dropped: `//was4doc: 290792,` is not a setting)
_STRING_OR_COMMENT = re.compile(r""""(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|(//[^\n]*|/\*.*?\*/)""", re.S)
_ENTRY = r"""((?:"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|[^,{}\n"'])+)"""  # one `key: value` expression
_PAIR = re.compile(r"""['"]?([A-Za-z_$][\w$]*)['"]?\s*:\s*""" + _ENTRY)
_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*")


@dataclass
class ListModel:
    """What a column page's listModel(...) call says about its list."""
    records: int | None        # pagebar.recordCount: the column's size
    prepage: int               # pagebar.prepage: records per page
    max_static: int            # maxStaticIndex: pages published as static files
    args: dict[str, str]       # listArgs as the page's script sends them (channelid resolved)
    endpoint: str              # FJDZAPP, or WAS5 where the page names the older endpoint


def _uncomment(script: str) -> str:
    return _STRING_OR_COMMENT.sub(lambda m: "" if m.group(1) else m.group(0), script)


def _braced(text: str, start: int) -> str:
    """The `{…}` starting at `start` (strings skipped), or the rest of the text if unbalanced."""
    depth, i = 0, start
    while i < len(text):
        ch = text[i]
        if ch in "\"'":
            m = _STRING_OR_COMMENT.match(text, i)
            i = m.end() if m else i + 1
            continue
        depth += (ch == "{") - (ch == "}")
        i += 1
        if depth == 0:
            break
    return text[start:i]


def _literal(token: str) -> Any:
    token = token.strip()
    if token[:1] in "\"'":
        return json.loads('"' + token[1:-1].replace('"', '\\"') + '"') if token[0] == "'" else json.loads(token)
    if re.fullmatch(r"-?\d+(?:\.\d+)?", token):
        return token
    return None


def evaluate(expr: str, scripts: str) -> str:
    """A listArgs value as the browser computes it: literals, `a || b`, and names defined in
    the page's other scripts (`SiteInfo.searchId` → `var SiteInfo = {searchId: 200210, …}`)."""
    value: Any = ""
    for part in re.findall(r"""(?:"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|[^|])+""", expr):
        part = part.strip()
        value = _literal(part)
        if value is None and _IDENTIFIER.fullmatch(part):
            value = resolve(part, scripts)
        if value not in (None, "", "0", False):
            break
    return "" if value is None else str(value)


def resolve(name: str, scripts: str) -> Any:
    """The value of a dotted name assigned in the page's scripts (`var A = {…}`, `A = 5`)."""
    head, *path = name.split(".")
    m = re.search(rf"(?:^|[^\w$.])(?:window\.)?{re.escape(head)}\s*=(?!=)\s*", scripts)
    if m is None:
        return None
    rest = scripts[m.end():]
    if not rest.startswith(("{", "[")):
        value = _literal(re.match(r"""("(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|[^;,\n]*)""", rest).group(1))
        return value if not path else None
    try:
        value = chompjs.parse_js_object(rest)
    except ValueError:
        return None
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def list_model(scripts: str) -> ListModel | None:
    """The page's listModel(...) call, read as its script would run it (None if it has none)."""
    code = _uncomment(scripts)
    m = re.search(r"\blistModel\s*\(\s*\{", code)
    if m is None:
        return None
    call = _braced(code, m.end() - 1)
    pagebar = _braced(call, call.index("{", call.index("pagebar"))) if re.search(r"\bpagebar\s*:", call) else call
    list_args = re.search(r"\blistArgs\s*:\s*\{", call)
    args = {}
    if list_args:
        for key, expr in _PAIR.findall(_braced(call, list_args.end() - 1)[1:]):
            args[key] = evaluate(expr, code)

    def number(obj: str, key: str) -> int | None:
        m = re.search(rf"""['"]?\b{key}\b['"]?\s*:\s*""" + _ENTRY, obj)
        value = evaluate(m.group(1), code) if m else ""
        return int(float(value)) if re.fullmatch(r"\d+(?:\.\d+)?", value) else None

    endpoint = WAS5 if "/was5/" in call or re.search(r"['\"]list\.was5['\"]", code) else FJDZAPP
    return ListModel(records=number(pagebar, "recordCount"), prepage=number(pagebar, "prepage") or 15,
                     max_static=number(call, "maxStaticIndex") or 0, args=args, endpoint=endpoint)


def read_answer(text: str) -> dict:
    """An API answer: JSON, else (the older endpoint: single quotes, raw newlines) read tolerantly."""
    try:
        data = json.loads(text, strict=False)  # strict=False: raw newlines inside strings
    except ValueError:
        try:
            data = chompjs.parse_js_object(text, loader_kwargs={"strict": False})
        except ValueError:
            return {}
    return data if isinstance(data, dict) else {}


class FujianAdapter(TrsAdapter):
    name = "fujian"
    body_css = (".TRS_Editor", ".trs_editor_view", ".TRS_UEDITOR", ".article_content", "#zoom", ".content")

    def parse_listing(self, response: Response) -> Iterable[Request | ListPage]:
        if response.meta.get("api"):
            yield from self.parse_api(response)
            return
        sel = selector(response)
        model = list_model(" ".join(sel.css("script::text").getall()))
        if model is None:  # a plain TRS column on the platform
            yield from super().parse_listing(response)
            return
        found = list(links(sel, base_url(response)))
        yield from self.entries(response, found)
        yield from self.subcolumns(response, found)
        shown = list_entries(found, base_url(response))
        # the static page is page 1 when it shows the list; the API counts from 1 over the column
        first = 2 if shown else 1
        if model.records is None:
            yield self.api(response, model, first, model.endpoint)  # its answer tells the page count
        else:
            for n in range(first, math.ceil(model.records / model.prepage) + 1):
                yield self.api(response, model, n, model.endpoint)
        yield ListPage(shown, records=model.records)

    def api(self, response: Response, model: ListModel, page: int, endpoint: str, **meta) -> Request:
        """Page `page` of the column from the search API, as the page's own script asks for it:
        the listArgs, `page` and `prepage`, as an XMLHttpRequest from the column page."""
        column = response.meta.get("column") or response.url
        fields = {**model.args, "page": str(page), "prepage": str(model.prepage)}
        headers = {**XHR, "Referer": column}
        state = {"api": endpoint, "page": page, "column": column, "model": model, **meta}
        if endpoint == FJDZAPP:
            req = self.page(response, urljoin(column, FJDZAPP), page, **state)
            return FormRequest(req.url, formdata=fields, headers=headers, meta=req.meta, priority=req.priority)
        query = {"channelid": fields.pop("channelid", ""), "templet": fields.pop("templet", "docs.jsp"), **fields}
        req = self.page(response, f"{urljoin(column, WAS5)}?{urlencode(query)}", page, **state)
        return req.replace(headers=headers)

    def failed_page(self, response: Response) -> Iterator[Request]:
        """The newer endpoint failed: the older one of the same platform may still answer (its
        404 is then no second error: the first one stands for the page)."""
        meta = response.meta
        if meta.get("api") == FJDZAPP:
            yield self.api(response, meta["model"], meta["page"], WAS5, optional=True,
                           fan_out=meta.get("fan_out", True))

    def parse_api(self, response: Response) -> Iterator[Request | ListPage]:
        meta = response.meta
        data = read_answer(text_of(response))
        docs = data.get("data") or data.get("docs") or []
        found = [Link(url, clean_title(d.get("doctitle") or d.get("title") or ""))
                 for d in docs if isinstance(d, dict) and (url := self.doc_url(d, meta["column"]))]
        if not data and meta["api"] == FJDZAPP:  # an error page with status 200
            yield from self.failed_page(response)
        yield from self.entries(response, found)
        model: ListModel = meta["model"]
        declared = _int(data.get("count") or data.get("recordCount") or data.get("total"))
        if model.records is None and meta.get("fan_out", True):
            pages = _int(data.get("pageCount") or data.get("pagenum")) or (
                math.ceil(declared / model.prepage) if declared else 0)
            for n in range(meta["page"] + 1, pages + 1):
                yield self.api(response, model, n, meta["api"], fan_out=False)
        yield ListPage(list(dict.fromkeys(link.url for link in found)), records=declared, page=meta["page"])


    @staticmethod
    def doc_url(doc: dict, column: str) -> str | None:
        """`docpuburl`, else `chnldocurl` (the older endpoint: `url`), against the column page —
        but the one on the column's own site when only that one is."""
        urls = [urljoin(column, u) for u in (doc.get("docpuburl"), doc.get("chnldocurl"), doc.get("url"))
                if isinstance(u, str) and u.strip()]
        here = urlsplit(column).netloc
        return next((u for u in urls if urlsplit(u).netloc == here), urls[0] if urls else None)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
