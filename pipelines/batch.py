"""The batch as plain Python (no Dagster): extract landed files, validate, load, summarise.

Each function is one stage; the Dagster assets and the benchmarks call them, so the pipeline has
one implementation whatever runs it.
"""

from __future__ import annotations

import json
import multiprocessing
import resource
import signal
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote, urlparse

import duckdb
import polars as pl

from . import dq, frames, identity, load, narrative, validate
from .errors import IngestError, internal_error
from .extract import Extracted
from .fetch import RawFile
from .ingest import PARSER_VERSION, process


@dataclass(frozen=True)
class Outcome:
    """What became of one landed file: an extracted report, or the error that stopped it."""

    raw: RawFile
    report: Extracted | None = None
    error: IngestError | None = None


def source_name(uri: str) -> str:
    """The file name of a recorded source: `p001.pdf` of `data/raw/sample/p001.pdf`, of a file:// URI or a URL."""
    return Path(unquote(urlparse(uri).path)).name or uri


@dataclass(frozen=True)
class Limits:
    """What one document may cost; past either, it fails alone and the batch goes on."""

    seconds: float = 120.0
    memory_mb: int = 2048  # address space of a worker process
    answer_seconds: float = 60.0  # beyond `seconds`, for a worker to start and send its outcome back




class _Overtime(BaseException):  # not an Exception: library code that catches those must not swallow it
    pass


def _on_alarm(signum, frame):
    raise _Overtime


def _limit_memory(memory_mb: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20, resource.RLIM_INFINITY))
    signal.signal(signal.SIGALRM, _on_alarm)


def extract_one(raw: RawFile, seconds: float | None = None) -> Outcome:
    """Extract one file in a worker process whose memory is capped; give up after `seconds`."""
    name = source_name(raw.source_uri)
    if seconds:
        signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return Outcome(raw, process(raw.path.read_bytes(), name, raw.charset))
    except IngestError as error:
        return Outcome(raw, error=error)
    except _Overtime:
        return Outcome(raw, error=IngestError(name, "extract", f"took longer than the {seconds:g} s limit"))
    except MemoryError:
        return Outcome(raw, error=_over_memory(name))
    except OSError as error:
        return Outcome(raw, error=IngestError(name, "extract", f"the landed copy {raw.path.name} cannot be "
                                                               f"read: {error.strerror or error}"))
    except Exception as error:  # noqa: BLE001 - the document boundary: a bug of ours outside process()
        return Outcome(raw, error=internal_error(name, "extract", error))
    finally:
        if seconds:
            signal.setitimer(signal.ITIMER_REAL, 0)


def extract_here(raw: RawFile, limits: Limits = Limits()) -> Outcome:
    """`extract_one` in this process (one document, no worker to start: `xxgk extract`) under `limits`,
    the memory limit counted on top of the address space the process holds already (a process that
    imported more than a worker must not fail for it). The process's own limit and alarm handler
    are put back after."""
    held_mb = int(Path("/proc/self/statm").read_text().split()[0]) * resource.getpagesize() >> 20
    memory, handler = resource.getrlimit(resource.RLIMIT_AS), signal.getsignal(signal.SIGALRM)
    _limit_memory(held_mb + limits.memory_mb)
    try:
        return extract_one(raw, limits.seconds)
    except MemoryError:  # ran out again while reporting it
        return Outcome(raw, error=_over_memory(source_name(raw.source_uri)))
    finally:
        resource.setrlimit(resource.RLIMIT_AS, memory)
        signal.signal(signal.SIGALRM, handler)


def _over_memory(name: str) -> IngestError:
    return IngestError(name, "extract", "needed more memory than the limit")


