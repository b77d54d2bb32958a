"""Progress lines: drawn on a terminal (a real pseudo-terminal here), nothing on a pipe; `make run`'s
stages each report theirs although Dagster captures stdout while a step runs."""

import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

from pipelines.progress import Progress

from conftest import SEEDS

ROOT = Path(__file__).parents[1]


def read_all(fd: int, process: subprocess.Popen | None = None) -> str:
    """Everything written to the terminal's other end, until the writer is gone."""
    out = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the writer closed the terminal
                break
            if not chunk:
                break
            out += chunk
        elif process is None or process.poll() is not None:
            break
    return out.decode("utf-8", errors="replace")


def test_a_line_per_stage_on_a_terminal_with_the_rate():
    master, slave = pty.openpty()
    with os.fdopen(slave, "w", encoding="utf-8") as terminal:
        progress = Progress("extracted", "documents", terminal)
        for done in range(1, 4):
            progress(done, 3, f"data/raw/sample/{done}.txt")
    shown = read_all(master).replace("\r\n", "\n")  # the terminal's own newline translation
    os.close(master)
    assert re.search(r"\rextracted 1/3 documents \([\d,.]+/s\)", shown.replace("\x1b[K", ""))
    assert re.search(r"extracted 3/3 documents \([\d,.]+/s\)\n$", shown)


def test_nothing_on_a_pipe():
    read, write = os.pipe()
    with os.fdopen(write, "w") as pipe:
        progress = Progress("loaded", "reports", pipe)
        progress(1, 2)
        progress(2, 2)
    with os.fdopen(read) as got:
        assert got.read() == ""


MAKE_RUN = """
import sys
from pathlib import Path
import dagster as dg
from assets import materialize
from assets.definitions import defs
from assets.resources import XxgkPaths, resources

root = Path(sys.argv[1])
paths = XxgkPaths(sources_toml=str(root / "sources.toml"), raw_dir=str(root / "raw"),
                  warehouse_db=str(root / "xxgk.duckdb"), snapshot_db=str(root / "snapshot.duckdb"),
                  dq_dir=str(root / "dq"))
sys.exit(materialize.main(dg.Definitions(assets=defs.assets, asset_checks=defs.asset_checks, jobs=defs.jobs,
                                         resources=resources(paths))))
"""


def test_make_run_shows_each_stage_on_a_terminal(tmp_path):
    (tmp_path / "in").mkdir()
    for seed in SEEDS:
        (tmp_path / "in" / seed.name).write_bytes(seed.read_bytes())
    (tmp_path / "sources.toml").write_text('[[source]]\nuri = "in"\n', encoding="utf-8")
    home = tmp_path / "dagster_home"  # a persistent instance, as make run's: it captures step output
    home.mkdir()
    (home / "dagster.yaml").write_bytes((ROOT / "config" / "dagster.yaml").read_bytes())  # make run's instance
    master, slave = pty.openpty()
    process = subprocess.Popen([sys.executable, "-c", MAKE_RUN, str(tmp_path)], cwd=ROOT, stdin=subprocess.DEVNULL,
                               stdout=slave, stderr=subprocess.PIPE, env={**os.environ, "DAGSTER_HOME": str(home)})
    os.close(slave)
    shown = read_all(master, process)
    os.close(master)
    assert process.wait(timeout=300) == 0, process.stderr.read()
    n = len(SEEDS)
    for line in (f"fetched {n}/{n} files", f"extracted {n}/{n} documents", f"checked and loaded {n}/{n} reports"):
        assert re.search(re.escape(line) + r" \([\d,.]+/s\)\r?\n", shown), line
    assert f"reports current: {n}" in shown
