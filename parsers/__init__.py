"""Pure parsing: bytes (or a path) and a media type in, one normalized Report out.

`parse` never raises: unreadable input becomes a `failed` report with a finding.
"""
from __future__ import annotations

from pathlib import Path

from .model import Cell, Fact, Finding, Report, Section

PARSER_VERSION = "0.1.0"

__all__ = ["parse", "Report", "Section", "Cell", "Fact", "Finding", "PARSER_VERSION"]


def parse(data: bytes | str | Path, media_type: str | None = None, *, name: str = "") -> Report:
    """Parse one document. `data` is the document's bytes, or a path to read."""
    from .dispatch import parse_document
    from .gcpause import paused_gc

    if isinstance(data, (str, Path)) and not isinstance(data, bytes):
        path = Path(data)
        name = name or path.name
        try:
            data = path.read_bytes()
        except OSError as exc:
            r = Report(status="failed", media_type=media_type or "")
            r.add_finding("unreadable", "error", f"cannot read {path}: {exc}")
            return r
    with paused_gc():  # its objects die by reference count when it ends: no collection mid-parse
        return parse_document(data, media_type, name)
