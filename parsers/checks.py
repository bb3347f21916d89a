"""The template's arithmetic identities, checked on the cells as printed.

A printed value is never changed here. A blank total whose parts are not all zero keeps
value None; a `total_omitted` finding carries the derived sum, and the identities use it.
"""
from __future__ import annotations

from functools import lru_cache

from .model import Report
from .spec import identities, template

Key = tuple[str, str, str]
Check = tuple[str, tuple[Key, ...], tuple[Key, ...], dict[str, str]]  # identity, lhs, rhs, where
_TOL = 1e-6


@lru_cache(maxsize=None)
def _plan(version: str, variant: bool) -> tuple[list[tuple[Key, tuple[Key, ...]]], list[Check]]:
    """(blank totals to derive: total ← parts, in order; identity checks) for a version.

    `variant`: a 2021 report printing 2019's single （六）其他处理 row in place of its three
    sub-rows; that row then is the last part of （七）总计.
    """
    tpl = template(version)
    rows = [r.key for r in tpl.rows["applications"]]
    cols = [c.key for c in tpl.columns["applications"]]
    parts_cols = [c for c in cols if c != "total"]
    results = rows[rows.index("granted"):rows.index("total_processed")]  # the parts of （七）总计
    if variant:
        results = [r for r in results if not r.startswith("other_")] + ["other_handling"]
    groups = [r.key for r in tpl.rows["appeals"]]
    outcomes = [c.key for c in tpl.columns["appeals"] if c.key != "total"]
    a = lambda r, c: ("applications", r, c)  # noqa: E731

    # derive blank totals: row totals first, then (七)总计 per column, then appeals totals
    derive = [(a(r, "total"), tuple(a(r, c) for c in parts_cols)) for r in rows]
    derive += [(a("total_processed", c), tuple(a(r, c) for r in results)) for c in cols]
    derive += [(("appeals", g, "total"), tuple(("appeals", g, o) for o in outcomes)) for g in groups]

    ids = {i["id"] for i in identities()}
    checks: list[Check] = []
    if "balance_per_column" in ids:
        checks += [("balance_per_column", (a("new_received", c), a("carried_over", c)),
                    (a("total_processed", c), a("carried_forward", c)), {"table": "applications", "column": c})
                   for c in cols]
    if "row_total" in ids:
        checks += [("row_total", (a(r, "total"),), tuple(a(r, c) for c in parts_cols),
                    {"table": "applications", "row": r}) for r in rows]
    if "results_sum" in ids:
        checks += [("results_sum", (a("total_processed", c),), tuple(a(r, c) for r in results),
                    {"table": "applications", "column": c}) for c in cols]
    if "appeals_group_total" in ids:
        checks += [("appeals_group_total", (("appeals", g, "total"),), tuple(("appeals", g, o) for o in outcomes),
                    {"table": "appeals", "row": g}) for g in groups]
    return derive, checks


def check_identities(report: Report) -> None:
    """Append a finding for every identity that fails, and for every blank total."""
    if report.template not in ("2021", "2019"):
        return
    values: dict[Key, float | int | None] = {(c.table, c.row, c.column): c.value for c in report.cells}
    variant = report.template == "2021" and ("applications", "other_handling", "total") in values and not any(
        ("applications", r, "total") in values for r in ("other_no_correction", "other_unpaid_fee", "other_other"))
    derive, checks = _plan(report.template, variant)
    absent = object()

    get = values.get
    for total, parts in derive:
        if get(total, absent) is not None:  # printed, or not in the document at all
            continue
        nums = [get(p) for p in parts]
        if None in nums:
            continue
        s = sum(nums)  # type: ignore[arg-type]
        values[total] = s  # the identities below use the derived sum
        report.add_finding(
            "total_omitted", "warning",
            f"{total[1]}/{total[2]}: total printed blank; its parts sum to {s}",
            table=total[0], row=total[1], column=total[2], derived=s,
        )

    for ident, lhs, rhs, where in checks:
        lv = [get(k) for k in lhs]
        if None in lv:  # a cell missing or unknown: nothing to check
            continue
        rv = [get(k) for k in rhs]
        if None in rv:
            continue
        left, right = sum(lv), sum(rv)  # type: ignore[arg-type]
        if abs(left - right) > _TOL:
            report.add_finding(
                "identity_break", "error",
                f"{ident} fails at {' '.join(f'{k}={v}' for k, v in where.items())}: {left} ≠ {right}",
                identity=ident, left=left, right=right,
                operands={f"{k[0]}.{k[1]}.{k[2]}": values.get(k) for k in lhs + rhs}, **where,
            )
