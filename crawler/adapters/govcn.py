"""gov.cn and UCAP-style sites: content_NNN.htm detail pages with the body in #UCAP-CONTENT and the
date in meta firstpublishedtime; lists paged as index_N.htm or by next-page links."""
from __future__ import annotations

from typing import Iterable

from scrapy import Request
from scrapy.http import Response

from .base import selector
from .trs import TrsAdapter


class GovcnAdapter(TrsAdapter):
    name = "govcn"
    body_css = ("#UCAP-CONTENT", ".pages_content", "#Zoom", ".article")

    def parse_listing(self, response: Response) -> Iterable[Request]:
        yield from super().parse_listing(response)
        yield from self.next_pages(response, selector(response))
