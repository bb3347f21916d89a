"""Options several commands share: where the data directory and the archive are (both resolved
by `archive.paths.resolve`, as the crawler resolves them)."""
from __future__ import annotations

from pathlib import Path

import click

data_dir = click.option(
    "--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Data directory: WARC files, crawl lock, jobs, the archive (default: $XXGK_DATA, else data/).")
db = click.option(
    "--db", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Archive database (default: xxgk.db in --data-dir if given, else $XXGK_DB, else xxgk.db in "
         "$XXGK_DATA or data/).")
