"""PDF front-end details that generated documents hit only by chance: a row cut by a page
break, repeated header rows, page-number lines, rulings versus text backgrounds; pages turned
by /Rotate, cut by a CropBox or drawn through a Form XObject; ruling grids and frame cells;
parsing from several threads."""
from __future__ import annotations

import random
import re
import zlib
from concurrent.futures import ThreadPoolExecutor

import pytest

from mockportals.documents import pdf_bytes
from parsers import parse, pdf, pdfium, rulings
from parsers.blocks import Para, Table, TCell
from parsers.model import Report
from parsers.pdfium import open_pdf
from needs import shared_path
from reportgen import generate, render_text
W, H = 595, 842  # the mock portals' page


def row(*texts: str, page: int, x: float = 0.0, spans: dict, rowspans: tuple = ()) -> list[TCell]:
    cells = []
    for i, t in enumerate(texts):
        c = TCell(t, source={"page": page}, rowspan=rowspans[i] if i < len(rowspans) else 1)
        spans[id(c)] = (x + i * 50, x + (i + 1) * 50)
        cells.append(c)
    return cells


def test_row_cut_by_page_break_is_mended():
    spans: dict = {}
    part1 = Table([row("1.信访举报投诉类申请", "1", "0", "1", page=2, spans=spans),
                   row("2.申请人逾期未按收费通知要求缴纳费", "4", "0", "4", page=2, spans=spans)], source={"page": 2})
    part2 = Table([row("用、行政机关不再处理", "", "", "", page=3, spans=spans),
                   row("3.其他", "5", "1", "6", page=3, spans=spans)], source={"page": 3})
    out = pdf._join_page_parts([part1, Para("- 2 -"), part2][::2], spans)
    assert [c.text for c in out[0].rows[-1]] == ["2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理", "4", "0", "4"]
    assert [[c.text for c in r] for r in out[1].rows] == [["3.其他", "5", "1", "6"]]


def test_values_on_the_next_page_join_their_label():
    spans: dict = {}
    part1 = Table([row("行政处罚", "28", page=2, spans=spans), row("行政强制", "", page=2, spans=spans)],
                  source={"page": 2})
    part2 = Table([row("", "41", page=3, spans=spans), row("行政事业性收费", "0", page=3, spans=spans)],
                  source={"page": 3})
    out = pdf._join_page_parts([part1, part2], spans)
    assert [c.text for c in out[0].rows[-1]] == ["行政强制", "41"]
    assert [c.text for c in out[1].rows[0]] == ["行政事业性收费", "0"]


def test_group_row_on_the_next_page_is_not_glued_to_the_last_row():
    spans: dict = {}
    part1 = Table([row("二、上年结转政府信息公开申请数量", "0", "0", page=2, spans=spans)], source={"page": 2})
    part2 = Table([row("三、本年度办理结果", "", "", page=3, spans=spans),
                   row("（一）予以公开", "1", "1", page=3, spans=spans)], source={"page": 3})
    out = pdf._join_page_parts([part1, part2], spans)
    assert out[0].rows[0][0].text == "二、上年结转政府信息公开申请数量"
    assert [r[0].text for r in out[1].rows] == ["三、本年度办理结果", "（一）予以公开"]


def test_complete_rows_on_both_sides_stay_apart():
    """hongze-2023: page 2 ends with an item row, page 3 starts with a header row."""
    spans: dict = {}
    part1 = Table([row("行政许可", "550", page=2, spans=spans), row("第二十条第（六）项", page=2, spans=spans)],
                  source={"page": 2})
    part2 = Table([row("信息内容", "本年处理决定数量", page=3, spans=spans), row("行政处罚", "4119", page=3, spans=spans)],
                  source={"page": 3})
    out = pdf._join_page_parts([part1, part2], spans)
    assert [len(t.rows) for t in out] == [2, 2]


