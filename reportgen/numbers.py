"""Invented table numbers: realistic sizes per agency level, consistent with every identity of
the template, then printed (raw strings) the way real reports print them.

Three steps, each a pure function of its inputs and the seeded `random.Random`:
`true_values` (what the agency handled), `apply_breaks` (the printed arithmetic errors asked
for), `printed` (raw strings and the values a reader can take from them).
"""
from __future__ import annotations

import random
import zlib
from functools import lru_cache

from parsers.spec import Template, template

Key = tuple[str, str, str]
Num = int | float | None

# How applications split over applicant types (most come from natural persons).
_APPLICANT_WEIGHTS = {"natural_person": 75, "commercial_enterprise": 12, "research_institution": 2,
                      "social_welfare_org": 2, "legal_service_org": 4, "other_org": 5}
# How handled applications split over result rows; rows not listed get a small weight.
_RESULT_WEIGHTS = {
    "granted": 400, "partially_granted": 80, "withheld_third_party_rights": 10,
    "withheld_internal_affairs": 10, "withheld_process_information": 15,
    "withheld_administrative_query": 10, "unavailable_not_held": 200,
    "unavailable_needs_creation": 30, "unavailable_unclear_after_correction": 20,
    "not_processed_petition": 40, "not_processed_repeated": 20, "not_processed_confirm_reissue": 10,
    "other_handling": 70, "other_no_correction": 30, "other_other": 40,
}
_OUTCOME_WEIGHTS = {"upheld": 60, "corrected": 10, "other": 15, "pending": 15}
# Requests received per year, and appeals, by level: (probability of none, upper bound).
_REQUESTS = {"township": (0.5, 8), "county": (0.1, 60), "city": (0.02, 300),
             "province": (0.0, 600), "ministry": (0.0, 1500)}
_APPEALS = {"township": (0.9, 2), "county": (0.6, 4), "city": (0.3, 12),
            "province": (0.1, 30), "ministry": (0.0, 90)}
# Size of the active-disclosure counts (licensing decisions etc.) by level.
_SCALE = {"township": 1, "county": 20, "city": 60, "province": 150, "ministry": 100}
NA_MARKS = ("/", "-", "—", "无")
_FULLWIDTH = str.maketrans("0123456789.,", "０１２３４５６７８９．，")


def split(rng: random.Random, n: int, weights: list[float]) -> list[int]:
    """`n` units over len(weights) parts, roughly proportional, exact sum; small parts often 0."""
    out = [0] * len(weights)
    if n <= 0:  # the common case: nothing to split
        return out
    order = sorted(range(len(weights)), key=weights.__getitem__)  # largest part takes the rest
    left, wleft = n, float(sum(weights))
    for i in order[:-1]:
        if left <= 0 or wleft <= 0:
            break
        x = min(left, int(left * weights[i] / wleft * rng.uniform(0.3, 1.7) + rng.random() * 0.6))
        out[i], left, wleft = x, left - x, wleft - weights[i]
    out[order[-1]] += left
    return out


def _count(rng: random.Random, spec: tuple[float, int]) -> int:
    p_none, hi = spec
    return 0 if rng.random() < p_none else rng.randint(1, hi)


