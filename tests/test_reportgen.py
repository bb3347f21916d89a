"""The report generator: deterministic, arithmetic right unless asked otherwise, renderings complete."""
from __future__ import annotations

import re

import lxml.html
import pytest

from parsers.checks import check_identities
from parsers.model import Report
from parsers.spec import norm, template
from parsers.values import parse_value
from reportgen import HTML_STYLES, TEXT_STYLES, agencies, generate, render_html, render_text
from reportgen.agencies import LEVELS

LEVEL_SEEDS = [(lvl, s) for lvl in LEVELS for s in range(6)]


def _codes(r: Report) -> list:
    check_identities(r)
    return [(f.code, f.identity, f.row or f.column) for f in r.findings]


def test_generate_is_deterministic() -> None:
    for t in ("2021", "2019", "pre2019"):
        a, b = generate(11, t), generate(11, t)
        assert a.to_dict() == b.to_dict()
        assert render_text(a, "tabs") == render_text(b, "tabs")
        assert render_html(a, "word") == render_html(b, "word")
    assert generate(11).to_dict() != generate(12).to_dict()


@pytest.mark.parametrize("tpl", ["2021", "2019"])
@pytest.mark.parametrize("level,seed", LEVEL_SEEDS)
def test_clean_reports_hold_every_identity(tpl: str, level: str, seed: int) -> None:
    r = generate(seed, tpl, level=level)
    assert {(c.table, c.row, c.column) for c in r.cells} == set(template(tpl).cell_keys())
    assert _codes(r) == []


def test_numbers_are_realistic() -> None:
    towns = [generate(s, "2021", level="township") for s in range(40)]
    big = [generate(s, "2021", level="province") for s in range(40)]
    received = lambda r: r.cell("applications", "new_received", "total").value  # noqa: E731
    assert sum(received(r) == 0 for r in towns) >= 10  # many townships get no request at all
    assert max(received(r) for r in big) >= 100
    zeros = sum(c.value == 0 for r in big for c in r.cells) / sum(len(r.cells) for r in big)
    assert zeros > 0.5  # most cells are 0 even for large agencies
    fee = big[0].cell("active", "fees", "amount_10k_yuan")
    assert re.fullmatch(r"\d+\.\d{4}", fee.raw)


@pytest.mark.parametrize("brk", ["appeals_group_total:review", "appeals_group_total:lawsuit_after_review",
                                 "results_sum:total", "results_sum:natural_person", "row_total:new_received",
                                 "balance_per_column:other_org"])
@pytest.mark.parametrize("tpl", ["2021", "2019"])
def test_requested_breaks_are_present(brk: str, tpl: str) -> None:
    ident, where = brk.split(":")
    for seed in range(5):
        found = _codes(generate(seed, tpl, breaks=(brk,)))
        assert ("identity_break", ident, where) in found


def test_unknown_options_are_refused() -> None:
    for kw in ({"template": "2030"}, {"breaks": ("nonsense:x",)}, {"blanks": "some"}, {"printing": ("bold",)}):
        with pytest.raises(ValueError):
            generate(1, **kw)
    with pytest.raises(ValueError):
        render_text(generate(1), "columns")
    with pytest.raises(ValueError):
        render_html(generate(1), "trs", deviations=("sparkles",))


@pytest.mark.parametrize("printing", [(), ("na",), ("units", "signs"), ("approx", "thousands"), ("fullwidth",)])
@pytest.mark.parametrize("tpl", ["2021", "2019"])
def test_values_read_back_from_raw(printing: tuple, tpl: str) -> None:
    for seed in range(5):
        r = generate(seed, tpl, level="city", printing=printing)
        for c in r.cells:
            v = parse_value(c.raw)
            assert v.value == c.value, (c, v)
        assert _codes(r) == []


@pytest.mark.parametrize("blanks", ["zeros_blank", "total_blank", "only_totals", "table_blank"])
def test_blanks_keep_what_a_reader_can_know(blanks: str) -> None:
    r = generate(3, "2021", level="city", blanks=blanks)
    for c in r.cells:
        if c.raw:
            assert parse_value(c.raw).value == c.value
        else:
            assert c.value in (0, None)
    nulls = [c for c in r.cells if c.value is None]
    if blanks in ("total_blank", "only_totals"):
        assert nulls and all(c.table == "applications" for c in nulls)
    else:
        assert not nulls
    assert not [f for f in _codes(r) if f[0] == "identity_break"]


@pytest.mark.parametrize("tpl", ["2021", "2019", "pre2019"])
def test_facts_agree_with_tables_and_narrative(tpl: str) -> None:
    for seed in range(20):
        r = generate(seed, tpl)
        text = "\n".join(s.text for s in r.sections)
        assert r.facts
        for f in r.facts:
            assert f.text in text and str(f.value) in f.text
        facts = {f.key: f.value for f in r.facts}
        if tpl == "pre2019":
            assert not r.cells and len(r.sections) >= 6
            continue
        total = lambda t, row: r.cell(t, row, "total").value  # noqa: E731
        if "requests_received" in facts:
            assert facts["requests_received"] == total("applications", "new_received")
            assert facts["requests_answered"] == total("applications", "total_processed")
        if "reviews" in facts:
            assert facts["reviews"] == total("appeals", "review")
            assert facts["lawsuits"] == total("appeals", "lawsuit_direct") + total("appeals", "lawsuit_after_review")
        assert facts["portal_posts"] <= facts["active_disclosure_total"]


