"""The template's arithmetic identities, checked on the cells as printed.

A printed value is never changed here. A blank total whose parts are not all zero keeps
value None; a `total_omitted` finding carries the derived sum, and the identities use it.
"""
from __future__ import annotations

from functools import lru_cache

from .model import Report
from .spec import identities, template

Key = tuple[str, str, str]
_TOL = 1e-6


@lru_cache(maxsize=None)
def _shape(version: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...],
                                  frozenset[str]]:
    """(applications rows, their columns, results rows, appeals groups, outcomes, identity ids)."""
    tpl = template(version)
    rows = tuple(r.key for r in tpl.rows["applications"])
    cols = tuple(c.key for c in tpl.columns["applications"])
    results = rows[rows.index("granted"):rows.index("total_processed")]  # the parts of （七）总计
    groups = tuple(r.key for r in tpl.rows["appeals"])
    outcomes = tuple(c.key for c in tpl.columns["appeals"] if c.key != "total")
    return rows, cols, results, groups, outcomes, frozenset(i["id"] for i in identities())


def check_identities(report: Report) -> None:
    """Append a finding for every identity that fails, and for every blank total."""
    if report.template not in ("2021", "2019"):
        return
    app_rows, app_cols, results, groups, outcomes, ids = _shape(report.template)
    parts_cols = [c for c in app_cols if c != "total"]
    values: dict[Key, float | int | None] = {(c.table, c.row, c.column): c.value for c in report.cells}
    present = values.keys()
    if not any(k[:2] == ("applications", r) for r in results[-3:] for k in present) and \
            any(k[:2] == ("applications", "other_handling") for k in present) and "other_handling" not in results:
        # a 2021 report printing 2019's single （六）其他处理 row in place of its three sub-rows
        results = tuple(r for r in results if not r.startswith("other_")) + ("other_handling",)

    def get(k: Key) -> float | int | None:
        v = values.get(k)
        return derived.get(k) if v is None else v

    derived: dict[Key, float | int] = {}

    def derive(total: Key, parts: list[Key]) -> None:
        if total not in values or values[total] is not None:
            return
        nums = [get(p) for p in parts]
        if None in nums:
            return
        s = sum(nums)  # type: ignore[arg-type]
        derived[total] = s
        report.add_finding(
            "total_omitted", "warning",
            f"{total[1]}/{total[2]}: total printed blank; its parts sum to {s}",
            table=total[0], row=total[1], column=total[2], derived=s,
        )

    # derive blank totals: row totals first, then (七)总计 per column, then appeals totals
    for r in app_rows:
        derive(("applications", r, "total"), [("applications", r, c) for c in parts_cols])
    for c in app_cols:
        derive(("applications", "total_processed", c), [("applications", r, c) for r in results])
    for g in groups:
        derive(("appeals", g, "total"), [("appeals", g, o) for o in outcomes])

    def check(ident: str, lhs: list[Key], rhs: list[Key], **where: str) -> None:
        lv = [get(k) for k in lhs]
        rv = [get(k) for k in rhs]
        if None in lv or None in rv:  # a cell missing or unknown: nothing to check
            return
        left, right = sum(lv), sum(rv)  # type: ignore[arg-type]
        if abs(left - right) > _TOL:
            keys = lhs + rhs
            report.add_finding(
                "identity_break", "error",
                f"{ident} fails at {' '.join(f'{k}={v}' for k, v in where.items())}: {left} ≠ {right}",
                identity=ident, left=left, right=right,
                operands={f"{k[0]}.{k[1]}.{k[2]}": get(k) for k in keys}, **where,
            )

    if "balance_per_column" in ids:
        for c in app_cols:
            check("balance_per_column", [("applications", "new_received", c), ("applications", "carried_over", c)],
                  [("applications", "total_processed", c), ("applications", "carried_forward", c)],
                  table="applications", column=c)
    if "row_total" in ids:
        for r in app_rows:
            check("row_total", [("applications", r, "total")],
                  [("applications", r, c) for c in parts_cols], table="applications", row=r)
    if "results_sum" in ids:
        for c in app_cols:
            check("results_sum", [("applications", "total_processed", c)],
                  [("applications", r, c) for r in results], table="applications", column=c)
    if "appeals_group_total" in ids:
        for g in groups:
            check("appeals_group_total", [("appeals", g, "total")],
                  [("appeals", g, o) for o in outcomes], table="appeals", row=g)
