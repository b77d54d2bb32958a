"""Nightly runs at scale (`make bench`, `make bench-scale`): the Dagster job as `make run` runs it, on
a generated corpus of N reports (text and web pages), then a night with nothing new and a night
with 1 % of the sources re-published.

Each night is the real job (assets.materialize.run) on a deployment in <out>/scale-N/: sources.toml
names the corpus directory, and the landing zone, warehouse, snapshot and data-quality page are its
own. Per night: wall time, each Dagster step's time (and the stage times the steps report in their
metadata), reports per second per core, and the peak RSS of the whole process tree (this process
and its extraction workers, summed, sampled every 0.1 s). For the steps that extract, check and
load (ECL_STEPS), reports per second per core of their wall time, and reports per CPU-second the
process tree spent in them (what a core does when it is busy: the serial steps leave one idle).
Beside them, how fast one core extracts a text report of the corpus today (`extract_speed.text_ms`):
this shared machine's speed differs from day to day, so compare runs of different days with it.
Results go to stdout and <out>/scale-N/results.md.

    .venv/bin/python benchmarks/scale.py --reports 1000 10000 [--html-share 0.5] [--out benchmarks/out]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import corpus  # noqa: E402
import dagster as dg  # noqa: E402
import extract_speed  # noqa: E402

from assets import materialize  # noqa: E402
from assets.definitions import defs  # noqa: E402
from assets.resources import XxgkPaths, resources  # noqa: E402

MB = 2**20
CHANGED_SHARE = 0.01
ECL_STEPS = ("extracted_reports", "check_and_load")  # extract, then check and load (and publish)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def _children(pid: int) -> list[int]:
    kids = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                kids += [int(k) for k in f.read().split()]
    except OSError:
        pass
    return kids


def _cpu(pid: int) -> float:
    """CPU seconds of a process and of the children it has waited for (utime, stime, cutime, cstime)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()  # after the command name: field 3 on
        return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


class Tree:
    """This process and its descendants, sampled in a thread: the peak of their summed RSS, and their
    CPU seconds so far (of the live ones, and of the ones that ended) over wall-clock time."""

    def __init__(self, every: float = 0.1):
        self.every, self.peak, self.cpu, self._stop = every, 0, [], threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            pids, rss, cpu, now = [os.getpid()], 0, 0.0, time.time()
            while pids:
                pid = pids.pop()
                rss, cpu = rss + _rss(pid), cpu + _cpu(pid)
                pids += _children(pid)
            self.peak = max(self.peak, rss)
            self.cpu.append((now, cpu))
            self._stop.wait(self.every)

    def cpu_between(self, start: float, end: float) -> float:
        """CPU seconds the tree used from `start` to `end` (time.time()), to a sample's precision."""
        def at(t: float) -> float:
            before = [c for s, c in self.cpu if s <= t]
            return before[-1] if before else 0.0
        return at(end) - at(start)

    def __enter__(self) -> "Tree":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def deployment(root: Path, sources: Path) -> XxgkPaths:
    root.mkdir(parents=True, exist_ok=True)
    toml = root / "sources.toml"
    toml.write_text(f'[[source]]\nuri = "{sources}"\n', encoding="utf-8")
    out = root / "warehouse"
    return XxgkPaths(sources_toml=str(toml), raw_dir=str(root / "raw"), warehouse_db=str(out / "xxgk.duckdb"),
                     snapshot_db=str(out / "xxgk_snapshot.duckdb"), dq_dir=str(out / "dq"))


def night(paths: XxgkPaths, instance: dg.DagsterInstance, name: str) -> dict:
    """One run of the nightly job: wall seconds, step seconds, stage seconds from metadata, peak RSS."""
    definitions = dg.Definitions(assets=defs.assets, asset_checks=defs.asset_checks, jobs=defs.jobs,
                                 resources=resources(paths))
    log(f"{name} ...")
    with Tree() as tree:
        start = time.perf_counter()
        result = materialize.run(definitions, instance)
        wall = time.perf_counter() - start
    if not result.success:
        raise SystemExit("\n".join(materialize.failures(result)) or f"{name}: the run failed")
    began, steps, cpu, stages = {}, {}, {}, {}
    for entry in instance.all_logs(result.run_id):
        event = entry.dagster_event
        if event is None:
            continue
        if event.event_type_value == "STEP_START":
            began[event.step_key] = entry.timestamp
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
            steps[event.step_key] = entry.timestamp - began[event.step_key]
            cpu[event.step_key] = tree.cpu_between(began[event.step_key], entry.timestamp)
        elif event.event_type_value == "ASSET_MATERIALIZATION":
            for key, value in event.event_specific_data.materialization.metadata.items():
                if key.startswith("seconds: "):
                    stages[key.removeprefix("seconds: ")] = value.value
    log(f"{name}: {wall:.1f} s, peak RSS {tree.peak / MB:,.0f} MB")
    return {"night": name, "wall": wall, "steps": steps, "cpu": cpu, "stages": stages, "rss_mb": tree.peak / MB}


