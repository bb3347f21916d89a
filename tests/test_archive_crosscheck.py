"""Cross-report checks on documents built to trigger them (reportgen, rendered, parsed, loaded)."""
from __future__ import annotations

import json

import pytest

from archive import crosscheck
from archive.db import content_digest, open_db
from archive.load import load_document
from archive.sources import upsert_sources
from parsers import spec
from reportgen import agencies, generate, render_html, render_text

APP_COLS = [c.key for c in spec.template("2021").columns["applications"]]


def set_row(report, row: str, values: dict[str, int]) -> None:
    for c in report.cells:
        if c.table == "applications" and c.row == row and c.column in values:
            c.value, c.raw = values[c.column], str(values[c.column])


def row_values(report, row: str) -> dict[str, int]:
    return {c.column: c.value for c in report.cells if c.table == "applications" and c.row == row}


def load(db, report, **kw):
    return load_document(db, render_text(report).encode("utf-8"), media_type="text/plain", **kw)


def cross(db, code=None):
    sql = "SELECT * FROM findings WHERE scope = 'cross_report'" + (" AND code = ?" if code else "")
    return list(db.query(sql + " ORDER BY id", [code] if code else []))


@pytest.fixture
def db(tmp_path):
    return open_db(tmp_path / "x.db")


@pytest.fixture(scope="module")
def ag():
    return agencies(3, 6)


def test_carry_chain_names_both_reports_and_the_broken_column(db, ag):
    last = generate(seed=1, template="2021", year=2021, agency=ag[0])
    this = generate(seed=2, template="2021", year=2022, agency=ag[0])
    chain = row_values(last, "carried_forward")
    broken = dict(chain, natural_person=chain["natural_person"] + 3)
    set_row(this, "carried_over", broken)
    a, b = load(db, last), load(db, this)
    counts = crosscheck.run(db)
    found = cross(db, "carry_chain")
    assert counts["carry_chain"] == len(found) == 1
    f = found[0]
    assert (f["subject_report_id"], f["other_report_id"]) == (b.report_id, a.report_id)
    assert (f["table_key"], f["row_key"], f["column_key"]) == ("applications", "carried_over", "natural_person")
    assert (f["agency"], f["year"], f["report_id"], f["identity"]) == (ag[0].name, 2022, None, "carry_chain")
    d = json.loads(f["details"])
    assert (d["this_year_value"], d["last_year_value"]) == (chain["natural_person"] + 3, chain["natural_person"])
    assert str(a.report_id) in f["message"]


def test_carry_chain_consistent_or_other_agency_gives_nothing(db, ag):
    last = generate(seed=3, template="2019", year=2020, agency=ag[1])
    this = generate(seed=4, template="2021", year=2021, agency=ag[1])
    set_row(this, "carried_over", row_values(last, "carried_forward"))  # across template versions too
    other = generate(seed=5, template="2021", year=2021, agency=ag[2])  # random numbers, other agency
    for r in (last, this, other):
        load(db, r)
    crosscheck.run(db)
    assert cross(db, "carry_chain") == []


def test_every_broken_column_is_its_own_finding(db, ag):
    last = generate(seed=6, template="2021", year=2022, agency=ag[3])
    this = generate(seed=7, template="2021", year=2023, agency=ag[3])
    chain = row_values(last, "carried_forward")
    set_row(this, "carried_over", {c: v + 1 for c, v in chain.items()})
    load(db, last), load(db, this)
    crosscheck.run(db)
    assert sorted(f["column_key"] for f in cross(db, "carry_chain")) == sorted(APP_COLS)


def test_duplicate_reports_of_one_agency_year(db, ag):
    one = load(db, generate(seed=8, template="2021", year=2022, agency=ag[4]), url="http://127.0.0.1/a")
    two = load(db, generate(seed=9, template="2021", year=2022, agency=ag[4]), url="http://127.0.0.1/b")
    same = load(db, generate(seed=8, template="2021", year=2022, agency=ag[4]), url="http://127.0.0.1/c")
    assert same.report_id == one.report_id  # the same bytes again: one report, no duplicate
    load(db, generate(seed=10, template="2021", year=2023, agency=ag[4]))  # another year
    crosscheck.run(db)
    (f,) = cross(db, "duplicate_report")
    assert (f["subject_report_id"], f["other_report_id"], f["year"]) == (two.report_id, one.report_id, 2022)
    assert json.loads(f["details"])["same_url"] is False


