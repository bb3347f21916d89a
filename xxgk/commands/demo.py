"""`xxgk demo`: offline, on a fresh clone — start the mock portals, crawl them all into a fresh
archive marked as synthetic demo data (archive_info.demo: every page and export says so), then
serve it with Datasette (port from $PORT, default 8001) until Ctrl-C. A busy port is found
before the crawl, not after it."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from archive.paths import DEMO_DIR
from crawler.registry import Source, write

if TYPE_CHECKING:  # `command` imports it when run: `xxgk --help` imports this module
    from mockportals import MockPortals

HOST = "127.0.0.1"
# local mock portals: no need to wait between requests (robots.txt is still obeyed)
DEMO_SETTINGS = ("DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False", "RETRY_BACKOFF_BASE=0.2",
                 "RETRY_BACKOFF_MAX=1", "CONCURRENT_REQUESTS_PER_DOMAIN=4")


def mock_sources(mp: MockPortals, browser: bool = False) -> list[Source]:
    """Registry rows for the mock portals' entry points (`render: browser` for the challenge
    column when a browser may be used)."""
    out, seen = [], {}
    for s in mp.sources:
        n = seen[s.portal] = seen.get(s.portal, -1) + 1
        challenged = "challenge" in s.note.lower()
        # level "": a portal publishes many agencies' reports (the archive reads each one's level
        # from its name); the province is the portal's
        out.append(Source(id=f"mock-{s.portal}-{n}", name=s.name, level="", province=s.province,
                          entry_url=s.url, entry_urls=[s.url],
                          platform=s.platform, platform_note=s.note, flags=["mock"],
                          render="browser" if browser and challenged else "http"))
    return out


def xxgk_exe() -> list[str]:
    exe = Path(sys.executable).with_name("xxgk")
    return [str(exe)] if exe.exists() else [sys.executable, "-c", "from xxgk.cli import main; main()"]


@click.command("demo")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=DEMO_DIR,
              show_default=True, help="Demo archive directory (emptied first).")
@click.option("--seed", default=1, show_default=True, help="Mock portal seed.")
@click.option("--scale", default=1.0, show_default=True, help="Mock portal size (1.0 ≈ 400 reports).")
@click.option("--browser/--no-browser", default=True, show_default=True,
              help="Pass the JS challenge with headless Chromium ($XXGK_CHROMIUM, else found on the PATH).")
@click.option("--serve/--no-serve", default=True, show_default=True, help="Serve the archive afterwards.")
@click.option("--port", type=int, default=8001, envvar="PORT",
              help="Port of the Datasette server (default: $PORT, else 8001).")
@click.option("--workers", type=int, default=0, show_default=True,
              help="Crawl as a fleet: a local redis-server, this many workers and the archive writer "
                   "(make demo-distributed: 3); 0: one process.")
def command(data_dir: Path, seed: int, scale: float, browser: bool, serve: bool, port: int, workers: int) -> None:
    """Crawl the bundled mock portals into a fresh archive and serve it (offline)."""
    from archive import info
    from archive.db import open_db
    from archive.serve import port_free
    from crawler.chromium import find_chromium, missing_message
    from mockportals import MockPortals

    if serve and not port_free(HOST, port):
        raise click.UsageError(f"port {port} is in use (another server?): choose another with --port N or PORT=N")
    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    db = data_dir / "xxgk.db"
    with open_db(db) as archive:  # marked before the crawl: even a partial demo archive says what it is
        info.mark_demo(archive)
    if browser and find_chromium() is None:
        click.echo(f"{missing_message()}: the JS-challenge column is crawled without it", err=True)
        browser = False
    with MockPortals(seed=seed, scale=scale) as mp:
        registry = data_dir / "sources.csv"
        write(mock_sources(mp, browser), registry)
        click.echo(f"mock portals: {', '.join(f'{k} {v}' for k, v in mp.urls.items())}", err=True)
        cmd = [*xxgk_exe(), "crawl", "--registry", str(registry), "--all", "--data-dir", str(data_dir)]
        for s in DEMO_SETTINGS:
            cmd += ["-s", s]
        if workers:  # the same crawl by a local fleet (crawler/fleet/local.py)
            from crawler.fleet.local import LocalRedis, run_fleet

            with LocalRedis() as redis:
                rc = run_fleet(redis.url, data_dir, workers, ["--registry", str(registry), "--all"], DEMO_SETTINGS)
        else:
            rc = subprocess.call(cmd)
    if rc != 0:
        raise click.ClickException(f"the crawl failed (exit {rc})")
    click.echo(f"archive: {db} · WARC: {data_dir / 'warc'}", err=True)
    if serve:
        from archive.serve import ServeError
        from archive.serve import serve as run_server

        try:  # prints the URL it serves; Ctrl-C stops it
            run_server(db, host=HOST, port=port, data_dir=data_dir)
        except ServeError as e:
            raise click.ClickException(str(e)) from e