def republish(corpus_dir: Path, share: float) -> dict[Path, bytes]:
    """Re-publish `share` of the corpus: the same reports with one more line, so new bytes (the
    previous versions are then retired: no source serves them any more). Returns the old bytes."""
    files = sorted(p for p in corpus_dir.iterdir() if p.name != "manifest.json")
    changed = {path: path.read_bytes() for path in files[::round(1 / share)]}
    for path in changed:
        data = path.read_bytes()
        marker = "<!-- 修订 -->\n" if path.suffix == ".html" else "（修订稿）\n"
        encoding = path.stem.split("_", 1)[1]
        head = marker.encode("utf-16-le" if encoding == "utf-16" else encoding.replace("-sig", ""))
        bom = data[:2] if encoding == "utf-16" else data[:3] if encoding.endswith("-sig") else b""
        path.write_bytes(bom + head + data[len(bom):])
    return changed


def table(n: int, nights: list[dict], cores: int) -> str:
    steps = list(dict.fromkeys(k for r in nights for k in r["steps"]))
    stages = list(dict.fromkeys(k for r in nights for k in r["stages"]))
    head = ["night", "wall s", "reports/s/core", "extract+check+load reports/s/core",
            "extract+check+load reports per CPU-s", "peak RSS MB", *(f"{s} s" for s in steps),
            *(f"{s} s" for s in stages)]
    lines = ["| " + " | ".join(head) + " |", "|---" + "|---:" * (len(head) - 1) + "|"]
    for r in nights:
        n = r.get("reports")
        ecl_wall, ecl_cpu = (sum(r[k].get(step, 0.0) for step in ECL_STEPS) for k in ("steps", "cpu"))
        rates = ([f"{n / r['wall'] / cores:,.0f}", f"{n / ecl_wall / cores:,.0f}", f"{n / ecl_cpu:,.0f}"]
                 if n else ["—"] * 3)
        cells = [r["night"], f"{r['wall']:,.1f}", *rates, f"{r['rss_mb']:,.0f}",
                 *(f"{r['steps'][s]:,.1f}" if s in r["steps"] else "" for s in steps),
                 *(f"{r['stages'][s]:,.1f}" if s in r["stages"] else "" for s in stages)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def run(n: int, html_share: float, out: Path, keep: bool) -> str:
    base = out / (f"scale-{n}" if html_share else f"scale-{n}-text")
    corpus_dir = base / "corpus"
    log(f"corpus: {n} reports ({html_share:.0%} web pages) in {corpus_dir}")
    entries = corpus.build(corpus_dir, n, html_share=html_share)
    size = sum((corpus_dir / e.name).stat().st_size for e in entries)
    text_ms = extract_speed.text_ms(corpus_dir, [e.name for e in entries])
    shutil.rmtree(base / "deployment", ignore_errors=True)
    paths = deployment(base / "deployment", corpus_dir)
    cores = os.cpu_count() or 1
    with dg.instance_for_test() as instance:
        full = night(paths, instance, "full (fresh warehouse)") | {"reports": n}
        quiet = night(paths, instance, "no-op (nothing new)")
        changed = republish(corpus_dir, CHANGED_SHARE)
        try:
            one = night(paths, instance, f"1% changed ({len(changed)} re-published)") | {"reports": len(changed)}
        finally:
            for path, data in changed.items():  # the corpus as generated, for the next benchmark
                path.write_bytes(data)
    kinds = Counter(Path(e.name).suffix for e in entries)
    warehouse = Path(paths.warehouse_db).stat().st_size / MB
    text = (f"## {n:,} reports{'' if html_share else ', text only'}\n\n- corpus: {n:,} reports, {size / MB:,.0f} MB "
            f"({kinds['.txt']:,} text, {kinds['.html']:,} web pages); warehouse {warehouse:,.0f} MB\n"
            f"- machine: {cores} cores, {os.uname().sysname} {os.uname().release}; one core extracts a text report "
            f"in {text_ms:.2f} ms of CPU (`extract_speed.py`'s measure: how fast the machine is today)\n\n"
            f"{table(n, [full, quiet, one], cores)}\n")
    (base / "results.md").write_text(text, encoding="utf-8")
    if not keep:
        shutil.rmtree(base / "deployment")
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--html-share", type=float, default=0.5)
    parser.add_argument("--out", type=Path, default=corpus.OUT)
    parser.add_argument("--keep", action="store_true", help="keep the deployment (landing zone, warehouse)")
    args = parser.parse_args()
    os.environ.pop("DAGSTER_HOME", None)
    for n in args.reports:
        print(run(n, args.html_share, args.out, args.keep), flush=True)


if __name__ == "__main__":
    main()
