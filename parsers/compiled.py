"""Compiled modules beside their source (setup.py, built by `make venv`).

Python imports an extension module before a `.py` of the same name, so a module compiled
before its source last changed would run the old code: `parsers` refuses to import then.
"""
from __future__ import annotations

from pathlib import Path


def stale(folder: Path) -> list[str]:
    """The sources (`.py`, `.pyx`) in `folder` changed after their compiled module was built."""
    out = []
    for built in folder.glob("*.so"):
        name = built.name.split(".", 1)[0]
        for source in (built.with_name(name + ".py"), built.with_name(name + ".pyx")):
            if source.exists() and source.stat().st_mtime > built.stat().st_mtime:
                out.append(source.name)
    return sorted(out)
