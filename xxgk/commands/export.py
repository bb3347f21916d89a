"""`xxgk export DIR [--db FILE] [--version V]`: write a versioned dataset bundle."""
from __future__ import annotations

from pathlib import Path

import click

from xxgk import options


@click.command("export")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@options.db
@click.option("--version", "version", default=None, help="Bundle version (default: today's date, UTC).")
def command(out_dir: Path, db: Path | None, version: str | None) -> None:
    """Export the archive: CSV per table and view, the SQLite file, datapackage.json, README, SHA256SUMS."""
    from archive.db import open_db
    from archive.export import export
    from archive.paths import resolve

    path = resolve(db=db).db
    if not path.is_file():
        raise click.ClickException(f"no archive at {path} (build one with `xxgk load` or `xxgk crawl`)")
    db = open_db(path)
    try:
        bundle = export(db, out_dir, version)
    except FileExistsError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(str(bundle))
