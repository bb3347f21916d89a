"""An agency's administrative level (and, where it says so, its province) read from its name, for
reports found on a portal (a source registered without a level: one site publishing many
agencies' reports) or on a national portal (a source without a province).

Levels (the `sources.level` / `reports.level` vocabulary): ministry, province, city, county,
township, department. The name's ending decides, most specific first:
- township: …镇/乡/街道/苏木 (人民政府 | 政府 | 办事处 optional): 青石镇人民政府, 东关街道办事处;
- ministry: 国家…, 国务院…, 中华人民共和国…, or a …部 with no place before it (水利部);
- a government (…人民政府 | …政府, or a bare place name): 省/自治区/直辖市 → province,
  …市/自治州/地区/盟 → city, …县/区/旗 → county;
- department: a body of a government — …局/厅/委员会/委/办公室/办/署/中心 (临江市教育局,
  江西省教育厅, 云溪县卫生健康委员会).
Anything else → None (better no level than a wrong one). A county-level city (县级市) reads as
a city: its name does not say otherwise.
"""
from __future__ import annotations

import re

LEVELS = ("ministry", "province", "city", "county", "township", "department")
MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")  # cities at province level

_NOTE = re.compile(r"\s*[（(][^）)]*[）)]\s*$")  # a trailing (…) note: 某局（本级）
_TOWNSHIP = re.compile(r"(镇|乡|街道|苏木)(人民政府|政府|办事处)?$")
_NATIONAL = re.compile(r"^(国家|国务院|中华人民共和国)")
_PLACE = re.compile(r"(省|自治区|市|自治州|地区|盟|县|区|旗)")
_GOVERNMENT = re.compile(r"(人民政府|政府)$")
_DEPARTMENT = re.compile(r"(局|厅|委员会|委|办公室|办|署|中心)$")


def level_from_agency(name: str | None) -> str | None:
    """The level an agency's name states (see the module doc), or None."""
    name = _NOTE.sub("", (name or "").strip())
    if not name:
        return None
    if _TOWNSHIP.search(name):
        return "township"
    if _NATIONAL.match(name) or (name.endswith("部") and not _PLACE.search(name[:-1])):
        return "ministry"
    place = _GOVERNMENT.sub("", name)
    if place != name or not _DEPARTMENT.search(name):  # a government, or a bare place name
        if place in MUNICIPALITIES or place.endswith(("省", "自治区")):
            return "province"
        if place.endswith(("市", "自治州", "地区", "盟")):
            return "city"
        if place.endswith(("县", "区", "旗")):
            return "county"
        return None
    return "department" if _PLACE.search(name) else None


# province-level divisions by official name → the short name the source registry uses
_PROVINCES = {full: short for short, full in (
    ("北京", "北京市"), ("天津", "天津市"), ("上海", "上海市"), ("重庆", "重庆市"), ("河北", "河北省"),
    ("山西", "山西省"), ("辽宁", "辽宁省"), ("吉林", "吉林省"), ("黑龙江", "黑龙江省"), ("江苏", "江苏省"),
    ("浙江", "浙江省"), ("安徽", "安徽省"), ("福建", "福建省"), ("江西", "江西省"), ("山东", "山东省"),
    ("河南", "河南省"), ("湖北", "湖北省"), ("湖南", "湖南省"), ("广东", "广东省"), ("海南", "海南省"),
    ("四川", "四川省"), ("贵州", "贵州省"), ("云南", "云南省"), ("陕西", "陕西省"), ("甘肃", "甘肃省"),
    ("青海", "青海省"), ("台湾", "台湾省"), ("内蒙古", "内蒙古自治区"), ("广西", "广西壮族自治区"),
    ("西藏", "西藏自治区"), ("宁夏", "宁夏回族自治区"), ("新疆", "新疆维吾尔自治区"),
    ("香港", "香港特别行政区"), ("澳门", "澳门特别行政区"))}
_PROVINCE = re.compile("^(" + "|".join(sorted(_PROVINCES, key=len, reverse=True)) + ")")


def province_from_agency(name: str | None) -> str | None:
    """The province (short name: 江西) an agency's name starts with in full (江西省教育厅), or
    None. The full name is required: 海南藏族自治州 is in 青海, 吉林市 needs no rule."""
    m = _PROVINCE.match((name or "").strip())
    return _PROVINCES[m[1]] if m else None
