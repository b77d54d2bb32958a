"""One run at a time: an exclusive lock next to the warehouse, and the working file checked up front.

The lock is `flock` on `<warehouse>.lock`: the kernel releases it when the holding process exits,
however it exits (kill -9 included), so a crashed run never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import duckdb


class Busy(RuntimeError):
    """Another run holds the lock, or another process has the working warehouse open."""


def lock_path(db_path: Path) -> Path:
    return Path(db_path).with_name(Path(db_path).name + ".lock")


@contextmanager
def hold(db_path: Path) -> Iterator[None]:
    """Hold the run lock of a warehouse for the block; Busy at once if another run holds it or the
    working file is open elsewhere (so a run fails before its work, not at the load step)."""
    path = lock_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "another process"
            raise Busy(f"another run is in progress ({holder}; lock {path}); this run stops. Wait for it "
                       "to finish: the lock is released when that process ends.") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, started {datetime.now(timezone.utc):%Y-%m-%d %H:%M:%S} UTC\n"
                  .encode(), 0)
        check_writable(db_path)
        yield
    finally:
        os.close(fd)  # releases the lock


def check_writable(db_path: Path) -> None:
    """Busy if another process has the working warehouse open (DuckDB allows one writer and no reader
    beside it); says which process, so the user knows what to close."""
    if not Path(db_path).exists():
        return
    try:
        duckdb.connect(str(db_path)).close()
    except duckdb.IOException as error:
        if "lock" not in str(error).lower():
            raise
        pid = re.search(r"PID (\d+)", str(error))
        who = f"process {pid[1]} ({_command(int(pid[1]))})" if pid else "another process"
        raise Busy(f"the working warehouse {db_path} is open in {who}; close it and run again. Read the "
                   "published snapshot instead: it is never locked by a run.") from None


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()[:120]
    except OSError:
        return "command unknown"
