"""The batch as plain Python (no Dagster), streamed in chunks: extract, check, load.

`extract` writes each chunk of extracted reports to a staging directory (pipelines.staging),
`check` adds each chunk's verdicts, `load_staged` writes each chunk in one transaction and then
judges the warehouse as a whole: memory is bounded by the chunk, not the batch. `check_and_load`
runs the two at once, GX judging the next chunks in a thread while DuckDB writes the one before.
Each function is one stage; the Dagster assets, the tests and the benchmarks call them, so the
pipeline has one implementation whatever runs it (`run` chains them).
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import resource
import signal
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote, urlparse

import duckdb
import polars as pl

from . import dq, frames, identity, load, narrative, report, staging, validate
from .errors import IngestError, internal_error
from .extract import Extracted, cells_frame
from .fetch import RawFile
from .ingest import PARSER_VERSION, process
from .staging import Staged

CHUNK = 1000  # reports per staged chunk and per load transaction
PART = 25  # documents per extraction task: a worker builds their staged frames
IN_FLIGHT = 2  # parts queued per extraction worker
JUDGE_ROWS = 400_000  # check rows per GX validation: 2 chunks of 1,000 reports (GX fixed costs shared; ~110 MB)


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


_finished = None  # in an extraction worker: the pool's count of documents finished (shared)


def _start_worker(memory_mb: int, finished) -> None:
    """An extraction worker: its memory capped, its garbage collected as `collect_less`, counting
    the documents it finishes in `finished` (how the pool tells a slow part from a wedged worker)."""
    global _finished
    _limit_memory(memory_mb)
    collect_less()
    _finished = finished
    # When a worker dies, the pool stops the others with SIGTERM and waits for them: a worker that
    # inherited SIGTERM ignored (as under some runners) would hang the batch.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def collect_less() -> None:
    """Collect garbage less often in a process that extracts: extraction makes many short-lived
    objects and few cycles (10–20 % of its time went to the collector)."""
    gc.freeze()  # the imported modules' objects are never garbage
    gc.set_threshold(50_000, 20, 100)


def extract_one(raw: RawFile, seconds: float | None = None) -> Outcome:
    """Extract one file (in a process whose memory is capped); give up after `seconds`."""
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


def extract_stream(files: list[RawFile], *, workers: int | None = None, limits: Limits = Limits(),
                   progress=None) -> Iterator[Outcome]:
    """Extract every file in `workers` processes (default: one per core) under `limits`, yielding the
    outcomes in order, failures too; a few parts per worker are in flight, no more."""
    workers = workers or os.cpu_count() or 1
    for _, outcomes in _parts(list(files), workers, limits, list, _part_size(len(files), workers), progress):
        yield from outcomes


def _part_size(files: int, workers: int, chunk: int | None = None) -> int:
    """Documents per worker task: PART, fewer when there are too few files to keep every worker busy;
    with `chunk`, a divisor of it (a staged chunk is whole parts)."""
    size = max(1, min(PART, -(-files // (workers * IN_FLIGHT))))
    return max(d for d in range(1, size + 1) if chunk % d == 0) if chunk else size


def _parts(files: list[RawFile], workers: int, limits: Limits, build, size: int, progress) -> Iterator[tuple]:
    """`_extract`, calling `progress(done, total, uri)` after each part."""
    done = 0
    for raws, built in _extract(files, workers, limits, build, size):
        done += len(raws)
        if progress:
            progress(done, len(files), raws[-1].source_uri)
        yield raws, built


def _extract(queue: list[RawFile], workers: int, limits: Limits, build, size: int) -> Iterator[tuple]:
    """(files, build(their outcomes)) for parts of `size` files, in order; each part is extracted
    and built in a worker process, so the main process handles parts, not documents."""
    while queue:
        left: list[RawFile] = []
        yield from _pool(queue, workers, limits, build, size, left)
        # A worker died or stopped answering (a hard crash, or memory the limit could not turn into
        # MemoryError): the document that did it is in one of the first `workers` parts left. Their
        # documents go again one per task, and, if a worker dies again, the first `workers` one by one.
        retry = left[:workers * size]
        if size > 1:
            yield from _extract(retry, workers, limits, build, 1)
        else:
            for raw in retry:
                alone = [*_pool([raw], 1, limits, build, 1, [])]
                yield alone[0] if alone else ([raw], build([Outcome(raw, error=IngestError(
                    source_name(raw.source_uri), "extract",
                    "the worker process died or stopped answering (out of memory or crashed)"))]))
        queue = left[len(retry):]


def _extract_part(raws: list[RawFile], seconds: float | None, build):
    """In a worker: extract the files of one part and build what the main process wants of them."""
    outcomes = []
    for raw in raws:
        outcomes.append(extract_one(raw, seconds))
        _finished.value += 1
    return build(outcomes)


def _pool(queue: list[RawFile], workers: int, limits: Limits, build, size: int,
          left: list[RawFile]) -> Iterator[tuple]:
    """Extract `queue` in order, `size` files per task, in a fresh pool; if a worker process dies or
    no document is finished for the time limit and `answer_seconds`, stop and put the files without an
    outcome in `left`. A part whose result does not come back goes again one file per task."""
    wait = limits.seconds + limits.answer_seconds if limits.seconds else None
    todo = (queue[i:i + size] for i in range(0, len(queue), size))
    context = multiprocessing.get_context("spawn")
    # No lock: a worker killed while holding it would block the reader for good. Two workers adding at
    # once may lose one count, but the count still moves, and moving is all it is read for.
    finished = context.Value("q", 0, lock=False)
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                             initargs=(limits.memory_mb, finished)) as pool:
        running: deque[tuple[list[RawFile], Future]] = deque()

        def submit(raws: list[RawFile]) -> tuple[list[RawFile], Future]:
            return raws, pool.submit(_extract_part, raws, limits.seconds, build)

        def fill() -> None:
            while len(running) < IN_FLIGHT * workers and (raws := next(todo, None)) is not None:
                running.append(submit(raws))

        def unanswered() -> list[RawFile]:
            """The files in flight and those not yet sent, in order."""
            return [raw for part, _ in running for raw in part] + [raw for part in todo for raw in part]

        fill()
        while running:
            raws, future = running[0]
            seen = finished.value
            try:
                built = future.result(timeout=wait)
            except BrokenProcessPool:
                left += unanswered()
                return
            except TimeoutError:
                if finished.value != seen:  # slow, but documents are being finished
                    continue
                # A worker wedged past its own timer (seen spinning at the memory cap).
                for process in pool._processes.values():  # no public way to stop them before Python 3.14
                    process.kill()
                left += unanswered()
                return
            except Exception as error:  # noqa: BLE001 - MemoryError or a result that cannot be sent back
                running.popleft()
                if len(raws) > 1:  # whose? each document goes again alone
                    running.extendleft(submit([raw]) for raw in reversed(raws))
                    continue
                name = source_name(raws[0].source_uri)
                built = build([Outcome(raws[0], error=_over_memory(name) if isinstance(error, MemoryError)
                                       else internal_error(name, "extract", error))])
            else:
                running.popleft()
            fill()
            yield raws, built


def frame(extracted: list[Extracted], name: str) -> pl.DataFrame:
    """All reports' `applications`, `proactive`, `review_litigation` or prose `statements` rows in one frame."""
    if name == "statements":
        return pl.DataFrame([row for r in extracted if r.narrative for row in r.narrative.statements],
                            schema=narrative.STATEMENT, orient="row")
    return cells_frame(extracted, name)


