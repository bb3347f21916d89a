"""`xxgk load PATH... [--db FILE]`: archive local report documents (files and folders)."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import click

from xxgk import options


@click.command("load")
# paths are checked per file, not by click: one missing or unreadable path must not keep the
# others from loading
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@options.db
@click.option("--progress/--no-progress", default=True, help="Show a progress bar.")
def command(paths: tuple[Path, ...], db: Path | None, progress: bool) -> None:
    """Load report documents into the archive (idempotent: loading again changes nothing).

    Folders are searched for documents (.txt .html .pdf .docx .doc …); a sidecar
    <file>.meta.json may give agency, province, level, year, url, published_date, source_id.
    WARC files (.warc, .warc.gz: Heritrix, Browsertrix, wget, pywb) and saved-page folders
    (page.html / page.txt with a 标题/发布时间/原文链接 header) are imported with their provenance.
    Each document is parsed in a worker process under a memory cap. A file that cannot be
    archived (unreadable; a FIFO, socket or device, skipped unopened) is reported at the end
    and the others still load; then the exit status is 1. Cross-report checks run after the
    batch."""
    from archive import crosscheck
    from archive.db import open_db
    from archive.load import load_paths
    from archive.paths import resolve

    archive = open_db(resolve(None, db).db)
    results = load_paths(archive, paths, progress=progress)
    cross = crosscheck.run(archive)
    changes = Counter(r.change for r in results)
    statuses = Counter(r.status for r in results if r.report_id is not None)
    click.echo(f"{len(results)} documents: " + ", ".join(f"{n} {c}" for c, n in sorted(changes.items()))
               + " · reports " + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())))
    if cross:
        click.echo("cross-report findings: " + ", ".join(f"{n} {c}" for c, n in sorted(cross.items())))
    problems = 0
    for r in results:
        if r.change in ("error", "skipped"):
            problems += 1
            click.echo(f"  not archived: {r.path}: {_printable(r.error)}", err=True)
        elif r.error:  # archived, but its rows could not all be written: findings say which
            problems += 1
            click.echo(f"  archived with a load problem (see its findings): {r.path}: {_printable(r.error)}",
                       err=True)
        elif r.status == "failed":
            problems += 1
            click.echo(f"  parse failed (archived with its findings; `xxgk reparse` retries): {r.path}", err=True)
    if problems:  # exit status 1: some documents failed (docs/cli.md)
        click.echo(f"{problems} of {len(results)} paths not archived, archived with a problem, or failed to parse",
                   err=True)
        raise SystemExit(1)


def _printable(text: str | None) -> str:
    """A message as any terminal can print it (a file name's undecodable bytes escaped)."""
    return (text or "").encode("utf-8", "backslashreplace").decode("utf-8")
