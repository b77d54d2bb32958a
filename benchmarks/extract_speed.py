"""Per-document extraction speed by format (`make bench`): `pipelines.ingest.process` (decode, segment,
extract) over the generated mixed corpus, one process, so one core. The first `--warm-up` files of
each format warm the imports and the caches a long batch keeps warm (labels, cell texts); the rest
are timed once each, as a batch sees them, with the garbage collector set as in an extraction worker.
CPU time of this process (the machine may be shared).

    .venv/bin/python benchmarks/extract_speed.py [--reports 1000] [--warm-up 100] [--out benchmarks/out]
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import corpus
from pipelines.batch import collect_less
from pipelines.ingest import process


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--warm-up", type=int, default=100)
    parser.add_argument("--out", type=Path, default=corpus.OUT)
    args = parser.parse_args()
    folder = args.out / "corpus-mixed"
    entries = corpus.build(folder, args.reports, html_share=0.5)
    collect_less()  # as an extraction worker does
    print("| format | reports timed | CPU ms/report | reports/s/core |\n|---|---:|---:|---:|")
    for suffix in (".txt", ".html"):
        paths = [folder / e.name for e in entries if e.name.endswith(suffix)]
        ms = cpu_ms(paths, args.warm_up)
        print(f"| {suffix[1:]} | {len(paths) - args.warm_up} | {ms:.2f} | {1000 / ms:,.0f} |")


def cpu_ms(paths: list[Path], warm_up: int) -> float:
    """CPU milliseconds per document of `ingest.process` over `paths`, after the first `warm_up`."""
    files = [(path.read_bytes(), path.name) for path in paths]
    for data, name in files[:warm_up]:
        process(data, name)
    start = time.process_time()
    for data, name in files[warm_up:]:
        process(data, name)
    return (time.process_time() - start) * 1000 / len(files[warm_up:])


def text_ms(folder: Path, names: list[str], reports: int = 300, warm_up: int = 100) -> float:
    """`cpu_ms` of up to `reports` text reports of a corpus, in a fresh process with the collector set
    as in a worker: how fast this machine is today (the scale benchmark prints it beside its tables)."""
    paths = [folder / name for name in names if name.endswith(".txt")][:warm_up + reports]
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(_in_worker, paths, min(warm_up, len(paths) // 2)).result()


def _in_worker(paths: list[Path], warm_up: int) -> float:
    collect_less()
    return cpu_ms(paths, warm_up)


if __name__ == "__main__":
    main()
