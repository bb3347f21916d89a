"""Documents published where reports are that are not reports: the blank official template, a
cover letter without its report, an unrelated document (a manual, a notice). They must never
become `ok` reports; each gets a reason. A report inside a cover letter (…的函 with the report's
parts and tables) is a report.
"""
from __future__ import annotations

import re

from .model import Report

# placeholders of the blank template's title and first lines: "XX年", "××局", "（行政机关名称）"
_PLACEHOLDER = re.compile(r"[XＸ×xｘ]{2,}|[＊*○]{2,}|某某|[（(](?:行政机关|单位|机关)名称[)）]|20[XＸ×xｘ]{2}|年度报告(?:格式|模板|样式|样本)")
_COVER_TITLE = re.compile(r"(?:关于)?(?:报送|呈报|上报|提交|报请).{0,60}(?:的函|的报告|的请示)$|的函$")
_COVER_TEXT = re.compile(r"现将.{0,60}(?:报送|呈报|上报|提交|印发|发给|送上)")
_UNRELATED_TITLE = re.compile(r"手册|指南|操作说明|使用说明|用户|安装|培训|课件|简报|目录|名录|清单|申请表|登记表")
MIN_NARRATIVE = 80  # characters of text beside the headings that even a terse report has


def reason(report: Report, narrative: str, standard_heads: bool, tables: bool) -> str | None:
    """Why the document is not a report, or None. `narrative`: the text outside headings and
    tables; `standard_heads`: it prints the 2019/2021 parts; `tables`: it prints a template table."""
    title = report.title
    if _PLACEHOLDER.search(title or narrative[:200]) and not any(c.value for c in report.cells if c.raw.strip()):
        return "the blank official template: placeholders for the agency or year, no figure printed"
    if report.cells and len(narrative.strip()) < MIN_NARRATIVE and not any(c.raw.strip() for c in report.cells):
        return "the blank official template: every table cell blank and no text in the parts"
    if not tables and not standard_heads and cover_letter(title, narrative):
        return "a cover letter without the report: no part of the report and no table follows it" + \
            (" (the report is its attachment)" if "附件" in narrative[:2000] else "")
    if not tables and _UNRELATED_TITLE.search(title):
        return f"an unrelated document ({title[:40]!r}): no template table"
    if not title and not tables and not standard_heads and narrative.count("政府信息") + narrative.count("信息公开") < 2:
        return "an unrelated document: no title, no template table and its text does not speak of 政府信息"
    return None


def cover_letter(title: str, text: str) -> bool:
    """A letter sending a report (…的函, 现将…报送): by its title or its first lines."""
    return bool(_COVER_TITLE.search(title.strip()) or _COVER_TEXT.search(text[:600]))
