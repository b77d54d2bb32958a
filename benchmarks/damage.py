"""Damaged reports: the extractor on thousands of damaged variants of the gold-backed fixtures, scored
cell by cell against gold, per damage class, plus the real damaged files of tests/fixtures/damaged.

The variants come from tests/damage (the generator the tests use): `--per-class` variants of each
class, the sources in turn with the seed counting up. Each variant's text goes through
`pipelines.ingest.process` as the bytes of a file; a report the extractor refuses (IngestError) is
lost whole and extracts nothing. Cells are every gold value (sections 二, 三, 四), compared exactly:
  precision = correct / extracted (an extracted cell the gold lacks counts as wrong)
  recall    = correct / gold
  exact     = reports whose every gold cell is right and which extract nothing else.
Precision on read: the cells the report JSON marks `read` (all of them before issue 7's `methods`).
Metadata: agency, year and template agreeing with gold, over the reports not lost.

    .venv/bin/python benchmarks/damage.py [--per-class 1000] [--out benchmarks/out]

Prints markdown tables (also written to <out>/damage.md) and writes <out>/damage.json.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "tests"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import damage  # noqa: E402
from damage import CLASSES, REAL_FILES, Tally, extract, score, variants  # noqa: E402

OUT = ROOT / "benchmarks" / "out"


def _fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:.4f}"


class Results:
    """A tally per row (class or real file) and, per class, per damage applied; for diagnosis the
    wrong cells and the most frequent reasons reports were refused."""

    def __init__(self):
        self.tallies: dict[str, Tally] = {}
        self.by_damage: dict[str, dict[str, Tally]] = defaultdict(lambda: defaultdict(Tally))
        self.wrong: list[dict] = []
        self.refusals: dict[str, Counter] = defaultdict(Counter)
        self.seconds = 0.0


def _reason(error) -> str:
    """A refusal's reason without the quoted text and references that make each one unique."""
    return re.sub(r"\d+", "N", re.sub(r"'[^']*'", "'…'", re.sub(r" \([^)]*\)$", "", error.reason)))


def run(batches: dict[str, list], tty: bool) -> Results:
    r = Results()
    by_damage = r.by_damage
    start = time.perf_counter()
    for row, batch in batches.items():
        tally = r.tallies[row] = Tally()
        for i, v in enumerate(batch, 1):
            refused: list = []
            s = score(v, extract(v, refused))
            tally.add(s)
            r.refusals[row].update(_reason(e) for e in refused)
            r.wrong += [{"variant": v.name, "applied": v.applied, "cell": c.key, "gold": c.gold, "got": c.got,
                         "method": c.method} for c in s.cells if c.got is not None and not c.correct]
            if v.klass in CLASSES:
                r.tallies.setdefault("all generated", Tally()).add(s)
                for name in v.applied:
                    by_damage[v.klass][name].add(s)
            if tty and (i % 25 == 0 or i == len(batch)):
                print(f"\r  {row}: {i}/{len(batch)}", end="", file=sys.stderr, flush=True)
        if tty:
            print(file=sys.stderr)
    r.seconds = time.perf_counter() - start
    return r


def tables(tallies: dict[str, Tally], by_damage: dict[str, dict[str, Tally]]) -> str:
    rows = [k for k in tallies if k != "all generated"] + ["all generated"]
    out = ["| class | variants | gold cells | recall | precision | precision on read | lost whole | exact |",
           "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        s = tallies[row].summary()
        out.append(f"| {row} | {s['reports']} | {s['gold']} | {_fmt(s['recall'])} | {_fmt(s['precision'])} | "
                   f"{_fmt(s['read_precision'])} | {s['lost']} | {s['exact']} |")
    out += ["", "| class | method | cells extracted | correct | precision |", "|---|---|---:|---:|---:|"]
    for row in rows:
        for method, m in tallies[row].summary()["methods"].items():
            if m["extracted"]:
                out.append(f"| {row} | {method} | {m['extracted']} | {m['correct']} | {_fmt(m['precision'])} |")
    out += ["", "| class | reports not lost | agency agrees | year agrees | template agrees |",
            "|---|---:|---:|---:|---:|"]
    for row in rows:
        s = tallies[row].summary()
        md = s["metadata"]
        out.append(f"| {row} | {s['reports'] - s['lost']} | {_fmt(md['agency'])} | {_fmt(md['year'])} | "
                   f"{_fmt(md['template'])} |")
    out += ["", "Per damage (variants that got it; a variant gets several):", "",
            "| class | damage | variants | recall | precision | lost whole |", "|---|---|---:|---:|---:|---:|"]
    for klass, damages in by_damage.items():
        for name in sorted(damages):
            s = damages[name].summary()
            out.append(f"| {klass} | {name} | {s['reports']} | {_fmt(s['recall'])} | {_fmt(s['precision'])} | "
                       f"{s['lost']} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=1000, help="variants per damage class")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    batches: dict[str, list] = {k: list(variants(k, args.per_class)) for k in CLASSES}
    batches.update({p.name: [damage.real(p)] for p in REAL_FILES})
    r = run(batches, sys.stderr.isatty())
    n = sum(len(b) for b in batches.values())
    text = tables(r.tallies, r.by_damage) + f"\n\n{n} reports in {r.seconds:.1f} s ({n / r.seconds:.0f}/s)."
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "damage.md").write_text(text + "\n", encoding="utf-8")
    result = {"per_class": args.per_class, "seconds": round(r.seconds, 2),
              "rows": {k: t.summary() for k, t in r.tallies.items()},
              "damages": {k: {name: t.summary() for name, t in d.items()} for k, d in r.by_damage.items()},
              "refusals": {k: c.most_common(15) for k, c in r.refusals.items()},
              "wrong_cells": r.wrong[:1000]}
    (args.out / "damage.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
