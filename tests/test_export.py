"""`xxgk export`: a versioned bundle that validates as a Frictionless Data Package."""
from __future__ import annotations

import csv
import os
import hashlib
import json
from pathlib import Path

import frictionless
import pytest
from click.testing import CliRunner

from archive import crosscheck
from archive.db import open_db
from archive.export import export
from archive.load import load_document
from archive.schema import TABLES
from archive.views import VIEWS
from reportgen import agencies, generate, render_text
from xxgk.cli import cli


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    path = tmp_path_factory.mktemp("exp") / "x.db"
    db = open_db(path)
    ag = agencies(9, 3)
    for i, (tpl, year) in enumerate([("2019", 2020), ("2021", 2021), ("2021", 2022), ("pre2019", 2017)]):
        r = generate(seed=100 + i, template=tpl, year=year, agency=ag[i % 2])
        load_document(db, render_text(r).encode(), url=f"http://127.0.0.1/{i}.txt", media_type="text/plain")
    load_document(db, b"garbage", url="http://127.0.0.1/bad.bin", media_type="application/x-bad")
    crosscheck.run(db)
    return path


def test_bundle_files_checksums_and_counts(archive, tmp_path):
    db = open_db(archive)
    bundle = export(db, tmp_path, version="1.0.0")
    assert bundle.name == "xxgk-archive-1.0.0"
    names = {t.name for t in TABLES if not t.internal} | set(VIEWS)  # (not the storage behind the views)
    assert {p.stem for p in (bundle / "data").glob("*.csv")} == names
    for name in names:
        with open(bundle / "data" / f"{name}.csv", encoding="utf-8", newline="") as fh:
            assert sum(1 for _ in csv.reader(fh)) - 1 == db.execute(f"SELECT count(*) FROM [{name}]").fetchone()[0]
    sums = dict(reversed(line.split("  ", 1)) for line in (bundle / "SHA256SUMS").read_text().splitlines())
    files = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()} - {"SHA256SUMS"}
    assert set(sums) == files
    for rel, digest in sums.items():
        assert hashlib.sha256((bundle / rel).read_bytes()).hexdigest() == digest, rel
    copy = open_db(bundle / "xxgk.db")  # the SQLite file is a full, readable archive
    assert copy["reports"].count == db["reports"].count == 5
    readme = (bundle / "README.md").read_text()
    assert "How to cite" in readme and "1.0.0" in readme and "2017–2022" in readme
    assert "2 agencies" in readme or "3 agencies" in readme
    with pytest.raises(FileExistsError):
        export(db, tmp_path, version="1.0.0")


def test_datapackage_validates_with_frictionless(archive, tmp_path):
    bundle = export(open_db(archive), tmp_path, version="v")
    report = frictionless.validate(bundle / "datapackage.json")
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"])[:10]
    pkg = json.loads((bundle / "datapackage.json").read_text())
    res = {r["name"]: r for r in pkg["resources"]}
    cells = {f["name"]: f for f in res["cells"]["schema"]["fields"]}
    assert cells["value"]["type"] == "number" and cells["report_id"]["type"] == "integer"
    assert res["cells"]["schema"]["primaryKey"] == ["report_id", "table_key", "row_key", "column_key"]
    assert {"fields": ["report_id"], "reference": {"resource": "reports", "fields": ["id"]}} \
        in res["cells"]["schema"]["foreignKeys"]
    wide = {f["name"]: f for f in res["applications_wide"]["schema"]["fields"]}
    # descriptions of wide columns come from the data dictionary (`keys`)
    assert "一、本年新收政府信息公开申请数量" in wide["new_received__total"]["description"]
    assert wide["new_received__total"]["type"] == "number"
    assert all(f.get("description") for r in pkg["resources"] for f in r["schema"]["fields"])


def test_cli_export(archive, tmp_path):
    out = CliRunner().invoke(cli, ["export", str(tmp_path), "--db", str(archive), "--version", "t1"])
    assert out.exit_code == 0, out.output
    assert (tmp_path / "xxgk-archive-t1" / "datapackage.json").is_file()
    again = CliRunner().invoke(cli, ["export", str(tmp_path), "--db", str(archive), "--version", "t1"])
    assert again.exit_code != 0 and "exists" in again.output


