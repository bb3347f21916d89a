"""Title, publishing agency (发布机关) and report year."""
from __future__ import annotations

import re
from collections.abc import Iterator

_CN_NUM = str.maketrans("〇零○Ｏ一二三四五六七八九", "0000123456789")
_YEAR = re.compile(r"(?<![\d０-９])((?:19|20)\d{2}|[〇零○Ｏ一二][〇零○Ｏ一二三四五六七八九]{3})\s*年")
_YEAR_DIGITS = re.compile(r"(?:19|20)\d{2}|[〇零○Ｏ一二][〇零○Ｏ一二三四五六七八九]{3}")  # _YEAR's group
_DIGIT = re.compile(r"[\d０-９]")
_TITLE_HINT = re.compile(r"政府信息公开.{0,12}(?:年度)?报告|信息公开.{0,6}年报|年度报告")
# the agency is what the title names before the year ("柳泉镇人民政府2021年…"), or after it
# ("2021年度柳泉镇人民政府政府信息公开工作年度报告")
_AGENCY_BEFORE = re.compile(r"^(?:关于(?:报送|印发|公布|发布|上报|呈报|公开)?)?(?P<a>.+?)(?:关于(?:报送|印发|公布|发布|上报|呈报|公开)?)?\s*(?:(?:19|20)\d{2}|[〇零○Ｏ一二][〇零○Ｏ一二三四五六七八九]{3})\s*年")
_AGENCY_AFTER = re.compile(r"年度?\s*(?P<a>.+?)\s*(?:本级)?(?:政府信息公开|信息公开)")
_TRIM = " \t\u3000\xa0《》<>“”\"'【】[]（）()：:，,、—-·#*"
MAX_TITLE = 120
_SENTENCE_START = ("根据", "按照", "依据", "依照", "为进一步", "现将", "特向")
_AGENCY_END = re.compile(r"(?:政府|办公室|办公厅|局|委员会|委|厅|部|署|院|中心|办事处|公司|管委会|管理委员会)$")


def _years(text: str) -> Iterator[int]:
    """The plausible years of `text` in order: what `_YEAR.finditer` finds, found from each 年
    backwards (a pattern led by a look-behind is tried at every position of the text)."""
    at = text.find("年")
    while at >= 0:
        end = at
        while end and text[end - 1].isspace():  # (as \s)
            end -= 1
        start = end - 4
        if start >= 0 and _YEAR_DIGITS.fullmatch(text, start, end) and \
                not (start and _DIGIT.match(text, start - 1)):  # (as the look-behind)
            y = int(text[start:end].translate(_CN_NUM))
            if 2000 <= y <= 2100:
                yield y
        at = text.find("年", at + 1)


def find_year(text: str) -> int | None:
    """The first plausible report year in `text` (2021年度, 2021年, 二〇二一年)."""
    return next(_years(text), None)


def main_year(text: str) -> int | None:
    """The year a text speaks of most (first among equals): a report's body mentions its own
    year more than 2019年修订 or the previous year."""
    counts: dict[int, int] = {}
    for y in _years(text):
        counts[y] = counts.get(y, 0) + 1
    return max(counts, key=counts.__getitem__) if counts else None


def is_title(text: str) -> bool:
    """A line naming an annual report — not a sentence about one ("根据…关于…年度报告格式的要求，…")."""
    return 6 <= len(text) <= MAX_TITLE and bool(_TITLE_HINT.search(text)) and not text.endswith("。") \
        and "，" not in text and not text.startswith(_SENTENCE_START)


def agency_from_title(title: str) -> str:
    t = title.strip(_TRIM)
    m = _AGENCY_BEFORE.match(t)
    if m and m["a"].strip(_TRIM):
        return m["a"].strip(_TRIM)
    m = _AGENCY_AFTER.search(t)
    if m and len(m["a"].strip(_TRIM)) >= 3 and len(m["a"]) < 60:  # not the 政府 of 政府信息公开
        return m["a"].strip(_TRIM)
    return ""


def is_agency_line(text: str) -> bool:
    """A short line naming only a publisher (a title printed on two lines: agency, then year+title)."""
    t = text.strip(_TRIM)
    return 3 <= len(t) <= 40 and bool(_AGENCY_END.search(t)) and not _YEAR.search(t)


_LEVEL = re.compile(r"[\u4e00-\u9fff]{2,4}?(?:自治区|省|市|自治州|州|盟|地区)$")
_NOT_NAME = set("由在是的对和与经据于为按将向")


def fuller_agency(agency: str, text: str) -> str:
    """The title's agency with the one administrative level the preamble puts before it
    ("洪泽区人民政府" → "淮安市洪泽区人民政府" from "本报告由淮安市洪泽区人民政府办公室…")."""
    if not agency or len(agency) < 4:
        return agency
    at = text.find(agency)
    while at > 0:
        before = text[max(0, at - 8):at]
        for j in range(len(before) - 2, -1, -1):  # shortest level name first
            cand = before[j:]
            if cand[0] not in _NOT_NAME and _LEVEL.fullmatch(cand) and cand not in agency:
                return cand + agency
        at = text.find(agency, at + 1)
    return agency


# --- a saved page's header lines ("标题: …", "发布时间: …", "发布机构: …", "原文链接: …") ------------

_DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_URL = re.compile(r"https?://\S+|www\.\S+")


def page_title(header: dict[str, str]) -> str:
    t = (header.get("标题") or header.get("题目") or "").strip()
    return t if is_title(t) else ""


def page_date(header: dict[str, str]) -> str | None:
    """The publication date as YYYY-MM-DD ("2024-01-31 08:28" → "2024-01-31")."""
    for key in ("发布时间", "发布日期"):
        m = _DATE.search(header.get(key, ""))
        if m and 1 <= int(m[2]) <= 12 and 1 <= int(m[3]) <= 31:
            return f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}"
    return None


def page_url(header: dict[str, str]) -> str:
    for key in ("原文链接", "原文地址", "链接", "网址", "URL", "url"):
        m = _URL.search(header.get(key, ""))
        if m:
            return m.group(0)
    return ""


def page_agency(header: dict[str, str]) -> str:
    """The header's 发布机构 when it names an agency (archives also print "1" or "行政科" there)."""
    for key in ("发布机构", "发文机关", "来源", "信息来源"):
        t = header.get(key, "").strip(_TRIM)
        if 4 <= len(t) <= 40 and _AGENCY_END.search(t) and not _YEAR.search(t):
            return t
    return ""


# a report signed at its end: "平潭综合实验区财政金融局 2024年1月29日"
_SIGNATURE = re.compile(r"(?:^|[\s。；])(?P<a>[^\s。；，：:]{3,40}?)\s*(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")


def signature_agency(text: str) -> str:
    """The agency a report is signed by, from its last lines (the publisher and the date)."""
    tail = text[-200:]
    found = ""
    for m in _SIGNATURE.finditer(tail):
        a = m["a"].strip(_TRIM)
        if _AGENCY_END.search(a) and not _YEAR.search(a):
            found = a
    return found
