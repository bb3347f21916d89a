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
@click.option("--workers", type=click.IntRange(0), default=None,
              help="Parse processes, each under a memory cap (default: one per core but one; 0: parse in this "
                   "process).")
def command(db: Path | None, data_dir: Path | None, force: bool, progress: bool, workers: int | None) -> None:
    """Re-parse captured documents with the current parser and replace their derived rows.

    Reports are read and written a batch at a time (one transaction each: memory stays bounded,
    an interrupted run is resumed by running it again), the next batch parsed while one is
    written. Cross-report checks run at the end."""
    import parsers
    from archive import crosscheck
    from archive.db import open_db
    from archive.parsepool import default_workers
    from archive.paths import resolve
    from archive.reparse import reparse

    where = resolve(data_dir, db)
    db = open_db(where.db)
    res = reparse(db, where.data_dir, force=force, progress=progress,
                  workers=default_workers() if workers is None else workers)
    crosscheck.run(db, full=res.reparsed > 0)  # reports changed in place: every check again
    click.echo(f"parser {parsers.PARSER_VERSION}: {res.reparsed} re-parsed, "
               f"{res.skipped} already current, {res.n_unreadable} unreadable")
    for rid, why in res.unreadable.items():
        click.echo(f"  report {rid}: {why}", err=True)
    if res.n_unreadable > len(res.unreadable):
        click.echo(f"  … and {res.n_unreadable - len(res.unreadable)} more", err=True)
