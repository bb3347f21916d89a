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
