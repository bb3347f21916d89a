"""Hanweb 大汉 JCMS: /col/colN/ pages whose list hides in <script type="text/xml"><datastore>,
further pages from dataproxy.jsp (GET page=N or POST groups with columnid/unitid…), the
no-<record> and JSONP variants, #zoom bodies and downfile.jsp attachments."""
from __future__ import annotations

import html
import json
import re
from typing import Iterable, Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit

from parsel import Selector
from scrapy import FormRequest, Request
from scrapy.http import Response

from ..completeness import ListPage
from .base import Adapter, Link, base_url, links, selector, text_of

_DATASTORE = re.compile(r"<datastore>.*?</datastore>", re.S | re.I)
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.S)
_NUM = r"\s*[:=]\s*['\"]?(\d+)"
_FORM_FIELDS = ("columnid", "unitid", "webid", "path", "webname", "permissiontype", "appid")
_PROXY = re.compile(r"""['"]?((?:/[\w.-]+)*/dataproxy\.jsp)""")


def _num(name: str, text: str) -> int | None:
    m = re.search(name + _NUM, text, re.I)
    return int(m.group(1)) if m else None


def datastore_html(text: str) -> str:
    """The list markup inside a datastore: the records' CDATA, or, without <record> wrappers,
    the recordset's content; JSONP answers are unwrapped first."""
    text = unwrap_jsonp(text)
    stores = _DATASTORE.findall(text) or [text]
    parts: list[str] = []
    for store in stores:
        body = re.sub(r"<nextgroup>.*?</nextgroup>", "", store, flags=re.S | re.I)
        chunks = _CDATA.findall(body)
        parts += chunks if chunks else [html.unescape(re.sub(r"</?(?:datastore|recordset|record|totalrecord)"
                                                                r"[^>]*>", "", body))]
    return "\n".join(parts)


def unwrap_jsonp(text: str) -> str:
    """`callback({...})` / `callback("<datastore>…")` → the string(s) inside."""
    m = re.match(r"^\s*[\w.$]+\s*\((.*)\)\s*;?\s*$", text, re.S)
    if not m:
        return text
    try:
        value = json.loads(m.group(1))
    except ValueError:
        return m.group(1)

    def strings(v) -> Iterator[str]:
        if isinstance(v, str):
            yield v
        elif isinstance(v, dict):
            for x in v.values():
                yield from strings(x)
        elif isinstance(v, list):
            for x in v:
                yield from strings(x)
    return "\n".join(strings(value))


class HanwebAdapter(Adapter):
    name = "hanweb"
    body_css = ("#zoom", ".zoom", "#zoomcon", ".article-conter", ".main-txt")

    def parse_listing(self, response: Response) -> Iterable[Request | ListPage]:
        text = text_of(response)
        # "get" | "post" on dataproxy answers (meta "proxy" would be Scrapy's HTTP-proxy setting)
        proxy = response.meta.get("jpage")
        markup = datastore_html(text) if proxy or "<datastore" in text.lower() else ""
        found: list[Link] = list(links(Selector(text=markup, type="html"), base_url(response))) if markup else []
        # every record of a datastore is an entry (the page's own links are its chrome)
        shown = ListPage(list(dict.fromkeys(link.url for link in found)), page=response.meta.get("list_page", 1))
        have = len(found)
        if proxy:
            yield from self.entries(response, found)
            if proxy == "get":  # GET groups name the next group; POST groups were all requested
                yield from self.next_group(response, unwrap_jsonp(text))
            yield shown
            return
        found += list(links(selector(response), base_url(response)))
        yield from self.entries(response, found)
        yield from self.subcolumns(response, found)
        yield from self.paging(response, text, have)
        shown.records = _num("totalRecord", text)
        yield shown

    def next_group(self, response: Response, text: str) -> Iterator[Request]:
        """GET-paged proxies name the next group in <nextgroup>; follow it."""
        for m in re.finditer(r"<nextgroup>\s*(?:<!\[CDATA\[)?(.*?)(?:\]\]>)?\s*</nextgroup>", text, re.S | re.I):
            for link in links(Selector(text=m.group(1), type="html"), base_url(response)):
                yield self.page(response, link.url, jpage="get")

    def paging(self, response: Response, text: str, have: int) -> Iterator[Request]:
        """The records after the page's own group: POSTed to dataproxy.jsp with the page's
        columnid/unitid, a group (groupSize pages) per call; JSONP columns load from their URL."""
        if have == 0 and (m := re.search(r"""['"]([^'"]*dataproxy\.jsp\?[^'"]+)['"]""", text)):
            yield self.page(response, response.urljoin(html.unescape(m.group(1))), jpage="get")
            return
        total = _num("totalRecord", text) or 0
        per = _num("perPage", text) or 15
        group = _num("groupSize", text) or 3
        if total <= have:
            return
        proxy = _PROXY.search(text)
        proxy_url = response.urljoin(proxy.group(1) if proxy else "/module/web/jpage/dataproxy.jsp")
        form = self.form_fields(response, text)
        step = per * group
        for n, start in enumerate(range(have + 1, total + 1, step), 2):
            query = urlencode({"startrecord": start, "endrecord": min(total, start + step - 1), "perpage": per})
            req = self.page(response, f"{proxy_url}?{query}", n, jpage="post")
            yield FormRequest(req.url, formdata=form, priority=req.priority, meta=req.meta)

    @staticmethod
    def form_fields(response: Response, text: str) -> dict[str, str]:
        """columnid/unitid/webid/… as the page's own jpage call sends them (they must match)."""
        fields: dict[str, str] = {}
        for m in re.finditer(r"<nextgroup>.*?</nextgroup>", text, re.S | re.I):
            href = re.search(r"href=['\"]([^'\"]+)", m.group(0))
            if href:
                fields.update({k: v for k, v in parse_qsl(urlsplit(html.unescape(href.group(1))).query)
                               if k in _FORM_FIELDS})
        for name in _FORM_FIELDS:
            if name not in fields:
                m = re.search(rf"""['"]?{name}['"]?\s*[:=]\s*['"]([^'"]*)['"]""", text, re.I) or \
                    re.search(rf"""['"]?{name}['"]?\s*[:=]\s*(\d+)""", text, re.I)
                if m:
                    fields[name] = m.group(1)
        if "columnid" not in fields and (m := re.search(r"/col/col(\d+)/", response.url)):
            fields["columnid"] = m.group(1)
        return fields
