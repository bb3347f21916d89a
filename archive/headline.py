"""A report's headline figures (the number columns of `reports`), derived from its cells.

Each figure is the 总计 column of section 三 (or a total of section 四/二). A group such as
（三）不予公开 is the sum of its printed rows; a total printed blank takes the sum its
`total_omitted` finding derived. Reports without tables (pre2019) fall back to the figures
stated in the narrative (facts) where the meaning is the same.
"""
from __future__ import annotations

from operator import attrgetter
from typing import Any

from parsers.model import Report

Key = tuple[str, str, str]

# headline column -> cells whose sum it is (the first alternative that has any value wins)
_APP = "applications"
SUMS: dict[str, list[list[Key]]] = {
    "new_requests": [[(_APP, "new_received", "total")]],
    "carried_over": [[(_APP, "carried_over", "total")]],
    "granted": [[(_APP, "granted", "total")]],
    "partially_granted": [[(_APP, "partially_granted", "total")]],
    "withheld": [[(_APP, r, "total") for r in (
        "withheld_state_secret", "withheld_prohibited_by_law", "withheld_security_stability",
        "withheld_third_party_rights", "withheld_internal_affairs", "withheld_process_information",
        "withheld_enforcement_files", "withheld_administrative_query")]],
    "unavailable": [[(_APP, r, "total") for r in (
        "unavailable_not_held", "unavailable_needs_creation", "unavailable_unclear_after_correction")]],
    "not_processed": [[(_APP, r, "total") for r in (
        "not_processed_petition", "not_processed_repeated", "not_processed_publication",
        "not_processed_excessive", "not_processed_confirm_reissue")]],
    "other_handled": [[(_APP, r, "total") for r in ("other_no_correction", "other_unpaid_fee", "other_other")],
                      [(_APP, "other_handling", "total")]],
    "total_processed": [[(_APP, "total_processed", "total")]],
    "carried_forward": [[(_APP, "carried_forward", "total")]],
    "reviews": [[("appeals", "review", "total")]],
    "lawsuits": [[("appeals", "lawsuit_direct", "total"), ("appeals", "lawsuit_after_review", "total")]],
    "regulations_issued": [[("active", "regulations", "issued")], [("active", "regulations", "new_made")]],
    "normative_documents_issued": [[("active", "normative_documents", "issued")],
                                   [("active", "normative_documents", "new_made")]],
    "licensing_decisions": [[("active", "licensing", "decisions")]],
    "penalty_decisions": [[("active", "penalty", "decisions")]],
    "coercion_decisions": [[("active", "coercion", "decisions")]],
    "fees_10k_yuan": [[("active", "fees", "amount_10k_yuan")]],
}

_KEY, _VALUE = attrgetter("table", "row", "column"), attrgetter("value")

# narrative facts with the same meaning, used when the report has no such cells
FACTS: dict[str, str] = {"new_requests": "requests_received", "reviews": "reviews", "lawsuits": "lawsuits"}


def as_count(v: Any) -> Any:
    """An integral float as an int (so that figures read as counts); anything else unchanged."""
    return int(v) if isinstance(v, float) and v.is_integer() else v


def headline(report: Report, keys: list[Key] | None = None) -> dict[str, float | int | None]:
    """Headline column -> value (None where the report does not give it). `keys`: the cells' keys
    in order, where the caller has them already."""
    values: dict[Key, float | int | None] = dict(zip(map(_KEY, report.cells) if keys is None else keys,
                                                     map(_VALUE, report.cells)))
    for f in report.findings:  # blank totals: the sum of their printed parts
        if f.code == "total_omitted" and f.table and (f.table, f.row, f.column) in values \
                and values[(f.table, f.row, f.column)] is None:
            values[(f.table, f.row, f.column)] = f.details.get("derived")
    facts = {f.key: f.value for f in report.facts}
    out: dict[str, float | int | None] = {}
    for col, alternatives in SUMS.items():
        total = None
        for keys in alternatives:
            present = [values[k] for k in keys if values.get(k) is not None]
            if present:
                total = sum(present)
                break
        if total is None and col in FACTS:
            total = facts.get(FACTS[col])
        out[col] = as_count(total)
    return out
