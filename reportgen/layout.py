"""The three statistics tables as printed grids (cells with row/column spans), built from the
template data. Text and HTML renderers flatten or mark up these grids; they never lay out a
table themselves, so every rendering shows the same table.

Label deviations (traditional characters, half-width brackets, stray spaces, long bracketed
instructions, a missing header, an extra local row, truncation) are applied here.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass

from parsers.model import Report
from parsers.spec import Template, raw, template

Key = tuple[str, str, str]

# Printed words that are not row/column labels of the template.
NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
APPLICANTS = "申请人情况"
RESULTS = "三、本年度办理结果"
CONTENT = "信息内容"
# Sub-group headings of the result rows, by key prefix (the keys are stable).
RESULT_GROUPS = (("withheld", "（三）不予公开"), ("unavailable", "（四）无法提供"),
                 ("not_processed", "（五）不予处理"), ("other", "（六）其他处理"))
# Long bracketed instructions some provinces print in headers (the `bracket_notes` deviation).
LONG_NOTES = {
    "natural_person": "（含个体工商户）",
    "total": "（各类申请人之和）",
    "new_received": "（含网上、信函、当面等渠道提交的申请）",
    "issued": "（含修订后重新印发）",
    "new_made": "（含修订后重新印发）",
    "amount_10k_yuan": "（保留4位小数）",
}
EXTRA_ROW = "其他主动公开文件"
# Wordings some reports print instead of the template's (the `variant_labels` deviation).
VARIANT_LABELS = {"总计": "合计", "法人或其他组织": "法人或者其他组织"}
VARIANT_HEADINGS = {"政府信息公开行政复议、行政诉讼情况": "因政府信息公开工作被申请行政复议和提起行政诉讼情况",
                    "存在的主要问题及改进情况": "政府信息公开工作存在的主要问题及改进情况"}
TRUNCATE_AFTER = "withheld_third_party_rights"  # a truncated copy ends inside section 三

# Traditional forms as copies print them, for the characters of the printed labels — the
# generator's own table, written out here (not the parser's, read backwards: a gap in the
# parser's table must be able to fail a fixture).
_SIMPLIFIED = "规范开请数处结转总计复议讼维审纠许强费条项织机构会务类过废门现与无确补为于单举报访诉额办业经执内属国稳发权护关据对况决应实际预导设录"
_TRADITIONAL = "規範開請數處結轉總計復議訟維審糾許強費條項織機構會務類過廢門現與無確補為於單舉報訪訴額辦業經執內屬國穩發權護關據對況決應實際預導設錄"
_TO_TRAD = str.maketrans(_SIMPLIFIED, _TRADITIONAL)


@dataclass
class GCell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    kind: str = "value"  # head (column header) | label (row label) | value | note
    key: Key | None = None


Grid = list[list[GCell]]


@dataclass
class PrintedTable:
    table: str  # active / applications / appeals
    width: int
    rows: Grid
    header_rows: int  # leading rows that are headers (repeated when a table is split)


def _label_fn(deviations: frozenset[str]):
    def lab(text: str) -> str:
        if "variant_labels" in deviations:
            text = VARIANT_LABELS.get(text, text)
        if "traditional" in deviations:
            text = text.translate(_TO_TRAD)
        if "halfwidth" in deviations:
            text = text.replace("（", "(").replace("）", ")")
        if "label_spaces" in deviations:
            text = re.sub(r"^([（(][一二三四五六七][）)])", r"\1 ", text)
        return text
    return lab


def _notes(deviations: frozenset[str]) -> dict[str, str]:
    """Bracketed notes printed after labels: the template's own, plus long ones on request."""
    notes = {r["key"]: f"（{r['note']}）" for r in raw()["applications_rows"] if r.get("note")}
    if "bracket_notes" in deviations:
        notes.update(LONG_NOTES)
    return notes


def _spans(k: int, width: int) -> list[int]:
    """How k value columns share `width` grid columns: the last one takes what is left."""
    return [1] * (k - 1) + [width - (k - 1)]


def _active(tpl: Template, values: dict[Key, str], lab, notes: dict[str, str], extra: list[str] | None) -> PrintedTable:
    width = max(len(r.columns) for r in tpl.rows["active"])
    cols = {c.key: c for c in tpl.columns["active"]}
    grid: Grid = []
    groups: list[tuple[str, list]] = []
    for r in tpl.rows["active"]:
        if not groups or groups[-1][0] != r.group:
            groups.append((r.group or "", []))
        groups[-1][1].append(r)
    for item, rows in groups:
        keys = rows[0].columns
        spans = _spans(len(keys), width)
        grid.append([GCell(lab(item), colspan=width + 1, kind="head")])
        grid.append([GCell(lab(CONTENT), kind="head")] + [
            GCell(lab(cols[c].label + notes.get(c, "")), colspan=s, kind="head") for c, s in zip(keys, spans)])
        for r in rows:
            grid.append([GCell(lab(r.label), kind="label")] + [
                GCell(values.get(("active", r.key, c), ""), colspan=s, key=("active", r.key, c))
                for c, s in zip(keys, spans)])
            if extra is not None and r.key == "normative_documents":
                grid.append([GCell(lab(EXTRA_ROW), kind="label")] + [
                    GCell(x, colspan=s) for x, s in zip(extra, spans)])
    return PrintedTable("active", width + 1, grid, 0)


