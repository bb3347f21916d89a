"""`xxgk load PATH... [--db FILE]`: archive local report documents (files and folders)."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import click

from archive import crosscheck
from archive.db import open_db
from archive.load import load_paths


@click.command("load")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Database file (default: $XXGK_DB, else data/xxgk.db).")
@click.option("--progress/--no-progress", default=True, help="Show a progress bar.")
def command(paths: tuple[Path, ...], db_path: Path | None, progress: bool) -> None:
    """Load report documents into the archive (idempotent: loading again changes nothing).

    Folders are searched for documents (.txt .html .pdf .docx .doc …); a sidecar
    <file>.meta.json may give agency, province, level, year, url, published_date, source_id.
    WARC files (.warc, .warc.gz: Heritrix, Browsertrix, wget, pywb) and saved-page folders
    (page.html / page.txt with a 标题/发布时间/原文链接 header) are imported with their provenance.
    Cross-report checks run after the batch."""
    db = open_db(db_path)
    results = load_paths(db, paths, progress=progress)
    cross = crosscheck.run(db)
    changes = Counter(r.change for r in results)
    statuses = Counter(r.status for r in results if r.report_id is not None)
    click.echo(f"{len(results)} documents: " + ", ".join(f"{n} {c}" for c, n in sorted(changes.items()))
               + " · reports " + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())))
    for r in results:
        if r.change == "error":
            click.echo(f"  cannot load {r.path}: {r.error}", err=True)
        elif r.status == "failed" and r.change in ("new", "changed"):
            click.echo(f"  parse failed (recorded with its findings): {r.path}", err=True)
    if cross:
        click.echo("cross-report findings: " + ", ".join(f"{n} {c}" for c, n in sorted(cross.items())))
    if changes.get("error"):
        raise SystemExit(1)
