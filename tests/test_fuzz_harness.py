"""The project's fuzz harness (bench/fuzz_bench.py): a small slice of its campaign in the suite
(hypothesis picks the documents), its mutations reproducible, its verdicts right, and a run
through the capped parse workers. The long run's numbers are in docs/benchmarks.md."""
from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.fuzz_bench import MEDIA, Mutant, Outcome, judge, mutate, run, seeds, summary
from parsers import parse
from parsers.limits import Limits
from parsers.model import STATUSES

POOL = seeds(office=False, shared=False, generated=2)  # fixtures and generated reports: no LibreOffice
for _s in POOL:
    _s.baseline = parse(_s.data, MEDIA[_s.fmt], name=_s.name)
SLICE = settings(max_examples=120, deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SLICE
@given(st.integers(min_value=0, max_value=2**31))
def test_a_slice_of_the_campaign(index):
    m = mutate(index, POOL, campaign=1)
    report = parse(m.data, m.media_type, name=m.seed.name)  # an exception here is an escape
    assert report.status in STATUSES
    report.to_dict()
    o = judge(Outcome(m, report), Limits())
    assert "parser_error" not in o.verdicts, (m.kind, m.note, o.detail)
    if m.kind in ("hostile_charset", "reencode"):  # the same text, however it is declared or encoded
        assert "damaged_but_ok" not in o.verdicts, (m.seed.name, m.note, o.detail)


def test_mutations_are_reproducible_and_cover_every_kind():
    first = [mutate(i, POOL, campaign=3) for i in range(600)]
    again = [mutate(i, POOL, campaign=3) for i in range(600)]
    assert [m.data for m in first] == [m.data for m in again]
    assert {m.seed.fmt for m in first} == {"text", "html", "pdf", "docx"}
    kinds = {m.kind.split("_")[0] if m.kind.startswith("docx_") else m.kind for m in first}
    assert kinds >= {"bitflip", "overwrite", "insert", "truncate", "splice", "whitespace", "duplicate_row",
                     "hostile_charset", "reencode", "huge_number", "huge_span", "docx", "zip_header", "pdf_stream"}
    assert sum(m.data != m.seed.data for m in first) > 550


def test_damaged_but_ok_is_a_number_lost_without_a_word():
    seed = next(s for s in POOL if s.fmt == "text" and s.baseline.status == "ok" and s.baseline.cells)
    base = seed.baseline
    printed = next(c for c in base.cells if not c.imputed and c.value)
    key = (printed.table, printed.row, printed.column)
    mutant = Mutant(0, seed, "whitespace", seed.data + b"\t", MEDIA["text"], keeps_numbers=True)

    def cell_of(report):
        return next(c for c in report.cells if (c.table, c.row, c.column) == key)

    silent = copy.deepcopy(base)  # the trailing-tab case: a printed 3 read as a blank, imputed 0
    cell = cell_of(silent)
    cell.value, cell.raw, cell.imputed = 0, "", True
    o = judge(Outcome(mutant, silent), Limits())
    assert o.verdicts == ["damaged_but_ok"] and "1 cell(s) read differently" in o.detail

    elsewhere = copy.deepcopy(silent)  # a finding, but on another row: still silent
    other = next(c for c in base.cells if c.row != printed.row)
    elsewhere.add_finding("row_shifted", "warning", "…", table=other.table, row=other.row)
    assert judge(Outcome(mutant, elsewhere), Limits()).verdicts == ["damaged_but_ok"]
    said = copy.deepcopy(silent)  # the same, with a finding on its row: not silent
    said.add_finding("row_shifted", "warning", "…", table=printed.table, row=printed.row)
    assert judge(Outcome(mutant, said), Limits()).verdicts == []
    assert judge(Outcome(mutant, copy.deepcopy(base)), Limits()).verdicts == []  # read as the seed

    nulled = copy.deepcopy(base)  # a null no finding explains: silent whatever the seed says
    cell_of(nulled).value = None
    o = judge(Outcome(mutant, nulled), Limits())
    assert o.verdicts == ["damaged_but_ok"] and "1 null cell(s) without a finding" in o.detail

    flipped = Mutant(0, seed, "bitflip", seed.data[:-1] + b"7", MEDIA["text"], keeps_numbers=False)
    reread = copy.deepcopy(base)  # a digit flipped: read as printed now, not silent
    cell = cell_of(reread)
    cell.value, cell.raw = 7, "7"
    assert judge(Outcome(flipped, reread), Limits()).verdicts == []
    same_text = copy.deepcopy(base)  # …but the same printed text read as another value is
    cell_of(same_text).value = printed.value + 1
    assert judge(Outcome(flipped, same_text), Limits()).verdicts == ["damaged_but_ok"]
    del reread.cells[0]  # …and a cell of the seed gone without a finding is
    assert judge(Outcome(flipped, reread), Limits()).verdicts == ["damaged_but_ok"]


def test_verdicts_for_escapes_deaths_and_hangs():
    m = mutate(1, POOL)
    lim = Limits()
    assert judge(Outcome(m, escape="RecursionError: …"), lim).verdicts == ["escape"]
    assert judge(Outcome(m, died=-9), lim).verdicts == ["memory_kill"]
    assert judge(Outcome(m, killed=True, seconds=150), lim).verdicts == ["timeout"]
    assert judge(Outcome(m, report=parse(b"x"), seconds=lim.parse_seconds + 1), lim).verdicts == ["over_time_limit"]


@pytest.mark.slow
def test_a_short_campaign_through_the_capped_workers():
    lim = Limits()
    outcomes = [judge(o, lim) for o in run((mutate(i, POOL, campaign=2) for i in range(40)), 2, lim)]
    assert [o.mutant.index for o in outcomes] == list(range(40))  # in order
    assert all(o.report is not None and o.peak > 0 for o in outcomes)
    result = summary(outcomes, 1.0, lim)
    assert result["documents"] == 40 and result["escapes"] == result["memory_kills"] == result["timeouts"] == 0
    assert result["parser_errors"] == 0 and result["memory_cap"] == lim.parse_memory