def _report_row(o: Outcome) -> dict:
    r, seen = o.report, o.raw.first_seen
    body = r.narrative.body if r.narrative else None
    return {
        "report_id": r.report_id, "source_uri": o.raw.source_uri, "sha256": o.raw.sha256,
        "media_type": r.media_type, "encoding": r.encoding, "agency": r.agency, "report_year": r.year,
        "template_version": r.template, "scope": r.scope, "published_date": r.published,
        "parser_version": PARSER_VERSION, "extract_status": r.status,
        **{f"status_{section}": status for section, status in r.sections.items()},
        "first_seen": seen.astimezone(timezone.utc).replace(tzinfo=None) if seen else None,
        **({"body": body.name, "level": body.level, "province": body.province,
            "prefecture": body.prefecture, "county": body.county} if body else {}),
    }


def chunk_frames(outcomes: list[Outcome]) -> dict[str, pl.DataFrame]:
    """The staged frames of a chunk of outcomes (staging.SCHEMAS, but checks)."""
    good = [o for o in outcomes if o.report is not None]
    extracted = [o.report for o in good]
    return {
        "reports": pl.DataFrame([_report_row(o) for o in good], schema=frames.REPORT),
        **{name: frame(extracted, name) for name in ("applications", "proactive", "review_litigation",
                                                     "statements")},
        "unread": pl.DataFrame([(r.report_id, u.section, u.row, u.reason, json.dumps(
            [list(c) for c in u.candidates], ensure_ascii=False) if u.candidates else None)
            for r in extracted for u in r.unread], schema=frames.UNREAD, orient="row"),
        "used": used_rows(extracted),
        "errors": pl.DataFrame([(o.raw.source_uri, o.raw.sha256, o.error.stage, o.error.reason)
                                for o in outcomes if o.error is not None], schema=frames.ERROR, orient="row"),
    }


