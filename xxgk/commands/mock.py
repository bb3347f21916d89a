"""`xxgk mock-portals [--port-base N]`: serve the mock portals in the foreground."""
from __future__ import annotations

import json
import time
from collections import Counter

import click


@click.command("mock-portals")
@click.option("--port-base", type=int, default=None,
              help="Serve portal i on port N+i (in the order listed); default: free ports.")
@click.option("--seed", type=int, default=1, show_default=True, help="Content seed (same seed, same portals).")
@click.option("--scale", type=float, default=1.0, show_default=True, help="Multiply the number of reports.")
@click.option("--page-size", type=int, default=10, show_default=True, help="Items per list page.")
@click.option("--portal", "portals", multiple=True, help="Only these portals (repeatable).")
@click.option("--manifest", "manifest_path", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Also write the manifest (JSON lines, without the generated reports) here.")
def command(port_base: int | None, seed: int, scale: float, page_size: int, portals: tuple[str, ...],
            manifest_path: str | None) -> None:
    """Serve mock government portals (TRS, Hanweb, gkmlpt, gov.cn, edge cases) on 127.0.0.1."""
    from mockportals import MockPortals

    try:
        mp = MockPortals(seed=seed, scale=scale, page_size=page_size, portals=portals or None,
                         port_base=port_base)
    except (ValueError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    with mp:
        for source in mp.sources:
            note = f"  ({source.note})" if source.note else ""
            click.echo(f"{source.portal:8} {source.platform:8} {source.url}{note}")
        click.echo(f"{len(mp.manifest)} documents: "
                   + ", ".join(f"{k}={v}" for k, v in sorted(Counter(e.expect for e in mp.manifest).items())))
        if manifest_path:
            with open(manifest_path, "w", encoding="utf-8") as f:
                for e in mp.manifest:
                    row = {k: v for k, v in vars(e).items() if k not in ("report", "carried_forward")}
                    row["previous"] = e.previous.url if e.previous else None
                    f.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
            click.echo(f"manifest written to {manifest_path}")
        click.echo("serving; Ctrl-C to stop")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            click.echo("stopped")