def _labels(r: Report) -> list[str]:
    tpl = template(r.template)
    return [row.label for t in ("active", "applications", "appeals") for row in tpl.rows[t]] + \
        [c.label for c in tpl.columns["applications"]]


def _text_of_html(data: bytes) -> str:
    return lxml.html.fromstring(data).text_content()


@pytest.mark.parametrize("style", TEXT_STYLES)
@pytest.mark.parametrize("tpl", ["2021", "2019"])
def test_text_renderings_print_every_label(style: str, tpl: str) -> None:
    r = generate(5, tpl, level="county")
    for dev in ((), ("traditional", "halfwidth", "label_spaces")):
        out = norm(render_text(r, style, dev).replace("<br>", ""))  # (md_pdf breaks long cells with <br>)
        if style == "vertical_headers":  # headers stand one character per line; row labels do not
            labels = [row.label for t in ("active", "applications") for row in template(tpl).rows[t]]
        else:
            labels = _labels(r)
        missing = [lbl for lbl in labels if norm(lbl) not in out]
        assert not missing


@pytest.mark.parametrize("style", [s for s in HTML_STYLES if s != "table_images"])
@pytest.mark.parametrize("tpl", ["2021", "2019"])
def test_html_renderings_print_every_label_in_rectangular_tables(style: str, tpl: str) -> None:
    r = generate(6, tpl, level="city")
    data = render_html(r, style, deviations=("br_labels", "nbsp", "shifted_spans"))
    text = norm(_text_of_html(data))
    assert not [lbl for lbl in _labels(r) if norm(lbl) not in text]
    doc = lxml.html.fromstring(data)
    for table in doc.iter("table"):
        if table.get("class") == "xxgk_table" or table.find(".//table") is not None:
            continue  # the metadata table and layout tables
        occupied: set[tuple[int, int]] = set()
        rows = table.findall(".//tr")
        for y, tr in enumerate(rows):
            x = 0
            for td in tr:
                while (y, x) in occupied:
                    x += 1
                for dy in range(int(td.get("rowspan", 1))):
                    for dx in range(int(td.get("colspan", 1))):
                        occupied.add((y + dy, x + dx))
                x += int(td.get("colspan", 1))
        widths = {sum(1 for yy, _ in occupied if yy == y) for y in range(len(rows))}
        assert len(widths) == 1, (style, widths)


def test_section_three_spans_like_real_reports() -> None:
    doc = lxml.html.fromstring(render_html(generate(2, "2021"), "trs"))
    cells = {td.text_content().strip(): td for td in doc.iter("td")}
    note = next(td for t, td in cells.items() if t.startswith("（本列数据的勾稽关系"))
    assert (note.get("rowspan"), note.get("colspan")) == ("3", "3")
    assert int(cells["三、本年度办理结果"].get("rowspan")) >= 20
    assert cells["（三）不予公开"].get("rowspan") == "8"


def test_html_encodings_fragments_and_images() -> None:
    r = generate(8, "2021")
    gbk = render_html(r, "trs", encoding="gbk")
    assert b'charset=gbk' in gbk and r.title in gbk.decode("gbk")
    with pytest.raises(UnicodeDecodeError):
        gbk.decode("utf-8")
    frag = render_html(r, "trs", fragment=True).decode("utf-8")
    assert r.title in frag and "当前位置" not in frag and "<html" not in frag and "<table" in frag
    page = render_html(r, "trs").decode("utf-8")
    for chrome in ("当前位置", "索引号", "发布机构", "打印", "关闭", 'name="ArticleTitle"', "TRS_Editor"):
        assert chrome in page
    images = render_html(r, "table_images").decode("utf-8")
    assert "<img" in images and "予以公开" not in images


def test_truncated_and_five_part_copies() -> None:
    r = generate(9, "2021")
    cut = render_text(r, "tabs", ("truncated",))
    assert "4.保护第三方合法权益" in cut and "5.属于三类内部事务信息" not in cut and "四、政府信息公开行政复议" not in cut
    five = render_text(r, "tabs", ("five_parts", "broken_dates"))
    assert "六个部分" in five and "六、其他需要报告的事项" not in five
    assert f"{r.year}11日" in five


def test_pre2019_statistics_table() -> None:
    r = generate(4, "pre2019", year=2016)
    out = render_text(r, "pipes", ("stats_table",))
    facts = {f.key: f.value for f in r.facts}
    assert f"（一）收到申请数 | 件 | {facts['requests_received']}" in out
    assert "一、概述" in out and "第二十条" not in out


