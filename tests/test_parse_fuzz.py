"""Any bytes in, a report out: random, truncated and mutated documents never raise, end in a
known status, and a truncated copy of the seed is `partial` with what is missing listed."""
from __future__ import annotations

import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers import parse
from parsers.model import STATUSES

SEED = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "seed" / "000_74cc16f0ef581249.txt"
DATA = SEED.read_bytes()
# the byte offset just after the last printed table value (the section 四 data row)
TABLES_END = DATA.index(b"\n", DATA.index(b"0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0")) + 1
FIRST_PART = DATA.index("## 一、总体情况\n".encode()) + len("## 一、总体情况\n".encode())
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


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
@given(st.integers(min_value=0, max_value=len(DATA)))
def test_truncated_seed(cut):
    r = parse(DATA[:cut], "text/plain")
    sane(r)
    if FIRST_PART <= cut < TABLES_END - 2:
        assert r.status == "partial"
        missing = next(f for f in r.findings if f.code == "incomplete").details["missing"]
        assert missing and set(missing) <= {"tables", "rows", "cells", "sections"}
    if cut >= len(DATA) - 1:
        assert r.status == "ok"


@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(DATA) - 1), st.integers(0, 255), st.sampled_from("sdi")),
                min_size=1, max_size=40))
def test_mutated_seed(edits):
    data = bytearray(DATA)
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
