"""What the mock portals publish: one ManifestEntry per linked document, plus the entry points
(Source) a crawler is given. Everything is derived from the seed, so tests know the truth."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import cached_property

from parsers.model import Report
from reportgen import generate

CST = timezone(timedelta(hours=8))

# expect: what a polite crawler using plain HTTP should end up with
EXPECTS = (
    "archived",    # fetched and archived as a report
    "skipped",     # a companion (解读/图解/一图读懂): never archived as a report
    "blocked",     # behind a JS challenge: plain HTTP gets the challenge, a browser gets the page
    "error",       # the fetch fails every time (truncated body)
    "disallowed",  # under a robots.txt Disallow: must never be requested
    "unlisted",    # linked from no list that answers (gkmlpt 404-from-page-2 variant)
)


@dataclass(eq=False)
class ManifestEntry:
    portal: str
    url: str                      # detail page, or the file itself when the list links a file
    kind: str                     # "report" | "companion"
    agency: str
    year: int
    template: str                 # "2021" | "2019" | "pre2019" (the layout printed, not the year)
    fmt: str                      # html | pdf | doc | docx | wps | ofd | image
    title: str                    # as the list shows it
    published: datetime
    column: str                   # URL of the list page that links it
    attachments: list[str] = field(default_factory=list)
    expect: str = "archived"
    flags: tuple[str, ...] = ()   # e.g. "cut", "late", "flaky429", "2019_layout_in_2023"
    seed: int = 0                 # reportgen seed
    blanks: str = "none"
    # the same agency's report for the year before on this portal: its 结转下年度继续办理 is this
    # report's 上年结转 (real reports chain), unless `carried_over` pins other figures
    previous: ManifestEntry | None = field(default=None, repr=False)
    carried_over: dict[str, int] | None = None

    @cached_property
    def report(self) -> Report | None:
        """The generated report (None for companions): the truth behind every number served."""
        return self.generate()

    @cached_property
    def carried_forward(self) -> dict[str, int] | None:
        """结转下年度继续办理 per applicant column (None without an applications table)."""
        r = self.generate()
        if r is None or self.template == "pre2019":
            return None
        return {c.column: c.value for c in r.cells
                if c.table == "applications" and c.row == "carried_forward" and isinstance(c.value, int)}

    def chained_carry(self) -> dict[str, int] | None:
        if self.kind != "report" or self.template == "pre2019":
            return None
        if self.carried_over is not None:
            return self.carried_over
        return self.previous.carried_forward if self.previous is not None else None

    def generate(self) -> Report | None:
        """A fresh copy of `report`; the portals render from these so that serving 20,000 pages
        does not keep 20,000 reports alive."""
        if self.kind != "report":
            return None
        return generate(seed=self.seed, template=self.template, year=self.year,
                        agency=self.agency, blanks=self.blanks, carried_over=self.chained_carry())


@dataclass(frozen=True)
class Source:
    """An entry point as a source registry would list it."""
    portal: str
    platform: str                 # trs | hanweb | gkmlpt | govcn | generic
    url: str
    name: str
    note: str = ""
    province: str = ""            # as the source registry writes it (江西, not 江西省); "" national


def registry_province(name: str) -> str:
    """江西省 → 江西, 北京市 → 北京: the registry's short province names."""
    return name.removesuffix("省").removesuffix("市") if name else ""


def template_for(year: int) -> str:
    return "2021" if year >= 2021 else "2019" if year >= 2019 else "pre2019"


_TITLES = (
    "{a}{y}年政府信息公开工作年度报告",
    "{a}{y}年政府信息公开工作年度报告",
    "{a}{y}年政府信息公开工作年度报告",
    "{a}{y}年度政府信息公开工作年度报告",
    "{a}{y}年政府信息公开年度报告",
    "{a}{y}年政府信息公开工作报告",
    "{a}{y}年政府信息公开工作年度报告（超链版）",
)
COMPANIONS = {
    "解读": "《{a}{y}年政府信息公开工作年度报告》解读",
    "图解": "图解：{a}{y}年政府信息公开工作年度报告",
    "一图读懂": "一图读懂{a}{y}年政府信息公开工作年度报告",
}


class Plan:
    """Deterministic choices for one portal."""

    def __init__(self, seed: int, portal: str):
        self.seed = seed
        self.rng = random.Random(f"{seed}:{portal}")
        self._ids: set[int] = set()

    def new_id(self, lo: int = 100000, hi: int = 999999) -> int:
        while True:
            i = self.rng.randint(lo, hi)
            if i not in self._ids:
                self._ids.add(i)
                return i

    def report_seed(self) -> int:
        return self.rng.randrange(1, 2**31)

    def title(self, agency: str, year: int, plain: bool = False) -> str:
        fmt = _TITLES[0] if plain else self.rng.choice(_TITLES)
        return fmt.format(a=agency, y=year)

    def published(self, year: int, late: bool = False) -> datetime:
        """Reports for year N appear January–March of N+1; late ones months later."""
        start = datetime(year + 1, 4 if late else 1, 5, 9, tzinfo=CST)
        days = self.rng.randint(0, 150 if late else 84)
        return start + timedelta(days=days, minutes=self.rng.randint(0, 8 * 60))


def scaled(n: int, scale: float) -> int:
    return max(1, round(n * scale))
