"""`xxgk parse PATH... [--json]`"""
from __future__ import annotations

import json
from pathlib import Path

import click

from parsers import parse


def _summary(path: Path, d: dict) -> str:
    errs = [f for f in d["findings"] if f["severity"] == "error"]
    lines = [
        f"{path}: {d['status']} · {d['agency'] or '?'} · {d['year'] or '?'} · template {d['template'] or '?'}"
        f" · {len(d['sections'])} sections · {len(d['cells'])} cells · {len(d['facts'])} facts"
        f" · {len(d['findings'])} findings ({len(errs)} errors)",
    ]
    for f in d["findings"]:
        lines.append(f"  [{f['severity']}] {f['code']}: {f['message']}")
    return "\n".join(lines)


@click.command("parse")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per document (a list for several).")
@click.option("--media-type", default=None, help="Override the detected media type.")
def command(paths: tuple[Path, ...], as_json: bool, media_type: str | None) -> None:
    """Parse report documents (text, HTML, PDF, DOCX, DOC) into the national template."""
    results = [(p, parse(p, media_type).to_dict()) for p in paths]
    if as_json:
        out = results[0][1] if len(results) == 1 else [d for _, d in results]
        click.echo(json.dumps(out, ensure_ascii=False, indent=1))
    else:
        for p, d in results:
            click.echo(_summary(p, d))
