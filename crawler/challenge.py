"""Anti-bot answers are not documents: recognise them so they are captured as `blocked`, never parsed.

Judged by status, size and real-content markers, because the challenge script's own marker can
also appear on genuine pages (portals.md, Anti-bot behaviour)."""
from __future__ import annotations

import re

_SCRIPT = re.compile(rb"<script\b.*?</script\s*>", re.S | re.I)
_TAGS = re.compile(rb"<[^>]+>|&nbsp;|\s+", re.S)
_REAL = re.compile(rb'<meta\s+name=["\']?(?:ArticleTitle|SiteName|PubDate)|<h[1-3][\s>]|<table[\s>]|'
                   rb"\xe6\x80\xbb\xe4\xbd\x93\xe6\x83\x85\xe5\x86\xb5",  # 总体情况 (UTF-8)
                   re.I)
_COOKIE_SCRIPT = re.compile(rb"document\.cookie|eval\(|\\x[0-9a-f]{2}.*\\x[0-9a-f]{2}|atob\(", re.I | re.S)
TINY = 4096


def visible_text(body: bytes) -> bytes:
    return _TAGS.sub(b"", _SCRIPT.sub(b"", body))


def _is_document(body: bytes) -> bool:
    return body[:4] in (b"%PDF", b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


def blocked_reason(status: int, body: bytes) -> str | None:
    """Why this answer is an anti-bot wall (None: it is not one)."""
    if _is_document(body):
        return None
    real = bool(_REAL.search(body[:200_000])) or len(visible_text(body[:200_000])) > 600
    if status == 521:
        return "cookie_dance"  # still 521 after the retries that carry its cookies
    if status in (412, 202) and not real and (b"<script" in body.lower() or not body.strip()):
        return "js_challenge"
    if status in (403, 429):
        return "refused" if status == 403 else "rate_limited"
    if status == 200 and not real and len(body) < TINY:
        if not visible_text(body).strip() and not _SCRIPT.search(body):
            return "blank"
        if _COOKIE_SCRIPT.search(body) and len(visible_text(body)) < 80:
            return "script_shell"
    return None
