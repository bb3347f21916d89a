"""The printed document as a flat sequence of blocks — what every renderer walks.

("title", str) · ("para", str) · ("heading", str) · ("table", PrintedTable), ending with the
publisher's name and the date, as official documents are signed. Document-level
deviations are applied here once: five_parts (the last part left out), truncated (the copy ends
inside section 三), broken_dates (preamble), stats_table (pre-2019 appendix), variant_labels,
indent (paragraphs led by two ideographic spaces).
"""
from __future__ import annotations

from typing import Union

from parsers.model import Report
from parsers.spec import sections as spec_sections

from . import layout, narrative
from .layout import PrintedTable

Block = tuple[str, Union[str, PrintedTable]]


def outline(report: Report, deviations: frozenset[str]) -> list[Block]:
    if "truncated" in deviations and report.template == "pre2019":
        raise ValueError("truncated cuts section 三's table: it applies to 2019/2021 reports only")
    sections = report.sections[:-1] if "five_parts" in deviations else report.sections
    parts = len(report.sections) if report.template == "pre2019" else 6
    out: list[Block] = [("title", report.title),
                        ("para", narrative.preamble(report.agency, report.year or 0, parts, "broken_dates" in deviations,
                                                    tuple(s.heading for s in report.sections)
                                                    if report.template == "pre2019" else ()))]
    tables = {t.table: t for t in layout.tables(report, deviations)}
    keys = {s["number"]: s["key"] for s in spec_sections()} if report.template != "pre2019" else {}
    for s in sections:
        out.append(("heading", layout.heading(s.number, s.heading, deviations)))
        out += [("para", p) for p in s.text.split("\n") if p.strip()]
        table = tables.get(keys.get(s.number, ""))
        if table is not None:
            out.append(("table", table))
        if "truncated" in deviations and keys.get(s.number) == "applications":
            return _indent(out) if "indent" in deviations else out
    # signed and dated like an official document: the publisher, then a day early next year
    day = 10 + sum(map(ord, report.title)) % 20
    out += [("para", report.agency), ("para", f"{(report.year or 2000) + 1}年{1 + day % 3}月{day}日")]
    if report.template == "pre2019" and "stats_table" in deviations:
        out += [("heading", f"附件：{layout.STATS_TITLE}"), ("table", layout.stats_table(report, deviations))]
    return _indent(out) if "indent" in deviations else out


def _indent(blocks: list[Block]) -> list[Block]:
    """Paragraphs and headings led by two ideographic spaces, as typed in Word copies."""
    return [(k, "\u3000\u3000" + b) if k in ("para", "heading") and isinstance(b, str) else (k, b)
            for k, b in blocks]
