"""Shared test paths and fixtures, and the hooks of tests/needs.py: a test whose system tool or
../shared material is missing skips with a reason, and under CI every skip fails the run."""
from __future__ import annotations

from pathlib import Path

import pytest

from needs import pytest_configure, pytest_runtest_makereport, pytest_runtest_setup, shared_path  # noqa: F401

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
ARTIFACTS = REPO / "test-artifacts"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared (read at run time, never copied); the test skips without it."""
    return shared_path()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
