"""Block stream → Report: title, agency, year, template version, sections, cells, facts, status.

Front ends emit blocks (blocks.py); this is the only place that knows the template. Work is
bounded: caps on blocks and rows, and a deadline checked in the loops, so a pathological
document ends `failed` with a finding instead of running long.
"""
from __future__ import annotations

import time
from functools import lru_cache

from . import facts as facts_mod
from . import notreport
from .blocks import Block, Image, Para, Table
from .flat import MIN_CHARS as FLAT_MIN_CHARS
from .flat import heading_rows, looks_flattened, unflatten
from .meta import (agency_from_title, find_year, fuller_agency, is_agency_line, is_title, main_year, page_agency,
                   page_date, page_title, page_url, signature_agency)
from .model import Report, Section
from .sections import find_headings, promised_parts
from .spec import TABLES, norm, template
from .tables import SECTION_TABLE, VARIANT_OF, VARIANT_ROWS, TableReader

MAX_BLOCKS = 100_000
MAX_TABLE_ROWS = 5_000  # a report prints ~60 rows; far more is not a report
MAX_PARA = 20_000  # characters kept of one paragraph
MAX_HEADER_BLOCKS = 40
DEADLINE_S = 5.0
STANDARD_PARTS = 6

# label words of each version, whole and as the halves a header broken over two lines leaves
_V2021 = ("制发件数", "废止件数", "现行有效件数", "逾期不补正", "逾期未按收费通知", "本年制", "本年废", "现行有")
_V2019 = ("新制作数量", "新公开数量", "对外公开总数量", "上一年项目数量", "第二十条第（九）项", "政府集中采购",
          "采购项目数量", "其他对外管理服务事项", "本年新制", "本年新公", "上一年项", "集中采购")
# part names only the 2019/2021 layout has (a preamble listing them: a report of that layout,
# whose tables may be cut away)
_NEW_PARTS = ("收到和处理政府信息公开申请情况", "收到和处理政府信息公开申请的情况")
# labels only the template's own tables print (a pre-2019 statistics table has 行政复议数 etc.)
_TEMPLATE_WORDS = ("本年新收", "予以公开", "结转下年度", "第二十条", "结果维持", "尚未审结", "申请人情况",
                   "未经复议", "直接起诉")


class _Overtime(Exception):
    pass


class _Budget:
    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.end:
            raise _Overtime


def assemble(blocks: list[Block], report: Report) -> None:
    """Fill `report` from the blocks of one document. Never raises."""
    budget = _Budget(DEADLINE_S)
    try:
        _assemble(blocks, report, budget)
    except _Overtime:
        report.status = "failed"
        report.add_finding("deadline", "error", f"document took longer than {DEADLINE_S}s to assemble")


def detect_version(table_text: str) -> str | None:
    """The template version from table labels (never from the year); None if no template table."""
    normalized = None
    for t in (table_text, None):
        if t is None:  # traditional characters, half-width brackets: compare normalized
            t = normalized = norm(table_text)
        s21 = sum(w in t for w in _V2021)
        s19 = sum(w in t for w in _V2019)
        if s21 or s19:
            return "2021" if s21 >= s19 else "2019"
    if any(w in normalized for w in _TEMPLATE_WORDS):
        return "2019"  # the applications table without 2021's (六) sub-rows
    return None


