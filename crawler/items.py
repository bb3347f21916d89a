"""What the spider hands the pipeline: one capture per answer that reached it (or failed)."""
from __future__ import annotations

from dataclasses import dataclass

KINDS = ("report", "attachment", "listing", "blocked", "error")


@dataclass
class Capture:
    url: str
    source_id: str | None
    kind: str                      # one of KINDS
    body: bytes = b""              # decoded transfer, raw document bytes (never re-encoded)
    content_type: str | None = None  # the Content-Type header as served (charset included)
    http_status: int | None = None
    fetched_at: str | None = None
    warc_file: str | None = None
    warc_offset: int | None = None
    warc_sha256: str | None = None  # of the record's payload (differs from body's when decompressed)
    parent_url: str | None = None  # an attachment's page
    title: str | None = None       # as the list or page shows it
    published_date: str | None = None
    reason: str | None = None      # why blocked / failed

    @property
    def charset(self) -> str | None:
        for param in (self.content_type or "").split(";")[1:]:
            k, _, v = param.partition("=")
            if k.strip().lower() == "charset" and v.strip():
                return v.strip().strip('"').lower()
        return None
