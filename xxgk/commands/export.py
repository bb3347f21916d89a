"""`xxgk export DIR [--db FILE] [--version V]`: write a versioned dataset bundle."""
from __future__ import annotations

from pathlib import Path

import click

from archive.db import open_db
from archive.export import export


@click.command("export")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--db", "db_path", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="Database file (default: $XXGK_DB, else data/xxgk.db).")
@click.option("--version", "version", default=None, help="Bundle version (default: today's date, UTC).")
def command(out_dir: Path, db_path: Path | None, version: str | None) -> None:
    """Export the archive: CSV per table and view, the SQLite file, datapackage.json, README, SHA256SUMS."""
    db = open_db(db_path)
    try:
        bundle = export(db, out_dir, version)
    except FileExistsError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(str(bundle))
