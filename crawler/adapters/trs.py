"""TRS WCM: index.html + index_N.html pages counted by createPageHTML/countPage, ./YYYYMM/t… details
with standard meta tags and .TRS_Editor bodies, ./P0….pdf attachments in the month folder."""
from __future__ import annotations

import re
from typing import Iterable, Iterator
from urllib.parse import urlsplit, urlunsplit

from scrapy import Request
from scrapy.http import Response

from ..completeness import ListPage
from .base import LISTING, Adapter, base_url, links, selector

_CREATE_PAGE = re.compile(r"createPageHTML\s*\(([^)]*)\)")
_COUNT_PAGE = re.compile(r"\bcountPage\s*=\s*['\"]?(\d+)")
_INDEX = re.compile(r"^(.*/)(index)(?:_(\d+))?\.(s?html?)$")


def column_url(url: str) -> str:
    """A column URL keeps its trailing slash: ./YYYYMM/… links resolve against the folder."""
    u = urlsplit(url)
    if u.path.endswith("/") or "." in u.path.rsplit("/", 1)[-1] or u.query:
        return url
    return urlunsplit(u._replace(path=u.path + "/"))


def declared_total(script_text: str) -> int | None:
    """The record count of the 6-argument createPageHTML(div, count, cur, "index", "shtml", total)."""
    for m in _CREATE_PAGE.finditer(script_text):
        args = [a.strip().strip("'\"") for a in m.group(1).split(",")]
        if len(args) >= 6 and args[5].isdigit():
            return int(args[5])
    return None


def page_count(script_text: str) -> tuple[int, str, str] | None:
    """(pages, stem, extension) from createPageHTML(count, cur, "index", "shtml") (4 args),
    createPageHTML(div, count, cur, "index", "shtml", total) (6), either with variables
    (`var countPage = N`) as arguments, or a bare `var countPage = N` (extension then unknown: "")."""
    variables = dict(re.findall(r"\bvar\s+(\w+)\s*=\s*['\"]?(\d+)", script_text))
    for m in _CREATE_PAGE.finditer(script_text):
        args = [a.strip().strip("'\"") for a in m.group(1).split(",")]
        values = [variables.get(a, a) for a in args]
        if len(values) >= 6 and values[1].isdigit():
            return int(values[1]), args[3] or "index", args[4]
        if len(values) >= 4 and values[0].isdigit():
            return int(values[0]), args[2] or "index", args[3]
    if m := _COUNT_PAGE.search(script_text):
        return int(m.group(1)), "index", ""
    return None


class TrsAdapter(Adapter):
    name = "trs"
    body_css = (".TRS_Editor", ".trs_editor_view", ".TRS_UEDITOR", ".trs_paper_default", "#zoom",
                ".article-content", ".content")

    def start(self, url: str, meta: dict) -> Iterable[Request]:
        yield Request(column_url(url), meta={**meta, "role": LISTING}, priority=20)

    def parse_listing(self, response: Response) -> Iterable[Request | ListPage]:
        sel = selector(response)
        found = list(links(sel, base_url(response)))
        scripts = " ".join(sel.css("script::text").getall())
        yield from self.entries(response, found)
        yield from self.subcolumns(response, found)
        yield from self.pages(response, scripts)
        total, counted = declared_total(scripts), page_count(scripts)
        if total or counted:
            yield self.list_page(response, sel, found, records=total, pages=None if total else counted[0])
        else:
            yield self.list_page(response, sel, found)

    def pages(self, response: Response, scripts: str) -> Iterator[Request]:
        counted = page_count(scripts)
        if counted is None or response.meta.get("page", 0):
            return  # only the first page fans out; the others carry the same script
        pages, stem, ext = counted
        m = _INDEX.match(urlsplit(response.url).path)
        folder = response.urljoin(m.group(1)) if m else response.urljoin("./")
        ext = ext or (m.group(4) if m else "html")
        # some sites count one off either way: the last counted page and one more are probes
        # whose 404 is expected, not an error
        for n in range(1, pages + 1):
            yield self.page(response, f"{folder}{stem}_{n}.{ext}", n + 1, page=n, optional=n >= pages - 1)
