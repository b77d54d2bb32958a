"""A whole run of the plain-Python stages, as the Dagster job runs them, for tests/test_kill.py.

    python tests/kill_run.py SOURCE_DIR WORK_DIR

Prints a line at each stage and BEGIN / COMMITTING around every load transaction, so the test can
kill -9 it at a known point (inside a transaction: after BEGIN, before COMMITTING).
"""

import sys
import time
from contextlib import contextmanager
from pathlib import Path

from pipelines import batch, fetch, load, runlock

CHUNK = 40  # reports per load transaction: several transactions to land a kill in


def say(text: str) -> None:
    print(text, flush=True)


_transaction = load.transaction


@contextmanager
def traced(con):
    with _transaction(con):
        say("BEGIN")
        yield
        time.sleep(0.2)  # written, not committed: a kill 0-50 ms after BEGIN lands inside the transaction
        say("COMMITTING")


def main(source: Path, work: Path) -> None:
    load.transaction = traced  # the real transaction, with markers around its body
    db = work / "xxgk.duckdb"
    with runlock.hold(db):
        say("FETCH")
        landed = fetch.fetch_all([str(source)], work / "raw")
        say("EXTRACT")
        staged = batch.extract(batch.pending(db, landed.files), work / "staging", workers=2, chunk=CHUNK)
        say("CHECK_AND_LOAD")
        batch.check_and_load(db, staged, "run", landed.errors)
        say("PUBLISH")
        load.publish(db, work / "snapshot.duckdb")
    say("DONE")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