def used_rows(extracted: list[Extracted]) -> pl.DataFrame:
    """The places whose identity was used to read each report (frames.USED)."""
    return pl.DataFrame([(r.report_id, rule, place) for r in extracted for rule, place in r.rules_used],
                        schema=frames.USED, orient="row")


def checks_of(extracted: list[Extracted]) -> pl.DataFrame:
    """Every report rule over `extracted`, unjudged (frames.CHECK)."""
    return validate.build_checks(frame(extracted, "applications"), frame(extracted, "review_litigation"),
                                 frame(extracted, "proactive"), {r.report_id: r.template for r in extracted},
                                 used_rows(extracted))


# --- The stages -----------------------------------------------------------------------------------


def extract(files: list[RawFile], root: Path, *, workers: int | None = None, limits: Limits = Limits(),
            chunk: int = CHUNK, progress=None) -> Staged:
    """Extract `files` and stage them under `root`, `chunk` outcomes per chunk (failures included;
    more after a crashed worker: a chunk holds whole parts). Workers build each part's frames."""
    root = Path(root)
    staging.clear(root)
    workers = workers or os.cpu_count() or 1
    chunks, reports, failed, parts, held = [], 0, 0, [], 0

    def flush() -> None:
        nonlocal reports, failed, held
        whole = {name: pl.concat([part[name] for part in parts]) for name in parts[0]}
        chunks.append(root / f"{len(chunks):06d}")
        staging.write(chunks[-1], whole)
        reports, failed = reports + whole["reports"].height, failed + whole["errors"].height
        parts.clear()
        held = 0

    size = _part_size(len(files), workers, chunk)
    for raws, part in _parts(list(files), workers, limits, chunk_frames, size, progress):
        parts.append(part)
        held += len(raws)
        if held >= chunk:
            flush()
    if parts:
        flush()
    return Staged(root, tuple(chunks), reports, failed)


class Judged(NamedTuple):
    """A staged chunk whose verdicts are staged too."""

    chunk: Path
    checks: int
    failed: int


