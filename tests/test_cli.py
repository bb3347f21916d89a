"""The `xxgk` command as a whole: every subcommand is listed and loads, `xxgk parse` starts without
Scrapy or Datasette, and docs/cli.md is what the commands' --help says now."""
from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

from xxgk import commands
from xxgk.cli import COMMANDS, cli

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("scrapy", "twisted", "datasette", "playwright")
# runs the CLI in a fresh interpreter, then prints which heavy packages it imported
PROBE = """
import atexit, sys
heavy = set(sys.argv[1].split(","))
atexit.register(lambda: print("imported:", sorted({m.split(".")[0] for m in sys.modules} & heavy), file=sys.stderr))
sys.argv = ["xxgk", *sys.argv[2:]]
from xxgk.cli import main
main()
"""


def test_every_command_module_is_listed_and_loads():
    assert sorted(COMMANDS.values()) == sorted(m.name for m in pkgutil.iter_modules(commands.__path__))
    for name in COMMANDS:
        assert cli.get_command(None, name).name == name


@pytest.mark.parametrize("args", [["parse", "--help"],
                                  ["parse", str(REPO / "tests" / "fixtures" / "corpus" / "h01_trs_2021.html")]])
def test_parse_imports_neither_scrapy_nor_datasette(args):
    res = subprocess.run([sys.executable, "-c", PROBE, ",".join(HEAVY), *args], capture_output=True, text=True,
                         cwd=REPO, timeout=60)
    assert res.returncode == 0, res.stderr
    assert "imported: []" in res.stderr, res.stderr
    if "--help" not in args:
        assert "h01_trs_2021.html: ok" in res.stdout


def test_the_probe_sees_heavy_imports():
    """The check above can fail: the same probe, with Scrapy imported first."""
    res = subprocess.run([sys.executable, "-c", "import scrapy\n" + PROBE, ",".join(HEAVY), "parse", "--help"],
                         capture_output=True, text=True, cwd=REPO, timeout=60)
    assert res.returncode == 0 and "imported: ['scrapy', 'twisted']" in res.stderr, res.stderr


def test_cli_docs_are_current():
    res = subprocess.run([sys.executable, "-m", "cogapp", "--check", "--diff", "docs/cli.md"], capture_output=True,
                         text=True, cwd=REPO, timeout=120)
    assert res.returncode == 0, f"docs/cli.md is out of date: run `make docs`\n{res.stdout}{res.stderr}"


# --- exit codes, folders, missing archives, cron, output formats, a busy port ------------------

CORPUS = REPO / "tests" / "fixtures" / "corpus"


def _run(args, **kw):
    from click.testing import CliRunner
    return CliRunner(**kw).invoke(cli, args, prog_name="xxgk")


def test_parse_a_folder_exits_1_when_a_document_failed(tmp_path):
    import shutil
    shutil.copy(CORPUS / "h01_trs_2021.html", tmp_path / "good.html")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "bad.txt").write_text("这不是一份报告", encoding="utf-8")
    res = _run(["parse", str(tmp_path)])
    assert res.exit_code == 1, res.output
    lines = {line.split(":")[0]: line for line in res.stdout.splitlines() if not line.startswith(" ")}
    assert lines[str(tmp_path / "good.html")].split(": ")[1].startswith("ok · ")
    failed = lines[str(tmp_path / "sub" / "bad.txt")]
    assert "failed" in failed and "template" not in failed  # nothing read: no template to name
    assert "1 of 2 document(s) failed" in res.stderr
    res = _run(["parse", str(tmp_path / "good.html"), "--json"])
    assert res.exit_code == 0 and '"status": "ok"' in res.stdout


def test_parse_a_folder_without_documents_is_a_usage_error(tmp_path):
    res = _run(["parse", str(tmp_path)])
    assert res.exit_code == 2 and "no documents in" in res.stderr and "Is a directory" not in res.output


