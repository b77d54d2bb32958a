"""Per-document extraction speed by format (`make bench`): `pipelines.ingest.process` (decode, segment,
extract) over the generated mixed corpus, one process, so one core. The first `--warm-up` files of
each format warm the imports and the caches a long batch keeps warm (labels, cell texts); the rest
are timed once each, as a batch sees them, with the garbage collector set as in an extraction worker.
CPU time of this process (the machine may be shared).

    .venv/bin/python benchmarks/extract_speed.py [--reports 1000] [--warm-up 100] [--out benchmarks/out]
"""

from __future__ import annotations

import argparse
import time
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
        files = [((folder / e.name).read_bytes(), e.name) for e in entries if e.name.endswith(suffix)]
        for data, name in files[:args.warm_up]:
            process(data, name)
        timed = files[args.warm_up:]
        start = time.process_time()
        for data, name in timed:
            process(data, name)
        seconds = (time.process_time() - start) / len(timed)
        print(f"| {suffix[1:]} | {len(timed)} | {seconds * 1000:.2f} | {1 / seconds:,.0f} |")


if __name__ == "__main__":
    main()
