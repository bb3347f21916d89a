"""The project's fixture corpus: `python -m reportgen.corpus tests/fixtures/corpus`.

Each entry below is one document: how the report is generated, how it is rendered, and why it
is in the corpus. The builder writes `<name>.<ext>` and `<name>.expected.json` (see
reportgen.expected); it is the one way to regenerate the committed fixtures.
"""
from __future__ import annotations

import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path

from .agencies import LEVELS
from .expected import expected
from .generate import generate
from .html import render_html
from .numbers import BLANKS, PRINTING
from .text import RUN_STYLES, render_text


@dataclass(frozen=True)
class Doc:
    name: str
    template: str
    seed: int
    renderer: str  # text | html
    style: str
    comment: str
    level: str | None = None
    year: int | None = None
    breaks: tuple[str, ...] = ()
    blanks: str = "none"
    printing: tuple[str, ...] = ()
    deviations: tuple[str, ...] = ()
    encoding: str = "utf-8"


D = Doc
DOCS: tuple[Doc, ...] = (
    # --- clean text, every template ---------------------------------------------------
    D("t01_tabs_2021_township", "2021", 101, "text", "tabs", "clean; tab-separated like a copied table", "township"),
    D("t02_tabs_2021_county", "2021", 102, "text", "tabs", "clean county report, hundreds of requests", "county"),
    D("t03_tabs_2019_city", "2019", 103, "text", "tabs", "clean 2019 format", "city", 2020),
    D("t04_tabs_2019_in_2023", "2019", 104, "text", "tabs",
      "a 2023 report still printed in the 2019 layout: template from labels, not year", "county", 2023),
    D("t05_pre2019_narrative", "pre2019", 105, "text", "tabs", "pre-2019: figures only in the narrative", "county", 2012),
    D("t06_pre2019_stats", "pre2019", 106, "text", "tabs",
      "pre-2019 with the appended 统计表 (indicator rows with units): its figures equal the narrative's",
      "city", 2016, deviations=("stats_table",)),
    D("t07_pre2019_markdown", "pre2019", 107, "text", "markdown", "pre-2019 as Markdown", "township", 2010),
    D("t08_pipes_2021", "2021", 108, "text", "pipes", "one |-separated line per row; spanned cells omitted", "city"),
    D("t09_pipes_2019_halfwidth", "2019", 109, "text", "pipes", "half-width brackets and stray spaces: (三) 不予公开",
      "county", deviations=("halfwidth", "label_spaces")),
    D("t10_cell_per_line_2021", "2021", 110, "text", "cell_per_line", "one cell per line, | lines between", "county"),
    D("t11_cell_per_line_2019_trad", "2019", 111, "text", "cell_per_line", "traditional characters in labels (規範性文件)",
      "city", deviations=("traditional",)),
    D("t12_trailing_pipes_full", "2021", 112, "text", "trailing_pipes",
      "trailing |-runs but every value printed: nothing lost", "county"),
    D("t13_trailing_pipes_lost", "2021", 103, "text", "trailing_pipes",
      "zeros printed blank and blanks collapsed to the end of each row, so the printed values no longer sit "
      "under their columns. Each row's readings are the placements of its values (order kept, blanks 0) "
      "that satisfy the row total; a cell is known when every combination of readings satisfying all "
      "identities (row totals, appeals totals, results sum and balance per column) agrees on it, "
      "otherwise null + uncertain_position (reportgen.settle)", "township", blanks="zeros_blank"),
    D("t14_nodelim_township", "2021", 103, "text", "nodelim",
      "digits of adjacent cells run together. A row's readings are its cuts into numbers without leading "
      "zeros that satisfy the row total; a cell is known when every combination of readings satisfying all "
      "identities agrees on it (here all of section 三), otherwise null + digits_ambiguous: rows of section 二 "
      "have no identity, so those that cut several ways are null (reportgen.settle)", "township"),
    D("t15_nodelim_county_signs", "2019", 101, "text", "nodelim",
      "digits and signs (本年增/减 -2) run together: section 二 unknown, section 三 settled by the identities",
      "county"),
    D("t16_vertical_2021", "2021", 116, "text", "vertical_headers", "headers printed one character per line", "city"),
    D("t17_vertical_2019_no_np", "2019", 117, "text", "vertical_headers", "vertical headers and the 自然人 header missing",
      "county", deviations=("no_natural_person_header",)),
    D("t18_markdown_2021", "2021", 118, "text", "markdown", "Markdown table, merged cells empty", "province"),
    D("t19_markdown_2019_split", "2019", 119, "text", "markdown", "two-line headers broken into two rows",
      "county", deviations=("split_headers",)),
    D("t20_tabs_split_headers", "2021", 120, "text", "tabs", "two-line headers broken apart (商业 / 企业)",
      "county", deviations=("split_headers",)),
    D("t21_tabs_traditional", "2021", 121, "text", "tabs", "traditional characters in labels", "county",
      deviations=("traditional",)),
    D("t22_pipes_bracket_notes", "2021", 122, "text", "pipes", "long bracketed instructions in headers and labels",
      "city", deviations=("bracket_notes",)),
    D("t23_tabs_extra_row", "2021", 123, "text", "tabs", "a local 其他主动公开文件 row in section 二 (not a template row)",
      "county", deviations=("extra_row",)),
    D("t24_tabs_truncated", "2021", 124, "text", "tabs",
      "copy cut inside section 三 after 4.保护第三方合法权益: partial, later rows and parts missing", "county",
      deviations=("truncated",)),
    D("t25_pipes_broken_dates_2019", "2019", 125, "text", "pipes", "preamble dates 201911日 / 201919年", "county", 2019,
      deviations=("broken_dates",)),
    D("t26_tabs_broken_dates_2020", "2019", 126, "text", "tabs", "preamble dates 202011日 / 202020年", "township", 2020,
      deviations=("broken_dates",)),
    D("t27_tabs_five_parts", "2021", 127, "text", "tabs", "the preamble promises six parts; part 六 is missing",
      "county", deviations=("five_parts",)),
    D("t28_tabs_zeros_blank", "2021", 128, "text", "tabs", "zeros printed as blank cells: blank means 0", "county",
      blanks="zeros_blank"),
    D("t29_tabs_table_blank", "2021", 129, "text", "tabs", "whole tables blank: nothing to report, every value 0",
      "township", blanks="table_blank"),
    D("t30_tabs_only_totals", "2019", 130, "text", "tabs",
      "only the 总计 column printed: parts beside a non-zero 总计 are unknown (null, parts_omitted)", "county",
      blanks="only_totals"),
    D("t31_tabs_total_blank", "2021", 131, "text", "tabs",
      "the 总计 column left blank: totals over non-zero parts are null (total_omitted)", "city", blanks="total_blank"),
    D("t32_pipes_na", "2021", 132, "text", "pipes", "/ - — 无 for not applicable: null", "township", printing=("na",)),
    D("t33_pipes_units_signs", "2019", 133, "text", "pipes", "units in cells (3件, 12 条, 251000元), +2 / 减4",
      "county", printing=("units", "signs")),
    D("t34_tabs_approx_thousands", "2019", 134, "text", "tabs", "12190余 in a cell and the narrative; 1,234",
      "city", printing=("approx", "thousands")),
    D("t35_tabs_fullwidth", "2021", 135, "text", "tabs", "full-width digits in section 三, thousands separators",
      "city", printing=("fullwidth", "thousands")),
    D("t36_tabs_break_appeals", "2021", 136, "text", "tabs",
      "printed error: 行政复议 and 复议后起诉 总计 printed 0 while their outcomes are not", "county",
      breaks=("appeals_group_total:review", "appeals_group_total:lawsuit_after_review")),
    D("t37_pipes_break_results", "2021", 137, "text", "pipes",
      "printed error: （一）予以公开 总计 off, so （七）总计 ≠ the sum of results and the row total breaks",
      "city", breaks=("results_sum:total",)),
    D("t38_tabs_break_row_total_2019", "2019", 138, "text", "tabs",
      "printed error: 一、本年新收 总计 ≠ the six applicant columns", "county", breaks=("row_total:new_received",)),
    D("t39_markdown_break_balance", "2021", 139, "text", "markdown",
      "printed error: 结转下年度 (自然人) off, so 一+二 ≠ （七）+四 in that column", "city",
      breaks=("balance_per_column:natural_person",)),
    D("t41_nodelim_city_unsettled", "2021", 129, "text", "nodelim",
      "digits run together where even all identities together leave some applicant cells open "
      "(two readings of 二、上年结转 and 四、结转 balance each other): those are null + digits_ambiguous (see t14)",
      "city"),
    D("t42_trailing_pipes_2019", "2019", 105, "text", "trailing_pipes",
      "blank zeros collapsed to the end of rows: the identities settle most of section 三 and the appeals "
      "totals; cells whose readings disagree are null + uncertain_position (see t13)", "county",
      blanks="zeros_blank"),
    D("t43_tabs_gbk", "2021", 143, "text", "tabs", "a plain-text copy saved in GBK", "county", encoding="gbk"),
    D("t44_pre2019_in_2019", "pre2019", 144, "text", "pipes",
      "a 2019 report (the trial year) still in the old free layout: template from labels, not year",
      "county", 2019),
    D("t45_pipes_narrative_mismatch", "2021", 145, "text", "pipes",
      "the narrative's 收到申请 count disagrees with the table's 一、本年新收 总计 (fact_mismatch)", "city",
      breaks=("narrative:requests_received",)),
    D("t46_tabs_everything_2019", "2019", 146, "text", "tabs",
      "half-width, traditional, stray spaces, bracket notes, split headers, units and signs at once",
      "city", printing=("units", "signs"),
      deviations=("halfwidth", "traditional", "label_spaces", "bracket_notes", "split_headers")),
    D("t47_pipes_page_break_variants", "2021", 147, "text", "pipes",
      "section 三 crosses a page (- 2 -, header rows repeated, spanned labels printed again); "
      "合计 for 总计, 法人或者其他组织, variant part headings", "county",
      deviations=("page_breaks", "variant_labels")),
    D("t48_tabs_page_break_2019", "2019", 148, "text", "tabs", "a page break inside section 三 of a 2019 table",
      "city", deviations=("page_breaks",)),
    D("t49_cell_per_line_split_notes", "2021", 149, "text", "cell_per_line",
      "one cell per line with headers broken in two and long bracketed notes", "county",
      deviations=("split_headers", "bracket_notes")),
    D("t50_vertical_trad_2021", "2021", 150, "text", "vertical_headers",
      "vertical headers in traditional characters, variant wordings", "city",
      deviations=("traditional", "variant_labels")),
    D("t51_nodelim_ministry_appeals", "2021", 417120, "text", "nodelim",
      "a ministry's long appeals digit run (15 cells): the three group totals fix a single reading; "
      "a local extra row in section 二", "ministry", deviations=("extra_row",)),
    D("t52_nodelim_ministry_2019", "2019", 463705, "text", "nodelim",
      "long digit runs where the appeals row reads several ways: null + digits_ambiguous, never 0",
      "ministry", deviations=("label_spaces", "no_natural_person_header")),
    D("t53_vertical_table_blank", "2021", 903106, "text", "vertical_headers",
      "vertical headers over all-blank tables: a data line of bare pipes is 15 blank cells, all 0",
      "county", blanks="table_blank"),
    D("t54_nodelim_split_truncated", "2021", 287934, "text", "nodelim",
      "digits run together, headers broken in two (本年制 / 发件数) and the copy cut inside section 三: "
      "the template still shows in the row labels (行政规范性文件)", "county",
      deviations=("split_headers", "truncated")),
    D("t55_trailing_pipes_truncated", "2021", 409662, "text", "trailing_pipes",
      "blank zeros collapsed in a copy cut inside section 三: without （七）总计 and 四、结转 no column "
      "identity applies, so only each row's own total settles anything", "county",
      deviations=("halfwidth", "label_spaces", "truncated"), blanks="zeros_blank"),
    D("t56_trailing_pipes_many_readings", "2019", 491519, "text", "trailing_pipes",
      "blank zeros collapsed where 126 readings satisfy every identity: 自然人 is 13 in some and 0 in "
      "others, so it is null — a search that stops early must not settle it; page break, 自然人 header "
      "missing, variant wordings", "county",
      deviations=("no_natural_person_header", "page_breaks", "variant_labels"), blanks="zeros_blank"),
    D("t57_tabs_indent", "2021", 157, "text", "tabs", "paragraphs and headings indented with 　　", "township",
      deviations=("indent",)),
    D("t58_markdown_only_totals_split", "2021", 508088, "text", "markdown",
      "a ministry's Markdown table with only 总计 printed, headers broken in two and long bracketed "
      "notes: the parts are unknown (parts_omitted), the totals read as printed", "ministry",
      deviations=("bracket_notes", "broken_dates", "split_headers"), blanks="only_totals"),
    D("t40_tabs_ministry_big", "2021", 140, "text", "tabs", "a ministry: large numbers, thousands separators",
      "ministry", printing=("thousands",)),
    # --- text as real archives and extractors give it ------------------------------------------
    D("t59_oneline_2021", "2021", 159, "text", "oneline",
      "a page saved with its line breaks lost (标题:/发布时间:/原文链接: header lines, then the body on one "
      "line): parts and rows found by their labels anywhere, a row's numbering glued to the previous row's "
      "digits (00000002.其他法律…), digits of a row run together and cut by the row's arithmetic", "township"),
    D("t60_oneline_2019_some_spaces", "2019", 160, "text", "oneline",
      "one line, some cells of a row apart by a space and some run together (0 0 0 00 0 0), saved-page "
      "markup left in (<!--[if …]-->), traditional characters", "county",
      deviations=("some_spaces", "markup", "traditional")),
    D("t61_oneline_2021_short_rows", "2021", 161, "text", "oneline",
      "one line with some zeros printed blank: the blank cells vanish, so rows print fewer numbers than they "
      "have cells — the blanks are placed by the identities; where they could stand in several places the "
      "cells that differ are null (a blank that may be the 总计 leaves it unknown); rows with no number at "
      "all are not there (partial)", "county", blanks="few_blank", deviations=("spaced_cells",)),
    D("t62_oneline_2021_ambiguous", "2021", 162, "text", "oneline",
      "a city's large numbers run together: some runs cut one way only by the arithmetic (split: "
      "identities in source), section 二's runs several ways (null + digits_ambiguous with the candidates)",
      "city"),
    D("t63_cells_lines_2021", "2021", 163, "text", "cells_lines",
      "a page's text with each table cell on its own line, no bars; labels broken inside their brackets "
      "over two lines", "county"),
    D("t64_cells_lines_2019_few_blank", "2019", 164, "text", "cells_lines",
      "one cell per line with some zeros printed blank: blank cells vanish (short rows, placed by the "
      "identities or null)", "city", blanks="few_blank"),
    D("t65_md_pdf_2021", "2021", 165, "text", "md_pdf",
      "a PDF's Markdown extraction: header cells the extractor could not read named Col2, Col3 …, <br> "
      "inside long labels, merged cells empty", "county"),
    D("t66_md_pdf_2019_split", "2019", 166, "text", "md_pdf",
      "a PDF's Markdown extraction of a 2019 report with section 三 crossing a page (header rows again)",
      "province", deviations=("page_breaks",)),
    D("t67_md_pdf_html_tables", "2021", 167, "text", "md_pdf",
      "a PDF's Markdown extraction writing its tables as HTML (rowspan/colspan) inside the Markdown",
      "city", deviations=("html_tables", "bracket_notes")),
    # --- HTML ------------------------------------------------------------------------------
    D("h01_trs_2021", "2021", 201, "html", "trs", "TRS page: chrome, metadata table, div.TRS_Editor, rowspan/colspan",
      "county"),
    D("h02_trs_2019_gbk", "2019", 202, "html", "trs", "GBK declared only in <meta>", "city", encoding="gbk"),
    D("h03_hanweb_2021", "2021", 203, "html", "hanweb", "Hanweb page, layout tables, #zoom", "county"),
    D("h04_gkmlpt_2019_in_2023", "2019", 204, "html", "gkmlpt", "gkmlpt page; 2019 layout in a 2023 report",
      "city", 2023),
    D("h05_govcn_2021_gb18030", "2021", 205, "html", "govcn", "#UCAP-CONTENT, GB18030 in <meta>", "ministry",
      encoding="gb18030"),
    D("h06_word_2021_gbk", "2021", 206, "html", "word", "Word export: MsoNormal, mso-* styles, <o:p>, GBK",
      "county", encoding="gbk"),
    D("h07_cms_nested_2019", "2019", 207, "html", "cms_nested", "nested p/span/font, <br> in labels, &nbsp; padding",
      "county", deviations=("br_labels", "nbsp")),
    D("h08_split_tables_2021", "2021", 208, "html", "split_tables",
      "section 二 as one table per item; section 三 in two tables with repeated headers", "city"),
    D("h09_table_images", "2021", 209, "html", "table_images", "tables published as images: no cells, partial",
      "county"),
    D("h10_trs_shifted_layout", "2021", 210, "html", "trs",
      "labels span one grid column less than headers, the first value one more; layout tables around",
      "county", deviations=("shifted_spans", "layout_tables")),
    D("h11_hanweb_trad_halfwidth", "2021", 211, "html", "hanweb", "traditional, half-width, stray spaces in labels",
      "city", deviations=("traditional", "halfwidth", "label_spaces")),
    D("h12_trs_truncated", "2021", 212, "html", "trs", "body cut inside section 三: partial", "county",
      deviations=("truncated",)),
    D("h13_govcn_pre2019_stats", "pre2019", 213, "html", "govcn", "pre-2019 with the 统计表 as an HTML table",
      "city", 2015, deviations=("stats_table",)),
    D("h14_word_pre2019_gbk", "pre2019", 214, "html", "word", "pre-2019 Word export, GBK", "county", 2011,
      encoding="gbk"),
    D("h15_trs_breaks", "2021", 215, "html", "trs",
      "printed errors: 未经复议直接起诉 总计 0; （一）予以公开 (自然人) off", "city",
      breaks=("appeals_group_total:lawsuit_direct", "results_sum:natural_person")),
    D("h16_cms_total_blank", "2021", 216, "html", "cms_nested", "总计 column blank (total_omitted)", "county",
      blanks="total_blank"),
    D("h17_gkmlpt_na_units", "2021", 217, "html", "gkmlpt", "N/A marks and units in cells", "township",
      printing=("na", "units")),
    D("h18_trs_2019_extra_row", "2019", 218, "html", "trs", "local extra row in section 二; bracketed notes",
      "county", deviations=("extra_row", "bracket_notes")),
    D("h19_split_tables_2019_gbk", "2019", 219, "html", "split_tables", "split tables, GBK", "county",
      encoding="gbk"),
    D("h20_hanweb_five_parts_dates", "2021", 220, "html", "hanweb", "five parts delivered of six; broken dates",
      "county", deviations=("five_parts", "broken_dates")),
    D("h21_word_2019_zeros_blank", "2019", 221, "html", "word", "Word export with zeros as empty cells", "township",
      blanks="zeros_blank"),
    D("h23_fragment_2021", "2021", 223, "html", "fragment",
      "only the report body (as embedded in mock portal pages): no chrome, no <html>", "county"),
    D("h24_govcn_narrative_mismatch", "2021", 224, "html", "govcn",
      "narrative says more 行政复议 than the table (fact_mismatch)", "province",
      breaks=("narrative:reviews",)),
    D("h25_trs_variant_labels_2019", "2019", 225, "html", "trs", "合计 / 法人或者其他组织 / variant headings",
      "province", deviations=("variant_labels",)),
    D("h26_word_2019_printing", "2019", 226, "html", "word",
      "Word export with 12190余, 1,234, +2 / 减4 and full-width digits", "city",
      printing=("approx", "thousands", "signs", "fullwidth")),
    D("h27_split_shifted_trad_gbk", "2021", 227, "html", "split_tables",
      "split tables whose labels and values span different grid columns, traditional labels, GBK",
      "county", deviations=("shifted_spans", "traditional"), encoding="gbk"),
    D("h28_govcn_indent_nbsp", "2019", 228, "html", "govcn", "　　-indented paragraphs, &nbsp; in cells",
      "county", deviations=("indent", "nbsp")),
    D("h22_trs_no_np_header", "2021", 222, "html", "trs", "自然人 header missing; br in labels", "county",
      deviations=("no_natural_person_header", "br_labels")),
)


