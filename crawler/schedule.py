"""Scheduled crawls: a cron entry or a systemd user timer running `xxgk crawl`, denser in the
months reports appear (daily January–April, weekly otherwise, by default), and the crawl log
rotated by Python (RotatingFileHandler) so that years of scheduled runs stay bounded.

Everything here builds text (cron lines, unit files) from a `Cadence`; `install`/`remove` only
write it to where cron or systemd read it. Overlapping runs are refused by crawler.lock.
"""
from __future__ import annotations

import logging
import logging.handlers
import re
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

FREQUENCIES = ("hourly", "daily", "weekly", "monthly", "off")
BEGIN, END = "# BEGIN xxgk-archive scheduled crawl", "# END xxgk-archive scheduled crawl"
UNIT = "xxgk-crawl"
LOG_MAX_BYTES = 10 * 1024 * 1024
LOG_BACKUPS = 5


@dataclass(frozen=True)
class Cadence:
    dense: str = "daily"                      # in dense months
    sparse: str = "weekly"                    # in the others ("off": no crawl then)
    dense_months: tuple[int, ...] = (1, 2, 3, 4)
    hour: int = 3
    minute: int = 17                          # off the hour: spares portals the :00 rush
    weekday: int = 1                          # weekly runs: 0 = Sunday … 6 = Saturday

    def __post_init__(self) -> None:
        for f in (self.dense, self.sparse):
            if f not in FREQUENCIES:
                raise ValueError(f"unknown frequency {f!r}; expected one of {', '.join(FREQUENCIES)}")
        if not self.dense_months or any(not 1 <= m <= 12 for m in self.dense_months):
            raise ValueError("dense months must be within 1-12")
        if not (0 <= self.hour < 24 and 0 <= self.minute < 60 and 0 <= self.weekday < 7):
            raise ValueError("time out of range")

    @property
    def sparse_months(self) -> tuple[int, ...]:
        return tuple(m for m in range(1, 13) if m not in self.dense_months)

    def periods(self) -> list[tuple[str, tuple[int, ...]]]:
        return [(f, ms) for f, ms in ((self.dense, tuple(sorted(set(self.dense_months)))), (self.sparse, self.sparse_months))
                if f != "off" and ms]


def parse_cadence(text: str = "daily/weekly", months: str = "1-4", at: str = "03:17", weekday: int = 1) -> Cadence:
    """`--cadence DENSE/SPARSE` (e.g. daily/weekly, hourly/daily, weekly/off), `--dense-months 1-4`
    (ranges and commas: 1-4,12), `--at HH:MM`."""
    dense, _, sparse = text.partition("/")
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", at.strip())
    if not m:
        raise ValueError(f"--at expects HH:MM, got {at!r}")
    month_set: list[int] = []
    for part in months.split(","):
        a, _, b = part.strip().partition("-")
        if not a.isdigit() or (b and not b.isdigit()):
            raise ValueError(f"--dense-months expects e.g. 1-4 or 1-4,12; got {months!r}")
        month_set += range(int(a), int(b or a) + 1)
    return Cadence(dense.strip(), (sparse or dense).strip(), tuple(month_set), int(m.group(1)), int(m.group(2)), weekday)


def _ranges(values: tuple[int, ...], sep: str, width: int = 1) -> str:
    """(1, 2, 3, 4, 12) → '1-4,12' (cron) or '01..04,12' (systemd)."""
    out, start = [], None
    for i, v in enumerate(values):
        if start is None:
            start = v
        if i + 1 == len(values) or values[i + 1] != v + 1:
            out.append(f"{start:0{width}d}" if start == v else f"{start:0{width}d}{sep}{v:0{width}d}")
            start = None
    return ",".join(out)


def cron_lines(cadence: Cadence, command: str) -> list[str]:
    lines = []
    for freq, months in cadence.periods():
        ms = _ranges(months, "-")
        m, h = cadence.minute, cadence.hour
        when = {"hourly": f"{m} * * {ms} *", "daily": f"{m} {h} * {ms} *",
                "weekly": f"{m} {h} * {ms} {cadence.weekday}", "monthly": f"{m} {h} 1 {ms} *"}[freq]
        lines.append(f"{when} {command.replace('%', chr(92) + '%')}")  # cron reads a bare % as a newline
    return lines