def check(staged: Staged, suites: validate.Suites | None, *, docs_dir: Path | None = None) -> Iterator[Judged]:
    """Judge every report rule on every staged report with `suites` (the GX suites of expectations/;
    None only when `staged` holds no report), the checks of a few chunks (JUDGE_ROWS) per GX
    validation, stage each chunk's verdicts and yield the chunks in order (those without reports too).
    With `docs_dir`, GX Data Docs of the run's validations are built there."""
    waiting: list[tuple[Path, pl.DataFrame]] = []  # (chunk, its checks)

    def judge() -> Iterator[Judged]:
        judged = pl.concat([checks for _, checks in waiting])
        judged = judged.with_columns(passed=pl.lit(None, pl.Boolean)) if judged.is_empty() else suites.judge(judged)
        for chunk, checks in waiting:
            verdicts, judged = judged.head(checks.height), judged.slice(checks.height)
            staging.add(chunk, "checks", verdicts)
            yield Judged(chunk, verdicts.height, verdicts.filter(~pl.col("passed")).height)
        waiting.clear()

    for chunk in staged.chunks:
        parts = {name: staged.read(chunk, name) for name in
                 ("reports", "applications", "proactive", "review_litigation", "used")}
        reports = parts["reports"]
        if reports.is_empty():  # only failed documents: no checks
            waiting.append((chunk, frames.empty(frames.CHECK)))
            continue
        waiting.append((chunk, validate.build_checks(
            parts["applications"], parts["review_litigation"], parts["proactive"],
            dict(zip(reports["report_id"], reports["template_version"])), parts["used"])))
        if sum(checks.height for _, checks in waiting) >= JUDGE_ROWS:
            yield from judge()
    if waiting:
        yield from judge()
    if suites is not None and docs_dir is not None:
        suites.build_docs(docs_dir)


_END = object()


def _ahead(items: Iterator, n: int) -> Iterator:
    """`items`, computed in a thread up to `n` ahead of the consumer; an exception raised there is
    raised here. (GX judging is Python; DuckDB, writing meanwhile, releases the GIL part of the time.)"""
    with ThreadPoolExecutor(1, thread_name_prefix="ahead") as pool:
        pending = deque(pool.submit(next, items, _END) for _ in range(n))  # one thread: in order
        try:
            while (item := pending.popleft().result()) is not _END:
                pending.append(pool.submit(next, items, _END))
                yield item
        finally:
            for future in pending:
                future.cancel()


@dataclass(frozen=True)
class Loaded:
    written: int  # reports written (an unchanged one is not)
    state: tuple  # load.state of the warehouse after the load


