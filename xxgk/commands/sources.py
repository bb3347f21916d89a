"""`xxgk sources`: list and filter the source registry; `--load` registers them in the archive."""
from __future__ import annotations

from pathlib import Path

import click

from crawler.registry import PLATFORMS, SOURCES_CSV, load_sources, select
from xxgk import output

COLUMNS = [(c, c) for c in ("id", "name", "level", "province", "platform", "flags", "entry_url")]


@click.command("sources")
@click.option("--province", help="Only this province (e.g. 浙江).")
@click.option("--platform", type=click.Choice(PLATFORMS), help="Only this platform.")
@click.option("--level", help="Only this level (ministry, province, city, county, department, township).")
@click.option("--flag", help="Only sources carrying this flag (inferred, reconstructed, from-detail, not-report…).")
@click.option("--registry", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=SOURCES_CSV,
              show_default="crawler/sources.csv", help="Registry file to select sources from.")
@output.option
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option("--load", "load_db", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also upsert the selected sources into this archive database's `sources` table.")
def command(province, platform, level, flag, registry, fmt, as_json, load_db) -> None:
    """The registry of real annual-report columns (built from ../shared/data/portals.csv by
    `python -m crawler.registry build`)."""
    sources = [s for s in select(load_sources(registry), province=province, platform=platform, level=level)
               if not flag or flag in s.flags]
    output.emit([s.to_row() for s in sources], "json" if as_json else fmt, COLUMNS, title=f"{len(sources)} sources")
    if load_db:
        from archive.db import open_db
        from archive.sources import upsert_sources

        db = open_db(load_db)
        n = upsert_sources(db, [s.archive_row() for s in sources])
        click.echo(f"{n} source rows written to {load_db}", err=True)
