"""A fleet on this machine: a redis-server of its own (free loopback port, temporary folder,
killed at the end) and the fleet's processes as the operator starts them (`xxgk archive-writer`,
`xxgk crawl --redis … --seed`, `xxgk crawl --redis …`). For `xxgk demo --workers N`, the bench
and the tests; nothing leaves 127.0.0.1."""
from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

import redis

from . import PREFIX, Keys


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalRedis:
    """`with LocalRedis() as r: r.url` — Debian's redis-server (or `exe`) on 127.0.0.1, its data
    (append-only file on, as a fleet's Redis should run) in a temporary folder."""

    def __init__(self, exe: str = "redis-server") -> None:
        self.exe = shutil.which(exe) or exe
        self.proc: subprocess.Popen | None = None
        self.dir: Path | None = None
        self.url = ""

    def start(self) -> "LocalRedis":
        self.dir = Path(tempfile.mkdtemp(prefix="xxgk-redis-"))
        for _ in range(5):  # a free port may be taken by someone else before redis binds it
            port = free_port()
            self.proc = subprocess.Popen(
                [self.exe, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(self.dir), "--save", "",
                 "--appendonly", "yes", "--loglevel", "warning"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.url = f"redis://127.0.0.1:{port}/0"
            if self._ready():
                return self
            self.proc.kill()
            self.proc.wait()
        raise RuntimeError(f"{self.exe} did not start")

    def _ready(self, seconds: float = 10) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                if redis.Redis.from_url(self.url, socket_timeout=1).ping():
                    return True
            except redis.ConnectionError:
                time.sleep(0.05)
        return False

    def restart(self, down: float = 0.0) -> None:
        """Kill redis-server (SIGKILL, as a crash) and start it again on the same port and data,
        `down` seconds later: what it had written to its append-only file is back."""
        port = self.url.rsplit(":", 1)[1].split("/")[0]
        self.proc.kill()
        self.proc.wait()
        time.sleep(down)
        self.proc = subprocess.Popen(
            [self.exe, "--port", port, "--bind", "127.0.0.1", "--dir", str(self.dir), "--save", "",
             "--appendonly", "yes", "--loglevel", "warning"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not self._ready():
            raise RuntimeError(f"{self.exe} did not start again")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def __enter__(self) -> "LocalRedis":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def xxgk(*args: str) -> list[str]:
    """The `xxgk` command of this interpreter's environment, with `args`."""
    exe = Path(sys.executable).with_name("xxgk")
    return [str(exe), *args] if exe.exists() else [sys.executable, "-c", "from xxgk.cli import main; main()", *args]


def wait_for_knowledge(url: str, prefix: str = PREFIX, seconds: float = 60, writer: subprocess.Popen | None = None) -> None:
    """Until the writer has published what the archive knows (the next crawl's workers read it)."""
    server, deadline = redis.Redis.from_url(url), time.monotonic() + seconds
    while not server.exists(Keys(prefix).knowledge):
        if writer is not None and writer.poll() is not None:
            raise RuntimeError(f"the archive writer exited ({writer.returncode})")
        if time.monotonic() > deadline:
            raise TimeoutError("the archive writer published nothing")
        time.sleep(0.1)


def run_fleet(url: str, data_dir: Path, workers: int, selection: Sequence[str], settings: Sequence[str] = (),
              output=None) -> int:
    """One crawl by a local fleet: the writer, the seeder for `selection` (xxgk crawl options,
    e.g. ["--registry", F, "--all"]), then `workers` workers, all quiet (`output`: where their
    summaries and warnings go, default this process's); waits for all of them. The exit status: 0, or the
    first process's that failed."""
    common = ["--data-dir", str(data_dir), *[a for s in settings for a in ("-s", s)], "--quiet"]
    writer = subprocess.Popen(xxgk("archive-writer", "--redis", url, *common), stdout=output, stderr=output)
    procs: list[subprocess.Popen] = [writer]
    try:
        wait_for_knowledge(url, writer=writer)
        rc = subprocess.call(xxgk("crawl", "--redis", url, "--seed", *selection, *common), stdout=output, stderr=output)
        if rc != 0:
            return rc
        procs += [subprocess.Popen(xxgk("crawl", "--redis", url, *common), stdout=output, stderr=output) for _ in range(workers)]
        codes = [p.wait() for p in procs[1:]] + [writer.wait()]
        return next((c for c in codes if c != 0), 0)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