def test_repeated_header_rows_dropped_and_merged_cells_kept():
    spans: dict = {}
    head = [row("申请人情况", "", page=3, spans=spans), row("自然人", "总计", page=3, spans=spans)]
    part1 = Table(head + [row("一、本年新收", "3", "3", page=3, spans=spans)], source={"page": 3})
    again = [row("申请人情况", "", page=4, spans=spans), row("自然人", "总计", page=4, spans=spans)]
    cont = row("", "（七）总计", "3", "3", page=4, spans=spans, rowspans=(2,))
    part2 = Table(again + [cont, row("四、结转", "0", "0", page=4, spans=spans)], source={"page": 4})
    out = pdf._join_page_parts([part1, part2], spans)
    assert [[c.text for c in r] for r in out[1].rows] == [["", "（七）总计", "3", "3"], ["四、结转", "0", "0"]]


def test_page_number_lines():
    def line(text, top):
        return {"text": text, "top": top, "bottom": top + 10, "page_height": 842.0}

    for text in ("- 2 -", "-3-", "— 12 —", "第 2 页 共 5 页", "2 / 5"):
        ln = line(text, 400)
        assert pdf._is_page_number(ln, [ln]), text
    bottom = line("7", 800)
    middle = line("7", 400)
    assert pdf._is_page_number(bottom, [middle, bottom])
    assert not pdf._is_page_number(middle, [middle, bottom])
    assert not pdf._is_page_number(line("2023 年", 800), [line("2023 年", 800)])


def test_text_backgrounds_are_not_tables():
    """WPS paints a filled rectangle behind each body line: only rulings make tables."""
    backgrounds = [{"x0": 74, "x1": 518, "top": 100 + 27 * i, "bottom": 127 + 27 * i} for i in range(5)]
    grid = [{"x0": 76, "x1": 516, "top": 400 + 30 * i, "bottom": 400.5 + 30 * i} for i in range(3)] + [
        {"x0": x, "x1": x + 0.5, "top": 400, "bottom": 460.5} for x in (76, 300, 515.5)]
    clusters = pdf._clusters(grid)
    assert clusters == [[76, 400, 516, 460.5]]
    inside = [b for b in backgrounds if any(c[1] <= (b["top"] + b["bottom"]) / 2 <= c[3] for c in clusters)]
    assert inside == []
    assert all(pdf._thin(g) for g in grid) and not any(pdf._thin(b) for b in backgrounds)


def test_running_headers_dropped():
    def ln(text, page, top):
        return ("line", {"text": text, "page": page, "top": top, "bottom": top + 10, "page_height": 842.0})

    items = []
    for p in (1, 2, 3, 4):
        items += [ln(f"某某县人民政府办公室文件 {p}", p, 30), ln(f"正文第{p}页的内容", p, 100),
                  ln(("一段落", "在页尾", "的话", "结束")[p - 1], p, 790)]
    items.append(ln("只在中间出现的 1", 4, 400))
    kept = [obj["text"] for _, obj in pdf._without_running_lines(items)]
    assert not [t for t in kept if t.startswith("某某县人民政府办公室文件")]
    assert len(kept) == 4 + 4 + 1


# ---------------------------------------------------------------- page geometry

@pytest.fixture(scope="module")
def upright() -> bytes:
    """A mock-portal PDF (3 pages: narrative, ruled tables, page numbers), drawn as usual."""
    report = generate(seed=5, template="2021")
    return pdf_bytes(render_text(report).splitlines(), report.title)