def test_summary_report_against_the_sum_of_its_units(db, ag):
    upsert_sources(db, [
        {"id": "city", "name": "东桥市人民政府", "level": "city", "province": "贵州省"},
        {"id": "u1", "name": "甲区人民政府", "level": "county", "province": "贵州省", "parent_id": "city"},
        {"id": "u2", "name": "乙区人民政府", "level": "county", "province": "贵州省", "parent_id": "city"},
        {"id": "elsewhere", "name": "丙县人民政府", "level": "county", "province": "贵州省"},
    ])
    summary = load(db, generate(seed=11, template="2021", year=2022, level="city"), source_id="city")
    u1 = load(db, generate(seed=12, template="2021", year=2022, level="county"), source_id="u1")
    u2 = load(db, generate(seed=13, template="2021", year=2022, level="county"), source_id="u2")
    load(db, generate(seed=14, template="2021", year=2022, level="county"), source_id="elsewhere")
    load(db, generate(seed=15, template="2021", year=2021, level="county"), source_id="u1")  # other year
    crosscheck.run(db)
    found = {json.loads(f["details"])["figure"]: f for f in cross(db, "parent_sum")}
    units = list(db.query("SELECT * FROM reports WHERE id IN (?, ?)", [u1.report_id, u2.report_id]))
    summ = db["reports"].get(summary.report_id)
    for fig in crosscheck.PARENT_SUM_FIGURES:
        total = sum(u[fig] for u in units)
        if summ[fig] == total:
            assert fig not in found
            continue
        f = found[fig]
        d = json.loads(f["details"])
        assert (f["severity"], f["subject_report_id"]) == ("info", summary.report_id)
        assert (d["summary_value"], d["units_sum"]) == (summ[fig], total)
        assert d["unit_report_ids"] == sorted([u1.report_id, u2.report_id])
    assert "new_requests" in found  # invented numbers: the city's own figure is not its units' sum


def test_in_force_chain_is_informational(db, ag):
    last = generate(seed=16, template="2021", year=2021, agency=ag[5])
    this = generate(seed=17, template="2021", year=2022, agency=ag[5])
    load(db, last), load(db, this)
    crosscheck.run(db)
    want = {}
    lv = {(c.row, c.column): c.value for c in last.cells if c.table == "active"}
    tv = {(c.row, c.column): c.value for c in this.cells if c.table == "active"}
    for row in ("regulations", "normative_documents"):
        expected = lv[(row, "in_force")] + tv[(row, "issued")] - tv[(row, "repealed")]
        if tv[(row, "in_force")] != expected:
            want[row] = expected
    got = {f["row_key"]: json.loads(f["details"])["expected"] for f in cross(db, "in_force_chain")}
    assert got == want and all(f["severity"] == "info" for f in cross(db, "in_force_chain"))


def test_recomputed_idempotently_and_stale_findings_go(db, ag):
    last = generate(seed=18, template="2021", year=2021, agency=ag[0])
    this = generate(seed=19, template="2021", year=2022, agency=ag[0])
    chain = row_values(last, "carried_forward")
    set_row(this, "carried_over", dict(chain, total=chain["total"] + 1))
    load(db, last)
    b = load(db, this)
    first = crosscheck.run(db)
    before, digest = db.conn.total_changes, content_digest(db)
    assert crosscheck.run(db) == first
    assert db.conn.total_changes == before and content_digest(db) == digest
    # the archive changes (here: the cell is corrected in place) → the finding disappears
    with db.atomic():
        db.execute("UPDATE cells SET value = ? WHERE report_id = ? AND table_key = 'applications' "
                   "AND row_key = 'carried_over' AND column_key = 'total'", [chain["total"], b.report_id])
    crosscheck.run(db, full=True)  # rows edited in place (as a reparse does): no capture says so
    assert cross(db, "carry_chain") == []


def test_other_cross_report_findings_are_left_alone(db):
    with db.atomic():
        db["findings"].insert({"code": "source_yield_dropped", "severity": "warning", "message": "m",
                               "scope": "cross_report"})
    crosscheck.run(db)
    assert [f["code"] for f in cross(db)] == ["source_yield_dropped"]


def test_published_le_total_in_2019_reports(db):
    r = generate(seed=20, template="2019", year=2020)
    for c in r.cells:
        if c.table == "active" and c.row == "regulations" and c.column in ("new_published", "total_published"):
            c.value = 9 if c.column == "new_published" else 4
            c.raw = str(c.value)
    res = load(db, r)
    crosscheck.run(db)
    (f,) = cross(db, "published_le_total")
    assert (f["subject_report_id"], f["row_key"], f["severity"]) == (res.report_id, "regulations", "info")
    assert json.loads(f["details"]) == {"new_published": 9, "total_published": 4}