def extract_files(files: list[RawFile], *, workers: int = 1, limits: Limits = Limits(),
                  progress=None) -> list[Outcome]:
    """Extract every file in `workers` processes under `limits`; failures are outcomes too, in order."""
    outcomes: dict[int, Outcome] = {}

    def done(i: int, outcome: Outcome) -> None:
        outcomes[i] = outcome
        if progress:
            progress(len(outcomes), len(files), outcome.raw.source_uri)

    queue = list(enumerate(files))
    while queue:
        queue = _until_broken(queue, workers, limits, done)
        # A worker died or stopped answering (a hard crash, or memory the limit could not turn into
        # MemoryError): the document that did it is among the first `workers` left; retry those one by one.
        for i, raw in queue[:workers]:
            if _until_broken([(i, raw)], 1, limits, done):
                done(i, Outcome(raw, error=IngestError(source_name(raw.source_uri), "extract",
                                                       "the worker process died or stopped answering "
                                                       "(out of memory or crashed)")))
        queue = queue[workers:]
    return [outcomes[i] for i in range(len(files))]


def _until_broken(queue: list[tuple[int, RawFile]], workers: int, limits: Limits, done) -> list:
    """Extract in a fresh pool; returns what is left if a worker process died or hung, else []."""
    wait = limits.seconds + limits.answer_seconds if limits.seconds else None
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_limit_memory, initargs=(limits.memory_mb,)) as pool:
        futures = [pool.submit(extract_one, raw, limits.seconds) for _, raw in queue]
        for k, ((i, _), future) in enumerate(zip(queue, futures)):
            try:
                done(i, future.result(timeout=wait))
            except BrokenProcessPool:
                return queue[k:]
            except TimeoutError:  # a worker wedged past its own timer (seen spinning at the memory cap)
                for process in pool._processes.values():  # no public way to stop them before Python 3.14
                    process.kill()
                return queue[k:]
            except MemoryError:  # the worker ran out again while reporting it
                done(i, Outcome(queue[k][1], error=_over_memory(source_name(queue[k][1].source_uri))))
            except Exception as error:  # noqa: BLE001 - e.g. a result that cannot be sent back
                done(i, Outcome(queue[k][1], error=internal_error(source_name(queue[k][1].source_uri),
                                                                  "extract", error)))
    return []


def reports(outcomes: list[Outcome]) -> list[Outcome]:
    return [o for o in outcomes if o.report is not None]


def frame(extracted: list[Extracted], name: str) -> pl.DataFrame:
    """All reports' `applications`, `proactive`, `review_litigation` or prose `statements` rows in one frame."""
    schema = {"applications": frames.APPLICATION, "proactive": frames.PROACTIVE,
              "review_litigation": frames.REVIEW_LITIGATION, "statements": narrative.STATEMENT}[name]
    if name == "statements":
        return pl.DataFrame([row for r in extracted if r.narrative for row in r.narrative.statements],
                            schema=schema, orient="row")
    parts = [getattr(r, name) for r in extracted]
    return pl.concat(parts) if parts else frames.empty(schema)


def report_row(o: Outcome) -> pl.DataFrame:
    r = o.report
    body = r.narrative.body if r.narrative else None
    seen = o.raw.first_seen
    return pl.DataFrame([{
        "report_id": r.report_id, "source_uri": o.raw.source_uri, "sha256": o.raw.sha256,
        "media_type": r.media_type, "encoding": r.encoding, "agency": r.agency, "report_year": r.year,
        "template_version": r.template, "scope": r.scope, "published_date": r.published,
        "parser_version": PARSER_VERSION, "extract_status": r.status,
        **{f"status_{section}": status for section, status in r.sections.items()},
        "first_seen": seen.astimezone(timezone.utc).replace(tzinfo=None) if seen else None,
        **({"body": body.name, "level": body.level, "province": body.province,
            "prefecture": body.prefecture, "county": body.county} if body else {}),
    }], schema=frames.REPORT)


def unread_rows(extracted: list[Extracted]) -> pl.DataFrame:
    """What each partial report could not read (frames.UNREAD)."""
    return pl.DataFrame([(r.report_id, u.section, u.row, u.reason,
                          json.dumps([list(c) for c in u.candidates], ensure_ascii=False) if u.candidates else None)
                         for r in extracted for u in r.unread], schema=frames.UNREAD, orient="row")


