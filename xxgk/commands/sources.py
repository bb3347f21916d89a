"""`xxgk sources`: list and filter the source registry; `--load` registers them in the archive."""
from __future__ import annotations

import json
from pathlib import Path

import click

from crawler.registry import PLATFORMS, SOURCES_CSV, load_sources, select


@click.command("sources")
@click.option("--province", help="Only this province (e.g. 浙江).")
@click.option("--platform", type=click.Choice(PLATFORMS), help="Only this platform.")
@click.option("--level", help="Only this level (ministry, province, city, county, department, township).")
@click.option("--flag", help="Only sources carrying this flag (inferred, reconstructed, from-detail, not-report…).")
@click.option("--registry", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=SOURCES_CSV,
              show_default="crawler/sources.csv", help="Registry file to select sources from.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--load", "load_db", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also upsert the selected sources into this archive database's `sources` table.")
def command(province, platform, level, flag, registry, as_json, load_db) -> None:
    """The registry of real annual-report columns (built from ../shared/data/portals.csv by
    `python -m crawler.registry build`)."""
    from rich.console import Console
    from rich.table import Table

    sources = [s for s in select(load_sources(registry), province=province, platform=platform, level=level)
               if not flag or flag in s.flags]
    if as_json:
        for s in sources:
            click.echo(json.dumps(s.to_row(), ensure_ascii=False))
    else:
        t = Table(title=f"{len(sources)} sources")
        for col in ("id", "name", "level", "province", "platform", "flags", "entry_url"):
            t.add_column(col, overflow="fold")
        for s in sources:
            t.add_row(s.id, s.name, s.level, s.province, s.platform, ",".join(s.flags), s.entry_url)
        Console().print(t)
    if load_db:
        from archive.db import open_db
        from archive.sources import upsert_sources

        db = open_db(load_db)
        n = upsert_sources(db, [s.archive_row() for s in sources])
        click.echo(f"{n} source rows written to {load_db}", err=True)