def load_staged(db_path: Path, staged: Staged, run_id: str, fetch_errors: list[IngestError] = (),
                landed: list[RawFile] | None = None, progress=None, chunks: Iterable[Path] | None = None) -> Loaded:
    """Load the staged reports (each chunk in one transaction, `chunks` as they come, by default all
    of `staged`'s) and record every failure; the one writer. `progress(done, total, uri)` is called
    after each chunk.

    Then the warehouse as a whole: with `landed` (every file the sources gave this run), reports
    and errors of documents no longer served are retired; which report of each body and year is
    current is decided; the warehouse rules are checked and the run recorded (pipelines.dq)."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    con = load.connect(db_path)
    try:
        for error in fetch_errors:
            load.record_error(con, error.source, None, error.stage, error.reason, now)
        written, judged, done = 0, 0, 0
        # One DuckDB thread while loading chunks: with more, an insert writes its row groups at once and
        # the next checkpoint compresses them again (100,000 reports: a quarter less wall and CPU time).
        con.execute("SET threads = 1")
        for chunk in staged.chunks if chunks is None else chunks:
            parts = {name: staged.read(chunk, name) for name in staging.SCHEMAS}
            for uri, sha, stage, reason in parts["errors"].iter_rows():
                load.record_error(con, uri, sha, stage, reason, now, PARSER_VERSION)
            reports = parts["reports"]
            if reports.is_empty():
                continue
            written += load.load_reports(con, reports, parts["applications"], parts["proactive"],
                                         parts["review_litigation"], parts["checks"], run_id,
                                         unread=parts["unread"], statements=parts["statements"])
            load.clear_errors(con, list(reports.select("source_uri", "sha256").iter_rows()))
            judged += parts["checks"].height
            done += reports.height
            if progress:
                progress(done, staged.reports, reports["source_uri"][-1])
        con.execute("RESET threads")  # the warehouse-wide statements below use every core
        naive = now.replace(tzinfo=None)
        if landed is not None:
            identity.retire(con, [f.sha256 for f in landed], [e.source for e in fetch_errors], naive)
        identity.refresh(con, naive)
        dq.refresh(con, run_id, naive, reports_loaded=written, judged=judged)
        return Loaded(written, load.state(con))
    finally:
        con.close()


def check_and_load(db_path: Path, staged: Staged, run_id: str, fetch_errors: list[IngestError] = (),
                   landed: list[RawFile] | None = None, *, docs_dir: Path | None = None,
                   progress=None) -> tuple[list[Judged], Loaded]:
    """`check` and `load_staged` at once: GX judges the next chunks (two at most) while DuckDB writes
    the one before. Returns the judged chunks and what the load did. Great Expectations is not even
    imported when nothing was extracted."""
    judged: list[Judged] = []
    # GX is imported and set up here, before the check thread starts: an import running in a thread
    # beside other imports can leave a module half-initialised for the rest of the process (seen once,
    # sqlalchemy's, when GX's import ran in a thread during the extraction step).
    suites = validate.Suites() if staged.reports else None

    def chunks() -> Iterator[Path]:
        for done in _ahead(check(staged, suites, docs_dir=docs_dir), 2):
            judged.append(done)
            yield done.chunk
    return judged, load_staged(db_path, staged, run_id, fetch_errors, landed, progress, chunks())


def publish(db_path: Path, snapshot_path: Path, page: Path, raw_dir: Path, state: tuple) -> dict[str, float]:
    """Publish the snapshot and write the data-quality page from it, unless the published snapshot
    already shows `state` (load.state of the warehouse) and the page exists. Seconds per stage done."""
    if Path(page).is_file() and load.published_state(snapshot_path) == state:
        return {}
    start = time.perf_counter()
    load.publish(db_path, snapshot_path)
    seconds = {"publish snapshot": time.perf_counter() - start}
    start = time.perf_counter()
    with load.read_only(snapshot_path) as con:
        report.write_dq_page(con, page, raw_dir)
    seconds["data-quality page"] = time.perf_counter() - start
    return seconds


def pending(db_path: Path, files: list[RawFile]) -> list[RawFile]:
    """The files this parser version has neither loaded nor failed on: a nightly run costs what is new
    or changed, and a failed document is tried again only when its bytes or PARSER_VERSION change."""
    if not Path(db_path).exists():
        return files
    with load.read_only(db_path) as con:  # a look, not a write
        done = load.loaded(con, PARSER_VERSION)
        if _has_parser_version(con):
            done |= load.failed(con, PARSER_VERSION)
    return [f for f in files if f.sha256 not in done]


def _has_parser_version(con: duckdb.DuckDBPyConnection) -> bool:
    """A warehouse written before ingest_error.parser_version existed has no failures to skip yet."""
    return bool(con.execute("SELECT count(*) FROM duckdb_columns() WHERE table_name = 'ingest_error' "
                            "AND column_name = 'parser_version' AND database_name = current_database()")
                .fetchone()[0])


def run(db_path: Path, files: list[RawFile], root: Path, run_id: str, fetch_errors: list[IngestError] = (),
        landed: list[RawFile] | None = None, *, workers: int | None = None, limits: Limits = Limits(),
        chunk: int = CHUNK) -> Loaded:
    """The stages on `files` (staged under `root`, removed after the load)."""
    staged = extract(files, root, workers=workers, limits=limits, chunk=chunk)
    _, loaded = check_and_load(db_path, staged, run_id, fetch_errors, landed)
    staged.remove()
    return loaded
