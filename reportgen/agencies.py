"""Invented publishing agencies: townships, counties, cities, provincial departments, ministries.

Place names are made up from syllable pools (青石镇, 云溪县; with `syllables=3`, 青石源镇: enough
distinct names for a national archive, ≈ 200,000 agencies, where two syllables run out before
40,000); province names are real. Region codes follow the national 6-digit shape (province 2 +
city 2 + county 2, townships 3 more) with real province prefixes and invented lower parts.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

LEVELS = ("township", "county", "city", "province", "ministry")

PROVINCES = {
    "北京市": "11", "河北省": "13", "山西省": "14", "辽宁省": "21", "吉林省": "22",
    "江苏省": "32", "浙江省": "33", "安徽省": "34", "福建省": "35", "江西省": "36",
    "山东省": "37", "河南省": "41", "湖北省": "42", "湖南省": "43", "广东省": "44",
    "四川省": "51", "贵州省": "52", "云南省": "53", "陕西省": "61", "甘肃省": "62",
}

_FIRST = "青云白石金清长安临平永宁新兴东西南北龙凤桃柳松梅溪泉河湖山岭"
_SECOND = "石溪水川河山峰林泉阳宁安城口坪桥湾源州塘岗"
_THIRD = "源坪湾岭桥洲营铺堡庄寨埠关集渡冲垭坝峪"
_DEPARTMENTS = ("教育局", "民政局", "财政局", "自然资源局", "生态环境局", "住房和城乡建设局",
                "交通运输局", "农业农村局", "卫生健康委员会", "市场监督管理局", "水利局",
                "人力资源和社会保障局", "应急管理局", "文化广电和旅游局")
_PROVINCIAL = ("教育厅", "民政厅", "财政厅", "自然资源厅", "交通运输厅", "水利厅",
               "农业农村厅", "卫生健康委员会", "生态环境厅", "商务厅")
_MINISTRIES = ("国家林草资讯局", "国家档案数据局", "国家水文监测局", "国家标准计量局",
               "海洋渔政部", "国土测绘部", "国家邮政信息局", "国家地震观测局")


@dataclass(frozen=True)
class Agency:
    name: str
    level: str  # one of LEVELS
    province: str
    city: str = ""
    county: str = ""
    region_code: str = ""

    @property
    def short(self) -> str:
        """How the narrative refers to itself: 青石镇, 云溪县, 临江市教育局."""
        return self.name.removesuffix("人民政府").removesuffix("办事处")


def _place(rng: random.Random, syllables: int = 2) -> str:
    name = rng.choice(_FIRST) + rng.choice(_SECOND)
    return name + rng.choice(_THIRD) if syllables == 3 else name


def agency(rng: random.Random, level: str | None = None, province: str | None = None,
           syllables: int = 2) -> Agency:
    """One invented agency drawn from `rng` (place names of 2 or 3 syllables)."""
    level = level or rng.choices(LEVELS, weights=(5, 4, 3, 2, 1))[0]
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {LEVELS}")
    province = province or rng.choice(list(PROVINCES))
    if province not in PROVINCES:
        raise ValueError(f"unknown province {province!r}")
    code = PROVINCES[province] + f"{rng.randint(1, 19):02d}{rng.randint(1, 29):02d}"
    city, county = _place(rng, syllables) + "市", _place(rng, syllables) + rng.choice("县县区")
    if level == "ministry":
        return Agency(rng.choice(_MINISTRIES), level, "", region_code="100000")
    if level == "province":
        name = province + (rng.choice(_PROVINCIAL) if rng.random() < 0.7 else "人民政府")
        return Agency(name, level, province, region_code=PROVINCES[province] + "0000")
    if level == "city":
        name = city + (rng.choice(_DEPARTMENTS) if rng.random() < 0.6 else "人民政府")
        return Agency(name, level, province, city, region_code=code[:4] + "00")
    if level == "county":
        name = county + (rng.choice(_DEPARTMENTS) if rng.random() < 0.5 else "人民政府")
        return Agency(name, level, province, city, county, code)
    town = _place(rng, syllables)
    name = town + rng.choices(("镇人民政府", "乡人民政府", "街道办事处"), weights=(6, 1, 3))[0]
    return Agency(name, level, province, city, county, code + f"{rng.randint(1, 30):03d}")


def agencies(seed: int, n: int, syllables: int = 2) -> list[Agency]:
    """`n` invented agencies, deterministic for `seed`, names unique (the first k of n are the
    k agencies `agencies(seed, k, syllables)` gives)."""
    rng = random.Random(seed)
    out: list[Agency] = []
    seen: set[str] = set()
    for _ in range(50 * n + 1000):  # the name space is finite: give up rather than loop forever
        if len(out) == n:
            return out
        a = agency(rng, syllables=syllables)
        if a.name not in seen:
            seen.add(a.name)
            out.append(a)
    raise ValueError(f"cannot invent {n} distinct agencies")
