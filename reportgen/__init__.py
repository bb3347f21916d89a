"""reportgen — invented 政府信息公开工作年度报告 for tests, fixtures, mock portals and benchmarks.

Everything is made up: agency names (invented places in real provinces), numbers, narrative.

    from reportgen import generate, render_text, render_html, TEXT_STYLES, HTML_STYLES, agencies
    r = generate(seed=7, template="2021", year=2022, agency=None, level=None, province=None,
                 breaks=(), blanks="none", printing=(), carried_over=None)
    render_text(r, style="tabs", deviations=())          # -> str
    render_html(r, style="trs", encoding="utf-8", fragment=False, deviations=())   # -> bytes
    agencies(seed, n)                                      # -> list[Agency]

generate(...) → parsers.model.Report: the truth a parser should find. Cells carry `raw` (as
printed) and `value` (what a reader can take from it: blank-meaning-0 → 0, N/A → None, a blank
total over non-zero parts → None). Facts are the figures the narrative states.
  template  "2021" | "2019" | "pre2019" (narrative only, its own headings, figures in sentences)
  level     township | county | city | province | ministry (sizes the numbers)
  breaks    "<identity>:<row or column key>" — printed arithmetic wrong there (see numbers.apply_breaks):
            appeals_group_total:<group>, results_sum:<column>, row_total:<row>, balance_per_column:<column>;
            narrative:<fact> — the narrative states requests_received / requests_answered / reviews /
            lawsuits off by 1–5 from the table
  blanks    none | zeros_blank (0 printed empty) | total_blank (applications 总计 column empty)
            | only_totals (only the 总计 column printed) | table_blank (all numbers 0, printed empty)
            | few_blank (now and then a 0 printed empty: a flattened row then prints one number less)
  carried_over  {applicant column: count}: 上年结转 taken as given (pass last year's 结转下年度
            继续办理 row so a series of one agency's reports chains; "total" is recomputed as the
            sum); None → drawn like every other number. Not for pre2019.
  printing  how numbers are printed: na ("/", "-", "—", "无" for not applicable), units ("3件",
            "12 条", "251000元"), signs ("+2", "减4"), approx ("12190余"), fullwidth (１２),
            thousands ("1,234")

Rendering options (`deviations`, a tuple of names; both renderers unless marked):
  traditional    traditional characters in labels (規範性文件)
  halfwidth      "(一)" for "（一）" in labels
  label_spaces   "(三) 不予公开"
  bracket_notes  long bracketed instructions in headers
  no_natural_person_header   the 自然人 header cell empty
  extra_row      a local 其他主动公开文件 row in section 二 (not a template row)
  truncated      the copy ends inside section 三 (after 4.保护第三方合法权益); 2019/2021 only
  five_parts     the preamble promises six parts (pre2019: all of its parts); the last is missing
  broken_dates   preamble dates "201911日", "202020年"
  variant_labels other wordings of labels and headings (合计 for 总计, 法人或者其他组织, …)
  indent         paragraphs and headings led by two ideographic spaces (　　一、总体情况)
  split_headers  (text) two-line headers broken into two printed rows
  page_breaks    (text) section 三 crosses a page: "- 2 -" and the header rows again
  spaced_cells   (oneline) every cell of a row apart by a space (default: digits run together)
  some_spaces    (oneline) some cells apart by a space, some run together (fixed per row)
  markup         (oneline) the saved page's Word markup left in (<!--[if …]-->)
  html_tables    (md_pdf) the tables as HTML inside the Markdown
  stats_table    (pre2019) the appended 《政府信息公开情况统计表》 with indicator rows and units
  shifted_spans  (HTML) data labels span one grid column less than their headers, values one more
  layout_tables  (HTML) the body wrapped in layout tables
  br_labels      (HTML) <br> inside long labels ("本年新<br>制作数量")
  nbsp           (HTML) &nbsp; padding in cells

TEXT_STYLES: tabs (like a copied table: merged cells as empty fields, the (七)总计 row one number
longer), pipes, cell_per_line, trailing_pipes (empty cells collapsed into trailing |||),
nodelim (digits run together), vertical_headers (one character per line), markdown,
oneline (a saved page with its line breaks lost; spaced_cells / some_spaces / markup),
cells_lines (one cell per line, no bars), md_pdf (a PDF's Markdown extraction).
HTML_STYLES: trs, hanweb, gkmlpt, govcn (portal pages with site chrome and the metadata table),
word (Word export), cms_nested (p/span/font soup), split_tables (one logical table in several
<table>s with repeated headers), table_images (tables as <img>). `fragment=True` gives only the
report body for embedding in mock portal pages; `encoding` ("utf-8", "gbk", "gb18030") is
declared only in <meta>.

Modules: agencies (invented publishers), numbers (values, breaks, printing), narrative (text and
facts), generate, layout (the printed table grids), outline (the document as blocks), text and
html (renderers), settle + expected (what a parser can know from one rendering), corpus (the
fixture builder: `python -m reportgen.corpus DIR` writes documents + expected JSON).
"""
from .agencies import Agency, agencies
from .generate import TEMPLATES, generate
from .html import HTML_STYLES, render_html
from .text import TEXT_STYLES, render_text

__all__ = ["generate", "render_text", "render_html", "TEXT_STYLES", "HTML_STYLES", "agencies",
           "Agency", "TEMPLATES"]
