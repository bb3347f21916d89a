"""Did the crawl reach the whole of each list? A list that declares its size — records
(Fujian `recordCount`, Hanweb `totalRecord`, gkmlpt `post_count`, TRS createPageHTML's total,
共N条) or pages (createPageHTML's count, `countPage`, 共N页) — is compared with what its pages
showed; a shortfall becomes a `list_incomplete` finding (crawler.pipelines), never silence.

Adapters say what each list answer shows by yielding a `ListPage`; the spider adds them up per
list (`ListTally`, keyed by the list's first URL, which every page request of the list carries
in `meta["list"]`) together with how many page requests were made and how many failed.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ListPage:
    """One answer of a list: the entries it shows (every record, report or not) and, where the
    list says, its declared size."""
    items: list[str]
    records: int | None = None   # declared number of records
    pages: int | None = None     # declared number of pages (when only pages are counted)
    page: int = 1                # which page of the list this answer is (1: the first)


@dataclass
class ListTally:
    source_id: str
    url: str                                            # the list's first page (or first API call)
    records: int | None = None
    pages: int | None = None
    items: set[str] = field(default_factory=set)
    shown: dict[int, int] = field(default_factory=dict)  # page number → entries on that page
    requested: int = 0   # further page requests made for the list
    answered: int = 0    # of those, answered with a list
    failed: int = 0      # of those, answered with an error (or not at all)
    probes_failed: set[int] = field(default_factory=set)  # pages asked for only in case a count is off

    def add(self, page: ListPage, further: bool) -> None:
        self.answered += further
        self.items.update(page.items)
        self.shown[page.page] = max(self.shown.get(page.page, 0), len(page.items))
        if page.records is not None:
            self.records = max(self.records or 0, page.records)
        if page.pages is not None:
            self.pages = max(self.pages or 0, page.pages)

    def merge(self, other: "ListTally") -> None:
        """Add what another worker of a fleet saw of the same list (each sees some of its pages)."""
        self.records = max(self.records or 0, other.records or 0) or None
        self.pages = max(self.pages or 0, other.pages or 0) or None
        self.items |= other.items
        for page, n in other.shown.items():
            self.shown[page] = max(self.shown.get(page, 0), n)
        self.requested += other.requested
        self.answered += other.answered
        self.failed += other.failed
        self.probes_failed |= other.probes_failed

    def to_dict(self) -> dict:
        return {"source_id": self.source_id, "url": self.url, "records": self.records, "pages": self.pages,
                "items": sorted(self.items), "shown": [[p, n] for p, n in sorted(self.shown.items())],
                "requested": self.requested, "answered": self.answered, "failed": self.failed,
                "probes_failed": sorted(self.probes_failed)}

    @classmethod
    def from_dict(cls, d: dict) -> "ListTally":
        return cls(d["source_id"], d["url"], d["records"], d["pages"], set(d["items"]),
                   {int(p): n for p, n in d["shown"]}, d["requested"], d["answered"], d["failed"],
                   set(d["probes_failed"]))

    @property
    def cut(self) -> bool:
        """Page requests that never came back: the incremental policy stopped paging (it trusts
        the archive for pages of known items) or the dupefilter dropped a repeat."""
        return self.answered + self.failed < self.requested

    def shortfall(self) -> dict | None:
        """`{declared, reached, unit, list_url}` when the list holds less than it declares."""
        if self.records:
            declared, reached, unit = self.records, len(self.items), "records"
        elif self.pages:
            declared, reached, unit = self.pages, len(self.shown), "pages"
            if declared - reached == 1 and declared in self.probes_failed and self._ended_early():
                return None  # TRS sites that count one page too many: the list had ended
        else:
            return None
        if reached >= declared or (self.cut and not self.failed):
            return None  # complete, or paging stopped on purpose over known items
        return {"declared": declared, "reached": reached, "unit": unit, "list_url": self.url}

    def _ended_early(self) -> bool:
        """The last page reached is shorter than the first (so the list ended there), or it is
        the first page itself (nothing to tell a short page by)."""
        last = max(self.shown)
        return last == 1 or self.shown[last] < self.shown.get(1, 0)
