"""`xxgk archive-writer`: the one process writing the archive of a crawl fleet (crawler/fleet/writer.py)."""
from __future__ import annotations

from pathlib import Path

import click

from xxgk import options


@click.command("archive-writer")
@click.option("--redis", "redis_url", envvar="XXGK_REDIS_URL", required=True, metavar="redis://HOST:PORT/DB",
              help="The fleet's Redis (default: $XXGK_REDIS_URL).")
@options.db
@options.data_dir
@click.option("--follow", is_flag=True, help="Keep writing crawl after crawl (default: exit when the crawl in progress is over).")
@click.option("-s", "--set", "settings_", multiple=True, metavar="NAME=VALUE",
              help="A crawler setting (e.g. XXGK_REDIS_PREFIX).")
@click.option("--quiet", is_flag=True, help="Log warnings only.")
@click.option("--log-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also log (INFO and up) to this file, rotated at 10 MB with 5 old files kept.")
def command(redis_url, db, data_dir, follow, settings_, quiet, log_file) -> None:
    """Write a crawl fleet's archive: the workers' captures and url_checks from the Redis stream,
    in order, each applied once; then the crawl's runs, and what the archive knows for the next
    crawl's workers. Start it before seeding (`xxgk crawl --redis URL --seed …`); the data dir
    is the one the workers write WARC files into (shared by every machine).
    """
    import logging

    from crawler.fleet.run import write

    from .crawl import _setting

    logging.basicConfig(level=logging.WARNING if quiet else logging.INFO,
                        format="%(asctime)s [%(name)s] %(levelname)s: %(message)s")
    if log_file:
        from crawler.schedule import rotating_log
        rotating_log(log_file)
    from rich.console import Console

    from crawler.lock import LockHeld
    from crawler.run import run_notes, summary

    from crawler.fleet.writer import LockLost

    try:
        n, closed, db_file = write(redis_url, data_dir=data_dir, db=db, overrides=_setting(settings_), follow=follow)
    except (LockHeld, LockLost) as e:
        raise click.ClickException(str(e)) from e
    if closed:  # the runs of the crawl it closed, as `xxgk crawl` shows its own
        from archive.db import open_db

        archive = open_db(db_file)
        runs = list(archive.query(f"SELECT * FROM crawl_runs WHERE id IN ({','.join('?' * len(closed))})"
                                  f" ORDER BY id", closed))
        archive.close()
        Console().print(summary(runs))
        for note in run_notes(runs, db_file):
            Console().print(note, highlight=False, soft_wrap=True)
    click.echo(f"archive writer done: {n} entries applied", err=True)
