"""What a test needs from outside the project — a system tool, or the reference material in
../shared — and what happens without it: the test skips with a reason, except under CI (`CI`
set, and not "0"/"false"), where every skip fails the run, so CI runs everything.

    @pytest.mark.needs("soffice", "cjk-font")   # tools, checked before the test runs
    path = shared_path("corpus", "seed")         # ../shared, read at run time, never copied
"""
from __future__ import annotations

import os
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest

from crawler.chromium import find_chromium, missing_message

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
# scripts/sysdeps.sh installs every tool below (and says what to install where it cannot)
INSTALL = "`make sysdeps` installs it (scripts/sysdeps.sh)"


def _cjk_font() -> str | None:
    if shutil.which("fc-list") is None:
        return None
    out = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True).stdout
    return out.split(":")[0].strip() or None


FINDERS = {
    "chromium": find_chromium,
    "soffice": lambda: shutil.which("soffice") or shutil.which("libreoffice"),
    "antiword": lambda: shutil.which("antiword"),
    "catdoc": lambda: shutil.which("catdoc"),
    "catdoc-or-antiword": lambda: shutil.which("catdoc") or shutil.which("antiword"),
    "redis-server": lambda: shutil.which("redis-server"),
    "systemd-analyze": lambda: shutil.which("systemd-analyze"),
    "cjk-font": _cjk_font,
}


@cache
def tool(name: str) -> str | None:
    """Where the tool is (a path), or None."""
    return FINDERS[name]()


def missing(name: str) -> str:
    what = {"chromium": missing_message(), "cjk-font": "no Chinese font (fc-list :lang=zh is empty)",
            "catdoc-or-antiword": "neither catdoc nor antiword is installed"}.get(name, f"{name} is not installed")
    return f"{what}; {INSTALL}"


def require(*names: str) -> None:
    """Skip the running test unless every tool is there."""
    absent = [missing(n) for n in names if tool(n) is None]
    if absent:
        pytest.skip("; ".join(absent))


def shared_path(*parts: str) -> Path:
    """A file or folder of ../shared, or skip the running test when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference material absent: {path} (../shared beside the project; a plain clone has none)")
    return path


def under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


# -- pytest hooks (imported by conftest.py) -------------------------------------------------

def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "needs(*tools): skip unless these system tools are installed "
                                       f"({', '.join(FINDERS)})")


def pytest_runtest_setup(item: pytest.Item) -> None:
    for mark in item.iter_markers("needs"):
        unknown = set(mark.args) - set(FINDERS)
        if unknown:
            raise ValueError(f"unknown tools in needs(): {sorted(unknown)}")
        require(*mark.args)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.skipped and under_ci() and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped under CI (CI={os.environ['CI']}), where everything must run: {reason}"
    return report
