"""Which platform a portal runs, from its entry page (for `xxgk crawl --url` without
`--platform`): each platform's list mechanics leave markers in the page, checked most specific
first (Fujian's pages are TRS pages too; a Guangdong page may link Hanweb sites)."""
from __future__ import annotations

import re

AUTO = "auto"  # a source whose platform is read from its entry page when it answers

MARKERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # Fujian's platform: listModel(...) from list2.trsapi, its search API
    ("fujian", re.compile(r"\blistModel\s*\(|/fjdzapp/|/was5/web/search|list2\.trsapi")),
    # gkmlpt: the app's config with the site id, or its own path
    ("gkmlpt", re.compile(r"window\._CONFIG\s*=|/gkmlpt/(?:index|api|content)")),
    # Hanweb JCMS: the datastore list, the jpage pager, its dataproxy
    ("hanweb", re.compile(r"<datastore>|\bjpage\s*\(|dataproxy\.jsp|/col/col\d+/index\.html")),
    # TRS WCM: the pager script and its page count
    ("trs", re.compile(r"\bcreatePageHTML\s*\(|\bvar\s+countPage\s*=|class=[\"']TRS_Editor")),
    # gov.cn / UCAP: the content container, content_N.htm articles
    ("govcn", re.compile(r"UCAP-CONTENT|/content_\d+\.html?[\"'?#]")),
)


def detect_platform(text: str, url: str = "") -> str:
    """The platform whose markers the page (or its URL) carries, else "generic"."""
    for name, marker in MARKERS:
        if marker.search(text) or marker.search(url):
            return name
    return "generic"
