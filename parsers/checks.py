"""The template's arithmetic identities, checked on the cells as printed.

A printed value is never changed here. A blank total whose parts are not all zero keeps
value None; a `total_omitted` finding carries the derived sum, and the identities use it.
"""
from __future__ import annotations

from .model import Report
from .spec import identities, template

Key = tuple[str, str, str]
_TOL = 1e-6


def _results_rows(rows: list[str]) -> list[str]:
    """Rows from `granted` to the last other_* row (the parts of （七）总计)."""
    start = rows.index("granted")
    end = rows.index("total_processed")
    return rows[start:end]


def check_identities(report: Report) -> None:
    """Append a finding for every identity that fails, and for every blank total."""
    if report.template not in ("2021", "2019"):
        return
    tpl = template(report.template)
    values: dict[Key, float | int | None] = {}
    present: set[Key] = set()
    for c in report.cells:
        values[(c.table, c.row, c.column)] = c.value
        present.add((c.table, c.row, c.column))

    app_rows = [r.key for r in tpl.rows["applications"]]
    app_cols = [c.key for c in tpl.columns["applications"]]
    parts_cols = [c for c in app_cols if c != "total"]
    results = _results_rows(app_rows)
    if not any(k[1] in results[-3:] and k[0] == "applications" for k in present) and \
            any(k[:2] == ("applications", "other_handling") for k in present) and "other_handling" not in results:
        # a 2021 report printing 2019's single （六）其他处理 row in place of its three sub-rows
        results = [r for r in results if not r.startswith("other_")] + ["other_handling"]
    outcomes = [c.key for c in tpl.columns["appeals"] if c.key != "total"]
    groups = [r.key for r in tpl.rows["appeals"]]

    derived: dict[Key, float | int] = {}

    def get(k: Key) -> float | int | None:
        v = values.get(k)
        return derived.get(k) if v is None else v

    def derive(total: Key, parts: list[Key]) -> None:
        if total not in present or values.get(total) is not None:
            return
        nums = [get(p) for p in parts]
        if any(n is None for n in nums):
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
        keys = lhs + rhs
        if any(k not in present or get(k) is None for k in keys):
            return
        left = sum(get(k) for k in lhs)  # type: ignore[misc]
        right = sum(get(k) for k in rhs)  # type: ignore[misc]
        if abs(left - right) > _TOL:
            report.add_finding(
                "identity_break", "error",
                f"{ident} fails at {' '.join(f'{k}={v}' for k, v in where.items())}: "
                f"{left} ≠ {right}",
                identity=ident, left=left, right=right,
                operands={f"{k[0]}.{k[1]}.{k[2]}": get(k) for k in keys}, **where,
            )

    ids = {i["id"] for i in identities()}
    if "balance_per_column" in ids:
        for c in app_cols:
            a = lambda r: ("applications", r, c)  # noqa: E731
            check("balance_per_column", [a("new_received"), a("carried_over")],
                  [a("total_processed"), a("carried_forward")], table="applications", column=c)
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