def test_one_report_in_two_formats_is_not_a_duplicate(db, ag):
    """An HTML page and its attachment (or a re-post) with the same figures: one publication."""
    r = generate(seed=21, template="2021", year=2022, agency=ag[1])
    page = load_document(db, render_html(r, "trs"), url="http://127.0.0.1/p.html", media_type="text/html")
    text = load(db, r, url="http://127.0.0.1/p.txt", parent_url="http://127.0.0.1/p.html", kind="attachment")
    assert page.report_id != text.report_id  # other bytes: two reports
    counts = crosscheck.run(db)
    assert cross(db, "duplicate_report") == [] and "duplicate_report" not in counts
    (f,) = cross(db, "same_report_other_format")
    assert (f["severity"], f["subject_report_id"], f["other_report_id"]) == ("info", text.report_id, page.report_id)
    assert json.loads(f["details"])["n_cells_compared"] > 100


def test_conflicting_versions_warn_once_each_and_failed_reports_take_no_part(db, ag):
    v1 = generate(seed=22, template="2021", year=2022, agency=ag[2])
    v2 = generate(seed=22, template="2021", year=2022, agency=ag[2])
    set_row(v2, "new_received", {"natural_person": row_values(v1, "new_received")["natural_person"] + 7})
    a = load(db, v1, url="http://127.0.0.1/a")
    a_html = load_document(db, render_html(v1, "word"), url="http://127.0.0.1/a.doc.html")
    b = load(db, v2, url="http://127.0.0.1/b")
    b_again = load_document(db, render_text(v2, "pipes").encode(), url="http://127.0.0.1/b2")
    stub = load_document(db, "云溪县人民政府2022年政府信息公开工作年度报告 详见附件。".encode(), url="http://127.0.0.1/s")
    with db.atomic():  # how the parser reports a page that only links its attachment
        db.execute("UPDATE reports SET status = 'failed', template = NULL, agency = ?, year = 2022 WHERE id = ?",
                   [ag[2].name, stub.report_id])
    crosscheck.run(db, full=True)  # rows edited in place (as a reparse does): no capture says so
    (dup,) = cross(db, "duplicate_report")
    assert (dup["subject_report_id"], dup["other_report_id"]) == (b.report_id, a.report_id)
    d = json.loads(dup["details"])
    assert d["cells_differ"] == ["applications/new_received/natural_person"]  # the total printed as before
    same = {(f["subject_report_id"], f["other_report_id"]) for f in cross(db, "same_report_other_format")}
    assert same == {(a_html.report_id, a.report_id), (b_again.report_id, b.report_id)}
    assert stub.report_id not in {f["subject_report_id"] for f in cross(db)} | {f["other_report_id"] for f in cross(db)}
    # idempotent; and when the conflicting version turns out unreadable, its warning goes
    before = db.conn.total_changes
    crosscheck.run(db)
    assert db.conn.total_changes == before
    with db.atomic():
        db.execute("UPDATE reports SET status = 'failed' WHERE id IN (?, ?)", [b.report_id, b_again.report_id])
    crosscheck.run(db, full=True)
    assert cross(db, "duplicate_report") == []
    assert {(f["subject_report_id"], f["other_report_id"]) for f in cross(db, "same_report_other_format")} == \
        {(a_html.report_id, a.report_id)}


def _state(db) -> dict[str, list[tuple]]:
    """What the checks decide: cross-report findings (without ids), publications, summaries."""
    cols = ", ".join(crosscheck._COLS)
    return {
        "findings": sorted(tuple(r) for r in db.execute(
            f"SELECT {cols} FROM findings WHERE scope = 'cross_report'").fetchall()),
        "publications": db.execute("SELECT id, publication_id, is_primary FROM reports ORDER BY id").fetchall(),
        "reports_summary": sorted(tuple(r) for r in db.execute("SELECT * FROM reports_summary").fetchall()),
        "agency_years_summary": sorted(tuple(r) for r in db.execute("SELECT * FROM agency_years_summary").fetchall()),
    }


def primary_of(db, url: str, agency: str) -> int:
    (flag,) = {r[0] for r in db.execute("SELECT r.is_primary FROM reports r JOIN captures c ON c.sha256 = r.sha256"
                                        " WHERE c.url = ? AND r.agency = ?", [url, agency])}
    return flag