def _assemble(blocks: list[Block], report: Report, budget: _Budget) -> None:
    if len(blocks) > MAX_BLOCKS:
        report.status = "failed"
        report.add_finding("too_many_blocks", "error", f"{len(blocks)} blocks; limit {MAX_BLOCKS}")
        return
    n_rows = sum(len(b.rows) for b in blocks if isinstance(b, Table))
    if n_rows > MAX_TABLE_ROWS:
        report.status = "failed"
        report.add_finding("too_many_rows", "error", f"{n_rows} table rows; limit {MAX_TABLE_ROWS}")
        return

    blocks = _unflattened(blocks)
    # a saved page's header lines come first (parsers/text.py)
    header = {b.source["page_header"]: b.text for b in blocks[:MAX_HEADER_BLOCKS]
              if isinstance(b, Para) and "page_header" in b.source}
    if header:  # a saved page's header lines: not the report's text
        blocks = [b for b in blocks if not (isinstance(b, Para) and "page_header" in b.source)]
        title = page_title(header)
        if title:
            blocks.insert(0, Para(title, {"page_header": "标题"}))
    paras: list[tuple[int, Para]] = [(i, b) for i, b in enumerate(blocks) if isinstance(b, Para)]
    title_at = _title(paras, report)
    body_paras = paras[:title_at] + paras[title_at + 1:] if title_at is not None else paras
    headings = find_headings([(p.text[:200], p.heading is not None) for _, p in body_paras])
    budget.check()
    skip = {body_paras[h.index][0] for h in headings} | ({paras[title_at][0]} if title_at is not None else set())
    texts, preamble, section_of_block = _parts(blocks, [body_paras[h.index][0] for h in headings], skip, budget)
    report.sections = [Section(h.number, h.text, "\n".join(t)) for h, t in zip(headings, texts)]

    # template version from the tables' labels
    tables = [(bi, b) for bi, b in enumerate(blocks) if isinstance(b, Table)]
    table_text = "".join([c.text for _, t in tables for row in t.rows for c in row])
    # header lines a text rendering left outside its table rows ("信息内容本年制发件数…")
    table_text += "".join(p.text for _, p in paras if len(p.text) <= 80 and "。" not in p.text)
    version = detect_version(table_text)
    images = [(bi, b) for bi, b in enumerate(blocks) if isinstance(b, Image)]
    if report.title and not headings and not tables and not images and _points_to_attachment(preamble) \
            and not notreport.cover_letter(report.title, "\n".join(preamble)):
        # a page whose body only says "详见附件": the report is the attachment, not this page
        report.template = None
        report.year = find_year(report.title)
        report.status = "failed"
        report.add_finding("attachment_only", "warning",
                           "the page carries no report body, only a pointer to an attachment; "
                           "the report is the attachment")
        return
    # the 2019/2021 layout names its parts 一、总体情况 … 三、收到和处理…申请情况 (pre-2019 reports:
    # 一、概述 … 三、依申请公开…)
    standard_heads = any(h.standard in (1, 3) and h.standard == h.number for h in headings) or \
        any(w in "".join(preamble)[:3000] for w in _NEW_PARTS)
    if version is None:
        version = None if standard_heads else "pre2019"
        if standard_heads:
            report.add_finding("template_undetermined", "warning",
                               "the report has the 2019/2021 parts but no table labels to tell the version")
    report.template = version

    if version in ("2019", "2021"):
        reader = TableReader(version, report)
        for bi, t in tables:
            budget.check()
            hidx = section_of_block.get(bi)
            std = None
            if hidx is not None:
                std = headings[hidx].standard or headings[hidx].number
            reader.feed(t, SECTION_TABLE.get(std), budget.check)
        budget.check()
        report.cells = reader.finish()
    elif version == "pre2019" and tables:
        report.facts.extend(_stat_table_facts(tables))

    if not report.agency:  # the saved page's 发布机构, the portal's metadata table, the signature
        report.agency = page_agency(header) or _metadata_agency(tables) or \
            signature_agency("\n".join(texts[-1] if texts else preamble))
    report.published_date = page_date(header)
    report.url = page_url(header)
    if report.agency:  # the paragraphs right after the title name the publisher in full, if anywhere
        after = [p.text[:500] for _, p in paras[title_at + 1:title_at + 4]] if title_at is not None else []
        report.agency = fuller_agency(report.agency, "\n".join(after))

    # year: the title's, else the body's; a disagreement is reported
    body_year = main_year("\n".join(preamble + (texts[0] if texts else []))[:4000])
    title_year = find_year(report.title) if report.title else None
    report.year = title_year or body_year
    if title_year and body_year and title_year != body_year:
        report.add_finding("year_mismatch", "warning",
                           f"the title says {title_year}, the text says {body_year}",
                           title_year=title_year, body_year=body_year)

    # facts from the narrative (before any taken from a statistics table)
    narrative = "\n".join(preamble + [s for t in texts for s in t])
    budget.check()
    oversize: list[tuple[str, str]] = []
    found = facts_mod.find_facts(narrative, oversize)
    for key, sentence in oversize:
        report.add_finding("value_out_of_range", "warning", f"{key}: the figure in “{sentence[:60]}” is beyond "
                           "the archive's integer range (±2^63−1); not taken", fact=key)
    have = {f.key for f in found}
    report.facts = found + [f for f in report.facts if f.key not in have]
    facts_mod.compare(report)

    for bi, img in images:
        hidx = section_of_block.get(bi)
        std = (headings[hidx].standard or headings[hidx].number) if hidx is not None else None
        # in part 二/三/四, or anywhere in a report whose tables are nowhere to be read
        if std in SECTION_TABLE or (hidx is None and version is None):
            report.add_finding("table_image", "warning",
                               f"an image where a table may be printed ({img.src[:80]}); not read",
                               table=SECTION_TABLE.get(std), src=img.src[:500])
    not_report = notreport.reason(report, narrative, standard_heads, bool(report.cells))
    if not_report and report.status != "failed":
        report.status, report.template = "failed", None
        report.add_finding("not_a_report", "error", f"not a report: {not_report}")
        return
    _status(report, headings, preamble, texts, version, reader.printed_rows if version in ("2019", "2021") else None)


