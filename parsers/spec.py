"""The national template, read from `template.yaml` (the project's copy of the spec).

Everything the code knows about rows, columns, keys, labels and identities comes from that
file; this module only gives it convenient shapes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

SPEC_PATH = Path(__file__).with_name("template.yaml")
VERSIONS = ("2021", "2019", "pre2019")
TABLES = ("active", "applications", "appeals")


@dataclass(frozen=True)
class RowDef:
    table: str
    key: str
    label: str
    columns: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    group: str | None = None  # e.g. the 第二十条 item for `active`, the parent label elsewhere


@dataclass(frozen=True)
class ColumnDef:
    key: str
    label: str
    aliases: tuple[str, ...] = ()
    group: str | None = None
    unit: str | None = None


@dataclass
class Template:
    version: str
    rows: dict[str, list[RowDef]] = field(default_factory=dict)  # table -> rows in order
    columns: dict[str, list[ColumnDef]] = field(default_factory=dict)  # table -> all columns

    def cell_keys(self) -> list[tuple[str, str, str]]:
        """Every (table, row, column) of this template, in printed order."""
        return [(r.table, r.key, c) for t in TABLES for r in self.rows.get(t, []) for c in r.columns]

    def row(self, table: str, key: str) -> RowDef | None:
        return next((r for r in self.rows.get(table, []) if r.key == key), None)


@lru_cache(maxsize=1)
def raw() -> dict:
    return yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))


def _col(d: dict) -> ColumnDef:
    return ColumnDef(d["key"], d["label"], tuple(d.get("aliases", ())), d.get("group"), d.get("unit"))


@lru_cache(maxsize=None)
def template(version: str) -> Template:
    """The table layout of one template version (`pre2019` has no tables)."""
    spec = raw()
    t = Template(version)
    if version == "pre2019":
        return t
    active_rows: list[RowDef] = []
    active_cols: dict[str, ColumnDef] = {}
    for grp in spec["active"][version]:
        cols = [_col(c) for c in grp["columns"]]
        for c in cols:
            active_cols.setdefault(c.key, c)
        for r in grp["rows"]:
            active_rows.append(RowDef("active", r["key"], r["label"], tuple(c.key for c in cols),
                                      tuple(r.get("aliases", ())), grp["item"]))
    t.rows["active"], t.columns["active"] = active_rows, list(active_cols.values())

    app_cols = [_col(c) for c in spec["applicant_columns"]]
    t.columns["applications"] = app_cols
    t.rows["applications"] = [
        RowDef("applications", r["key"], r["label"], tuple(c.key for c in app_cols),
               tuple(r.get("aliases", ())), r.get("group"))
        for r in spec["applications_rows"]
        if version in r.get("versions", VERSIONS)
    ]
    outcomes = [_col(c) for c in spec["appeals"]["outcomes"]]
    t.columns["appeals"] = outcomes
    t.rows["appeals"] = [
        RowDef("appeals", g["key"], g["label"], tuple(c.key for c in outcomes),
               tuple(g.get("aliases", ())), g.get("group"))
        for g in spec["appeals"]["groups"]
    ]
    return t


def identities() -> list[dict]:
    return raw()["identities"]


def sections() -> list[dict]:
    return raw()["sections"]


def fact_keys() -> list[str]:
    return [f["key"] for f in raw()["facts"]]


# --- label normalization -------------------------------------------------------------

_HALF_TO_FULL = str.maketrans({"(": "（", ")": "）", ",": "，", ":": "：", ";": "；", '"': "“"})
# Traditional forms met in copied reports (only characters that occur in template labels).
_TRAD = str.maketrans({
    "規": "规", "範": "范", "開": "开", "政": "政", "資": "资", "訊": "讯", "請": "请", "數": "数",
    "處": "处", "結": "结", "轉": "转", "總": "总", "計": "计", "復": "复", "議": "议", "訟": "讼",
    "維": "维", "審": "审", "糾": "纠", "許": "许", "強": "强", "費": "费", "條": "条", "項": "项",
    "織": "织", "機": "机", "構": "构", "會": "会", "務": "务", "類": "类", "過": "过", "製": "制",
    "廢": "废", "門": "门", "現": "现", "預": "预", "與": "与", "無": "无", "確": "确", "補": "补",
    "統": "统", "為": "为", "於": "于", "書": "书", "單": "单", "個": "个", "舉": "举", "報": "报",
    "訪": "访", "訴": "诉", "絡": "络", "額": "额", "擔": "担", "辦": "办", "業": "业", "專": "专",
    "勵": "励", "實": "实", "際": "际", "應": "应", "經": "经", "證": "证", "執": "执", "檔": "档",
    "並": "并", "內": "内", "屬": "属", "國": "国", "際": "际", "閱": "阅", "險": "险", "穩": "稳",
    "況": "况", "決": "决", "導": "导", "錄": "录",
    "發": "发", "產": "产", "權": "权", "益": "益", "護": "护", "銷": "销", "設": "设", "關": "关",
    "據": "据", "錄": "录", "濟": "济", "準": "准", "給": "给", "對": "对", "仍": "仍", "不": "不",
})
_SPACE = re.compile(r"[\s\u3000\xa0]+")
# the three steps of norm() as one table: each maps a character to one character, so they
# compose; and the characters it changes (most texts have none: a search is cheaper than a translation)
_NORM = {c: m for c in {*_HALF_TO_FULL, *_TRAD, ord("”")}
         if (m := chr(c).translate(_HALF_TO_FULL).translate(_TRAD).replace("”", "“")) != chr(c)}
_NORM_CHARS = re.compile("[" + re.escape("".join(map(chr, _NORM))) + "]")


def norm(text: str) -> str:
    """Canonical form of a label for matching: no spaces, full-width brackets, simplified."""
    t = _SPACE.sub("", text or "")
    return t.translate(_NORM) if _NORM_CHARS.search(t) else t
