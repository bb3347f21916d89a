"""Resource limits for binary document formats (PDF, DOCX, DOC/WPS).

A document that exceeds a limit ends quickly with a finding, never a hang or a crash.
Each limit can be changed through an environment variable (read at parse time).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Limits:
    max_pages: int = 100              # XXGK_MAX_PAGES: PDF pages read; the rest → partial
    parse_seconds: float = 60.0       # XXGK_PARSE_SECONDS: wall time for one document's front end
    convert_seconds: float = 90.0     # XXGK_CONVERT_SECONDS: one LibreOffice conversion (DOC/WPS)
    max_unzipped: int = 200 * 2**20   # XXGK_MAX_UNZIPPED: bytes a DOCX may expand to
    max_ratio: int = 200              # XXGK_MAX_RATIO: per-member compression ratio (zip bombs)
    max_members: int = 2000           # XXGK_MAX_MEMBERS: files inside one DOCX

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Limits":
        env = os.environ if env is None else env
        kw = {}
        for f in fields(cls):
            raw = env.get("XXGK_" + f.name.upper())
            if raw:
                try:
                    kw[f.name] = int(float(raw)) if f.type == "int" else float(raw)
                except ValueError:
                    pass  # a malformed setting keeps the default
        return cls(**kw)
