"""Any bytes in, a report out: random, truncated and mutated documents never raise, end in a
known status, and a truncated copy of the seed is `partial` with what is missing listed."""
from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from needs import shared_path
from parsers import parse
from parsers.assemble import assemble
from parsers.blocks import Image, Para, Table, TCell
from parsers.checks import check_identities
from parsers.model import STATUSES, Report

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def seed() -> bytes:
    """The seed report (../shared, read at run time; the tests that mutate it skip without it)."""
    return shared_path("corpus", "seed", "000_74cc16f0ef581249.txt").read_bytes()


def sane(r) -> None:
    assert r.status in STATUSES
    assert not [f for f in r.findings if f.code == "parser_error"], [f.message for f in r.findings]
    r.to_dict()  # serializable contract


@FUZZ
@given(st.binary(max_size=4000), st.sampled_from(["text/plain", "text/markdown", None]))
def test_random_bytes(data, media_type):
    r = parse(data, media_type)
    sane(r)


@FUZZ
@given(st.data())
def test_truncated_seed(seed, data):
    cut = data.draw(st.integers(min_value=0, max_value=len(seed)), label="cut")
    # the byte offset just after the last printed table value (the section 四 data row)
    tables_end = seed.index(b"\n", seed.index(b"0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0")) + 1
    first_part = seed.index("## 一、总体情况\n".encode()) + len("## 一、总体情况\n".encode())
    r = parse(seed[:cut], "text/plain")
    sane(r)
    if first_part <= cut < tables_end - 2:
        assert r.status == "partial"
        missing = next(f for f in r.findings if f.code == "incomplete").details["missing"]
        assert missing and set(missing) <= {"tables", "rows", "cells", "sections"}
    if cut >= len(seed) - 1:
        assert r.status == "ok"


@FUZZ
@given(st.data())
def test_mutated_seed(seed, data):
    edits = data.draw(st.lists(st.tuples(st.integers(0, len(seed) - 1), st.integers(0, 255), st.sampled_from("sdi")),
                               min_size=1, max_size=40), label="edits")
    data = bytearray(seed)
    for at, byte, op in edits:
        at = min(at, len(data) - 1)
        if op == "s":
            data[at] = byte
        elif op == "d":
            del data[at]
        else:
            data.insert(at, byte)
    r = parse(bytes(data), "text/plain")
    sane(r)


@FUZZ
@given(st.lists(st.text(alphabet="0123456789\t|\n 一、（）总计规章行政复议", max_size=60), max_size=80))
def test_table_like_noise(lines):
    sane(parse("\n".join(lines).encode("utf-8"), "text/plain"))


def test_pathological_documents_fail_fast():
    cases = {
        "5 MB of digits": b"1234567890" * 500_000,
        "100k table rows": b"1\t2\t3\t4\n" * 100_000,
        "a million lines": b"12\n" * 1_000_000,
        "one 300k-field row": b"\t".join([b"7"] * 300_000),
        "deep brackets": ("（" * 100_000).encode("utf-8"),
    }
    for name, data in cases.items():
        t = time.perf_counter()
        r = parse(data, "text/plain")
        assert time.perf_counter() - t < 5, name
        assert r.status == "failed", name
        assert [f for f in r.findings if f.severity == "error"], name


TEXT_DEVIATIONS = ("traditional", "halfwidth", "label_spaces", "bracket_notes", "no_natural_person_header",
                   "extra_row", "variant_labels", "split_headers", "page_breaks", "broken_dates")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), template=st.sampled_from(["2021", "2019"]),
       style=st.sampled_from(["tabs", "pipes", "cell_per_line", "trailing_pipes", "vertical_headers", "markdown"]),
       blanks=st.sampled_from(["none", "zeros_blank", "total_blank", "only_totals", "table_blank"]),
       deviations=st.lists(st.sampled_from(TEXT_DEVIATIONS), max_size=3, unique=True),
       printing=st.lists(st.sampled_from(["na", "units", "signs", "approx", "fullwidth", "thousands"]),
                         max_size=2, unique=True))
def test_generated_reports_never_get_a_wrong_number(seed, template, style, blanks, deviations, printing):
    """Whatever the rendering: every cell is the printed truth, or null and said so."""
    from reportgen import generate, render_text

    truth = generate(seed=seed, template=template, blanks=blanks, printing=tuple(printing))
    r = parse(render_text(truth, style=style, deviations=tuple(deviations)).encode("utf-8"), "text/plain")
    sane(r)
    assert (r.agency, r.year, r.template, r.status) == (truth.agency, truth.year, truth.template, "ok")
    got = {(c.table, c.row, c.column): c.value for c in r.cells}
    unsure = {(f.table, f.row, f.column) for f in r.findings if f.code.startswith("uncertain_")}
    for c in truth.cells:
        k = (c.table, c.row, c.column)
        assert got[k] == c.value or (got[k] is None and k in unsure), (k, c.value, got[k])


def _labels() -> list[str]:
    from parsers.spec import template

    out = ["行政复议", "行政诉讼", "申请人情况", "法人或其他组织", "信息内容", "第二十条第（一）项", "（三）不予公开",
           "三、本年度办理结果", "本年制发件数", "本年新制作数量", "（六）其他处理"]
    for v in ("2021", "2019"):
        t = template(v)
        out += [r.label for rows in t.rows.values() for r in rows]
        out += [c.label for cols in t.columns.values() for c in cols]
    return out


CELL = st.one_of(st.sampled_from(_labels()),
                 st.sampled_from(["", "", "0", "1", "12", "/", "3件", "12190余", "不详", "+2", "0.0000", "123000015"]))
TCELL = st.builds(lambda t, run: TCell(t, {"run": True} if run else {}), CELL, st.booleans())
BLOCK = st.one_of(
    st.builds(Para, st.sampled_from(["柳泉镇人民政府2021年政府信息公开工作年度报告", "一、总体情况",
                                     "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况",
                                     "全年共收到政府信息公开申请3件。", "本报告共分六个部分。"])),
    st.builds(lambda rows, lost: Table(rows, {"positions": "lost"} if lost else {}),
              st.lists(st.lists(TCELL, max_size=16), max_size=30), st.booleans()),
    st.builds(Image, st.just("t.png")))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(BLOCK, max_size=12))
def test_any_block_stream_assembles(blocks):
    """Whatever a front end emits: labels and values in any order, digit runs, lost positions."""
    r = Report()
    assemble(blocks, r)
    check_identities(r)
    sane(r)
