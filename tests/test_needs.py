"""tests/needs.py in a pytest run of its own: a missing tool or ../shared skips the test with a
reason; under CI=true every such skip is a failure; xfail and passing tests are untouched."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

TESTS = Path(__file__).resolve().parent

SAMPLE = """
import pytest
from needs import shared_path

def test_passes():
    pass

def test_skips_itself():
    pytest.skip("nothing to do here")

@pytest.mark.skipif(True, reason="a marker says no")
def test_skipped_by_marker():
    pass

@pytest.mark.needs("chromium")
def test_needs_a_missing_tool():
    pass

def test_needs_absent_shared_material():
    shared_path("no", "such", "file")

@pytest.mark.xfail(reason="a known failure", strict=True)
def test_known_failure():
    assert False
"""


@pytest.fixture
def run(pytester, monkeypatch):
    pytester.makeconftest("from needs import pytest_configure, pytest_runtest_makereport, pytest_runtest_setup")
    pytester.makepyfile(test_sample=SAMPLE)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(TESTS), str(TESTS.parent)]))
    monkeypatch.setenv("XXGK_CHROMIUM", str(pytester.path / "no-chromium-here"))

    def go(ci: str):
        monkeypatch.setenv("CI", ci)
        return pytester.runpytest_subprocess("-rA", "-p", "no:cacheprovider")
    return go


@pytest.mark.parametrize("value, ci", [(None, False), ("", False), ("0", False), ("false", False), ("no", False),
                                       ("true", True), ("1", True), ("yes", True)])
def test_what_counts_as_ci(monkeypatch, value, ci):
    from needs import under_ci

    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)
    assert under_ci() is ci


def test_missing_things_skip_with_a_reason(run):
    result = run("false")
    result.assert_outcomes(passed=1, skipped=4, xfailed=1)
    assert result.ret == 0
    out = result.stdout.str()
    assert "no-chromium-here is not an executable" in out
    assert "reference material absent" in out and "no/such/file" in out


def test_under_ci_every_skip_fails(run):
    result = run("true")
    # a skip in the call fails the test; one before it (a marker, needs()) is an error in setup
    result.assert_outcomes(passed=1, failed=2, errors=2, xfailed=1)
    assert result.ret != 0
    out = result.stdout.str()
    assert out.count("skipped under CI") >= 4
    assert "no-chromium-here is not an executable" in out and "a marker says no" in out
