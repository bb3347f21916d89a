"""Reading one printed cell (parsers/values.py)."""
from __future__ import annotations

import pytest

from parsers.values import parse_value


@pytest.mark.parametrize("raw,value", [
    ("0", 0), ("12", 12), ("1,234", 1234), ("１２３", 123), ("１，２３４", 1234), (" 7 ", 7),
    ("251000元", 251000), ("79000.1元", 79000.1), ("12 条", 12), ("2.8 %", 2.8), ("3件", 3),
    ("0.0000", 0), ("7730.28", 7730.28), ("+2", 2), ("-1", -1), ("减4", -4), ("增3", 3),
    ("12190余", 12190), ("\u3000５\xa0", 5),
])
def test_numbers(raw, value):
    v = parse_value(raw)
    assert v.kind == "number" and v.value == value and type(v.value) is type(value)


def test_zero_decimals_read_as_int_but_real_decimals_stay_float():
    assert parse_value("0.0000").value == 0 and isinstance(parse_value("0.0000").value, int)
    assert isinstance(parse_value("0.50").value, float)


@pytest.mark.parametrize("raw", ["/", "-", "—", "——", "无", "／", "－"])
def test_not_applicable(raw):
    assert parse_value(raw).kind == "na" and parse_value(raw).value is None


@pytest.mark.parametrize("raw", ["", "  ", "\u3000"])
def test_blank(raw):
    assert parse_value(raw).kind == "blank" and parse_value(raw).value is None


@pytest.mark.parametrize("raw", ["不详", "见附件", "1.2.3", "12a", "１２x", "1 0 0 0 0 0 1", "1 234", "12\u30003"])
def test_unreadable(raw):
    assert parse_value(raw).kind == "unreadable" and parse_value(raw).value is None


@pytest.mark.parametrize("raw", ["9" * 5000, "99999999999999999999", "9223372036854775808", "-9223372036854775808",
                                 "99999999999999999999元", "1,000,000,000,000,000,000,000"])
def test_beyond_the_archives_integer_range(raw):
    assert parse_value(raw).kind == "out_of_range" and parse_value(raw).value is None


def test_the_largest_integer_the_archive_holds_is_read():
    assert parse_value("9223372036854775807").value == 2**63 - 1


def test_approximation_and_unit_are_reported():
    v = parse_value("12190余")
    assert v.approx and v.value == 12190
    assert parse_value("251000元").unit == "元" and not parse_value("251000元").approx