def sweep(n: int, seed: int = 0) -> list[Doc]:
    """`n` random corpus-style entries (template, level, style, up to three deviations, blanks,
    printing), deterministic for `seed`: a wider, shallower net than DOCS, for tests."""
    from .html import DEVIATIONS as HTML_DEV, HTML_STYLES
    from .text import DEVIATIONS as TEXT_DEV, TEXT_STYLES

    rng = random.Random(seed)
    out: list[Doc] = []
    for i in range(n):
        tpl = rng.choice(("2021", "2019", "2021", "pre2019"))
        renderer = rng.choice(("text", "html"))
        styles, pool = (TEXT_STYLES, TEXT_DEV) if renderer == "text" else (HTML_STYLES, HTML_DEV)
        style = rng.choice(styles)
        # settling a lossy rendering of a big table is a large search: keep those small
        level = rng.choice(("township", "county") if style == "trailing_pipes" else LEVELS)
        pool = pool - {"truncated"} if tpl == "pre2019" else pool
        deviations = tuple(sorted(rng.sample(sorted(pool), rng.randint(0, 3))))
        blanks, printing = "none", ()
        # a run of cells loses where a blank stood: zeros printed blank only (a blank 总计 and a
        # blank part read alike); printed numbers plain
        if tpl != "pre2019" and style != "nodelim" and rng.random() < 0.3:
            blanks = "zeros_blank" if style == "trailing_pipes" else "few_blank" if style in RUN_STYLES else \
                rng.choice(BLANKS[1:-1])
        if tpl != "pre2019" and style not in ("trailing_pipes", *RUN_STYLES) and rng.random() < 0.3:
            printing = tuple(sorted(rng.sample(PRINTING, 2)))
        out.append(Doc(f"sweep{i:03d}_{tpl}_{style}", tpl, rng.randint(0, 10**6), renderer, style,
                       "random combination", level, blanks=blanks, printing=printing, deviations=deviations))
    return out


