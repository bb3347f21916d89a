"""`xxgk export DIR [--db FILE] [--version V] [--format csv|parquet] [--with-originals]`: write a versioned dataset bundle."""
from __future__ import annotations

from pathlib import Path

import click

from xxgk import options


@click.command("export")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@options.db
@options.data_dir
@click.option("--version", "version", default=None, help="Bundle version (default: today's date, UTC).")
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet"]), default="csv", show_default=True,
              help="The data files: CSV, or Parquet (typed columns, compressed; for pandas, R, DuckDB).")
@click.option("--with-originals", is_flag=True,
              help="Also the archived original of every report (originals/<sha256>.<ext>, read from the WARC "
                   "files or paths of its captures), checksummed with the rest.")
def command(out_dir: Path, db: Path | None, data_dir: Path | None, version: str | None, fmt: str,
            with_originals: bool) -> None:
    """Export the archive: a CSV (or Parquet) file per table and view, the SQLite file,
    datapackage.json, README, SHA256SUMS.

    An original that cannot be read back (a WARC file moved away) is named on stderr and in the
    README; the rest of the bundle is written."""
    from archive.db import open_db
    from archive.export import export
    from archive.paths import missing_archive, resolve

    where = resolve(data_dir, db)
    if not where.db.is_file():
        raise click.ClickException(missing_archive(where.db))
    database = open_db(where.db)
    try:
        bundle = export(database, out_dir, version, with_originals=with_originals,
                        data_dirs=[where.data_dir, where.db.parent], fmt=fmt)
    except FileExistsError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(str(bundle))
