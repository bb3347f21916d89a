"""`xxgk schedule`: cron entries and systemd timers with a denser January–April cadence, and the
rotated crawl log."""
from __future__ import annotations

import logging
import subprocess
from datetime import date, timedelta

import pytest
from click.testing import CliRunner

from crawler.schedule import (BEGIN, END, Cadence, cron_lines, on_calendar, parse_cadence, replace_block,
                              rotating_log)
from xxgk.cli import cli


def field_matches(spec: str, value: int) -> bool:
    for part in spec.split(","):
        if part == "*":
            return True
        a, _, b = part.partition("-")
        if int(a) <= value <= int(b or a):
            return True
    return False


def runs_per_month(lines: list[str], year: int = 2027) -> dict[int, int]:
    """How many days of each month a cron line fires on (at most once a day here)."""
    out = {m: 0 for m in range(1, 13)}
    d = date(year, 1, 1)
    while d.year == year:
        for line in lines:
            _, _, dom, month, dow = line.split()[:5]
            if field_matches(month, d.month) and field_matches(dom, d.day) and field_matches(dow, (d.weekday() + 1) % 7):
                out[d.month] += 1
        d += timedelta(days=1)
    return out


def test_default_cadence_is_daily_jan_to_apr_weekly_otherwise():
    lines = cron_lines(Cadence(), "xxgk crawl --all")
    assert lines == ["17 3 * 1-4 * xxgk crawl --all", "17 3 * 5-12 1 xxgk crawl --all"]
    n = runs_per_month(lines)
    assert [n[m] for m in (1, 2, 3, 4)] == [31, 28, 31, 30]
    assert all(4 <= n[m] <= 5 for m in range(5, 13))


def test_configurable_cadence():
    c = parse_cadence("daily/off", "1-5,12", "22:05", weekday=3)
    assert cron_lines(c, "x") == ["5 22 * 1-5,12 * x"]
    assert on_calendar(c) == ["*-01..05,12-* 22:05:00"]
    c = parse_cadence("hourly/monthly", "2-3")
    assert cron_lines(c, "x") == ["17 * * 2-3 * x", "17 3 1 1,4-12 * x"]
    for bad in (("sometimes/weekly", "1-4", "03:00"), ("daily/weekly", "0-4", "03:00"),
                ("daily/weekly", "1-4", "3h")):
        with pytest.raises(ValueError):
            parse_cadence(*bad)


@pytest.mark.needs("systemd-analyze")
def test_on_calendar_is_valid_systemd():
    specs = on_calendar(Cadence()) + on_calendar(parse_cadence("hourly/monthly", "1-4,12"))
    res = subprocess.run(["systemd-analyze", "calendar", *specs], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.count("Next elapse") == len(specs)


def test_replace_block_keeps_other_entries():
    mine = f"{BEGIN}\n1 2 * * * a\n{END}\n"
    tab = "MAILTO=x\n0 1 * * * backup\n"
    once = replace_block(tab, mine)
    assert replace_block(once, mine) == once == tab + mine
    assert replace_block(once, None) == tab


def test_cron_install_show_remove(tmp_path):
    tab = tmp_path / "crontab"
    tab.write_text("0 1 * * * backup\n")
    run = CliRunner().invoke
    args = ["--crontab-file", str(tab), "--data-dir", str(tmp_path / "d")]
    res = run(cli, ["schedule", "install", *args, "--crawl-args", "--province 浙江"])
    assert res.exit_code == 0, res.output
    res = run(cli, ["schedule", "install", *args, "--crawl-args", "--province 浙江"])  # idempotent
    text = tab.read_text()
    assert text.startswith("0 1 * * * backup\n") and text.count(BEGIN) == 1
    entry = [l for l in text.splitlines() if l.startswith("17 3 * 1-4 *")][0]
    assert "crawl --province '浙江' --quiet --data-dir" in entry and f"{tmp_path}/d/logs/crawl.log" in entry
    assert (tmp_path / "d" / "logs").is_dir()
    assert BEGIN in run(cli, ["schedule", "show", *args]).output
    assert run(cli, ["schedule", "remove", *args]).exit_code == 0
    assert tab.read_text() == "0 1 * * * backup\n"
    assert "no xxgk schedule" in run(cli, ["schedule", "show", *args]).output


def test_systemd_install_show_remove(tmp_path):
    units = tmp_path / "units"
    args = ["--systemd", "--unit-dir", str(units), "--data-dir", str(tmp_path / "d"), "--cadence", "daily/monthly"]
    res = CliRunner().invoke(cli, ["schedule", "install", *args])
    assert res.exit_code == 0, res.output
    timer = (units / "xxgk-crawl.timer").read_text()
    assert "OnCalendar=*-01..04-* 03:17:00\n" in timer and "OnCalendar=*-05..12-01 03:17:00\n" in timer
    assert "Persistent=true" in timer
    service = (units / "xxgk-crawl.service").read_text()
    assert "Type=oneshot" in service and " crawl --all --quiet --data-dir " in service
    assert "xxgk-crawl.timer" in CliRunner().invoke(cli, ["schedule", "show", *args]).output
    CliRunner().invoke(cli, ["schedule", "remove", *args])
    assert not list(units.iterdir())


def test_rotating_log(tmp_path):
    path = tmp_path / "logs" / "crawl.log"
    handler = rotating_log(path, max_bytes=2000, backups=2)
    try:
        log = logging.getLogger("scrapy.core.engine")
        for i in range(200):
            log.info("crawled page %d %s", i, "x" * 40)
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    files = sorted(p.name for p in path.parent.iterdir())
    assert files == ["crawl.log", "crawl.log.1", "crawl.log.2"]
    assert all(p.stat().st_size <= 2000 for p in path.parent.iterdir())
    assert "crawled page 199" in path.read_text()
