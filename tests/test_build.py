"""The compiled modules: `make venv` builds every one setup.py names, and `parsers` refuses to
run a compiled module older than its source (Python would import it before the edited .py)."""
from __future__ import annotations

import ast
import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO
from parsers.compiled import stale


def _compiled_names() -> list[str]:
    tree = ast.parse((REPO / "setup.py").read_text())
    value = next(n.value for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id == "COMPILED")
    return list(ast.literal_eval(value))


def test_every_module_setup_compiles_is_imported_compiled():
    names = _compiled_names() + ["treewalk"]
    assert {"tables", "assemble"} <= set(names)
    for name in names:
        module = importlib.import_module(f"parsers.{name}")
        assert module.__file__.endswith(".so"), f"parsers.{name} runs from {module.__file__}"


def test_sources_changed_after_their_build_are_stale(tmp_path):
    for name, suffix in (("fresh", ".py"), ("edited", ".py"), ("loop", ".pyx"), ("plain", ".py")):
        (tmp_path / f"{name}{suffix}").write_text("")
    for name in ("fresh", "edited", "loop"):
        (tmp_path / f"{name}.cpython-311-x86_64-linux-gnu.so").write_bytes(b"")
    built, later = 1_000_000, 1_000_100
    for f in tmp_path.iterdir():
        os.utime(f, (built, built))
    os.utime(tmp_path / "edited.py", (later, later))
    os.utime(tmp_path / "loop.pyx", (later, later))
    assert stale(tmp_path) == ["edited.py", "loop.pyx"]  # a module never compiled ("plain") is not stale


def test_parsers_refuses_to_import_over_a_stale_build(tmp_path):
    copy = tmp_path / "parsers"
    shutil.copytree(REPO / "parsers", copy, ignore=shutil.ignore_patterns("__pycache__", "*.c"))
    ok = subprocess.run([sys.executable, "-c", "import parsers.tables as t; print(t.__file__)"],
                        cwd=tmp_path, capture_output=True, text=True)
    where = ok.stdout.strip()
    assert ok.returncode == 0 and where.startswith(str(copy)) and where.endswith(".so"), ok.stderr
    later = max(f.stat().st_mtime for f in copy.iterdir()) + 60
    os.utime(copy / "tables.py", (later, later))  # edited after the build
    res = subprocess.run([sys.executable, "-c", "import parsers"], cwd=tmp_path, capture_output=True, text=True)
    assert res.returncode != 0
    assert "tables.py changed after being compiled" in res.stderr and "make venv" in res.stderr