def on_calendar(cadence: Cadence) -> list[str]:
    days = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")
    out = []
    for freq, months in cadence.periods():
        ms = _ranges(months, "..", 2)
        hm = f"{cadence.hour:02d}:{cadence.minute:02d}:00"
        out.append({"hourly": f"*-{ms}-* *:{cadence.minute:02d}:00", "daily": f"*-{ms}-* {hm}",
                    "weekly": f"{days[cadence.weekday]} *-{ms}-* {hm}", "monthly": f"*-{ms}-01 {hm}"}[freq])
    return out


def crawl_argv(xxgk: str, data_dir: Path, crawl_args: str = "--all") -> list[str]:
    log_file = data_dir / "logs" / "crawl.log"
    return [xxgk, "crawl", *shlex.split(crawl_args), "--quiet", "--data-dir", str(data_dir), "--log-file", str(log_file)]


def cron_block(cadence: Cadence, workdir: Path, argv: list[str], data_dir: Path) -> str:
    # the crawl logs to its rotated crawl.log; cron.log keeps only what escapes logging (the
    # summary table, a crash before logging starts) — a few KB per run
    command = f"cd {shlex.quote(str(workdir))} && {shlex.join(argv)} >> {shlex.quote(str(data_dir / 'logs' / 'cron.log'))} 2>&1"
    return "\n".join([BEGIN, *cron_lines(cadence, command), END]) + "\n"


def replace_block(crontab: str, block: str | None) -> str:
    """`crontab` with our block replaced (or removed when `block` is None); other lines kept."""
    lines, out, inside = crontab.splitlines(), [], False
    for line in lines:
        if line.strip() == BEGIN:
            inside = True
        elif line.strip() == END:
            inside = False
        elif not inside:
            out.append(line)
    text = "\n".join(out).rstrip("\n")
    text = text + "\n" if text else ""
    return text + (block or "")


def our_block(crontab: str) -> str | None:
    m = re.search(re.escape(BEGIN) + r".*?" + re.escape(END) + r"\n?", crontab, re.S)
    return m.group(0) if m else None


def read_crontab(path: Path | None) -> str:
    if path is not None:
        return path.read_text(encoding="utf-8") if path.exists() else ""
    res = subprocess.run(["crontab", "-l"], capture_output=True, text=True)
    return res.stdout if res.returncode == 0 else ""  # "no crontab for user" is an empty one


def write_crontab(path: Path | None, text: str) -> None:
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    res = subprocess.run(["crontab", "-"], input=text, capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"crontab - failed: {res.stderr.strip()}")


def systemd_units(cadence: Cadence, workdir: Path, argv: list[str]) -> dict[str, str]:
    service = (
        "[Unit]\nDescription=xxgk-archive: crawl annual-report columns\n"
        "After=network-online.target\nWants=network-online.target\n\n"
        f"[Service]\nType=oneshot\nWorkingDirectory={workdir}\nExecStart={shlex.join(argv)}\n"
        "Nice=10\n# stdout/stderr go to the journal (rotated by journald); the crawl log rotates itself\n")
    timer = ("[Unit]\nDescription=xxgk-archive scheduled crawl\n\n[Timer]\n"
             + "".join(f"OnCalendar={c}\n" for c in on_calendar(cadence))
             + "Persistent=true\nRandomizedDelaySec=10min\n\n[Install]\nWantedBy=timers.target\n")
    return {f"{UNIT}.service": service, f"{UNIT}.timer": timer}


def rotating_log(path: str | Path, level: int = logging.INFO, max_bytes: int = LOG_MAX_BYTES,
                 backups: int = LOG_BACKUPS) -> logging.Handler:
    """Send every log record (Scrapy's included) at `level` and above to `path`, rotated at
    `max_bytes` with `backups` old files (crawl.log.1 … .5). Returns the handler (to remove)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8")
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter("%(asctime)s [%(name)s] %(levelname)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level > level:  # NOTSET (0) already lets everything through
        root.setLevel(level)
    return handler
