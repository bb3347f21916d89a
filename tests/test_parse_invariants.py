"""Never silent: over the fixture corpus, generated flattened reports and a slice of the fuzz
campaign, every cell whose value is null has a finding naming its table and row (or its table,
for a condition of the whole table), and every imputed 0 is a blank read as 0 — where the truth
is known (the generator's), a cell printed blank, or, where the printing lost which of a row's
zeros was the blank (a run of cells, positions collapsed), one of as many imputed cells as the
row printed blanks, each truly 0 (`parsers/invariants.py`)."""
from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bench.fuzz_bench import mutate, seeds
from parsers import parse
from parsers.invariants import silent_imputations, silent_nulls
from parsers.model import Report
from reportgen import generate, render_text
from reportgen.corpus import DOCS, render


# renderings that print where each blank cell stands (an empty field, an empty HTML cell)
LOSSY = ("trailing_pipes", "nodelim", "oneline", "cells_lines")


def _never_silent(r: Report, truth: Report | None = None, located: bool = False) -> None:
    """`located`: the rendering printed every blank where it stands (not collapsed or dropped)."""
    assert not silent_nulls(r), f"null without a finding on its row: {silent_nulls(r)[:5]}"
    assert not silent_imputations(r), silent_imputations(r)[:5]
    if truth is None or r.template != truth.template:
        return
    printed = {(c.table, c.row, c.column): c for c in truth.cells}
    blanks = Counter((c.table, c.row) for c in truth.cells if c.raw == "")
    imputed = Counter()
    for c in r.cells:
        if not c.imputed:
            continue
        t = printed.get((c.table, c.row, c.column))
        assert t is not None and t.value == 0, f"{c.table}.{c.row}.{c.column} imputed 0, truth {t}"
        if located:
            assert t.raw == "", f"{c.table}.{c.row}.{c.column} imputed, printed {t.raw!r}"
        imputed[(c.table, c.row)] += 1
    over = {k: n for k, n in imputed.items() if n > blanks[k]}
    assert not over, f"more cells imputed than printed blank: {over}"


def _truth(doc) -> Report:
    return generate(doc.seed, doc.template, year=doc.year, level=doc.level, breaks=doc.breaks, blanks=doc.blanks,
                    printing=doc.printing)


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.name)
def test_the_fixture_corpus_is_never_silent(doc):
    _, data, media_type, _ = render(doc)
    _never_silent(parse(data, media_type), _truth(doc), located=doc.style not in LOSSY and doc.blanks != "few_blank")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), template=st.sampled_from(["2021", "2019"]),
       level=st.sampled_from(["township", "county", "city"]),
       style=st.sampled_from(["oneline", "cells_lines", "nodelim", "trailing_pipes", "tabs", "pipes", "markdown"]),
       spacing=st.sampled_from([(), ("spaced_cells",), ("some_spaces",)]),
       blanks=st.sampled_from(["none", "few_blank", "zeros_blank", "total_blank"]))
# found by this test: a blank 总计 after 1,0,0,0,0,1 behind a merged-cell filler read shifted by one
# (␣,1,0,0,0,0,1 adds up by chance): a natural person's 1 read as a blank, imputed 0
@example(seed=3441, template="2019", level="county", style="tabs", spacing=(), blanks="total_blank")
# section 四 transposed (an outcome's values among the groups) or as one run: findings named no row
@example(seed=36399, template="2021", level="county", style="cells_lines", spacing=(), blanks="zeros_blank")
@example(seed=397941, template="2021", level="city", style="oneline", spacing=(), blanks="zeros_blank")
def test_generated_flattened_reports_are_never_silent(seed, template, level, style, spacing, blanks):
    # (the blank printings a rendering can carry: none where digits run together without spaces)
    truth = generate(seed, template, level=level, blanks="none" if style == "nodelim" else blanks)
    text = render_text(truth, style, spacing if style == "oneline" else ())
    _never_silent(parse(text.encode("utf-8"), "text/plain"), truth, located=style not in LOSSY and blanks != "few_blank")


POOL = seeds(office=False, shared=False, generated=2)  # fixtures and generated reports, every format


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.integers(min_value=0, max_value=2**31))
def test_a_fuzz_slice_is_never_silent(index):
    m = mutate(index, POOL, campaign=5)
    _never_silent(parse(m.data, m.media_type, name=m.seed.name))


def test_the_invariant_sees_a_silent_null_and_a_wrong_imputation():
    _, data, media_type, _ = render(DOCS[0])
    r = parse(data, media_type)
    assert not silent_nulls(r) and not silent_imputations(r)
    cell = next(c for c in r.cells if c.table == "active" and c.value)
    cell.value = None  # a null no finding explains
    assert silent_nulls(r) == [(cell.table, cell.row, cell.column)]
    r.add_finding("uncertain_position", "warning", "…", table=cell.table, row=cell.row, column="elsewhere")
    assert silent_nulls(r) == [(cell.table, cell.row, cell.column)]  # another column's finding
    r.add_finding("identity_break", "error", "…", table=cell.table, row=cell.row)
    assert silent_nulls(r) == [(cell.table, cell.row, cell.column)]  # a break says nothing of a null
    r.add_finding("short_row", "warning", "…", table=cell.table, row=cell.row, columns=7)
    assert silent_nulls(r) == []  # a finding on the row
    other = next(c for c in r.cells if c.raw)
    other.imputed = True  # a printed value marked as a blank read as 0
    assert silent_imputations(r) == [(other.table, other.row, other.column)]
