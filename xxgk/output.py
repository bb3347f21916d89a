"""How listing commands print rows: `--format table|csv|json`.

A table is drawn (rich: colour, wrapped to the terminal) only on a terminal; piped or redirected,
it is plain rows — a header line, then one line per row, cells separated by tabs, nothing
wrapped, no colour — so that `xxgk sources | grep 浙江` and `wc -l` see one line per source.
CSV has every field of every row; JSON is one object per line."""
from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

import click

FORMATS = ("table", "csv", "json")

option = click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
    help="table (plain tab-separated rows when not on a terminal), csv (every field) or json (one object per line).")


def emit(rows: Sequence[dict[str, Any]], fmt: str, columns: Sequence[tuple[str, str]], *, title: str = "",
         cell: Callable[[dict, str], str] | None = None, style: Callable[[dict, str], str] | None = None) -> None:
    """Print `rows`: `columns` are (heading, key) of the table; `cell` formats a table cell
    (default: the value, empty for None); `style` gives a rich style for a cell on a terminal."""
    cell = cell or (lambda row, key: "" if row.get(key) is None else str(row.get(key)))
    if fmt == "json":
        for r in rows:
            click.echo(json.dumps(r, ensure_ascii=False, default=str))
    elif fmt == "csv":
        fields = list(dict.fromkeys(k for r in rows for k in r))
        w = csv.DictWriter(sys.stdout, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    elif sys.stdout.isatty():
        _rich(rows, columns, title, cell, style)
    else:
        click.echo("\t".join(h for h, _ in columns))
        for r in rows:
            click.echo("\t".join(" ".join(cell(r, k).split()) for _, k in columns))


def _rich(rows, columns, title, cell, style) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    t = Table(title=title or None)
    for head, _ in columns:
        t.add_column(head, overflow="fold")
    for r in rows:
        cells = []
        for _, k in columns:
            text, how = escape(cell(r, k)), style(r, k) if style else ""
            cells.append(f"[{how}]{text}[/]" if how else text)
        t.add_row(*cells)
    Console().print(t)
