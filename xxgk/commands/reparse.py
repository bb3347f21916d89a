"""`xxgk reparse [--db FILE] [--force]`: re-derive reports from their captured bytes."""
from __future__ import annotations

from pathlib import Path

import click

import parsers
from archive import crosscheck
from archive.db import data_dir as default_data_dir, open_db
from archive.reparse import reparse


@click.command("reparse")
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Database file (default: $XXGK_DB, else data/xxgk.db).")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where WARC files are (default: $XXGK_DATA, else data/).")
@click.option("--force", is_flag=True, help="Re-parse every report, not only older parser versions.")
@click.option("--progress/--no-progress", default=True, help="Show a progress bar.")
def command(db_path: Path | None, data_dir: Path | None, force: bool, progress: bool) -> None:
    """Re-parse captured documents with the current parser and replace their derived rows."""
    db = open_db(db_path)
    res = reparse(db, data_dir or default_data_dir(), force=force, progress=progress)
    crosscheck.run(db)
    click.echo(f"parser {parsers.PARSER_VERSION}: {len(res.reparsed)} re-parsed, "
               f"{res.skipped} already current, {len(res.unreadable)} unreadable")
    for rid, why in res.unreadable.items():
        click.echo(f"  report {rid}: {why}", err=True)