def redrawn(data: bytes, media: bytes, before: bytes, after: bytes = b"Q", form: bytes = b"") -> bytes:
    """`data` (a PDF from mockportals.documents.pdf_bytes) with every page's MediaBox entry
    replaced by `media` and its content drawn between the operators `before` and `after`; with
    `form`, the content becomes a Form XObject, drawn by the page, that starts with `form`."""
    objs = {int(n): body for n, body in re.findall(rb"(\d+) 0 obj\n(.*?)\nendobj\n", data, re.S)}
    info = re.search(rb"/Info (\d+) 0 R", data)[1]
    n = max(objs)
    for k in [k for k, body in objs.items() if body.startswith(b"<< /Type /Page ")]:
        content = int(re.search(rb"/Contents (\d+) 0 R", objs[k])[1])
        ops = [before, after]
        if form:
            drawn = form + b"\n" + zlib.decompress(re.search(rb"stream\n(.*)\nendstream", objs[content], re.S)[1])
            objs[content] = b"<< /Type /XObject /Subtype /Form /BBox [0 0 %d %d] /Resources << /Font << /F1 3 0 R >> >>" \
                            b" /Length %d >>\nstream\n%s\nendstream" % (W, H, len(drawn), drawn)
            ops = [before + b" /Fm0 Do " + after]
        streams = []
        for op in ops:
            n += 1
            objs[n] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(op), op)
            streams.append(b"%d 0 R" % n)
        if not form:
            streams.insert(1, b"%d 0 R" % content)
        body = objs[k].replace(b"/MediaBox [0 0 %d %d]" % (W, H), media)
        if form:
            body = body.replace(b"/Font << /F1 3 0 R >>", b"/Font << /F1 3 0 R >> /XObject << /Fm0 %d 0 R >>" % content)
        objs[k] = re.sub(rb"/Contents \d+ 0 R", b"/Contents [" + b" ".join(streams) + b"]", body)
    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for num in sorted(objs):
        offsets[num] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (num, objs[num])
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (n + 1)
    out += b"".join(b"%010d 00000 n \n" % offsets[i] for i in range(1, n + 1))
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %s 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (n + 1, info, xref)
    return bytes(out)


def shape(data: bytes) -> list:
    report = Report()
    blocks = pdf.to_blocks(data, report)
    assert report.status == "ok" and not report.findings
    return [(b.text, b.heading, b.source) if isinstance(b, Para) else
            (b.source, [[(c.text, c.rowspan, c.colspan) for c in r] for r in b.rows]) for b in blocks]


# content drawn so that, turned by /Rotate, the page shows exactly what the upright one shows
TURNS = {90: (b"/MediaBox [0 0 %d %d] /Rotate 90" % (H, W), b"q 0 1 -1 0 %d 0 cm" % H),
         180: (b"/MediaBox [0 0 %d %d] /Rotate 180" % (W, H), b"q -1 0 0 -1 %d %d cm" % (W, H)),
         270: (b"/MediaBox [0 0 %d %d] /Rotate 270" % (H, W), b"q 0 -1 1 0 0 %d cm" % W)}


@pytest.mark.parametrize("turn", sorted(TURNS))
def test_rotated_pages_read_as_displayed(upright, turn):
    turned = redrawn(upright, *TURNS[turn])
    with open_pdf(turned) as doc:
        page = doc.page(0)
    assert (page.width, page.height) == (W, H)
    expected = shape(upright)
    assert sum(isinstance(b[0], dict) for b in expected) >= 2  # tables, besides the narrative
    assert shape(turned) == expected


def test_cropbox_is_the_page(upright):
    """Content placed inside a larger MediaBox and cut by the CropBox; printer's marks (text
    and rulings) outside the CropBox are not read."""
    marks = b"0.5 w 10 20 m 40 20 l S 20 10 m 20 40 l S 10 30 m 40 30 l S " \
            b"BT /F1 10 Tf 1 0 0 1 5 5 Tm <004D00410052004B> Tj ET q 1 0 0 1 50 50 cm"
    cropped = redrawn(upright, b"/MediaBox [0 0 %d %d] /CropBox [50 50 %d %d]" % (W + 100, H + 100, W + 50, H + 50),
                      marks)
    with open_pdf(cropped) as doc:
        page = doc.page(0)
    assert (page.width, page.height) == (W, H)
    assert "MARK" not in "".join(c["text"] for c in page.chars)
    assert all(ln["x0"] >= 0 and ln["top"] >= 0 for ln in page.lines)
    assert shape(cropped) == shape(upright)


def test_form_xobject_content(upright):
    """A page drawn through a Form XObject: the page's cm and the form's own both apply."""
    assert shape(redrawn(upright, b"/MediaBox [0 0 %d %d]" % (W, H), b"q 1 0 0 1 -30 12 cm", form=b"1 0 0 1 30 -12 cm")) \
        == shape(upright)