def _unflattened(blocks: list[Block]) -> list[Block]:
    """Paragraphs whose line breaks were lost (a report page saved as one line) as the
    headings, narrative and table rows they hold (flat.py); a part heading a text rendering
    took into a table of label lines and digit lines ends that table."""
    out: list[Block] | None = None
    for i, b in enumerate(blocks):
        if isinstance(b, Para) and len(b.text) >= FLAT_MIN_CHARS and looks_flattened(b.text):
            found = unflatten(b)
        elif isinstance(b, Table) and b.source.get("delimiters") == "none":
            found = heading_rows(b)
        else:
            found = None
        if found is not None and out is None:
            out = blocks[:i]
        if out is not None:
            out.extend(found if found is not None else [b])
    return blocks if out is None else out


_ATTACHMENT_WORDS = ("附件", "下载", "点击查看", "点击下载")
_STUB_CHARS = 300  # a stub's text beside the title: "详见附件。" plus a file name or two


def _points_to_attachment(preamble: list[str]) -> bool:
    text = "".join(preamble)
    return len(text) <= _STUB_CHARS and any(w in text for w in _ATTACHMENT_WORDS)


def _title(paras: list[tuple[int, Para]], report: Report) -> int | None:
    """Set the title and agency from the first line naming an annual report; its index."""
    title_at = next((j for j, (_, p) in enumerate(paras[:40]) if is_title(p.text.strip())), None)
    if title_at is not None:
        report.title = paras[title_at][1].text.strip()
        report.agency = agency_from_title(report.title)
        if not report.agency and title_at > 0 and is_agency_line(paras[title_at - 1][1].text):
            # the title printed on two lines: "柳泉镇人民政府" / "2021年政府信息公开工作年度报告"
            report.agency = paras[title_at - 1][1].text.strip()
            report.title = report.agency + report.title
    return title_at


def _parts(blocks: list[Block], starts: list[int], skip: set[int],
           budget: _Budget) -> tuple[list[list[str]], list[str], dict[int, int]]:
    """Paragraph texts of each part (from its heading block to the next), the preamble before
    the first, and the part each non-paragraph block stands in."""
    texts: list[list[str]] = [[] for _ in starts]
    preamble: list[str] = []
    section_of_block: dict[int, int] = {}
    hi = -1
    for bi, b in enumerate(blocks):
        if bi % 512 == 0:
            budget.check()
        while hi + 1 < len(starts) and starts[hi + 1] <= bi:
            hi += 1
        if isinstance(b, Para):
            if bi not in skip:
                (texts[hi] if hi >= 0 else preamble).append(b.text[:MAX_PARA])
        elif hi >= 0:
            section_of_block[bi] = hi
    return texts, preamble, section_of_block


_PUBLISHER = ("发布机构", "发文机关", "发布机关", "发文单位", "公开主体")


def _metadata_agency(tables: list[tuple[int, Table]]) -> str:
    for _, t in tables[:3]:
        for row in t.rows[:12]:
            texts = [c.text.strip() for c in row if c.text.strip()]
            for i, x in enumerate(texts[:-1]):
                if x.rstrip("：:") in _PUBLISHER and len(texts[i + 1]) <= 40:
                    return texts[i + 1]
    return ""


def _stat_table_facts(tables: list[tuple[int, Table]]) -> list:
    """Pre-2019 statistics tables: each labelled row read as a sentence ('收到申请数36件')."""
    lines = []
    for _, t in tables:
        for row in t.rows[:500]:
            texts = [c.text.strip() for c in row if c.text.strip()]
            nums = [x for x in texts if x.replace(".", "", 1).isdigit()]
            labels = [x for x in texts if x not in nums]
            if nums and labels:
                unit = next((x for x in labels if x in ("条", "件", "个", "元", "万元", "次", "人次", "项")), "件")
                lines.append(f"{labels[0]}{nums[-1]}{unit}")
    return facts_mod.find_facts("。".join(lines))


