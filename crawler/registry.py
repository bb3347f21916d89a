"""The source registry: real annual-report columns, built from ../shared/data/portals.csv.

`python -m crawler.registry build [PORTALS_CSV]` regenerates crawler/sources.csv (committed data);
`load_sources()` reads it. Listing rows become sources; detail rows name the platform and add
fallback entry points (their column, derived from the URL shape) and samples; attachment rows are
platform samples only (none is an annual report). Uncertain rows keep their flags.
"""
from __future__ import annotations

import csv
import re
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
SOURCES_CSV = HERE / "sources.csv"
DEFAULT_PORTALS = HERE.parent.parent / "shared" / "data" / "portals.csv"

PLATFORMS = ("trs", "hanweb", "gkmlpt", "govcn", "fujian", "generic")
# Fujian's province-wide platform runs every government site of the province: fujian.gov.cn
# (fj.gov.cn) and its department subdomains, and the city and county sites
FUJIAN_DOMAINS = ("fujian.gov.cn", "fj.gov.cn", "fuzhou.gov.cn", "xm.gov.cn", "quanzhou.gov.cn",
                  "zhangzhou.gov.cn", "putian.gov.cn", "sm.gov.cn", "np.gov.cn", "longyan.gov.cn",
                  "ningde.gov.cn", "pingtan.gov.cn", "fuqing.gov.cn")
FIELDS = ("id", "name", "level", "province", "city", "county", "region_code", "entry_url",
          "entry_urls", "platform", "platform_note", "render", "flags", "samples", "years")

# GB/T 2260 province-level codes (public facts); only certain for province-level agencies
PROVINCE_CODES = {
    "北京": "110000", "天津": "120000", "河北": "130000", "山西": "140000", "内蒙古": "150000",
    "辽宁": "210000", "吉林": "220000", "黑龙江": "230000", "上海": "310000", "江苏": "320000",
    "浙江": "330000", "安徽": "340000", "福建": "350000", "江西": "360000", "山东": "370000",
    "河南": "410000", "湖北": "420000", "湖南": "430000", "广东": "440000", "广西": "450000",
    "海南": "460000", "重庆": "500000", "四川": "510000", "贵州": "520000", "云南": "530000",
    "西藏": "540000", "陕西": "610000", "甘肃": "620000", "青海": "630000", "宁夏": "640000",
    "新疆": "650000",
}
LEVEL_RANK = {"ministry": 0, "province": 1, "city": 2, "county": 3, "department": 4, "township": 5}


@dataclass
class Source:
    id: str
    name: str
    level: str = ""
    province: str = ""
    city: str = ""
    county: str = ""
    region_code: str = ""
    entry_url: str = ""
    entry_urls: list[str] = field(default_factory=list)
    platform: str = "generic"
    platform_note: str = ""
    render: str = "http"  # "browser": fetch through headless Chromium (JS challenges)
    flags: list[str] = field(default_factory=list)
    samples: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)

    def to_row(self) -> dict[str, str]:
        d = asdict(self)
        for k in ("entry_urls", "flags", "samples"):
            d[k] = "|".join(d[k])
        d["years"] = "|".join(str(y) for y in self.years)
        return {k: d[k] for k in FIELDS}

    @classmethod
    def from_row(cls, row: dict[str, str]) -> "Source":
        def split(v: str) -> list[str]:
            return [x for x in (v or "").split("|") if x]

        kw = {k: row.get(k, "") or "" for k in FIELDS}
        return cls(**{**kw, "entry_urls": split(kw["entry_urls"]) or [kw["entry_url"]],
                      "flags": split(kw["flags"]), "samples": split(kw["samples"]),
                      "years": [int(y) for y in split(kw["years"])], "render": kw["render"] or "http",
                      "platform": kw["platform"] or "generic"})

    def archive_row(self) -> dict[str, str]:
        """The `sources` table row (archive.sources.upsert_sources)."""
        flags = self.flags + ([f"render:{self.render}"] if self.render != "http" else [])
        return {"id": self.id, "name": self.name, "level": self.level, "province": self.province,
                "city": self.city, "county": self.county, "region_code": self.region_code,
                "entry_url": self.entry_url, "platform": self.platform, "flags": ",".join(flags)}


