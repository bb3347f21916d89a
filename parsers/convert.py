"""Bounded subprocess conversions for legacy formats: LibreOffice headless, antiword, catdoc.

Each call runs in a fresh temporary directory (removed afterwards) with its own
LibreOffice profile (`-env:UserInstallation`), so parallel conversions never share state,
in its own process group, killed whole when the time limit passes. No network is used.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path


class ConversionError(Exception):
    """A conversion that did not produce output: `code` is the finding code to report."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _run(cmd: list[str], cwd: str, timeout: float) -> subprocess.CompletedProcess:
    env = dict(os.environ, HOME=cwd, LC_ALL="C.UTF-8")  # LibreOffice writes under $HOME too
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # soffice forks soffice.bin: end the whole group
        proc.communicate()
        raise ConversionError("time_limit", f"{Path(cmd[0]).name} gave no result within {timeout:g} s")
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def libreoffice(data: bytes, suffix: str, target: str = "docx", timeout: float = 90.0) -> bytes:
    """Convert a document (e.g. '.doc', '.wps', '.rtf') with LibreOffice; the target's bytes."""
    with tempfile.TemporaryDirectory(prefix="xxgk-lo-") as tmp:
        src = Path(tmp) / f"document{suffix}"
        src.write_bytes(data)
        produced = convert_files([src], target, Path(tmp) / "out", timeout)
        return produced[0].read_bytes()


def convert_files(paths: list[Path], target: str, outdir: Path, timeout: float = 90.0) -> list[Path]:
    """Convert files with one LibreOffice run (`target`: 'docx', 'pdf', 'doc', …); the outputs
    in the order of `paths`. Raises ConversionError if any output is missing."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        raise ConversionError("converter_missing", "LibreOffice (soffice) is not installed")
    outdir.mkdir(parents=True, exist_ok=True)
    ext = target.split(":")[0]
    with tempfile.TemporaryDirectory(prefix="xxgk-lo-profile-") as tmp:
        cmd = [exe, "--headless", "--norestore", "--nologo", "--nolockcheck", "--nodefault",
               f"-env:UserInstallation={Path(tmp, 'profile').as_uri()}",
               "--convert-to", target, "--outdir", str(outdir), *map(str, paths)]
        result = _run(cmd, tmp, timeout)
    outputs = [outdir / f"{Path(p).stem}.{ext}" for p in paths]
    missing = [o.name for o in outputs if not o.is_file()]
    if missing:
        detail = (result.stderr or result.stdout).decode("utf-8", "replace").strip()[-300:]
        raise ConversionError("conversion_failed",
                              f"LibreOffice could not convert {', '.join(missing)}: {detail}")
    return outputs


def plain_text(data: bytes, suffix: str = ".doc", timeout: float = 30.0) -> str:
    """Text of a legacy Word file via catdoc (table rows as tab-separated fields, merged
    cells as empty fields — the layout the text front end knows), else antiword."""
    with tempfile.TemporaryDirectory(prefix="xxgk-doc-") as tmp:
        src = Path(tmp) / f"document{suffix}"
        src.write_bytes(data)
        tried = []
        for cmd in (["catdoc", "-d", "utf-8", "-w", str(src)], ["antiword", "-w", "0", "-m", "UTF-8.txt", str(src)]):
            if shutil.which(cmd[0]) is None:
                continue
            result = _run(cmd, tmp, timeout)
            text = result.stdout.decode("utf-8", "replace")
            if result.returncode == 0 and text.strip():
                return text
            tried.append(cmd[0])
        raise ConversionError("conversion_failed", f"no text from {', '.join(tried) or 'antiword/catdoc (missing)'}")
