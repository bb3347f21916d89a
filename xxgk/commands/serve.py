"""`xxgk serve [--db FILE] [--host H] [--port P]`: browse and search the archive with Datasette."""
from __future__ import annotations

from pathlib import Path

import click

from archive.db import default_db_path
from archive.serve import ServeError, serve


@click.command("serve")
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Database file (default: $XXGK_DB, else data/xxgk.db).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8001, show_default=True, type=int, help="Port.")
def command(db_path: Path | None, host: str, port: int) -> None:
    """Serve the archive with Datasette, read-only and immutable (search, facets, canned
    queries, dashboards at /-/dashboards, CSV and JSON downloads)."""
    try:
        serve(db_path or default_db_path(), host=host, port=port)
    except ServeError as e:
        raise click.ClickException(str(e)) from e
