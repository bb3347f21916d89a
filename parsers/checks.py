"""The template's arithmetic identities, checked on the cells as printed.

A printed value is never changed here. A blank total whose parts are not all zero keeps
value None; a `total_omitted` finding carries the derived sum, and the identities use it.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter

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


@dataclass(frozen=True)
class _Compiled:
    """A version's plan over a list of values indexed by slot: each identity's operands are
    fetched by one `itemgetter` (in C) instead of a dict look-up per key per report."""
    slot: dict[Key, int]  # every key the plan reads → its index
    derive: tuple[tuple[int, Key, itemgetter], ...]  # (total's slot, total, parts getter)
    # (identity, len(lhs), getter of lhs + rhs, lhs + rhs, where)
    checks: tuple[tuple[str, int, itemgetter, tuple[Key, ...], dict[str, str]], ...]


@lru_cache(maxsize=None)
def _compiled(version: str, variant: bool) -> _Compiled:
    derive, checks = _plan(version, variant)
    slot: dict[Key, int] = {}
    for k in [k for total, parts in derive for k in (total, *parts)] + [k for c in checks for k in c[1] + c[2]]:
        slot.setdefault(k, len(slot))

    def getter(keys: tuple[Key, ...]) -> itemgetter:
        # every operand list has two keys or more, so the getter always returns a tuple
        assert len(keys) >= 2
        return itemgetter(*(slot[k] for k in keys))

    return _Compiled(
        slot,
        tuple((slot[total], total, getter(parts)) for total, parts in derive),
        tuple((ident, len(lhs), getter(lhs + rhs), lhs + rhs, where) for ident, lhs, rhs, where in checks),
    )


_ABSENT = object()  # a key the document does not print at all
_VARIANT_PARTS = ("other_no_correction", "other_unpaid_fee", "other_other")


def check_identities(report: Report) -> None:
    """Append a finding for every identity that fails, and for every blank total."""
    if report.template not in ("2021", "2019"):
        return
    cells = report.cells
    keys = [(c.table, c.row, c.column) for c in cells]
    variant = False
    if report.template == "2021":  # 2019's single （六）其他处理 row printed in place of its three
        printed = set(keys)
        variant = ("applications", "other_handling", "total") in printed and \
            not any(("applications", part, "total") in printed for part in _VARIANT_PARTS)
    plan = _compiled(report.template, variant)
    values: list = [_ABSENT] * len(plan.slot)  # by slot; None: printed but unknown (or blank)
    for i, c in zip(map(plan.slot.get, keys), cells):  # (a key printed twice: the last one counts)
        if i is not None:
            values[i] = c.value

    for at, total, parts in plan.derive:
        if values[at] is not None:  # printed, or not in the document at all
            continue
        nums = parts(values)
        if None in nums or _ABSENT in nums:
            continue
        s = sum(nums)
        values[at] = s  # the identities below use the derived sum
        report.add_finding(
            "total_omitted", "warning",
            f"{total[1]}/{total[2]}: total printed blank; its parts sum to {s}",
            table=total[0], row=total[1], column=total[2], derived=s,
        )

    for ident, n_lhs, operands, keys, where in plan.checks:
        vs = operands(values)
        try:
            left, right = sum(vs[:n_lhs]), sum(vs[n_lhs:])
        except TypeError:  # a cell missing (_ABSENT) or unknown (None): nothing to check
            continue  # (cheaper than looking for them first: comparing each number with None)
        if abs(left - right) > _TOL:
            report.add_finding(
                "identity_break", "error",
                f"{ident} fails at {' '.join(f'{k}={v}' for k, v in where.items())}: {left} ≠ {right}",
                identity=ident, left=left, right=right,
                operands={f"{k[0]}.{k[1]}.{k[2]}": v for k, v in zip(keys, vs)}, **where,
            )
