"""Where Chromium is, for `render=browser` sources, the demo and the browser tests: $XXGK_CHROMIUM
(a path or a command name), else the first of the usual command names on the PATH. The system's
browser is used, never one downloaded by `playwright install` (scripts/sysdeps.sh installs it)."""
from __future__ import annotations

import os
import shutil

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    """The Chromium executable, or None when there is none."""
    chosen = os.environ.get("XXGK_CHROMIUM")
    for name in [chosen] if chosen else NAMES:
        if path := shutil.which(name):
            return path
    return None


def missing_message() -> str:
    chosen = os.environ.get("XXGK_CHROMIUM")
    if chosen:
        return f"Chromium not found: $XXGK_CHROMIUM={chosen} is not an executable"
    return f"Chromium not found: none of {', '.join(NAMES)} is on the PATH (install it, or set $XXGK_CHROMIUM)"
