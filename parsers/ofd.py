"""OFD (GB/T 33190) front end: recognized, not read.

No maintained, permissively licensed Python reader for OFD exists (checked 2026-11);
rebuilding tables from OFD's absolutely positioned text is a project of its own. The
report fails with an `unsupported_format` finding; the capture is kept, so a later parser
can read it without fetching it again.
"""
from __future__ import annotations

import io
import zipfile

from .blocks import Block
from .model import Report


def to_blocks(data: bytes, report: Report, charset: str | None = None) -> list[Block]:
    report.status = "failed"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            is_ofd = "OFD.xml" in zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        is_ofd = False
    detail = "" if is_ofd else " (and the file is not a readable OFD package)"
    report.add_finding("unsupported_format", "error",
                       f"OFD documents are not parsed yet{detail}; the capture is kept for later")
    return []
