"""`xxgk parse PATH... [--json]`: files, and the documents in folders (as `xxgk load` finds them).

Exit status: 0 when every document parsed (ok or partial), 1 when some failed (each still
printed, with why), 2 for a usage error (a folder without documents)."""
from __future__ import annotations

import json
from pathlib import Path

import click

from parsers import parse


def _summary(path: Path, d: dict) -> str:
    errs = [f for f in d["findings"] if f["severity"] == "error"]
    if d["status"] == "failed":  # nothing was read: no agency, year or template to speak of
        head = f"{path}: failed · {len(d['findings'])} findings ({len(errs)} errors)"
    else:
        head = (f"{path}: {d['status']} · {d['agency'] or '?'} · {d['year'] or '?'} · template {d['template'] or '?'}"
                f" · {len(d['sections'])} sections · {len(d['cells'])} cells · {len(d['facts'])} facts"
                f" · {len(d['findings'])} findings ({len(errs)} errors)")
    return "\n".join([head, *(f"  [{f['severity']}] {f['code']}: {f['message']}" for f in d["findings"])])


def documents(paths: tuple[Path, ...]) -> list[Path]:
    """The files given, and the documents under the folders given (a folder without any is a
    usage error)."""
    from archive.load import iter_documents

    out = []
    for p in paths:
        found = list(iter_documents([p]))
        if not found:
            raise click.UsageError(f"no documents in {p} (looked for files named .txt .html .pdf .docx .doc …)")
        out += found
    return out


@click.command("parse")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per document (a list for several).")
@click.option("--media-type", default=None, help="Override the detected media type.")
def command(paths: tuple[Path, ...], as_json: bool, media_type: str | None) -> None:
    """Parse report documents (text, HTML, PDF, DOCX, DOC) into the national template.

    PATHS are files or folders (every document under a folder, as `xxgk load` finds them).
    Exit status 1 when some document failed to parse (all are still printed)."""
    files = documents(paths)
    results = [(p, parse(p, media_type).to_dict()) for p in files]
    if as_json:
        out = results[0][1] if len(results) == 1 and files == list(paths) else [d for _, d in results]
        click.echo(json.dumps(out, ensure_ascii=False, indent=1))
    else:
        for p, d in results:
            click.echo(_summary(p, d))
    failed = [p for p, d in results if d["status"] == "failed"]
    if failed:
        click.echo(f"{len(failed)} of {len(results)} document(s) failed to parse", err=True)
        raise SystemExit(1)
