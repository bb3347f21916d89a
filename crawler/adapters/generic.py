"""Any other CMS: report titles among a page's links, next-page links, year and unit sub-columns,
and single-article columns that forward by script (meta refresh is Scrapy's own middleware)."""
from __future__ import annotations

from typing import Iterable

from scrapy import Request
from scrapy.http import Response

from .base import LISTING, Adapter, selector


class GenericAdapter(Adapter):
    name = "generic"
    body_css = (".TRS_Editor", "#UCAP-CONTENT", "#zoom", "#ivs_content", ".article-content",
                ".content", "article")

    def parse_listing(self, response: Response) -> Iterable[Request]:
        sel = selector(response)
        target = self.redirect_target(response, sel)
        if target:
            yield self.request(response, target, LISTING, redirected_from=response.url)
            return
        yield from super().parse_listing(response)
