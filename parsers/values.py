"""Reading one printed cell: '1,234', '１２', '251000元', '0.0000', '+2', '减4', '12190余', '/', ''."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_FULLWIDTH = str.maketrans("０１２３４５６７８９．，－＋％", "0123456789.,-+%")
_NA = {"/", "-", "—", "——", "无", "－", "–", "N/A", "n/a", "／", "\\"}
_NUM = re.compile(
    r"^(?P<sign>[+\-]|增|减|增加|减少)?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?P<approx>余|多|左右)?(?P<unit>万元|元|条|件|个|项|次|篇|%|人次|家|份)?$"
)


@dataclass(frozen=True)
class Value:
    value: float | int | None
    kind: str  # number | blank | na | unreadable | out_of_range
    approx: bool = False
    unit: str | None = None


_REAL_DECIMALS = re.compile(r"\.\d*[1-9]")
_SPACE = re.compile(r"[\s\u3000\xa0]+")
_SPACED_DIGITS = re.compile(r"\d[\s\u3000\xa0]+[+\-]?\d")
_LONG_NUMBER = re.compile(r"[+\-]?[\d,]+(?:\.\d+)?\D{0,3}")
MAX_DIGITS = 30  # a longer "number" is not a cell value (and int() would refuse it)
# the archive's integer range (SQLite: 8-byte signed); a number beyond it is no real count
MAX_VALUE = 2**63 - 1


@lru_cache(maxsize=65536)
def parse_value(raw: str) -> Value:
    """Parse a printed cell; never raises. Cached: documents repeat the same few strings."""
    if not raw:
        return Value(None, "blank")
    if raw.isascii() and raw.isdigit():
        if len(raw) > 19 or int(raw) > MAX_VALUE:
            return Value(None, "out_of_range")
        return Value(int(raw), "number")
    text = raw.translate(_FULLWIDTH)
    if _SPACED_DIGITS.search(text):
        return Value(None, "unreadable")  # "1 0 0 1": several numbers in one cell, never 1001
    text = _SPACE.sub("", text)
    if not text:
        return Value(None, "blank")
    if len(text) > MAX_DIGITS + 12:
        return Value(None, "out_of_range" if _LONG_NUMBER.fullmatch(text) else "unreadable")
    if text in _NA:
        return Value(None, "na")
    m = _NUM.match(text)
    if not m:
        return Value(None, "unreadable")
    num = m["num"].replace(",", "")
    value: float | int = float(num) if "." in num else int(num)
    if isinstance(value, float) and value.is_integer() and not _REAL_DECIMALS.search(num):
        # '0.0000' (万元 with four decimals) reads as the whole number it is
        value = int(value)
    if m["sign"] in ("-", "减", "减少"):
        value = -value
    if abs(value) > MAX_VALUE:
        return Value(None, "out_of_range")
    return Value(value, "number", approx=bool(m["approx"]), unit=m["unit"])