@lru_cache(maxsize=None)
def _cell_keys(version: str) -> tuple[tuple[str, str, str], ...]:
    return tuple(template(version).cell_keys())


def _status(report: Report, headings, preamble: list[str], texts: list[list[str]], version: str | None,
            have_rows: set[tuple[str, str]] | None) -> None:
    """`have_rows`: the (table, row) pairs the 2019/2021 table reader made cells for."""
    if report.status == "failed":
        return
    if not report.title and not headings and not report.cells:
        report.status = "failed"
        report.add_finding("not_a_report", "error",
                           "no report title, no numbered parts and no template table found")
        return
    missing: dict[str, list[str]] = {}
    missing_sections: list[str] = []
    standard = version in ("2019", "2021") or version is None
    if standard:
        found = {h.standard or h.number for h in headings}
        absent = [n for n in range(1, STANDARD_PARTS + 1) if n not in found]
        last = max(found, default=0)
        truncated = [n for n in absent if n > last]
        for n in absent:
            report.add_finding("section_missing", "warning", f"part {n} of the standard six is not printed",
                               section=n)
        if truncated:  # listed; the status follows the tables (a report may simply lack part 六)
            missing_sections = [str(n) for n in truncated]
    intro = "\n".join(preamble + (texts[0] if texts else []))[:3000]
    promised = promised_parts(intro)
    if promised and headings and len(headings) < promised:
        report.add_finding("sections_missing", "warning",
                           f"the report promises {promised} parts and prints {len(headings)}",
                           promised=promised, delivered=len(headings))
        if not standard:  # pre-2019 parts are known only by the promise: the last ones are absent
            for n in range(max(h.number for h in headings) + 1, promised + 1):
                report.add_finding("section_missing", "warning", f"part {n} of the promised {promised} "
                                   "is not printed", section=n)
    if version in ("2019", "2021"):
        tpl = template(version)
        covered_all = {sub for v, subs in VARIANT_OF.items() if ("applications", v) in have_rows for sub in subs}
        for t in TABLES:
            rows = [r.key for r in tpl.rows.get(t, [])]
            present = [r for r in rows if (t, r) in have_rows]
            if not present:
                report.add_finding("table_missing", "warning", f"table {t} not found", table=t)
                missing.setdefault("tables", []).append(t)
                continue
            covered = {sub for v, subs in VARIANT_OF.items() if (t, v) in have_rows for sub in subs}
            for v in VARIANT_OF:
                if (t, v) in have_rows and v not in rows:
                    report.add_finding("row_variant", "warning",
                                       f"{t}.{v} printed as one row (the 2019 layout) in place of "
                                       f"{', '.join(VARIANT_OF[v])}", table=t, row=v)
            for r in rows:
                if (t, r) not in have_rows and r not in covered:
                    report.add_finding("row_missing", "warning", f"{t}.{r} not found", table=t, row=r)
                    missing.setdefault("rows", []).append(f"{t}.{r}")
        if "rows" not in missing and "tables" not in missing:
            keys = _cell_keys(version)
            # every template cell printed, the usual case: the reader makes one cell per key, so
            # as many cells as keys and no row of another version say so without a key set
            if len(report.cells) == len(keys) and \
                    not any(("applications", v) in have_rows for v in VARIANT_ROWS.get(version, ())):
                lost = []
            else:
                have = {(c.table, c.row, c.column) for c in report.cells}
                lost = [k for k in keys if k not in have and k[1] not in covered_all]
            if lost:
                missing["cells"] = [".".join(k) for k in lost]
    elif version is None:
        missing["tables"] = list(TABLES)
    if not headings:  # a title and nothing after it (a copy cut right after the title)
        missing["sections"] = ["all"]
    if missing:
        if missing_sections and "sections" not in missing:
            missing["sections"] = missing_sections
        report.status = "partial"
        report.add_finding("incomplete", "warning",
                           "missing: " + "; ".join(f"{k} {', '.join(missing[k][:12])}"
                                                   for k in ("tables", "rows", "cells", "sections") if k in missing),
                           missing=missing)
