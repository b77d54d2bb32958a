"""One run at a time: a second run, or a process holding the working warehouse, stops a run before
any work, with a message saying who; the Dagster instance queues runs one at a time."""

import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from assets import materialize
from assets.definitions import defs
from pipelines import runlock

from test_assets import deployment, query, with_paths

ROOT = Path(__file__).resolve().parents[1]


def holder(code: str) -> subprocess.Popen:
    """A process running `code`, then printing 'ready' and waiting for its stdin to close."""
    proc = subprocess.Popen([sys.executable, "-c", f"{code}\nprint('ready', flush=True)\nimport sys; sys.stdin.read()"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stdout.readline().strip() == "ready"
    return proc


def run_beside(code: str, paths, instance) -> tuple[str, int]:
    """Run the job while another process runs `code`: the run must fail; (its one failure line, pid)."""
    other = holder(code)
    try:
        result = materialize.run(with_paths(paths), instance)
    finally:
        other.stdin.close()
        other.wait(timeout=30)
    assert not result.success
    [line] = set(materialize.failures(result))
    return line, other.pid


@pytest.fixture(scope="module")
def instance():
    with dg.instance_for_test() as instance:
        yield instance


def test_second_run_stops_before_any_work(tmp_path, instance):
    paths = deployment(tmp_path)
    line, pid = run_beside(f"from pipelines import runlock\nlock = runlock.hold({paths.warehouse_db!r})\n"
                           "lock.__enter__()", paths, instance)
    assert f"another run is in progress (pid {pid}, started " in line and "Wait for it to finish" in line
    assert not Path(paths.raw_dir, "manifest.jsonl").exists()  # nothing fetched, nothing written
    assert materialize.run(with_paths(paths), instance).success  # the lock went with its process


def test_a_reader_of_the_working_file_is_named_up_front(tmp_path, instance):
    paths = deployment(tmp_path)
    assert materialize.run(with_paths(paths), instance).success
    manifest = Path(paths.raw_dir, "manifest.jsonl")
    before = manifest.read_bytes()
    (Path(paths.raw_dir) / "inbox" / "new.txt").write_bytes(b"a new report")
    line, pid = run_beside(f"import duckdb\ncon = duckdb.connect({paths.warehouse_db!r}, read_only=True)",
                           paths, instance)
    assert f"the working warehouse {paths.warehouse_db} is open in process {pid} (" in line
    assert "close it and run again" in line
    assert manifest.read_bytes() == before  # the new file was not fetched: the run stopped first
    assert materialize.run(with_paths(paths), instance).success
    assert query(paths, "SELECT count(*) FROM ingest_error WHERE source_uri LIKE '%new.txt'") == [(1,)]


def test_lock_file_sits_next_to_the_warehouse(tmp_path):
    db = tmp_path / "w" / "x.duckdb"
    with runlock.hold(db):
        assert runlock.lock_path(db) == tmp_path / "w" / "x.duckdb.lock"
        with pytest.raises(runlock.Busy, match="another run is in progress"):
            with runlock.hold(db):
                pass
    with runlock.hold(db):  # released
        pass


def test_dagster_instance_runs_one_job_at_a_time(tmp_path):
    (tmp_path / "dagster.yaml").write_bytes((ROOT / "config" / "dagster.yaml").read_bytes())
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 1
        assert instance.run_monitoring_enabled
    job = defs.resolve_job_def("xxgk_nightly")
    assert job.executor_def.name == "in_process"  # the run lock is held by one process for the run
    assert int(job.tags["dagster/max_runtime"]) > 0