def test_each_incremental_run_ends_where_a_full_run_does(db, ag, tmp_path, monkeypatch):
    """Batches loaded one after another, each followed by the incremental run: after every one
    the archive equals a copy checked from scratch (run(full=True)), while the incremental run
    looked at fewer reports than the archive holds. The batches touch every check across
    batches: a year loaded after the year it carries over into, renditions and a conflicting
    version arriving later, a URL whose content is replaced (its report superseded, the
    primary rendition changes), units loaded after their summary report, a report with no
    agency."""
    scoped_sizes = []
    real_scope = crosscheck._scope

    def scope(db_, mark):
        real_scope(db_, mark)
        scoped_sizes.append(db_.execute("SELECT count(*) FROM temp.cc_scope").fetchone()[0])
    monkeypatch.setattr(crosscheck, "_scope", scope)

    upsert_sources(db, [
        {"id": "city", "name": "东桥市人民政府", "level": "city", "province": "贵州省"},
        {"id": "u1", "name": "甲区人民政府", "level": "county", "province": "贵州省", "parent_id": "city"},
        {"id": "u2", "name": "乙区人民政府", "level": "county", "province": "贵州省", "parent_id": "city"},
    ])
    a21 = generate(seed=31, template="2021", year=2021, agency=ag[0])
    a22 = generate(seed=32, template="2021", year=2022, agency=ag[0])
    set_row(a22, "carried_over", dict(row_values(a21, "carried_forward"), total=row_values(a21, "carried_forward")["total"] + 3))
    b21 = generate(seed=33, template="2021", year=2021, agency=ag[1])
    b21_v2 = generate(seed=33, template="2021", year=2021, agency=ag[1])
    set_row(b21_v2, "new_received", {"natural_person": row_values(b21, "new_received")["natural_person"] + 5})
    c20 = generate(seed=34, template="2019", year=2020, agency=ag[2])
    batches = [
        lambda: [load(db, a22, url="http://127.0.0.1/a22"), load(db, b21, url="http://127.0.0.1/b21"),
                 load(db, generate(seed=35, template="2021", year=2022, level="city"), source_id="city",
                      url="http://127.0.0.1/city22")],
        lambda: [load(db, a21, url="http://127.0.0.1/a21"),
                 load_document(db, render_html(a22, "trs"), url="http://127.0.0.1/a22.html", media_type="text/html"),
                 load_document(db, render_html(b21, "trs"), url="http://127.0.0.1/b21.html", media_type="text/html"),
                 load(db, generate(seed=36, template="2021", year=2022, level="county"), source_id="u1",
                      url="http://127.0.0.1/u1")],
        lambda: [load(db, b21_v2, url="http://127.0.0.1/b21-v2"),
                 load(db, c20, url="http://127.0.0.1/a22.html"),  # the URL now serves another report:
                 # a22's HTML rendition is superseded, its text one becomes the primary
                 load_document(db, "一份没有机关名称的文字".encode(), url="http://127.0.0.1/x", media_type="text/plain"),
                 load(db, generate(seed=37, template="2021", year=2022, level="county"), source_id="u2",
                      url="http://127.0.0.1/u2")],
        lambda: [load(db, generate(seed=38, template="2021", year=2023, agency=ag[0]), url="http://127.0.0.1/a23")],
    ]
    crosscheck.run(db)  # the empty archive checked: from here on, runs are incremental
    for i, batch in enumerate(batches):
        batch()
        crosscheck.run(db)
        copy = open_db(tmp_path / f"full{i}.db")
        db.conn.backup(copy.conn)
        crosscheck.run(copy, full=True)
        assert _state(db) == _state(copy), f"batch {i}"
        copy.close()
        if i:  # the HTML rendition (fewer findings) is primary until its URL serves another report
            assert primary_of(db, "http://127.0.0.1/a22.html", ag[0].name) == (i < 2)
    codes = {f["code"] for f in cross(db)}
    assert {"carry_chain", "duplicate_report", "same_report_other_format", "parent_sum"} <= codes
    assert len(scoped_sizes) == len(batches)
    assert all(n < db["reports"].count for n in scoped_sizes[1:]), scoped_sizes
    # nothing archived since: nothing recomputed, nothing written
    before = db.conn.total_changes
    crosscheck.run(db)
    assert db.conn.total_changes == before and len(scoped_sizes) == len(batches)
