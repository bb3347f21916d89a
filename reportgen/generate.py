"""`generate`: one invented annual report as a parsers.model.Report (the truth a parser should find)."""
from __future__ import annotations

import random

from parsers.model import Cell, Report
from parsers.spec import Template, template as spec_template

from . import narrative, numbers
from .agencies import Agency, agency as invent_agency

TEMPLATES = ("2021", "2019", "pre2019")
# Title wordings seen on portals, most common first.
TITLES = ("{name}{year}年政府信息公开工作年度报告", "{name}{year}年度政府信息公开工作年度报告",
          "{name}{year}年政府信息公开年度报告", "{name}{year}年政府信息公开工作报告")


def generate(seed: int, template: str = "2021", year: int | None = None,
             agency: Agency | str | None = None, level: str | None = None,
             province: str | None = None, breaks: tuple[str, ...] = (), blanks: str = "none",
             printing: tuple[str, ...] = (), carried_over: dict[str, int] | None = None) -> Report:
    """An invented report, deterministic for its arguments. See the package docstring."""
    if template not in TEMPLATES:
        raise ValueError(f"unknown template {template!r}; expected one of {TEMPLATES}")
    unknown = set(printing) - set(numbers.PRINTING)
    if unknown:
        raise ValueError(f"unknown printing options {sorted(unknown)}; expected {numbers.PRINTING}")
    rng = random.Random(seed)
    if isinstance(agency, str):
        ag = Agency(agency, level or "county", province or "")
    else:
        ag = agency or invent_agency(rng, level, province)
    if year is None:
        year = rng.randint(2021, 2024) if template == "2021" else (
            rng.choice((2019, 2020)) if template == "2019" else rng.randint(2008, 2018))
    pr = frozenset(printing)
    title = rng.choices(TITLES, weights=(12, 3, 2, 1))[0].format(name=ag.name, year=year)
    report = Report(title=title, agency=ag.name, year=year, template=template, status="ok")
    if template == "pre2019":
        if breaks or blanks != "none" or carried_over is not None:
            raise ValueError("pre2019 reports have no tables: breaks, blanks and carried_over do not apply")
        f = narrative.fact_values(rng, ag.level, *numbers.narrative_counts(rng, ag.level),
                                  approx="approx" in pr)
        report.sections, report.facts = narrative.pre2019_parts(rng, ag, year, f, "approx" in pr)
        return report

    tpl = spec_template(template)
    if carried_over is not None:
        _check_carried_over(tpl, carried_over)
    v = numbers.true_values(rng, tpl, ag.level, zero=blanks == "table_blank", carried_over=carried_over)
    if "na" in pr:  # a unit without rule-making power prints 规章 as not applicable
        for c in tpl.row("active", "regulations").columns:  # type: ignore[union-attr]
            v[("active", "regulations", c)] = None
        fees = tpl.rows["active"][-1]
        v[("active", fees.key, fees.columns[0])] = None
    big = ("active", "licensing", "decisions")
    if "thousands" in pr or "approx" in pr:
        v[big] = max(v[big] or 0, rng.randint(1000, 20000))  # type: ignore[type-var]
    approx_key = None
    if "approx" in pr:
        v[big] = v[big] // 10 * 10  # type: ignore[operator]
        approx_key = big
    tot = lambda r, c="total": v[("applications", r, c)] or 0  # noqa: E731
    groups = [g.key for g in tpl.rows["appeals"]]
    f = narrative.fact_values(rng, ag.level, tot("new_received"), tot("total_processed"),
                              v[("appeals", groups[0], "total")] or 0,  # type: ignore[arg-type]
                              sum(v[("appeals", g, "total")] or 0 for g in groups[1:]),  # type: ignore[misc]
                              approx="approx" in pr)
    told = tuple(b.partition(":")[2] for b in breaks if b.startswith("narrative:"))
    for key in told:  # the narrative states a figure the table does not print
        if key not in narrative.TABLE_FACTS:
            raise ValueError(f"unknown break narrative:{key}; expected one of {narrative.TABLE_FACTS}")
        f[key] += rng.randint(1, 5)
    numbers.apply_breaks(rng, tpl, v, tuple(b for b in breaks if not b.startswith("narrative:")))
    report.cells = [Cell(t, r, c, x, raw) for (t, r, c), x, raw in numbers.printed(tpl, v, blanks, pr, approx_key)]
    report.sections, report.facts = narrative.six_parts(rng, ag, year, f, "approx" in pr, frozenset(told))
    return report


def _check_carried_over(tpl: Template, carried_over: dict[str, int]) -> None:
    """Applicant columns (and "total", which is recomputed as their sum) with counts ≥ 0."""
    cols = {c.key for c in tpl.columns["applications"]}
    unknown = set(carried_over) - cols
    if unknown:
        raise ValueError(f"unknown carried_over columns {sorted(unknown)}; expected some of {sorted(cols)}")
    bad = {c: x for c, x in carried_over.items() if not isinstance(x, int) or isinstance(x, bool) or x < 0}
    if bad:
        raise ValueError(f"carried_over counts must be integers >= 0: {bad}")
