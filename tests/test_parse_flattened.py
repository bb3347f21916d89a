"""Zero silent wrong numbers on flattened text: generated reports with random numbers, printed the
ways real text archives and extractors print them (one line with the line breaks lost, digits run
together or partly apart, one cell per line, blank cells dropped), parsed: every cell is exact,
or null with a finding on its row (or its row absent and reported missing)."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers import parse
from reportgen import generate, render_text

LEVELS = ("township", "county", "city", "province", "ministry")


def _check(truth, r) -> None:
    assert not [f for f in r.findings if f.code == "parser_error"], [f.message for f in r.findings]
    assert (r.template, r.year) == (truth.template, truth.year)
    got = {(c.table, c.row, c.column): c.value for c in r.cells}
    flagged = {(f.table, f.row) for f in r.findings if f.severity in ("warning", "error") and f.row}
    missing_rows = {(f.table, f.row) for f in r.findings if f.code == "row_missing"}
    for c in truth.cells:
        k = (c.table, c.row, c.column)
        if k not in got:
            assert (c.table, c.row) in missing_rows, f"{k} absent without a row_missing finding"
            continue
        v = got[k]
        if v is None:
            assert (c.table, c.row) in flagged, f"{k} null without a finding on its row (truth {c.value})"
        else:
            assert c.value is not None and abs(v - c.value) < 1e-9, f"{k}: printed {c.value!r}, read {v!r}"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), template=st.sampled_from(["2021", "2019"]), level=st.sampled_from(LEVELS),
       style=st.sampled_from(["oneline", "cells_lines", "nodelim"]),
       spacing=st.sampled_from([(), ("spaced_cells",), ("some_spaces",)]),
       extra=st.sampled_from([(), ("markup",), ("traditional",), ("label_spaces",)]),
       blanks=st.sampled_from(["none", "few_blank"]))
def test_flattened_reports_never_read_a_wrong_number(seed, template, level, style, spacing, extra, blanks):
    truth = generate(seed, template, level=level, blanks=blanks if style != "nodelim" else "none")
    deviations = (spacing if style == "oneline" else ()) + extra
    r = parse(render_text(truth, style, deviations).encode("utf-8"), "text/plain")
    _check(truth, r)
