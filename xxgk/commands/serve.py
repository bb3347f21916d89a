"""`xxgk serve [--db FILE] [--data-dir DIR] [--host H] [--port P] [--workers N]`: browse and search the archive with Datasette."""
from __future__ import annotations

from pathlib import Path

import click

from xxgk import options


@click.command("serve")
@options.db
@options.data_dir
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8001, type=int, envvar="PORT", help="Port (default: $PORT, else 8001).")
@click.option("--workers", default=1, type=click.IntRange(1), show_default=True,
              help="Datasette processes answering at this address (a small reverse proxy hands each request "
                   "to the next): one core each.")
def command(db: Path | None, data_dir: Path | None, host: str, port: int, workers: int) -> None:
    """Serve the archive with Datasette, read-only, correct while a crawl writes to it (search,
    facets, canned queries, dashboards at /-/dashboards, report pages with their archived
    originals, CSV and JSON downloads); prints the URL it serves."""
    from archive.paths import resolve
    from archive.serve import ServeError, serve

    where = resolve(data_dir, db)
    try:
        serve(where.db, host=host, port=port, data_dir=where.data_dir, workers=workers)
    except ServeError as e:
        raise click.ClickException(str(e)) from e