def is_fujian_host(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return any(host == d or host.endswith("." + d) for d in FUJIAN_DOMAINS)


def classify_platform(note: str, url: str = "", province: str = "") -> str:
    """The platform a registry row's note names; a Fujian government site's TRS (or unnamed)
    CMS is the province's platform (a note naming another CMS keeps it)."""
    named = _named_platform(note)
    if named == "trs" and (province == "福建" or is_fujian_host(url)):
        return "fujian"
    if named == "generic" and is_fujian_host(url) and not re.search(r"cms|custom", note, re.I):
        return "fujian"
    return named


def _named_platform(note: str) -> str:
    n = note.lower()
    if "gkmlpt" in n:
        return "gkmlpt"
    if "hanweb" in n and "like" not in n:
        return "hanweb"
    if "trs" in n:
        return "trs"
    if "gov.cn" in n or "content_nnn" in n:
        return "govcn"
    return "generic"


_TRS_DETAIL = re.compile(r"^(.*/)\d{6}/t\d{8}_\d+(?:_wap)?\.s?html?$")
_HANWEB_ART = re.compile(r"^(.*?)/art/\d{4}/\d{1,2}/\d{1,2}/art_(\d+)_\d+\.html$")
_HANWEB_ART_NEW = re.compile(r"^(.*?)/art/\d{4}/art_[0-9a-f]{32}\.html$")
_GKMLPT = re.compile(r"^(.*?/gkmlpt)/content/")


def column_of(url: str, platform: str) -> str | None:
    """The column (list) URL a detail URL was published under, where its shape tells."""
    if platform in ("trs", "fujian") and (m := _TRS_DETAIL.match(url)):
        return m.group(1)
    if platform == "hanweb":
        if m := _HANWEB_ART.match(url):
            return f"{m.group(1)}/col/col{m.group(2)}/index.html"
        if m := _HANWEB_ART_NEW.match(url):
            return m.group(1) + "/"
    if platform == "gkmlpt" and (m := _GKMLPT.match(url)):
        return m.group(1) + "/index"
    return None


def _flags(agency: str, note: str, page_kind: str) -> list[str]:
    text = agency + " " + note
    flags = [f for f in ("inferred", "reconstructed") if f in text]
    if page_kind == "detail":
        flags.append("from-detail")
    if re.search(r"解读|非政务公开年报|not an annual report|年报评选|格式通知", text):
        flags.append("not-report")
    if "转载" in text or "repost" in text:
        flags.append("repost")
    return flags


def _place(agency: str, level: str, province: str) -> tuple[str, str]:
    """City and county named in the agency (heuristic; empty when unsure)."""
    hint = re.search(r"[（(]([^）)]+)[）)]", agency)
    name = re.sub(r"\s*[（(].*?[）)]", "", agency).strip()
    if level in ("ministry", "province"):
        return "", ""
    city = county = ""
    for suffix in ("市", "州|盟"):  # 市 first: 广州市 is a city, not 广州
        if m := re.match(rf"^(?:.{{2,4}}省)?(.{{1,6}}?(?:{suffix}))(?!省|场|民|政府|级|委|监)", name):
            city = m.group(1)
            break
    rest = name[len(city):] if city and name.startswith(city) else name
    if m := re.match(r"^(.{1,10}?(?:自治县|县|区|旗))(?!域|直)", rest):
        if "自治区" not in m.group(1):
            county = m.group(1)
    if not city and hint and re.fullmatch(r"[\u4e00-\u9fff]{2,3}", hint.group(1)) and not re.search(r"年报|厅|局|委|办", hint.group(1)):
        city = hint.group(1) + "市"
    return city, county


def _slug(url: str) -> str:
    u = urlsplit(url)
    host = [p for p in u.hostname.split(".") if p not in ("www", "gov", "cn", "com", "org")]
    path = [p for p in u.path.split("/") if p and not re.match(r"(index|list|rlist)(_\d+)?\.", p)]
    tail = re.sub(r"[^a-z0-9]+", "-", (path[-1] if path else "").lower()).strip("-")[:24]
    return "-".join([*host, tail] if tail else host)


def build(portals_csv: Path = DEFAULT_PORTALS) -> list[Source]:
    rows = list(csv.DictReader(portals_csv.open(encoding="utf-8")))
    groups: dict[str, Source] = {}
    order: list[str] = []

    def group_for(url: str, row: dict[str, str], platform: str, kind: str) -> Source:
        entry = url.split("://", 1)[1]  # http and https name the same column
        if entry not in groups:
            province = "" if row["region"] == "国家" else row["region"]
            city, county = _place(row["agency"], row["level"], province)
            groups[entry] = Source(
                id="", name=re.sub(r"\s*[（(].*?[）)]\s*$", "", row["agency"]).strip() or row["agency"],
                level=row["level"], province=province, city=city, county=county,
                region_code=PROVINCE_CODES.get(province, "") if row["level"] == "province" else "",
                entry_url=url, entry_urls=[url], platform=platform, platform_note=row["platform"],
                flags=_flags(row["agency"], row["platform"], kind))
            order.append(entry)
        return groups[entry]

    for row in rows:  # listings first: they are the sources
        if row["page_kind"] == "listing":
            group_for(row["url"], row, classify_platform(row["platform"], row["url"], row["region"]), "listing")
    for row in rows:
        if row["page_kind"] != "detail":
            continue
        platform = classify_platform(row["platform"], row["url"], row["region"])
        column = column_of(row["url"], platform)
        src = group_for(column or row["url"], row, platform, "detail")
        if src.platform == "generic" and platform != "generic":
            src.platform = platform  # the detail page names the platform the listing row didn't
        if row["url"] not in src.samples and row["url"] != src.entry_url:
            src.samples.append(row["url"])
            if column:  # the report itself is a fallback entry point when the column drifts
                src.entry_urls.append(row["url"])
        if row["year"]:
            src.years = sorted({*src.years, int(row["year"])})
        if LEVEL_RANK.get(row["level"], 9) < LEVEL_RANK.get(src.level, 9) and "from-detail" in src.flags:
            src.level, src.name = row["level"], re.sub(r"\s*[（(].*?[）)]\s*$", "", row["agency"]).strip()
        for f in _flags(row["agency"], row["platform"], "detail"):
            if f in ("inferred", "reconstructed") and f not in src.flags:
                src.flags.append(f)

    sources, seen = [], set()
    for entry in order:
        s = groups[entry]
        base = _slug(s.entry_url)
        s.id = base
        n = 2
        while s.id in seen:
            s.id, n = f"{base}-{n}", n + 1
        seen.add(s.id)
        sources.append(s)
    return sources


def write(sources: list[Source], path: Path = SOURCES_CSV) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS, lineterminator="\n")
        w.writeheader()
        w.writerows(s.to_row() for s in sources)


def load_sources(path: Path = SOURCES_CSV) -> list[Source]:
    with path.open(encoding="utf-8", newline="") as f:
        return [Source.from_row(r) for r in csv.DictReader(f)]


def select(sources: list[Source], *, ids: list[str] | None = None, province: str | None = None,
           platform: str | None = None, level: str | None = None) -> list[Source]:
    """Filter the registry; an unknown id is an error (a typo must not crawl nothing silently)."""
    if ids:
        by_id = {s.id: s for s in sources}
        missing = [i for i in ids if i not in by_id]
        if missing:
            raise KeyError(f"unknown source id(s): {', '.join(missing)}")
        sources = [by_id[i] for i in ids]
    return [s for s in sources
            if (not province or s.province.startswith(province.rstrip("省市")) or s.province == province)
            and (not platform or s.platform == platform)
            and (not level or s.level == level)]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] != "build":
        print("usage: python -m crawler.registry build [PORTALS_CSV]", file=sys.stderr)
        return 2
    src = Path(argv[1]) if len(argv) > 1 else DEFAULT_PORTALS
    sources = build(src)
    write(sources)
    print(f"{len(sources)} sources → {SOURCES_CSV}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