def test_with_originals_from_files_and_the_unreadable_named(tmp_path, caplog):
    import shutil

    from archive.load import load_paths
    corpus = Path(__file__).parent / "fixtures" / "corpus"
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("h01_trs_2021.html", "h03_hanweb_2021.html"):
        shutil.copy(corpus / name, docs / name)
    db = open_db(tmp_path / "x.db")
    load_paths(db, [docs], progress=False)
    load_document(db, b"bytes kept nowhere", url="http://127.0.0.1/gone.txt", media_type="text/plain")
    crosscheck.run(db)
    bundle = export(db, tmp_path / "out", version="o", with_originals=True, data_dirs=[tmp_path])
    want = {hashlib.sha256((docs / n).read_bytes()).hexdigest(): Path(n).suffix for n in os.listdir(docs)}
    got = {p.name for p in (bundle / "originals").iterdir()}
    assert got == {f"{sha}{ext}" for sha, ext in want.items()}
    sums = (bundle / "SHA256SUMS").read_text()
    for sha, ext in want.items():
        assert f"{sha}  originals/{sha}{ext}" in sums  # the name, the content and the checksum agree
    gone = hashlib.sha256(b"bytes kept nowhere").hexdigest()
    readme = (bundle / "README.md").read_text()
    assert "originals/<sha256>.<ext>" in readme and f"missing: {gone}" in readme
    assert gone in caplog.text  # said, not only written
    plain = export(db, tmp_path / "out", version="p")
    assert not (plain / "originals").exists()


def test_one_data_licence_everywhere(archive, tmp_path):
    """CC BY 4.0 for the data in the bundle, the Datasette metadata and the README; MIT for the
    code in LICENSE and CITATION.cff, whose version is the package's."""
    import tomllib

    import yaml

    from archive import info
    from archive.serve import build_metadata
    repo = Path(__file__).resolve().parents[1]
    bundle = export(open_db(archive), tmp_path, version="l")
    pkg = json.loads((bundle / "datapackage.json").read_text())
    assert pkg["licenses"] == [info.DATA_LICENSE] and info.DATA_LICENSE["name"] == "CC-BY-4.0"
    readme = (bundle / "README.md").read_text()
    assert "CC BY 4.0" in readme and info.DATA_LICENSE["path"] in readme
    meta = build_metadata(archive)
    assert (meta["license"], meta["license_url"]) == ("CC BY 4.0", info.DATA_LICENSE["path"])
    assert meta["databases"]["x"]["license"] == "CC BY 4.0"
    assert (repo / "LICENSE").read_text().startswith("MIT License")
    cff = yaml.safe_load((repo / "CITATION.cff").read_text(encoding="utf-8"))
    version = tomllib.loads((repo / "pyproject.toml").read_text())["project"]["version"]
    assert (cff["cff-version"], cff["license"], cff["version"]) == ("1.2.0", "MIT", version)
    assert "CC BY 4.0" in (repo / "README.md").read_text()


def test_parquet_bundle_reads_back_with_pyarrow(archive, tmp_path):
    import pyarrow.parquet as pq

    db = open_db(archive)
    out = CliRunner().invoke(cli, ["export", str(tmp_path), "--db", str(archive), "--version", "pq", "--format", "parquet"])
    assert out.exit_code == 0, out.output
    bundle = tmp_path / "xxgk-archive-pq"
    names = {t.name for t in TABLES if not t.internal} | set(VIEWS)
    assert {p.stem for p in (bundle / "data").glob("*.parquet")} == names and not list(bundle.glob("data/*.csv"))
    for name in ("cells", "reports", "findings", "applications_wide"):
        table = pq.read_table(bundle / "data" / f"{name}.parquet")
        cur = db.execute(f"SELECT * FROM [{name}]")
        want = [tuple(r) for r in cur.fetchall()]
        assert table.column_names == [d[0] for d in cur.description], name
        got = [tuple(r.values()) for r in table.to_pylist()]
        assert sorted(got, key=repr) == sorted(want, key=repr), name  # every value back, numbers as numbers
    cells = pq.read_schema(bundle / "data" / "cells.parquet")
    assert (str(cells.field("report_id").type), str(cells.field("value").type)) == ("int64", "double")
    pkg = json.loads((bundle / "datapackage.json").read_text())
    res = {r["name"]: r for r in pkg["resources"]}
    assert res["cells"]["path"] == "data/cells.parquet" and res["cells"]["format"] == "parquet"
    assert {f["name"]: f["type"] for f in res["reports"]["schema"]["fields"]}["year"] == "integer"
    assert "pd.read_parquet" in (bundle / "README.md").read_text()
    sums = dict(reversed(line.split("  ", 1)) for line in (bundle / "SHA256SUMS").read_text().splitlines())
    assert "data/cells.parquet" in sums