@pytest.mark.parametrize("command", [["status"], ["serve"], ["export", "out"]])
def test_a_missing_archive_points_at_the_demo_archive(tmp_path, monkeypatch, command):
    from archive.db import open_db
    monkeypatch.chdir(tmp_path)
    env = {"XXGK_DB": None, "XXGK_DATA": None}
    res = _run(command, env=env)
    assert res.exit_code == 1 and "no archive at data/xxgk.db" in res.stderr and "xxgk demo" in res.stderr
    open_db(tmp_path / "data" / "demo" / "xxgk.db").close()  # what `make demo` leaves
    res = _run(command, env=env)
    assert res.exit_code == 1 and "the demo's archive is data/demo/xxgk.db" in res.stderr
    assert "--db data/demo/xxgk.db" in res.stderr


def test_schedule_says_when_cron_is_not_installed(tmp_path):
    res = _run(["schedule", "show"], env={"PATH": str(tmp_path)})  # no crontab on this PATH
    assert res.exit_code == 1 and "cron is not installed" in res.stderr
    assert not isinstance(res.exception, FileNotFoundError)
    res = _run(["schedule", "show", "--crontab-file", str(tmp_path / "crontab")], env={"PATH": str(tmp_path)})
    assert res.exit_code == 0 and "no xxgk schedule" in res.stdout


def _registry_rows() -> list[dict]:
    from crawler.registry import SOURCES_CSV, load_sources
    return [s.to_row() for s in load_sources(SOURCES_CSV)]


def test_sources_print_plain_rows_csv_or_json_when_piped():
    import csv
    import io
    import json
    want = _registry_rows()
    assert len(want) > 50
    plain = _run(["sources"])  # stdout is not a terminal here
    lines = plain.stdout.splitlines()
    assert plain.exit_code == 0 and lines[0].split("\t") == ["id", "name", "level", "province", "platform", "flags",
                                                             "entry_url"]
    assert len(lines) == len(want) + 1  # one line per source: nothing wrapped
    assert [line.split("\t")[0] for line in lines[1:]] == [r["id"] for r in want]
    assert "\x1b[" not in plain.stdout  # no colour
    rows = list(csv.DictReader(io.StringIO(_run(["sources", "--format", "csv"]).stdout)))
    assert rows == [{k: str(v) for k, v in r.items()} for r in want]
    as_json = [json.loads(x) for x in _run(["sources", "--format", "json"]).stdout.splitlines()]
    assert as_json == want == [json.loads(x) for x in _run(["sources", "--json"]).stdout.splitlines()]


def test_status_prints_plain_rows_csv_or_json_when_piped(tmp_path):
    import csv
    import io
    import json
    from archive.db import open_db
    from archive.runs import finish_run, start_run
    from archive.sources import upsert_sources
    db = open_db(tmp_path / "a.db")
    upsert_sources(db, [{"id": f"s{i}", "name": f"门户{i}", "entry_url": f"http://s{i}.invalid/"} for i in range(3)])
    for i in range(3):
        finish_run(db, start_run(db, f"s{i}"), status="finished", requests=5, reports_new=i)
    db.close()
    args = ["status", "--db", str(tmp_path / "a.db")]
    lines = _run(args).stdout.splitlines()
    assert lines[0].split("\t")[:2] == ["source", "state"] and len(lines) == 4
    assert sorted(line.split("\t")[0] for line in lines[1:]) == ["s0", "s1", "s2"]
    rows = list(csv.DictReader(io.StringIO(_run([*args, "--format", "csv"]).stdout)))
    assert sorted(r["source_id"] for r in rows) == ["s0", "s1", "s2"] and "yield_last" in rows[0]
    as_json = [json.loads(x) for x in _run([*args, "--format", "json"]).stdout.splitlines()]
    assert [r["source_id"] for r in as_json] == [r["source_id"] for r in rows]


def test_demo_finds_a_busy_port_before_its_crawl(tmp_path):
    import socket
    keep = tmp_path / "demo" / "keep.txt"
    keep.parent.mkdir()
    keep.write_text("not emptied")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        given = _run(["demo", "--port", str(port), "--data-dir", str(tmp_path / "demo")])
        from_env = _run(["demo", "--data-dir", str(tmp_path / "demo")], env={"PORT": str(port)})
    for res in (given, from_env):
        assert res.exit_code == 2 and f"port {port} is in use" in res.stderr
    assert keep.read_text() == "not emptied"  # refused before anything was emptied or crawled


def test_exit_codes_are_documented():
    text = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    assert "Exit status" in text and all(f"`{n}`" in text for n in (0, 1, 2))
