"""`xxgk schedule install|show|remove`: run `xxgk crawl` from cron or a systemd user timer."""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import click

from archive.paths import resolve
from crawler import schedule as sch


def _xxgk() -> str:
    exe = Path(sys.executable).with_name("xxgk")
    return str(exe) if exe.exists() else "xxgk"


@click.command("schedule")
@click.argument("action", type=click.Choice(["install", "show", "remove"]))
@click.option("--cron", "kind", flag_value="cron", default=True, help="A crontab entry (default).")
@click.option("--systemd", "kind", flag_value="systemd", help="A systemd user timer + service.")
@click.option("--cadence", default="daily/weekly", show_default=True,
              help="DENSE/SPARSE frequency: hourly, daily, weekly, monthly or off (e.g. daily/weekly, weekly/off).")
@click.option("--dense-months", default="1-4", show_default=True,
              help="Months of the dense cadence (reports appear January–April): e.g. 1-4 or 1-5,12.")
@click.option("--at", "at", default="03:17", show_default=True, help="Time of day (HH:MM, local).")
@click.option("--weekday", type=click.IntRange(0, 6), default=1, show_default=True,
              help="Day of weekly runs (0 = Sunday).")
@click.option("--crawl-args", default="--all", show_default=True,
              help="What to crawl, as `xxgk crawl` options (e.g. \"--province 浙江\").")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Data directory of the scheduled crawls (default: $XXGK_DATA, else data/).")
@click.option("--crontab-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Edit this file instead of the user crontab (`crontab -l` / `crontab -`).")
@click.option("--unit-dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path.home() / ".config" / "systemd" / "user", show_default="~/.config/systemd/user",
              help="Where the systemd units go.")
def command(action: str, kind: str, cadence: str, dense_months: str, at: str, weekday: int, crawl_args: str,
            data_dir: Path | None, crontab_file: Path | None, unit_dir: Path) -> None:
    """Schedule crawls: denser while reports appear (default daily January–April, weekly otherwise).
    The crawl writes a rotated log to <data dir>/logs/crawl.log; overlapping runs are refused by
    the crawl lock."""
    try:
        cad = sch.parse_cadence(cadence, dense_months, at, weekday)
    except ValueError as e:
        raise click.BadParameter(str(e)) from e
    workdir = Path(os.getcwd())
    data_dir = resolve(data_dir).data_dir
    data_dir = data_dir if data_dir.is_absolute() else workdir / data_dir
    argv = sch.crawl_argv(_xxgk(), data_dir, crawl_args)
    if kind == "cron":
        if crontab_file is None and shutil.which("crontab") is None:
            raise click.ClickException("cron is not installed (no `crontab` command on the PATH): install cron, "
                                       "or use --systemd, or --crontab-file FILE to write the entry to a file")
        current = sch.read_crontab(crontab_file)
        where = crontab_file or "the user crontab"
        if action == "show":
            click.echo(sch.our_block(current) or f"no xxgk schedule in {where}", nl=False)
            return
        block = sch.cron_block(cad, workdir, argv, data_dir) if action == "install" else None
        if action == "remove" and sch.our_block(current) is None:
            click.echo(f"no xxgk schedule in {where}")
            return
        (data_dir / "logs").mkdir(parents=True, exist_ok=True)
        sch.write_crontab(crontab_file, sch.replace_block(current, block))
        click.echo(f"{'installed in' if block else 'removed from'} {where}" + (":\n" + block if block else ""), nl=not block)
        return
    units = sch.systemd_units(cad, workdir, argv)
    if action == "show":
        found = [unit_dir / n for n in units if (unit_dir / n).exists()]
        for p in found:
            click.echo(f"# {p}\n{p.read_text(encoding='utf-8')}")
        if not found:
            click.echo(f"no xxgk units in {unit_dir}")
        return
    if action == "remove":
        for n in units:
            (unit_dir / n).unlink(missing_ok=True)
        click.echo(f"removed {', '.join(units)} from {unit_dir}\n"
                   f"then: systemctl --user disable --now {sch.UNIT}.timer; systemctl --user daemon-reload")
        return
    unit_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "logs").mkdir(parents=True, exist_ok=True)
    for n, text in units.items():
        (unit_dir / n).write_text(text, encoding="utf-8")
    click.echo(f"wrote {', '.join(units)} to {unit_dir}\n"
               f"then: systemctl --user daemon-reload && systemctl --user enable --now {sch.UNIT}.timer")