def check(outcomes: list[Outcome], docs_dir: Path | None = None) -> pl.DataFrame:
    """Every hard rule on every extracted report of the batch (see check_reports)."""
    return check_reports([o.report for o in reports(outcomes)], docs_dir)


def check_reports(extracted: list[Extracted], docs_dir: Path | None = None) -> pl.DataFrame:
    """Every hard rule on every report, judged by the GX suites in expectations/."""
    used = pl.DataFrame([(r.report_id, rule, place) for r in extracted for rule, place in r.rules_used],
                        schema=frames.USED, orient="row")
    checks = validate.build_checks(frame(extracted, "applications"), frame(extracted, "review_litigation"),
                                   frame(extracted, "proactive"), {r.report_id: r.template for r in extracted},
                                   used)
    return validate.run_suites(checks, docs_dir=docs_dir)


def pending(db_path: Path, files: list[RawFile]) -> list[RawFile]:
    """The files this parser version has neither loaded nor failed on: a nightly run costs what is new
    or changed, and a failed document is tried again only when its bytes or PARSER_VERSION change."""
    if not Path(db_path).exists():
        return files
    with duckdb.connect(str(db_path), read_only=True) as con:  # a look, not a write
        done = load.loaded(con, PARSER_VERSION)
        if _has_parser_version(con):
            done |= load.failed(con, PARSER_VERSION)
    return [f for f in files if f.sha256 not in done]


def _has_parser_version(con: duckdb.DuckDBPyConnection) -> bool:
    """A warehouse written before ingest_error.parser_version existed has no failures to skip yet."""
    return bool(con.execute("SELECT count(*) FROM duckdb_columns() WHERE table_name = 'ingest_error' "
                            "AND column_name = 'parser_version' AND database_name = current_database()")
                .fetchone()[0])


def load_all(db_path: Path, outcomes: list[Outcome], checks: pl.DataFrame, run_id: str,
             fetch_errors: list[IngestError] = (), chunk: int = 500, landed: list[RawFile] | None = None,
             progress=None) -> int:
    """Load the reports (each chunk in one transaction) and record every failure; the one writer.
    `progress(done, total, uri)` is called after each chunk.

    Then the warehouse as a whole: with `landed` (every file the sources gave this run), reports
    and errors of documents no longer served are retired; which report of each body and year is
    current is decided; the warehouse rules are checked and the run recorded (pipelines.dq).
    Returns how many reports were written (unchanged ones are not)."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    good = reports(outcomes)
    con = load.connect(db_path)
    try:
        for error in fetch_errors:
            load.record_error(con, error.source, None, error.stage, error.reason, now)
        for o in outcomes:
            if o.error is not None:
                load.record_error(con, o.raw.source_uri, o.raw.sha256, o.error.stage, o.error.reason, now,
                                  PARSER_VERSION)
        written = 0
        for start in range(0, len(good), chunk):
            part = good[start:start + chunk]
            ids = pl.Series([o.report.report_id for o in part]).implode()
            extracted = [o.report for o in part]
            written += load.load_reports(
                con, pl.concat([report_row(o) for o in part]), frame(extracted, "applications"),
                frame(extracted, "proactive"), frame(extracted, "review_litigation"),
                checks.filter(pl.col("report_id").is_in(ids)), run_id, unread=unread_rows(extracted),
                statements=frame(extracted, "statements"))
            load.clear_errors(con, [(o.raw.source_uri, o.raw.sha256) for o in part])
            if progress:
                progress(start + len(part), len(good), part[-1].raw.source_uri)
        naive = now.replace(tzinfo=None)
        if landed is not None:
            identity.retire(con, [f.sha256 for f in landed], [e.source for e in fetch_errors], naive)
        identity.refresh(con, naive)
        dq.refresh(con, run_id, naive, reports_loaded=written, judged=checks.height)
        return written
    finally:
        con.close()