def _result_groups(keys: list[str]) -> list[tuple[str | None, list[str]]]:
    out: list[tuple[str | None, list[str]]] = []
    for k in keys:
        label = next((lbl for p, lbl in RESULT_GROUPS if k.startswith(p + "_")), None)
        if out and label is not None and out[-1][0] == label:
            out[-1][1].append(k)
        else:
            out.append((label, [k]))
    return [(g if len(ks) > 1 else None, ks) for g, ks in out]


def _applications(tpl: Template, values: dict[Key, str], lab, notes: dict[str, str],
                  deviations: frozenset[str]) -> PrintedTable:
    cols = tpl.columns["applications"]
    rows = {r.key: r for r in tpl.rows["applications"]}
    order = [r.key for r in tpl.rows["applications"]]
    parts_groups = [c for c in cols if c.group]
    first, last = order.index("granted"), order.index("total_processed")

    def head(c) -> GCell:
        text = "" if c.key == "natural_person" and "no_natural_person_header" in deviations else \
            lab(c.label + notes.get(c.key, ""))
        return GCell(text, rowspan=2 if not c.group else 1, kind="head")

    grid: Grid = [
        [GCell(lab(NOTE), rowspan=3, colspan=3, kind="note"), GCell(lab(APPLICANTS), colspan=len(cols) - 1, kind="head"),
         GCell(lab(cols[-1].label + notes.get(cols[-1].key, "")), rowspan=3, kind="head")],
        [head(c) for c in cols[:1]] + [GCell(lab(parts_groups[0].group), colspan=len(parts_groups), kind="head")],
        [head(c) for c in parts_groups],
    ]
    grid[1][0].rowspan = 2

    def data(key: str) -> list[GCell]:
        return [GCell(values.get(("applications", key, c.key), ""), key=("applications", key, c.key)) for c in cols]

    def label(key: str) -> str:
        return lab(rows[key].label + notes.get(key, ""))

    body: Grid = []
    for k in order[:first]:
        body.append([GCell(label(k), colspan=3, kind="label")] + data(k))
    results: Grid = []
    for g, ks in _result_groups(order[first:last]):
        for i, k in enumerate(ks):
            lead = [GCell(lab(g), rowspan=len(ks), kind="label")] if g and i == 0 else []
            results.append(lead + [GCell(label(k), colspan=1 if g else 2, kind="label")] + data(k))
    results.append([GCell(label("total_processed"), colspan=2, kind="label")] + data("total_processed"))
    results[0].insert(0, GCell(lab(RESULTS), rowspan=len(results), kind="label"))
    body += results
    for k in order[last + 1:]:
        body.append([GCell(label(k), colspan=3, kind="label")] + data(k))
    if "shifted_spans" in deviations:  # the label spans one grid column less, the first value one more
        for row in body:
            if row[0].colspan == 3:
                row[0].colspan, row[1].colspan = 2, 2
    if "truncated" in deviations:
        cut = next(i for i, row in enumerate(body) for c in row if c.key and c.key[1] == TRUNCATE_AFTER)
        body = body[:cut + 1]
        for i, row in enumerate(body):  # spans end where the copy ends
            for c in row:
                c.rowspan = min(c.rowspan, len(body) - i)
    return PrintedTable("applications", 3 + len(cols), grid + body, len(grid))


def _appeals(tpl: Template, values: dict[Key, str], lab) -> PrintedTable:
    outcomes = tpl.columns["appeals"]
    groups = tpl.rows["appeals"]
    n = len(outcomes)
    top: list[GCell] = []
    second: list[GCell] = []
    for g in groups:
        if g.group is None:
            top.append(GCell(lab(g.label), colspan=n, kind="head"))
            second += [GCell(lab(o.label), rowspan=2, kind="head") for o in outcomes]
        else:
            if not top or top[-1].text != lab(g.group):
                top.append(GCell(lab(g.group), colspan=0, kind="head"))
            top[-1].colspan += n
            second.append(GCell(lab(g.label), colspan=n, kind="head"))
    third = [GCell(lab(o.label), kind="head") for g in groups if g.group for o in outcomes]
    data = [GCell(values.get(("appeals", g.key, o.key), ""), key=("appeals", g.key, o.key))
            for g in groups for o in outcomes]
    return PrintedTable("appeals", n * len(groups), [top, second, third, data], 3)


