"""Guangdong gkmlpt: /gkmlpt/index holds window._CONFIG (SID, category TREE); lists come from
/gkmlpt/api/all/<cat>?page=N&sid=SID as JSON, 100 a page, page 0 == page 1, some sites 404 from
page 2 on; titles may arrive %u-escaped; details at /gkmlpt/content/<a>/<b>/post_<id>.html."""
from __future__ import annotations

import json
import math
import re
from typing import Iterable, Iterator

from scrapy import Request
from scrapy.http import Response

from ..completeness import ListPage
from ..discovery import clean_title
from .base import LISTING, Adapter, Link, text_of

_SID = re.compile(r"""['"]?SID['"]?\s*:\s*['"]?([\w-]+)""")
_NODE = re.compile(r"""['"]?id['"]?\s*:\s*['"]?(\d+)['"]?\s*,\s*['"]?name['"]?\s*:\s*['"]([^'"]+)['"]""")
_REPORT_CATEGORY = re.compile(r"年报|年度报告|信息公开年")
PER_PAGE = 100


def config(text: str) -> tuple[str | None, list[tuple[str, str]]]:
    """(SID, [(category id, name)]) from the page's window._CONFIG."""
    start = text.find("_CONFIG")
    scope = text[start:] if start >= 0 else text
    sid = _SID.search(scope)
    return (sid.group(1) if sid else None), _NODE.findall(scope)


class GkmlptAdapter(Adapter):
    name = "gkmlpt"
    body_css = (".article-content", ".content", "#content", ".zw", ".article")

    def parse_listing(self, response: Response) -> Iterable[Request]:
        if response.meta.get("api"):
            yield from self.parse_api(response)
            return
        sid, nodes = config(text_of(response))
        if not sid:
            yield from super().parse_listing(response)  # a plain HTML column after all
            return
        cats = [cid for cid, name in nodes if _REPORT_CATEGORY.search(name)] or ["0"]
        api = response.urljoin("api/all/")  # beside /gkmlpt/index, wherever the site mounts it
        for cat in cats:
            yield self.api(response, api, cat, sid, 1)

    def api(self, response: Response, api: str, cat: str, sid: str, page: int) -> Request:
        url = f"{api}{cat}?page={page}&sid={sid}"
        if page == 1:  # a category's list starts here
            return self.request(response, url, LISTING, api=api, cat=cat, sid=sid, page=page)
        return self.page(response, url, page, api=api, cat=cat, sid=sid, page=page)

    def parse_api(self, response: Response) -> Iterator[Request | ListPage]:
        if response.status != 200:
            return
        try:
            data = json.loads(text_of(response))
        except ValueError:
            return
        articles = data.get("articles") or []
        found = [Link(response.urljoin(a.get("url") or ""), clean_title(a.get("title") or ""))
                 for a in articles if a.get("url")]
        yield from self.entries(response, found)
        count = None
        if response.meta["page"] == 1:  # page 0 repeats page 1: start at 1, fan out once
            count = int((data.get("classify") or {}).get("post_count") or len(articles))
            per = len(articles) or PER_PAGE  # 100 on real sites; trust what page 1 holds
            for page in range(2, math.ceil(count / per) + 1):
                yield self.api(response, response.meta["api"], response.meta["cat"], response.meta["sid"], page)
        yield ListPage([link.url for link in found], records=count, page=response.meta["page"])
