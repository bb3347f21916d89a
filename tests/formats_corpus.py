"""Generated documents for the format tests: DOCX from reportgen.docx, then PDF and DOC
through LibreOffice (one conversion run per target). Each case keeps its truth: the
generated Report, and the identity breaks its printed arithmetic contains."""
from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

from parsers.checks import check_identities
from parsers.convert import convert_files
from parsers.model import Report
from reportgen import generate
from reportgen.docx import render_docx

# name → (generate() arguments, render_docx() options)
CASES: dict[str, tuple[dict, dict]] = {
    "plain_2021": (dict(seed=11, template="2021", breaks=("appeals_group_total:review",)), {}),
    "nested_2019": (dict(seed=12, template="2019", breaks=("results_sum:total",)),
                    dict(nested=True, textbox=True, headings=True)),
    "total_blank": (dict(seed=13, template="2021", blanks="total_blank", level="province"), {}),
    "two_breaks_city": (dict(seed=15, template="2021", level="city",
                             breaks=("row_total:new_received", "balance_per_column:natural_person")),
                        dict(nested=True)),
    "zeros_blank_notes": (dict(seed=16, template="2021", blanks="zeros_blank", level="ministry",
                               printing=("thousands",)), dict(deviations=("bracket_notes", "label_spaces"))),
    "narrative_pre2019": (dict(seed=14, template="pre2019"), {}),
    "unruled": (dict(seed=17, template="2021", breaks=("results_sum:natural_person",)), dict(borders=False)),
}
# cases whose tables are printed without rulings: read by their rows, not to the last cell
UNRULED = {"unruled"}
FORMATS = ("docx", "pdf", "doc")


@dataclass
class Case:
    name: str
    truth: Report
    breaks: set[tuple[str, str]]  # (identity, row or column) printed wrong
    paths: dict[str, Path]


def breaks_of(report: Report) -> set[tuple[str, str]]:
    return {(f.identity or "", f.row or f.column or "") for f in report.findings if f.code == "identity_break"}


def build(directory: Path) -> dict[str, Case]:
    cases: dict[str, Case] = {}
    for name, (gen, opts) in CASES.items():
        truth = generate(**gen)
        checked = copy.deepcopy(truth)
        checked.findings = []
        check_identities(checked)
        path = directory / f"{name}.docx"
        path.write_bytes(render_docx(truth, **opts))
        cases[name] = Case(name, truth, breaks_of(checked), {"docx": path})
    docx = [c.paths["docx"] for c in cases.values()]
    for target in ("pdf", "doc"):
        for case, out in zip(cases.values(), convert_files(docx, target, directory, timeout=300)):
            case.paths[target] = out
    return cases