def _active(rng: random.Random, tpl: Template, level: str) -> dict[Key, Num]:
    s = _SCALE[level]
    rulemaker = level in ("province", "ministry") or (level == "city" and rng.random() < 0.5)
    v: dict[Key, Num] = {}
    for r in tpl.rows["active"]:
        issued = rng.randint(0, 4) if r.key == "regulations" else rng.randint(0, 3 + s // 4)
        if r.key == "regulations" and not rulemaker:
            issued = 0
        for c in r.columns:
            if r.key == "regulations" and not rulemaker:
                x = 0
            elif c in ("issued", "new_made", "new_published"):
                x = issued
            elif c in ("repealed",):
                x = rng.randint(0, issued + 1) if issued or rng.random() < 0.3 else 0
            elif c in ("in_force", "total_published"):
                x = issued + (rng.randint(0, 40 * s) if r.key != "regulations" or rulemaker else 0)
            elif c == "amount_10k_yuan":  # 万元 with four decimals: ten-thousandths as an int
                x = 0 if level == "township" or rng.random() < 0.3 else rng.randint(1, 5_000_000 * s)
                x = x // 10000 if x % 10000 == 0 else x / 10000
            elif c == "items_prev_year":
                x = rng.randint(0, 10 * s)
            elif c == "items_change":
                x = rng.randint(-5, 5) if rng.random() < 0.6 else 0
            elif c == "procurement_items":
                x = rng.randint(0, 3 * s)
            elif c == "procurement_amount":  # 元
                x = rng.randint(0, 9) * 10 ** rng.randint(3, 6) + rng.randint(0, 999) * 100
            elif r.key == "licensing" or r.key == "other_services":
                x = rng.randint(0, 200 * s)
            elif r.key == "penalty":
                x = rng.randint(0, 30 * s)
            else:
                x = rng.randint(0, 3 * s)
            v[("active", r.key, c)] = x
    return v


def _applications(rng: random.Random, tpl: Template, level: str,
                  carried_over: dict[str, int] | None = None) -> dict[Key, Num]:
    rows = [r.key for r in tpl.rows["applications"]]
    parts = [c.key for c in tpl.columns["applications"] if c.key != "total"]
    carried_over = carried_over or {}
    results = rows[rows.index("granted"):rows.index("total_processed")]
    res_w = [_RESULT_WEIGHTS.get(k, 5) for k in results]
    new = split(rng, _count(rng, _REQUESTS[level]), [_APPLICANT_WEIGHTS.get(c, 5) for c in parts])
    v: dict[Key, Num] = {}
    for c, n in zip(parts, new):
        co = int(n * rng.uniform(0, 0.12) + rng.random() * 0.3)  # drawn even when given: same stream
        co = carried_over.get(c, co)
        cf = int((n + co) * rng.uniform(0, 0.12) + rng.random() * 0.3)
        v[("applications", "new_received", c)] = n
        v[("applications", "carried_over", c)] = co
        v[("applications", "carried_forward", c)] = cf
        v[("applications", "total_processed", c)] = n + co - cf
        for k, x in zip(results, split(rng, n + co - cf, res_w)):
            v[("applications", k, c)] = x
    for r in rows:
        v[("applications", r, "total")] = sum(v[("applications", r, c)] for c in parts)  # type: ignore[misc]
    return v


def _appeals(rng: random.Random, tpl: Template, level: str) -> dict[Key, Num]:
    outcomes = [c.key for c in tpl.columns["appeals"] if c.key != "total"]
    v: dict[Key, Num] = {}
    for i, g in enumerate(tpl.rows["appeals"]):
        p_none, hi = _APPEALS[level]
        n = _count(rng, (p_none + 0.1 * i, max(1, hi // (1 + i))))
        for o, x in zip(outcomes, split(rng, n, [_OUTCOME_WEIGHTS.get(o, 5) for o in outcomes])):
            v[("appeals", g.key, o)] = x
        v[("appeals", g.key, "total")] = n
    return v


def narrative_counts(rng: random.Random, level: str) -> tuple[int, int, int, int]:
    """(requests, answered, reviews, lawsuits) for a report whose figures are only in the text."""
    k = _count(rng, _REQUESTS[level])
    return k, k - rng.randint(0, k // 10), _count(rng, _APPEALS[level]), _count(rng, (0.5, 2))


def true_values(rng: random.Random, tpl: Template, level: str, zero: bool = False,
                carried_over: dict[str, int] | None = None) -> dict[Key, Num]:
    """Every cell of the template, identities holding. `zero`: an agency with nothing to report.
    `carried_over`: 上年结转 per applicant column (last year's 结转下年度; others drawn as usual)."""
    v = {**_active(rng, tpl, level), **_applications(rng, tpl, level, carried_over),
         **_appeals(rng, tpl, level)}
    if zero:
        v = dict.fromkeys(v, 0)
    return v


# --- printed arithmetic errors ---------------------------------------------------------

def apply_breaks(rng: random.Random, tpl: Template, v: dict[Key, Num], breaks: tuple[str, ...]) -> None:
    """Make the printed numbers break the named identities ("<identity>:<row or column key>").

    One printed cell changes per break, as in real reports; a cell takes part in several
    identities, so neighbours can break too (parsers.checks finds them all):
    appeals_group_total:<group>  the group's 总计 printed 0 while its outcomes are not;
    results_sum:<column>         （一）予以公开 in that column off by 1–3;
    row_total:<row>              the row's 总计 off by 1–3;
    balance_per_column:<column>  四、结转下年度继续办理 in that column off by 1–3.
    """
    app_cols = {c.key for c in tpl.columns["applications"]}
    app_rows = {r.key for r in tpl.rows["applications"]}
    groups = {r.key for r in tpl.rows["appeals"]}
    for b in breaks:
        ident, _, where = b.partition(":")
        d = rng.randint(1, 3)
        if ident == "appeals_group_total" and where in groups:
            if not any(v[("appeals", where, o)] for o in ("upheld", "corrected", "other", "pending")):
                v[("appeals", where, "upheld")] = d
            v[("appeals", where, "total")] = 0
        elif ident == "results_sum" and where in app_cols:
            v[("applications", "granted", where)] += d  # type: ignore[operator]
        elif ident == "row_total" and where in app_rows:
            v[("applications", where, "total")] += d  # type: ignore[operator]
        elif ident == "balance_per_column" and where in app_cols:
            v[("applications", "carried_forward", where)] += d  # type: ignore[operator]
        else:
            raise ValueError(f"unknown break {b!r} for template {tpl.version}")


# --- printing ---------------------------------------------------------------------------

BLANKS = ("none", "zeros_blank", "total_blank", "only_totals", "table_blank", "few_blank")
PRINTING = ("na", "units", "signs", "approx", "fullwidth", "thousands")


def _fmt(key: Key, x: Num, printing: frozenset[str], i: int) -> str:
    col = key[2]
    if col == "amount_10k_yuan":
        text = f"{x:.4f}"
    elif isinstance(x, float):
        text = f"{x:g}"
    elif col == "items_change" and "signs" in printing and x:
        text = f"+{x}" if x > 0 else (f"减{-x}" if i % 2 else str(x))
    elif "thousands" in printing:
        text = f"{x:,}"
    else:
        text = str(x)
    if "units" in printing:
        unit = {"issued": "件", "repealed": "件", "in_force": " 条", "procurement_amount": "元",
                "new_made": "件", "total_published": " 条"}.get(col, "")
        text += unit
    if "fullwidth" in printing and key[0] == "applications":
        text = text.translate(_FULLWIDTH)
    return text


@lru_cache(maxsize=None)
def _cell_keys(version: str) -> list[Key]:
    return template(version).cell_keys()


def printed(tpl: Template, v: dict[Key, Num], blanks: str, printing: frozenset[str],
            approx_key: Key | None) -> list[tuple[Key, Num, str]]:
    """(key, value as printed, raw) for every template cell, in printed order."""
    if blanks not in BLANKS:
        raise ValueError(f"unknown blanks {blanks!r}; expected one of {BLANKS}")
    parts = [c.key for c in tpl.columns["applications"] if c.key != "total"]
    out: list[tuple[Key, Num, str]] = []
    n_na = 0
    for i, key in enumerate(_cell_keys(tpl.version)):
        x = v[key]
        if x is None:  # not applicable: the four markers in turn
            raw, n_na = NA_MARKS[n_na % len(NA_MARKS)], n_na + 1
        elif not printing and type(x) is int and key[2] != "amount_10k_yuan":
            raw = str(x)  # the common case, kept fast (the archive bench generates 100,000 reports)
        else:
            raw = _fmt(key, x, printing, i)
        if key == approx_key:
            raw += "余"
        table, row, col = key
        if blanks in ("zeros_blank", "table_blank") and x == 0:
            raw = ""
        elif blanks == "few_blank" and x == 0 and zlib.crc32(repr(key).encode()) % 23 == 0:
            raw = ""  # now and then a zero left blank (one cell in a few rows)
        elif blanks == "total_blank" and table == "applications" and col == "total":
            raw = ""
            x = 0 if not any(v[(table, row, c)] for c in parts) else None
        elif blanks == "only_totals" and table == "applications" and col != "total":
            raw = ""
            x = 0 if not v[(table, row, "total")] else None
        out.append((key, x, raw))
    return out
