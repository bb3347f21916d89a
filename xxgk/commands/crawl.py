"""`xxgk crawl`: crawl registered sources (or an ad-hoc entry point) into the archive."""
from __future__ import annotations

from pathlib import Path

import click

from crawler.registry import PLATFORMS, SOURCES_CSV, load_sources, select
from xxgk import options


def _setting(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for v in values:
        name, sep, value = v.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"expected NAME=VALUE, got {v!r}", param_hint="-s")
        out[name.strip()] = value
    return out


@click.command("crawl")
@click.option("--source", "source_ids", multiple=True, help="Source id from the registry (repeatable).")
@click.option("--province", help="Every source in this province (e.g. 浙江).")
@click.option("--platform", type=click.Choice(PLATFORMS),
              help="Every source on this platform; with --url, the URL's platform (default: read from its entry page).")
@click.option("--level", help="Every source of this level (ministry, province, city, county, department, township).")
@click.option("--all", "all_", is_flag=True, help="Every source in the registry.")
@click.option("--url", help="An ad-hoc entry point (a column URL) instead of registry sources.")
@click.option("--id", "adhoc_id", help="Source id for --url (default: derived from the URL).")
@click.option("--name", default="", help="Source name for --url.")
@click.option("--render", type=click.Choice(["http", "browser"]), default="http", show_default=True,
              help="With --url: fetch through headless Chromium (JS challenges).")
@click.option("--registry", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=SOURCES_CSV,
              show_default="crawler/sources.csv", help="Registry file to select sources from.")
@options.db
@options.data_dir
@click.option("--delay", type=float, help="Seconds between requests to one host (DOWNLOAD_DELAY; default 1).")
@click.option("--concurrency", type=int, help="Concurrent requests per host (default 2).")
@click.option("--no-autothrottle", is_flag=True, help="Fixed delay instead of AutoThrottle.")
@click.option("--user-agent", envvar="XXGK_USER_AGENT", help="User-Agent (include a contact URL).")
@click.option("--timeout", type=float, help="Download timeout in seconds (default 30).")
@click.option("-s", "--set", "settings_", multiple=True, metavar="NAME=VALUE", help="Any Scrapy setting.")
@click.option("--quiet", is_flag=True, help="No progress display; log warnings only.")
@click.option("--full", is_flag=True, help="Not incremental: fetch every known document again (XXGK_INCREMENTAL=False).")
@click.option("--log-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also log (INFO and up) to this file, rotated at 10 MB with 5 old files kept.")
@click.option("--redis", "redis_url", envvar="XXGK_REDIS_URL", metavar="redis://HOST:PORT/DB",
              help="Crawl as one of a fleet sharing this Redis (default: $XXGK_REDIS_URL): without a "
                   "selection, work on its crawl until the frontier stays empty; with one and --seed, "
                   "begin a crawl of those sources. `xxgk archive-writer` writes the archive.")
