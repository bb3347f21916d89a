"""The two real WPS-made PDFs in ../shared/corpus/real (read at run time, never copied):
every hand-checked cell, exactly the printed identity breaks (hongze-2023's section 四 is
wrong as printed and must stay so), and the narrative read in order."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from needs import shared_path
from parsers import parse, pdf
from parsers.blocks import Para, Table
from parsers.model import Report

DOCS = ("hongze-2023.pdf", "hongze-2024.pdf")


def real_pdf(name: str) -> Path:
    return shared_path("corpus", "real", name)


@pytest.fixture(scope="module", params=DOCS)
def real(request):
    path = real_pdf(request.param)
    expected = json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))
    return path, expected, parse(path)


def test_these_are_all_the_real_pdfs():
    assert sorted(p.name for p in shared_path("corpus", "real").glob("*.pdf")) == list(DOCS)


def test_every_expected_cell(real):
    _, expected, report = real
    got = {(c.table, c.row, c.column): c.value for c in report.cells}
    wrong = [(c["table"], c["row"], c["column"], c["value"], got.get((c["table"], c["row"], c["column"]), "missing"))
             for c in expected["cells"] if got.get((c["table"], c["row"], c["column"]), "missing") != c["value"]]
    assert not wrong, wrong
    assert report.template == expected["template"]
    assert report.year == expected["year"]
    assert report.media_type == expected["media_type"]


def test_identity_breaks_exactly(real):
    _, expected, report = real
    got = sorted((f.identity, f.row or f.column) for f in report.findings if f.code == "identity_break")
    want = sorted((b["identity"], b.get("row") or b.get("column")) for b in expected["identity_breaks"])
    assert got == want


def test_printed_totals_not_repaired():
    """hongze-2023 prints 行政复议 总计 0 over outcomes 10 + 1: the 0 stays."""
    report = parse(real_pdf("hongze-2023.pdf"))
    assert report.cell("appeals", "review", "total").value == 0
    assert report.cell("appeals", "lawsuit_after_review", "total").value == 0


def test_narrative_in_reading_order(real):
    path, _, _ = real
    blocks = pdf.to_blocks(path.read_bytes(), Report())
    paras = [b for b in blocks if isinstance(b, Para)]
    texts = [p.text for p in paras]
    # the six part headings, each its own paragraph, in order
    starts = [next(i for i, t in enumerate(texts) if t.startswith(h))
              for h in ("一、总体情况", "二、主动公开", "三、收到和处理", "四、政府信息公开行政复议", "五、存在的主要问题", "六、其他需要报告")]
    assert starts == sorted(starts)
    # page numbers ("-1-") are gone; the title is the first block, marked as a heading
    assert not [t for t in texts if t.replace(" ", "").strip("-—").isdigit()]
    assert paras[0].heading == 1 and "年政府信息公开工作年度报告" in paras[0].text
    # lines wrapped by the layout are joined into paragraphs (the preamble is one paragraph)
    assert any(t.startswith("本报告由") and "联系" in t for t in texts)
    # every table lies between part 二 and part 五
    at = {b.text[:2]: i for i, b in enumerate(blocks) if isinstance(b, Para) and b.text[:2] in ("二、", "五、")}
    table_at = [i for i, b in enumerate(blocks) if isinstance(b, Table)]
    assert at["二、"] < min(table_at) and max(table_at) < at["五、"]


def test_paragraph_continues_across_page_break():
    blocks = pdf.to_blocks(real_pdf("hongze-2023.pdf").read_bytes(), Report())
    texts = [b.text for b in blocks if isinstance(b, Para)]
    assert any("严格执行“分级审核" in t.replace(" ", "") for t in texts)  # "…“分" / page 2 "级审核…"


def test_table_split_by_page_break_arrives_in_parts():
    blocks = pdf.to_blocks(real_pdf("hongze-2024.pdf").read_bytes(), Report())
    tables = [b for b in blocks if isinstance(b, Table)]
    apps = [t for t in tables if any("结转" in c.text for r in t.rows for c in r)]
    assert {t.source["page"] for t in apps} == {3, 4}
    # the vertical header "三、本年度办理结果" is read as one label
    labels = [c.text for t in apps for r in t.rows for c in r]
    assert "三、本年度办理结果" in labels
    assert "商业企业" in labels  # a header printed on two lines