def test_agencies() -> None:
    a = agencies(5, 200)
    assert a == agencies(5, 200) and len({x.name for x in a}) == 200
    assert {x.level for x in a} == set(LEVELS)
    for x in a:
        assert x.region_code.isdigit() and len(x.region_code) in (6, 9)


def test_settle_keeps_only_what_the_identities_fix() -> None:
    from reportgen.settle import run_readings, spaced, trailing_readings

    app = [("applications", "new_received", c) for c in ("natural_person", "commercial_enterprise",
           "research_institution", "social_welfare_org", "legal_service_org", "other_org", "total")]
    act = [("active", "normative_documents", c) for c in ("issued", "repealed", "in_force")]
    # "421000043": 42,1,0,0,0,0,43 is the only cut whose total is the sum of the six parts
    assert [v for v, _ in run_readings("applications", app, "421000043")] == [(42, 1, 0, 0, 0, 0, 43)]
    # an active row has no identity: "1113" cuts three ways; 现行有效 ≥ 制发 − 废止 leaves two
    assert {v for v, _ in run_readings("active", act, "1113")} == {(1, 1, 13), (1, 11, 3)}
    assert {v for v, _ in run_readings("active", act, "1013")} == {(1, 0, 13)}  # not 10, 1, 3
    # "8100110": no cut into seven adds up; a blank dropped reads 8,1,0,0,1,10 placed among the parts
    readings = run_readings("applications", app, "8100110")
    assert (8, 1, 0, 0, 1, 1, 0) in {v for v, _ in readings} and (8, 1, 0, 0, 0, 1, 10) in {v for v, _ in readings}
    # six zeros for seven cells: the blank may be the total, unknown
    assert (0, 0, 0, 0, 0, 0, None) in {v for v, _ in run_readings("applications", app, "0 00000")}
    # a page printing every cell apart: a token is a cell
    assert spaced(["0 0 0", "12 3 15"]) and not spaced(["0 00 0", "12 3 15"])
    # trailing pipes: "2|2|||||" — the total is 2, the part could be any of six columns
    cands = trailing_readings("applications", ["2", "", "", "", "", "", "2"])
    assert {v[-1] for v, _ in cands} == {2} and len(cands) == 6


@pytest.mark.parametrize("style,code", [("nodelim", "digits_ambiguous"), ("trailing_pipes", "uncertain_position")])
def test_expected_nulls_what_a_lossy_rendering_loses(style: str, code: str) -> None:
    from reportgen.expected import expected
    blanks = "zeros_blank" if style == "trailing_pipes" else "none"
    r = generate(102, "2021", level="township", blanks=blanks)
    exp = expected(r, "x.txt", "text/plain", "text", style, blanks=blanks)
    truth = {(c.table, c.row, c.column): c.value for c in r.cells}
    nulls = [c for c in exp["cells"] if c["value"] is None]
    assert nulls and code in exp["findings"]
    for c in exp["cells"]:  # what is known is the truth
        assert c["value"] is None or c["value"] == truth[(c["table"], c["row"], c["column"])]


def test_page_breaks_and_variant_labels() -> None:
    r = generate(5, "2021", level="county")
    out = render_text(r, "pipes", ("page_breaks", "variant_labels"))
    assert "\n- 2 -\n" in out and out.count("商业企业") == 2  # the header rows printed again
    assert "申请人情况 | 合计" in out and "法人或者其他组织" in out and "申请人情况 | 总计" not in out


def _app_row(r: Report, row: str) -> dict:
    return {c.column: c.value for c in r.cells if c.table == "applications" and c.row == row}


def test_carried_over_chains_a_series_of_years() -> None:
    years = [(2019, "2019"), (2020, "2019"), (2021, "2021"), (2022, "2021")]
    series, carry = [], None
    for i, (year, tpl) in enumerate(years):
        r = generate(30 + i, tpl, year, agency="云溪县人民政府", carried_over=carry)
        assert _codes(r) == []  # every identity still holds with the given 上年结转
        series.append(r)
        carry = _app_row(r, "carried_forward")
    for last, this in zip(series, series[1:]):
        assert _app_row(this, "carried_over") == _app_row(last, "carried_forward")
    # without the argument: today's reports, byte for byte; with it only the chained rows move
    plain, chained = generate(31, "2019", 2020), generate(31, "2019", 2020, carried_over={"natural_person": 500})
    assert plain.to_dict() == generate(31, "2019", 2020, carried_over=None).to_dict()
    assert _app_row(chained, "carried_over")["natural_person"] == 500
    assert _app_row(chained, "new_received") == _app_row(plain, "new_received")
    assert _codes(chained) == []


def test_carried_over_is_checked() -> None:
    with pytest.raises(ValueError, match="unknown carried_over"):
        generate(1, "2021", carried_over={"nobody": 1})
    with pytest.raises(ValueError, match=">= 0"):
        generate(1, "2021", carried_over={"natural_person": -1})
    with pytest.raises(ValueError, match="pre2019"):
        generate(1, "pre2019", carried_over={"natural_person": 1})