@click.option("--seed", is_flag=True, help="With --redis: push the selected sources' entry points to the fleet and exit.")
def command(source_ids, province, platform, level, all_, url, adhoc_id, name, render, registry, db,
            data_dir, delay, concurrency, no_autothrottle, user_agent, timeout, settings_, quiet, full,
            log_file, redis_url, seed) -> None:
    """Crawl annual-report columns into the archive: raw WARC capture first, then parse and load.

    Polite by default (robots.txt, AutoThrottle, 2 requests per host, retries with backoff).
    Examples: `xxgk crawl --source zwgk-mwr-zfxxgkndbg`, `xxgk crawl --province 浙江 --platform hanweb`,
    `xxgk crawl --url http://127.0.0.1:8000/col/col1229/index.html --platform hanweb`.
    From several machines: `xxgk crawl --redis URL --seed --all` begins a crawl, `xxgk crawl --redis URL`
    on each machine works on it (docs/crawling.md, "Several machines").
    """
    from rich.console import Console

    from archive.paths import resolve
    from crawler.lock import CrawlLock, LockHeld
    from crawler.run import crawl, run_notes, summary
    from crawler.spiders.reports import adhoc_source

    chosen = bool(url or source_ids or province or platform or level or all_)
    if seed and not redis_url:
        raise click.UsageError("--seed pushes to a fleet: give --redis (or set XXGK_REDIS_URL)")
    if redis_url and chosen and not seed:
        raise click.UsageError("with --redis, a selection begins a fleet's crawl: add --seed "
                               "(workers take their sources from Redis)")
    if redis_url and not chosen:
        if seed:
            raise click.UsageError("--seed needs sources: --source ID, --province, --platform, --level, --all or --url")
        return _work(redis_url, data_dir, _overrides(settings_, delay, concurrency, user_agent, timeout,
                                                     no_autothrottle, full), quiet, log_file)
    if url:  # without --platform, the platform is read from the entry page
        sources = [adhoc_source(url, platform or "auto", adhoc_id, name, render)]
    elif source_ids or province or platform or level or all_:
        try:
            sources = select(load_sources(registry), ids=list(source_ids) or None, province=province,
                             platform=platform, level=level)
        except KeyError as e:
            raise click.ClickException(str(e.args[0])) from e
    else:
        raise click.UsageError("choose what to crawl: --source ID, --province, --platform, --level, --all or --url")
    if not sources:
        raise click.ClickException("no source matches")
    overrides = _overrides(settings_, delay, concurrency, user_agent, timeout, no_autothrottle, full)
    if log_file:
        from crawler.schedule import rotating_log
        rotating_log(log_file)
    if seed:
        return _seed(redis_url, sources, data_dir, overrides)
    where = resolve(data_dir, db)
    console = Console(stderr=True)
    console.print(f"crawling {len(sources)} source(s) into {where.db} (WARC: {where.data_dir / 'warc'})")
    try:  # one crawl per data dir: overlapping scheduled runs would fetch everything twice
        with CrawlLock(where.data_dir):
            runs = crawl(sources, data_dir=where.data_dir, db=where.db, overrides=overrides, progress=not quiet,
                         console=console)
    except LockHeld as e:
        raise click.ClickException(str(e)) from e
    if runs:
        Console().print(summary(runs))
        for note in run_notes(runs, db or data_dir / "xxgk.db"):
            Console().print(note, highlight=False, soft_wrap=True)
    else:  # only when ITEM_PIPELINES was overridden: captures went to WARC, nothing to the archive
        console.print("[yellow]no crawl_runs recorded: the archive pipeline is off[/]")


def _overrides(settings_, delay, concurrency, user_agent, timeout, no_autothrottle, full) -> dict:
    overrides = _setting(settings_)
    for key, value in (("DOWNLOAD_DELAY", delay), ("CONCURRENT_REQUESTS_PER_DOMAIN", concurrency),
                       ("USER_AGENT", user_agent), ("DOWNLOAD_TIMEOUT", timeout)):
        if value is not None:
            overrides.setdefault(key, value)
    if no_autothrottle:
        overrides.setdefault("AUTOTHROTTLE_ENABLED", False)
    if full:
        overrides.setdefault("XXGK_INCREMENTAL", False)
    return overrides


def _seed(redis_url: str, sources, data_dir, overrides: dict) -> None:
    from crawler.fleet.run import FleetBusy, seed

    try:
        crawl, pushed = seed(redis_url, sources, data_dir=data_dir, overrides=overrides)
    except FleetBusy as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"crawl {crawl['id']}: {pushed} request(s) for {len(sources)} source(s) pushed to {redis_url}", err=True)


def _work(redis_url: str, data_dir, overrides: dict, quiet: bool, log_file) -> None:
    from crawler.fleet.run import work

    if log_file:
        from crawler.schedule import rotating_log
        rotating_log(log_file)
    stats = work(redis_url, data_dir=data_dir, overrides=overrides, progress=not quiet)
    if stats is None:
        click.echo(f"no crawl in progress on {redis_url}: nothing to do", err=True)
        return
    click.echo(f"worker done: {stats.get('response_received_count', 0)} responses, "
               f"{stats.get('item_scraped_count', 0)} captures handed to the archive writer", err=True)
