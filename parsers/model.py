"""The normalized report: what every parser front end produces.

The field names are the public JSON contract (`xxgk parse --json`), also used by the
archive and exports. Never rename a field or a key.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

STATUSES = ("ok", "partial", "failed")
SEVERITIES = ("error", "warning", "info")


@dataclass
class Section:
    number: int
    heading: str
    text: str = ""


@dataclass
class Cell:
    table: str  # active / applications / appeals
    row: str
    column: str
    value: float | int | None
    raw: str = ""
    imputed: bool = False
    source: dict[str, Any] = field(default_factory=dict)


@dataclass
class Fact:
    key: str
    value: float | int
    text: str = ""


@dataclass
class Finding:
    code: str
    severity: str
    message: str
    identity: str | None = None
    table: str | None = None
    row: str | None = None
    column: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = {k: v for k, v in asdict(self).items() if v is not None and k != "details"}
        d.update(self.details)
        return d


@dataclass
class Report:
    title: str = ""
    agency: str = ""
    year: int | None = None
    template: str | None = None  # "2021" | "2019" | "pre2019"
    status: str = "ok"
    media_type: str = ""
    sections: list[Section] = field(default_factory=list)
    cells: list[Cell] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    published_date: str | None = None  # YYYY-MM-DD, from a saved page's header (发布时间)
    url: str = ""  # the page the report was saved from (原文链接)

    def add_finding(self, code: str, severity: str, message: str, **kw: Any) -> Finding:
        known = {k: kw.pop(k) for k in ("identity", "table", "row", "column") if k in kw}
        f = Finding(code, severity, message, details=kw, **known)
        self.findings.append(f)
        return f

    def cell(self, table: str, row: str, column: str) -> Cell | None:
        for c in self.cells:
            if c.table == table and c.row == row and c.column == column:
                return c
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "agency": self.agency,
            "year": self.year,
            "template": self.template,
            "status": self.status,
            "media_type": self.media_type,
            "sections": [asdict(s) for s in self.sections],
            "cells": [asdict(c) for c in self.cells],
            "facts": [asdict(f) for f in self.facts],
            "findings": [f.to_dict() for f in self.findings],
            "published_date": self.published_date,
            "url": self.url,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Report":
        known = ("identity", "table", "row", "column", "code", "severity", "message")
        findings = [
            Finding(
                f["code"], f["severity"], f["message"],
                identity=f.get("identity"), table=f.get("table"),
                row=f.get("row"), column=f.get("column"),
                details={k: v for k, v in f.items() if k not in known},
            )
            for f in d.get("findings", [])
        ]
        return cls(
            title=d.get("title", ""), agency=d.get("agency", ""), year=d.get("year"),
            template=d.get("template"), status=d.get("status", "ok"),
            media_type=d.get("media_type", ""),
            sections=[Section(**s) for s in d.get("sections", [])],
            cells=[Cell(**c) for c in d.get("cells", [])],
            facts=[Fact(**f) for f in d.get("facts", [])],
            findings=findings,
            published_date=d.get("published_date"), url=d.get("url", ""),
        )
