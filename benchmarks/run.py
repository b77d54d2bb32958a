"""Throughput and memory of each pipeline stage over the benchmark corpus (`make bench`).

Every stage runs over the whole corpus twice: once timed, once under tracemalloc for its Python
peak (tracing slows Python code about 4×, so it never runs while timing; --no-trace skips it).
tracemalloc cannot see DuckDB's or Polars' native memory: max RSS, the process high-water mark
(ru_maxrss) after the timed run of each stage, does (and includes every stage above it). The
end-to-end `batch.extract_stream` rows (spawned worker processes) are timed only.
Progress goes to stderr, the results table to stdout and to <out>/results.md.

    .venv/bin/python benchmarks/run.py [--reports 3000] [--seed 0] [--out benchmarks/out] [--no-trace]
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import os
import platform
import resource
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import corpus
import duckdb
from pipelines import batch, load, staging, validate
from pipelines.decode import decode_text
from pipelines.document import Document
from pipelines.errors import IngestError
from pipelines.extract import extract
from pipelines.fetch import RawFile
from pipelines.formats.text import read_text
from pipelines.ingest import report_id
from pipelines.segment import segment
from pipelines.staging import Staged

MB = 2**20
PROGRESS_EVERY = 500
PACKAGES = ("polars", "duckdb", "great_expectations", "pdfminer.six")


@dataclass
class Row:
    stage: str
    seconds: float
    docs: int | None  # documents the stage handled; None when a rate means nothing
    rss_mb: float
    note: str = ""
    peak_mb: float | None = None


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def each(stage: str, items: list, fn) -> list:
    """fn over items, with progress on stderr."""
    out = []
    for i, item in enumerate(items, 1):
        out.append(fn(item))
        if i % PROGRESS_EVERY == 0 or i == len(items):
            log(f"  {stage}: {i}/{len(items)}")
    return out


def progress(stage: str):
    """A batch.extract_stream progress callback."""
    def report(done: int, total: int, _uri: str) -> None:
        if done % PROGRESS_EVERY == 0 or done == total:
            log(f"  {stage}: {done}/{total}")
    return report


def traced_peak_mb(fn) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / MB
    finally:
        tracemalloc.stop()


class Bench:
    """Runs stages in order, timing each; `trace_all` then replays them under tracemalloc."""

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.replays: list[tuple[Row, object]] = []

    def stage(self, name: str, docs: int | None, fn, replay: bool = True):
        """Time fn (and, with `replay`, trace it again in `trace_all`); its result."""
        log(f"{name} ...")
        gc.collect()
        start = time.perf_counter()
        result = fn()
        self.rows.append(Row(name, time.perf_counter() - start, docs, max_rss_mb()))
        if replay:
            self.replays.append((self.rows[-1], fn))
        return result

    def note(self, text: str) -> None:
        """Annotate the last stage."""
        self.rows[-1].note = text

    def trace_all(self) -> None:
        for row, fn in self.replays:
            start = time.perf_counter()
            row.peak_mb = traced_peak_mb(fn)
            log(f"{row.stage} under tracemalloc: {time.perf_counter() - start:.0f} s")


def segmented(text: str, source: str, encoding: str) -> Document:
    doc = read_text(text, source, encoding)
    segment(doc)
    return doc


def outcome(raw: RawFile, data: bytes, doc: Document) -> batch.Outcome:
    try:
        return batch.Outcome(raw, extract(doc, report_id(data)))
    except IngestError as error:
        return batch.Outcome(raw, error=error)


def run(files: list[RawFile], tmp: Path, trace: bool = True) -> list[Row]:
    """Every stage over `files`, the warehouse in `tmp`; one Row per stage."""
    bench, n = Bench(), len(files)
    datas = [f.path.read_bytes() for f in files]
    names = [f.path.name for f in files]

    outcomes = bench.stage("extract_stream workers=1 (end to end)", n, replay=False,
                           fn=lambda: list(batch.extract_stream(files, workers=1, progress=progress("workers=1"))))
    bench.note(f"{sum(o.error is not None for o in outcomes)} failed")
    del outcomes
    bench.stage("extract_stream workers=2 (end to end)", n, replay=False,
                fn=lambda: list(batch.extract_stream(files, workers=2, progress=progress("workers=2"))))
    bench.note(f"{bench.rows[-2].seconds / bench.rows[-1].seconds:.2f}× as fast as workers=1")

    decoded = bench.stage("decode", n, lambda: each("decode", list(zip(datas, names)), lambda d: decode_text(*d)))
    bench.note(", ".join(f"{k} {v}" for k, v in sorted(Counter(d.encoding for d in decoded).items())))
    docs = bench.stage("segment (read_text + segment)", n, lambda: each(
        "segment", list(zip(decoded, names)), lambda d: segmented(d[0].text, d[1], d[0].encoding)))
    outcomes = bench.stage("extract", n, lambda: each("extract", list(zip(files, datas, docs)),
                                                      lambda x: outcome(*x)))
    bench.note(f"includes extract()'s own segment(); {sum(o.error is not None for o in outcomes)} failed")
    parts = batch.chunk_frames(outcomes)
    reports = parts["reports"]

    start = time.perf_counter()
    import great_expectations  # noqa: F401  (timed here so that validate excludes it)
    bench.rows.append(Row("import great_expectations", time.perf_counter() - start, None, max_rss_mb()))
    extracted = [o.report for o in outcomes if o.report is not None]
    checks = bench.stage("validate: build_checks", reports.height, lambda: batch.checks_of(extracted))
    bench.note(f"{checks.height:,} checks")
    checked = bench.stage("validate: run_suites (GX)", reports.height, lambda: validate.run_suites(checks))
    bench.note(f"{checked.filter(~checked['passed'])['report_id'].n_unique()} reports fail a rule")

    db, snapshot = tmp / "xxgk.duckdb", tmp / "xxgk-snapshot.duckdb"
    staged = Staged(tmp / "staging", (tmp / "staging" / "000000",), reports.height)
    staging.clear(staged.root)
    staging.write(staged.chunks[0], parts | {"checks": checked})

    def load_fresh() -> None:
        for path in (db, db.with_name(db.name + ".wal")):
            path.unlink(missing_ok=True)
        batch.load_staged(db, staged, run_id="bench")

    bench.stage("load (load_staged, fresh warehouse)", reports.height, load_fresh)
    bench.note(f"warehouse {db.stat().st_size / MB:.1f} MB; includes the warehouse checks and identity")
    bench.stage("quiet night (load_staged, nothing new)", reports.height, lambda: batch.load_staged(
        db, Staged(tmp / "nothing"), run_id="bench-quiet", landed=files))
    with duckdb.connect(str(db), read_only=True) as con:
        judged, current, superseded = con.execute("SELECT checks_judged, reports_current, reports_superseded "
                                                  "FROM dq_run WHERE run_id = 'bench-quiet'").fetchone()
    bench.note(f"{judged} checks judged again; {current} current, {superseded} superseded reports")
    bench.stage("publish (snapshot)", None, lambda: load.publish(db, snapshot))
    if trace:
        bench.trace_all()
    return bench.rows


def table(rows: list[Row]) -> str:
    lines = ["| stage | seconds | docs/s | tracemalloc peak (MB) | max RSS (MB) | notes |",
             "|---|---:|---:|---:|---:|---|"]
    for r in rows:
        rate = f"{r.docs / r.seconds:,.0f}" if r.docs else "—"
        peak = f"{r.peak_mb:,.1f}" if r.peak_mb is not None else "—"
        lines.append(f"| {r.stage} | {r.seconds:,.2f} | {rate} | {peak} | {r.rss_mb:,.0f} | {r.note} |")
    return "\n".join(lines)


def machine(entries: list[corpus.Entry], size: int) -> str:
    packages = ", ".join(f"{p} {version(p)}" for p in PACKAGES)
    encodings = Counter(e.encoding for e in entries)
    perturbed = sum(e.perturbed is not None for e in entries)
    return "\n".join([
        f"- machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}",
        f"- packages: {packages}",
        f"- corpus: {len(entries)} reports, {size / MB:.1f} MB "
        f"({', '.join(f'{k} {v}' for k, v in sorted(encodings.items()))}; {perturbed} with one cell bumped)",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=corpus.OUT)
    parser.add_argument("--no-trace", action="store_true", help="skip the tracemalloc replays")
    args = parser.parse_args()

    log(f"corpus: {args.reports} reports in {args.out / 'corpus'}")
    entries = corpus.build(args.out / "corpus", args.reports, args.seed)
    paths = [args.out / "corpus" / e.name for e in entries]
    files = [RawFile(hashlib.sha256(data := p.read_bytes()).hexdigest(), p, p.resolve().as_uri(), len(data))
             for p in paths]
    with tempfile.TemporaryDirectory(prefix="xxgk-bench-") as tmp:
        rows = run(files, Path(tmp), trace=not args.no_trace)
    text = f"# Benchmark results\n\n{machine(entries, sum(f.size for f in files))}\n\n{table(rows)}\n"
    print(text)
    (args.out / "results.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
