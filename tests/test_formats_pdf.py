"""PDF front-end details that generated documents hit only by chance: a row cut by a page
break, repeated header rows, page-number lines, rulings versus text backgrounds."""
from __future__ import annotations

from parsers import pdf
from parsers.blocks import Para, Table, TCell


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
