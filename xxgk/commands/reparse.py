"""`xxgk reparse [--db FILE] [--force]`: re-derive reports from their captured bytes."""
from __future__ import annotations

from pathlib import Path

import click

from xxgk import options


@click.command("reparse")
@options.db
@options.data_dir
@click.option("--force", is_flag=True, help="Re-parse every report, not only older parser versions.")
@click.option("--progress/--no-progress", default=True, help="Show a progress bar.")
def command(db: Path | None, data_dir: Path | None, force: bool, progress: bool) -> None:
    """Re-parse captured documents with the current parser and replace their derived rows."""
    import parsers
    from archive import crosscheck
    from archive.db import open_db
    from archive.paths import resolve
    from archive.reparse import reparse

    where = resolve(data_dir, db)
    db = open_db(where.db)
    res = reparse(db, where.data_dir, force=force, progress=progress)
    crosscheck.run(db)
    click.echo(f"parser {parsers.PARSER_VERSION}: {len(res.reparsed)} re-parsed, "
               f"{res.skipped} already current, {len(res.unreadable)} unreadable")
    for rid, why in res.unreadable.items():
        click.echo(f"  report {rid}: {why}", err=True)
