"""kill -9 at random points of a run, inside load transactions too, then a re-run: the warehouse,
landing zone and manifest equal a clean run's; nothing lost, nothing duplicated.

`make test` kills two runs (one at a random moment, one inside a load transaction); the acceptance
run is `XXGK_KILL_TRIES=10 .venv/bin/python -m pytest -q tests/test_kill.py`.
"""

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import corpus  # noqa: E402

TRIES = int(os.environ.get("XXGK_KILL_TRIES", "2"))
STAGES = ("FETCH", "EXTRACT", "CHECK_AND_LOAD", "PUBLISH")  # what tests/kill_run.py prints as it goes
# Columns that say when or by which run a row was written, or what that one run did (a re-run after a
# kill writes what the killed run did not; a supersession reason and the content hash include fetch
# times); everything else must be equal.
WHEN = {"dim_report": ["loaded_at", "first_seen", "status_since", "status_reason", "content_hash"],
        "dq_result": ["run_id"],
        "ingest_error": ["first_seen", "last_seen"],
        "dq_run": ["run_id", "finished_at", "reports_loaded", "checks_judged"], "dq_run_rule": ["run_id"]}


def start(source: Path, work: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(ROOT / "tests" / "kill_run.py"), str(source), str(work)],
                            stdout=subprocess.PIPE, text=True, cwd=ROOT, start_new_session=True)


def run(source: Path, work: Path) -> None:
    proc = start(source, work)
    out, _ = proc.communicate(timeout=600)
    assert proc.returncode == 0 and out.rstrip().endswith("DONE"), out


def digest(db: Path) -> dict[str, str]:
    """MD5 of each table's rows, sorted, without the WHEN columns."""
    with duckdb.connect(str(db), read_only=True) as con:
        tables = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        out = {}
        for t in tables:
            drop = f" EXCLUDE ({', '.join(WHEN[t])})" if t in WHEN else ""
            out[t] = con.execute(f"SELECT count(*), md5(coalesce(string_agg(line, chr(10) ORDER BY line), '')) FROM "
                                 f"(SELECT CAST(r AS VARCHAR) AS line FROM (SELECT *{drop} FROM {t}) r)").fetchone()
    return out


def landing(work: Path) -> tuple[list[str], list[tuple[str, str]]]:
    raw = work / "raw"
    lines = [json.loads(line) for line in (raw / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    return sorted(p.name for p in raw.iterdir()), sorted((e["sha256"], e["source_uri"]) for e in lines)


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """The corpus (200 reports and one file that is not a report) and a clean run of it."""
    root = tmp_path_factory.mktemp("kill")
    source = root / "corpus"
    corpus.build(source, 200)  # its manifest.json is a document too, one that fails
    run(source, root / "clean")
    return source, root / "clean"


@pytest.mark.parametrize("attempt", range(TRIES))
def test_kill_9_then_rerun_equals_a_clean_run(clean, tmp_path, attempt):
    source, reference = clean
    rng = random.Random(attempt)
    work = tmp_path / "work"
    proc = start(source, work)
    seen = []
    # Inside the n-th load transaction, a moment after it began; or in a random stage, a random moment
    # after it began (a stage lasts longer than that, so the run is always killed before it ends).
    target, count, pause = (("BEGIN", rng.randint(2, 4), rng.uniform(0, 0.05)) if attempt % 2 else
                            (stage := rng.choice(STAGES), 1, 0 if stage == "PUBLISH" else rng.uniform(0, 0.1)))
    while seen.count(target) < count:
        line = proc.stdout.readline().strip()
        assert line, f"run ended before {target} {count}: {seen}"
        seen.append(line)
    time.sleep(pause)
    os.killpg(proc.pid, signal.SIGKILL)  # the run and its extraction workers
    rest, _ = proc.communicate()
    seen += rest.split()
    assert proc.returncode == -signal.SIGKILL
    if attempt % 2:
        assert seen[-1] == "BEGIN"  # killed inside a transaction, before its commit
    print(f"killed after: {seen[-1] if seen else 'start'}")

    run(source, work)
    assert digest(work / "xxgk.duckdb") == digest(reference / "xxgk.duckdb")
    assert digest(work / "snapshot.duckdb") == digest(work / "xxgk.duckdb")
    files, records = landing(work)
    assert (files, records) == landing(reference)
    assert len(set(records)) == len(records)  # no manifest line twice
    shutil.rmtree(work)
