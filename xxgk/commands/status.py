"""`xxgk status`: crawl health per source (the `source_health` view of the archive)."""
from __future__ import annotations

from pathlib import Path

import click

from xxgk import options, output

STATE_STYLE = {"ok": "green", "quiet": "yellow", "incomplete": "yellow", "blocked": "red", "moved": "magenta",
               "failing": "red", "never crawled": "dim"}
COLUMNS = (("source", "source_id"), ("state", "state"), ("runs", "runs"), ("last run", "last_run_at"),
           ("last success", "last_success"), ("last new report", "last_new_report"), ("reports", "reports"),
           ("fails", "consecutive_failures"), ("blocked", "blocked_last_run"), ("yield", "yield_last"),
           ("before", "yield_before"), ("ratio", "yield_ratio"), ("list reached", "list_reached"))


def _cell(row: dict, key: str) -> str:
    v = row.get(key)
    if v is None:
        return ""
    if key in ("last_run_at", "last_success", "last_new_report"):
        return str(v)[:16].replace("T", " ")
    if key == "list_reached":  # the first incomplete list: reached of declared
        more = f" (+{row['lists_incomplete'] - 1} lists)" if row["lists_incomplete"] > 1 else ""
        return f"{v}/{row['list_declared']} {row['list_unit']}{more}"
    return str(v)


@click.command("status")
@options.db
@options.data_dir
@click.option("--source", "source_ids", multiple=True, help="Only this source (repeatable).")
@click.option("--all", "all_", is_flag=True, help="Also sources never crawled.")
@click.option("--problems", is_flag=True, help="Only sources that are failing, moved, blocked, incomplete or quiet.")
@output.option
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
def command(db: Path | None, data_dir: Path | None, source_ids: tuple[str, ...], all_: bool, problems: bool,
            fmt: str, as_json: bool) -> None:
    """Crawl health per source: last success, last new report, consecutive failures, blocked,
    moved (404 at the entry URL), lists that declared more than the crawl reached (incomplete)
    and this run's yield against earlier runs."""
    from rich.console import Console

    from archive.db import open_db
    from archive.health import PROBLEM_STATES, source_health
    from archive.paths import missing_archive, resolve

    path = resolve(data_dir, db).db
    if not path.exists():
        raise click.ClickException(missing_archive(path))
    database = open_db(path)
    try:
        rows = source_health(database, list(source_ids) or None, crawled_only=not (all_ or source_ids))
    finally:
        database.close()
    if problems:
        rows = [r for r in rows if r["state"] in PROBLEM_STATES]
    fmt = "json" if as_json else fmt
    output.emit(rows, fmt, COLUMNS, title=f"crawl health — {path}", cell=_cell,
                style=lambda r, k: STATE_STYLE.get(r["state"], "") if k == "state" else "")
    if fmt != "table":
        return
    notes = Console(stderr=True)  # not rows: on stderr, so that piped output is rows only
    for r in rows:
        if r.get("list_url"):
            notes.print(f"[yellow]{r['source_id']}: list incomplete[/] — {r['list_url']} declares "
                        f"{r['list_declared']} {r['list_unit']}, the crawl reached {r['list_reached']}",
                        soft_wrap=True)
    bad = sum(r["state"] in PROBLEM_STATES for r in rows)
    notes.print(f"{len(rows)} source(s), {bad} with problems" if rows else "no crawl runs recorded yet")