def extra_row_values(report: Report) -> list[str]:
    """Numbers of the local 其他主动公开文件 row: invented, stable for a report."""
    rng = random.Random(report.title)
    return [str(rng.randint(0, 40)) for _ in range(3)]


def tables(report: Report, deviations: frozenset[str]) -> list[PrintedTable]:
    """The report's statistics tables as printed (none for pre2019 reports)."""
    if report.template not in ("2021", "2019"):
        return []
    tpl = template(report.template)
    values = {(c.table, c.row, c.column): c.raw for c in report.cells}
    lab = _label_fn(deviations)
    notes = _notes(deviations)
    extra = extra_row_values(report) if "extra_row" in deviations else None
    out = [_active(tpl, values, lab, notes, extra), _applications(tpl, values, lab, notes, deviations)]
    if "truncated" not in deviations:
        out.append(_appeals(tpl, values, lab))
    return out


# --- the pre-2019 statistics table (《政府信息公开情况统计表》) ------------------------------

STATS_TITLE = "政府信息公开情况统计表"
# (indicator, unit, fact key or None for an invented extra indicator)
STATS_ROWS = (
    ("一、主动公开情况", "", None),
    ("（一）主动公开政府信息数", "条", "active_disclosure_total"),
    ("其中：在门户网站主动公开数", "条", "portal_posts"),
    ("其中：主动公开规范性文件数", "件", "extra"),
    ("二、依申请公开情况", "", None),
    ("（一）收到申请数", "件", "requests_received"),
    ("（二）已答复申请数", "件", "requests_answered"),
    ("三、收费情况", "", None),
    ("（一）实际收取的检索、复制、邮寄等费用总金额", "万元", "fees_collected"),
    ("四、行政复议和行政诉讼情况", "", None),
    ("（一）因政府信息公开申请行政复议数", "件", "reviews"),
    ("（二）因政府信息公开申请提起行政诉讼数", "件", "lawsuits"),
    ("五、政府信息公开专栏访问量", "人次", "extra"),
)


def stats_table(report: Report, deviations: frozenset[str]) -> PrintedTable:
    """Indicator rows with units; figures are the report's facts (extras invented, stable)."""
    lab = _label_fn(deviations)
    facts = {f.key: f.value for f in report.facts}
    rng = random.Random(report.title + STATS_TITLE)
    grid: Grid = [[GCell(lab("指标名称"), kind="head"), GCell("计量单位", kind="head"),
                   GCell("统计数", kind="head")]]
    for label, unit, key in STATS_ROWS:
        if key is None:
            grid.append([GCell(lab(label), colspan=3, kind="label")])
            continue
        value = str(rng.randint(0, 5000)) if key == "extra" else str(facts.get(key, 0))
        grid.append([GCell(lab(label), kind="label"), GCell(unit, kind="label"), GCell(value)])
    return PrintedTable("stats", 3, grid, 1)


def split(pt: PrintedTable, at: int) -> tuple[PrintedTable, PrintedTable]:
    """Cut a table before grid row `at` (a body row): the second part repeats the header rows,
    and cells spanning the cut are printed again in the second part with what is left of the span."""
    origin: dict[int, tuple[int, int]] = {}
    occupied: dict[tuple[int, int], GCell] = {}
    for y, row in enumerate(pt.rows):
        x = 0
        for cell in row:
            while (y, x) in occupied:
                x += 1
            origin[id(cell)] = (y, x)
            for dy in range(cell.rowspan):
                for dx in range(cell.colspan):
                    occupied[(y + dy, x + dx)] = cell
            x += cell.colspan
    first = [[GCell(c.text, min(c.rowspan, at - y), c.colspan, c.kind, c.key) for c in row]
             for y, row in enumerate(pt.rows[:at])]
    carried: list[tuple[int, GCell]] = []
    for x in range(pt.width):
        c = occupied.get((at, x))
        if c is not None and origin[id(c)][0] < at and origin[id(c)][1] == x:
            y0 = origin[id(c)][0]
            carried.append((x, GCell(c.text, y0 + c.rowspan - at, c.colspan, c.kind, c.key)))
    head = pt.rows[:pt.header_rows]
    rest = [list(r) for r in pt.rows[at:]]
    if rest:
        own = [(origin[id(c)][1], c) for c in rest[0]]
        rest[0] = [c for _, c in sorted(carried + own, key=lambda t: t[0])]
    return (PrintedTable(pt.table, pt.width, first, pt.header_rows),
            PrintedTable(pt.table, pt.width, head + rest, pt.header_rows))


def heading(number: int, text: str, deviations: frozenset[str]) -> str:
    """A part's heading as printed: "一、总体情况" (or a variant wording)."""
    if "variant_labels" in deviations:
        text = VARIANT_HEADINGS.get(text, text)
    return f"{'一二三四五六七八九十'[number - 1]}、{text}"