def render(doc: Doc) -> tuple[str, bytes, str, dict]:
    """(file name, bytes, media type, expected) for one corpus entry."""
    r = generate(doc.seed, doc.template, year=doc.year, level=doc.level, breaks=doc.breaks,
                 blanks=doc.blanks, printing=doc.printing)
    if doc.renderer == "text":
        ext, mt = (".md", "text/markdown") if doc.style == "markdown" else (".txt", "text/plain")
        data = render_text(r, doc.style, doc.deviations).encode(doc.encoding)
    else:
        ext, mt = ".html", "text/html"
        fragment = doc.style == "fragment"  # a body for embedding, marked up like a TRS page
        data = render_html(r, "trs" if fragment else doc.style, encoding=doc.encoding, fragment=fragment,
                           deviations=doc.deviations)
    name = doc.name + ext
    exp = expected(r, name, mt, doc.renderer, doc.style, doc.deviations, doc.blanks, doc.breaks, doc.comment)
    return name, data, mt, exp


def build(out: Path) -> list[Path]:
    """Write every document and its expected file into `out`; returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for doc in DOCS:
        name, data, _, exp = render(doc)
        (out / name).write_bytes(data)
        (out / (doc.name + ".expected.json")).write_text(
            json.dumps(exp, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        written += [out / name, out / (doc.name + ".expected.json")]
    return written


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m reportgen.corpus DIR", file=sys.stderr)
        return 2
    paths = build(Path(argv[0]))
    print(f"wrote {len(paths) // 2} documents to {argv[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
