"""Which links are annual reports, which are companions, which are attachments (pure functions)."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlsplit

# <机关>2022年(度)政府信息公开(工作)年度报告 / …工作报告 / …年报, (图片版)/(超链版) suffixes allowed
_REPORT = re.compile(
    r"(?:19|20)\d{2}\s*年度?.{0,12}?(?:政府)?信息公开(?:工作)?(?:年度)?(?:报告|年报)"
    r"|(?:政府)?信息公开(?:工作)?年度报告"
    r"|(?:政府)?信息公开(?:工作)?年报"
)
_COMPANION = re.compile(r"解读|图解|一图读懂|一图看懂|图说|音频|视频|有声|问答|答记者问|新闻发布")
_NOT_REPORT = re.compile(r"通知|格式|模板|评议|考核|申请表|目录|指南|制度|工作要点|工作方案|评选")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")

ATTACHMENT_EXTS = (".pdf", ".doc", ".docx", ".wps", ".ofd", ".xls", ".xlsx", ".et", ".zip", ".rar")
DOCUMENT_EXTS = (".pdf", ".doc", ".docx", ".wps", ".ofd", ".xls", ".xlsx", ".et")


def clean_title(title: str) -> str:
    return re.sub(r"\s+", " ", unescape_u(title or "")).strip()


def unescape_u(text: str) -> str:
    """`%u4E2D%u6587` (JavaScript escape()) → 中文; plain %XX sequences are left to callers."""
    return re.sub(r"%u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)


def is_companion(title: str) -> bool:
    return bool(_COMPANION.search(title or ""))


def is_report_title(title: str) -> bool:
    """An annual report's own title (it names its year); companions (解读, 图解, 一图读懂, audio)
    and column names (部门政府信息公开年报) are not."""
    t = clean_title(title)
    if not t or report_year(t) is None or is_companion(t) or _NOT_REPORT.search(t.replace("信息公开目录", "")):
        return False
    return bool(_REPORT.search(t)) and t.rstrip("）)】] ").endswith(("报告", "年报", "图片版", "超链版", "版"))


def report_year(title: str) -> int | None:
    m = _YEAR.search(title or "")
    return int(m.group(1)) if m else None


def attachment_name(url: str, text: str = "") -> str:
    """The file name a link downloads: the link text, Hanweb's showname= or the URL path."""
    q = parse_qs(urlsplit(url).query)
    for key in ("showname", "filename", "fileName"):
        if q.get(key):
            return unquote(q[key][0])
    return unquote(urlsplit(url).path.rsplit("/", 1)[-1]) or text


def is_attachment_url(url: str) -> bool:
    """Document downloads: direct files and download scripts (downfile.jsp?filename=….pdf)."""
    u = urlsplit(url)
    path = u.path.lower()
    if path.endswith(ATTACHMENT_EXTS):
        return True
    if "download" in path or "downfile" in path or "attachment" in path:
        name = attachment_name(url).lower()
        return name.endswith(ATTACHMENT_EXTS) or "downfile" in path
    return False


def is_document_url(url: str) -> bool:
    """A link that is itself a report document (a list item pointing straight at a PDF/DOC…)."""
    name = attachment_name(url).lower() if is_attachment_url(url) else urlsplit(url).path.lower()
    return name.endswith(DOCUMENT_EXTS)
