"""Agency levels read from invented names, and the loader using them for portal sources."""
from __future__ import annotations

import pytest

from archive.db import open_db
from archive.levels import LEVELS, level_from_agency, province_from_agency
from archive.load import load_document
from archive.sources import upsert_sources
from reportgen import generate, render_text


@pytest.mark.parametrize("name,level", [
    ("青石镇人民政府", "township"), ("云溪乡人民政府", "township"), ("东关街道办事处", "township"),
    ("白石镇", "township"), ("海洋渔政部", "ministry"), ("国家林草资讯局", "ministry"),
    ("国家发展和改革委员会", "ministry"), ("临江省人民政府", "province"), ("北京市人民政府", "province"),
    ("某某自治区人民政府", "province"), ("临江市人民政府", "city"), ("松岭自治州人民政府", "city"),
    ("云溪县人民政府", "county"), ("柳湾区人民政府", "county"), ("云溪县政府", "county"),
    ("禄溪彝族自治县", "county"), ("临江市教育局", "department"), ("临江省教育厅", "department"),
    ("云溪县卫生健康委员会", "department"), ("临江市柳湾区住建局", "department"),
    ("云溪县人民政府办公室", "department"), ("临江市教育局（本级）", "department"),
    ("临江市人民武装部", None), ("教育局", None), ("", None), (None, None), ("某某公司", None),
])
def test_level_from_agency(name, level):
    assert level_from_agency(name) == level
    assert level is None or level in LEVELS


def test_loader_reads_levels_only_for_portal_sources(tmp_path):
    db = open_db(tmp_path / "x.db")
    upsert_sources(db, [{"id": "portal", "name": "临江市人民政府门户网站", "province": "江西"},
                        {"id": "unit", "name": "临江市教育局", "level": "city", "province": "江西"}])

    def load(agency, **kw):
        r = generate(seed=len(agency), template="2021", year=2022, agency=agency)
        res = load_document(db, render_text(r).encode(), media_type="text/plain", **kw)
        return db["reports"].get(res.report_id)

    town = load("青石镇人民政府", source_id="portal")
    dept = load("临江市财政局", source_id="portal")
    unit = load("临江市教育局", source_id="unit")  # a registered level wins
    assert (town["level"], town["province"]) == ("township", "江西")
    assert (dept["level"], unit["level"]) == ("department", "city")
    sidecar = load("云溪县人民政府", meta={"level": "city"})  # an explicit sidecar level wins too
    assert sidecar["level"] == "city"


@pytest.mark.parametrize("name,province", [
    ("江西省教育厅", "江西"), ("北京市海淀区人民政府", "北京"), ("广西壮族自治区民政厅", "广西"),
    ("内蒙古自治区人民政府", "内蒙古"), ("海南藏族自治州人民政府", None), ("江西教育厅", None),
    ("国家林草资讯局", None), ("", None), (None, None),
])
def test_province_from_agency(name, province):
    assert province_from_agency(name) == province


def test_loader_reads_the_province_only_when_the_source_has_none(tmp_path):
    db = open_db(tmp_path / "x.db")
    upsert_sources(db, [{"id": "national", "name": "中央政府门户网站"},
                        {"id": "gd", "name": "南岭市人民政府", "province": "广东"}])
    ids = []
    for i, (agency, source) in enumerate([("山东省水利厅", "national"), ("国家标准计量局", "national"),
                                          ("山东省水利厅", "gd")]):
        r = generate(seed=90 + i, template="2021", year=2022, agency=agency)
        ids.append(load_document(db, render_text(r).encode(), media_type="text/plain", source_id=source).report_id)
    got = [(db["reports"].get(i)["province"], db["reports"].get(i)["level"]) for i in ids]
    assert got == [("山东", "department"), (None, "ministry"), ("广东", "department")]