def test_parsing_from_threads(upright):
    """PDFium is not thread-safe: the front end serialises its calls, results do not mix."""
    docs = [upright, *(p.read_bytes() for p in sorted(shared_path("corpus", "real").glob("*.pdf")))]
    alone = [parse(d, "application/pdf").to_dict() for d in docs]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda d: parse(d, "application/pdf").to_dict(), docs * 4))
    assert together == alone * 4


# ---------------------------------------------------------------- grids

def test_frame_cells_are_those_holding_two_others():
    """A cell holding a nested table is its frame; the quick search finds exactly the cells
    the plain pairwise count does (tolerance 1 pt included)."""
    rng = random.Random(7)
    grid = [(x, y, x + 50.0, y + 20.0) for x in range(0, 200, 50) for y in range(0, 100, 20)]
    frame = (0.0, 100.0, 200.0, 200.0)
    nested = [(10 + 90.0 * i, 110 + 40.0 * j, 100 + 90.0 * i, 150 + 40.0 * j) for i in (0, 1) for j in (0, 1)]
    edge = [(0.5, 99.5, 40.0, 120.0), (150.0, 160.0, 200.8, 200.9)]  # just over the frame's border: inside
    noise = []
    for _ in range(60):
        x, y = rng.uniform(0, 300), rng.uniform(0, 300)
        noise.append((x, y, x + rng.uniform(1, 120), y + rng.uniform(1, 80)))
    for cells in (grid + [frame] + nested + edge, grid + noise, noise):
        plain = {i for i, b in enumerate(cells) if sum(pdf._contains(b, o) for o in cells) >= 2}
        assert pdf._frames(cells) == plain
    assert len(grid) in pdf._frames(grid + [frame] + nested)


def test_nearest_axis_index():
    axis = [0.0, 10.0, 20.0, 35.0]
    for v in (-5, 0, 4.9, 5, 5.1, 10, 19, 27.5, 30, 35, 99):
        assert pdf._index(axis, v) == min(range(len(axis)), key=lambda i: abs(axis[i] - v)), v


def hline(y, x0, x1):
    return {"x0": x0, "x1": x1, "top": y, "bottom": y}


def vline(x, top, bottom):
    return {"x0": x, "x1": x, "top": top, "bottom": bottom}


def test_lattice_cells_and_tables():
    """Rulings drawn a little apart still meet (snapped within 3 pt, joined across 3 pt gaps);
    a merged cell is one cell; two grids apart are two tables, top one first."""
    lines = [hline(100, 50, 250), hline(120.8, 50, 150), hline(121, 151.5, 250), hline(140, 50, 250),
             vline(50, 100, 140), vline(150, 100, 140), vline(250, 100, 140), vline(200.6, 119, 140)]
    lower = [{"x0": 50, "x1": 150, "top": 300, "bottom": 320}, {"x0": 150, "x1": 250, "top": 300, "bottom": 320}]
    tables = rulings.find_tables(lines, lower)
    assert len(tables) == 2
    (bbox, cells), (bbox2, cells2) = tables
    assert bbox == (50, 100, 250, 140)
    rounded = sorted(tuple(round(v) for v in c) for c in cells)
    assert rounded == [(50, 100, 150, 121), (50, 121, 150, 140), (150, 100, 250, 121),
                       (150, 121, 201, 140), (201, 121, 250, 140)]
    assert bbox2 == (50, 300, 250, 320) and len(cells2) == 2
    assert rulings.find_tables([hline(10, 0, 100), vline(0, 10, 50)], []) == []  # no closed cell


def test_character_text_one_call_or_one_per_character(upright, monkeypatch):
    """The characters' text comes in one call; when that is out of step with the character
    count (a character outside the BMP), it is read one character at a time: same result."""
    with open_pdf(upright) as doc:
        batch = [doc.page(i).chars for i in range(len(doc))]
    monkeypatch.setattr(pdfium, "_get_text", lambda textpage, start, count, buffer: 0)
    with open_pdf(upright) as doc:
        single = [doc.page(i).chars for i in range(len(doc))]
    assert single == batch and sum(map(len, batch)) > 1000
