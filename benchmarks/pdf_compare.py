"""Our PDF path side by side with pdfplumber's table extraction: speed, memory, cell accuracy.

Both paths end in the same extractor (`pipelines.extract.extract`, the one label matcher that maps
labels to template codes), so what differs is how the page becomes tables and lines:

- ours:       `read_pdf(data) -> Document`, then `extract`.
- pdfplumber: per page `page.find_tables()` with default settings; each table's `.extract()` rows
  become a `Table` (a None cell is covered by a merge and left out; '' is a blank cell), each cell
  positioned by pdfplumber's cell box and the table by its box; the page's text lines
  (`extract_text_lines()` on the page without the characters whose centre lies in a table, the
  rule pdfplumber itself uses to put characters in cells) become `Line`s; blocks are ordered by
  page, then top. That `Document(source, "application/pdf", None, blocks)` goes to `extract`.

Page numbers: `read_pdf` drops them itself; for pdfplumber a text line that is only a decorated
page number ("- 3 -", "— 5 —", "第3页", "第3页共5页") is dropped, and the same filter is applied to
our Document too (where it finds nothing left to drop). Nothing else is done for pdfplumber's side:
no running headers, no stitching of tables across pages, no unruled tables, no text repair.

Accuracy against gold (the gold JSON, never either path's output). Cells are every
`applications` cell, every `review_litigation` cell and every `proactive` value of the gold file;
a cell is correct when the path emitted the same key with a numerically equal value.
  precision = correct / emitted   (emitted: every cell of those three parts the path produced,
                                   whether or not gold has that key)
  recall    = correct / gold
  exact     = reports whose every gold cell is correct and which emit nothing else.
A file whose document or extraction fails (IngestError, or pdfplumber raising on the file) emits
nothing: 0 cells.

Speed and memory: each path runs in a fresh worker process of its own (so one path's memory,
caches and imports never pollute the other's), over all files, --repeat times; the two workers take
turns run by run (one idles while the other runs), so a change in machine load hits both alike.
pages/s is total pages over the best run's total time (per file: bytes in memory → extracted
report; file reading, imports and scoring excluded). Peak MB is the growth of max RSS
(`resource.getrusage(RUSAGE_SELF).ru_maxrss`, in the worker) from just before its first run
(modules imported, file bytes read) to after its last: native memory included, import cost
excluded, first-run caches (CMaps, fonts) included. Not tracemalloc: it misses native memory and
slows Python code down.

    .venv/bin/python benchmarks/pdf_compare.py [--repeat 3] [--out benchmarks/out] [--files F.pdf ...]

Writes the table to stdout and <out>/pdf_compare.md, per-file details to <out>/pdf_compare.json.
pdfplumber is a benchmark-only dependency (not in pyproject.toml): pip install pdfplumber.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from decimal import Decimal
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipelines.document import Cell, Document, Line, Ref, Table  # noqa: E402
from pipelines.errors import IngestError  # noqa: E402
from pipelines.extract import extract  # noqa: E402
from pipelines.values import is_page_mark  # noqa: E402
from pipelines.report_json import to_json  # noqa: E402

OUT = ROOT / "benchmarks" / "out"
FIXTURES = ROOT / "tests" / "fixtures"
PATHS = ("ours", "pdfplumber")
LABELS = {"ours": "ours (read_pdf + extract)", "pdfplumber": "pdfplumber find_tables + extract"}
MB = 2**20


# --- files and gold --------------------------------------------------------------------------------


def gold_of(path: Path) -> dict:
    return json.loads((path.parent / "gold" / f"{path.stem}.json").read_text(encoding="utf-8"))


def default_files() -> list[Path]:
    """The real reports, and the generated fixtures whose gold has values (not the error fixtures)."""
    public = sorted((FIXTURES / "public").glob("*.pdf"))
    generated = [p for p in sorted((FIXTURES / "pdf").glob("*.pdf"), key=_natural)
                 if (p.parent / "gold" / f"{p.stem}.json").is_file() and "applications" in gold_of(p)]
    return public + generated


def _natural(p: Path):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", p.name)]


def _number(value) -> str:
    """A value as a canonical decimal string: 5, 5.00 and "5.00" are all "5"."""
    return format(Decimal(str(value)).normalize(), "f")


def cells_of(report: dict) -> dict[str, str]:
    """The numeric cells of a report JSON (gold or extracted), keyed like its provenance."""
    out = {}
    for row, cols in report.get("applications", {}).items():
        for col, v in cols.items():
            out[f"applications.{row}.{col}"] = _number(v)
    for proceeding, results in report.get("review_litigation", {}).items():
        for result, v in results.items():
            out[f"review_litigation.{proceeding}.{result}"] = _number(v)
    for p in report.get("proactive", []):
        out[f"proactive.{p['item']}.{p['metric']}"] = _number(p["value"])
    return out


def count_pages(data: bytes) -> int:
    """Pages in the file's page tree (0 if pdfminer cannot open it: encrypted, damaged)."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser
    try:
        return sum(1 for _ in PDFPage.create_pages(PDFDocument(PDFParser(io.BytesIO(data)))))
    except Exception:  # noqa: BLE001  any pdfminer error on a damaged file
        return 0


# --- the two paths ---------------------------------------------------------------------------------


def without_page_numbers(doc: Document) -> Document:
    """The same simple page-number filter for both paths: lines that are only a page number."""
    doc.blocks = [b for b in doc.blocks if not (isinstance(b, Line) and is_page_mark(b.text))]
    return doc


def ours_document(data: bytes, source: str) -> Document:
    from pipelines.formats.pdf import read_pdf
    return read_pdf(data, source)


def _box(page, bbox) -> tuple[float, float, float, float]:
    """pdfplumber's (x0, top, x1, bottom) as PDF points from the bottom left, like our Refs."""
    x0, top, x1, bottom = bbox
    return (round(x0, 1), round(page.height - bottom, 1), round(x1, 1), round(page.height - top, 1))


def _inside(obj, boxes) -> bool:
    cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
    return any(x0 <= cx < x1 and top <= cy < bottom for x0, top, x1, bottom in boxes)


def pdfplumber_document(data: bytes, source: str) -> Document:
    """pdfplumber's tables (default settings) and the text lines outside them, as our Document."""
    import pdfplumber

    placed: list[tuple[int, float, float, Line | Table]] = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            tables = page.find_tables()
            for t in tables:
                rows = []
                for cells, found in zip(t.extract(), t.rows, strict=True):
                    rows.append([Cell(text, Ref(page=number, bbox=_box(page, box)))
                                 for text, box in zip(cells, found.cells, strict=True) if text is not None])
                placed.append((number, t.bbox[1], t.bbox[0], Table(rows, Ref(page=number, bbox=_box(page, t.bbox)))))
            boxes = [t.bbox for t in tables]
            prose = page.filter(lambda obj: obj.get("object_type") != "char" or not _inside(obj, boxes))
            for ln in prose.extract_text_lines(return_chars=False):
                box = (ln["x0"], ln["top"], ln["x1"], ln["bottom"])
                placed.append((number, ln["top"], ln["x0"], Line(ln["text"], Ref(page=number, bbox=_box(page, box)))))
            page.close()  # drop the page's cached layout objects, as pdfplumber advises for long files
    placed.sort(key=lambda p: p[:3])
    return Document(source, "application/pdf", None, [b for *_, b in placed])


BUILDERS = {"ours": ours_document, "pdfplumber": pdfplumber_document}


def run_file(path_name: str, data: bytes, source: str) -> tuple[dict | None, str | None]:
    """One file through one path: (report JSON, None) or (None, why nothing was extracted)."""
    try:
        doc = without_page_numbers(BUILDERS[path_name](data, source))
    except IngestError as e:
        return None, f"{e.stage}: {e.reason}"
    except Exception as e:  # noqa: BLE001  pdfplumber raising on a file: its tables cannot be had
        return None, f"document: {type(e).__name__}: {e}"
    try:
        return to_json(extract(doc, source), []), None
    except IngestError as e:
        return None, f"{e.stage}: {e.reason}"
    except Exception as e:  # noqa: BLE001  recorded, not fatal: the other files still count
        return None, f"extract: {type(e).__name__}: {e}"


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


class Worker:
    """One path in a process of its own: modules imported and file bytes read at start, then one
    timed run over all files per `run()`; its max RSS is its own, not the other path's."""

    def __init__(self, path_name: str, files: list[Path]):
        self.path_name = path_name
        self.stderr = tempfile.TemporaryFile()
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", path_name, "--files", *map(str, files)]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr,
                                     text=True, cwd=ROOT)
        self.ready = self._read()

    def _read(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait()
            self.stderr.seek(0)
            raise SystemExit(f"{self.path_name} worker failed:\n{self.stderr.read().decode(errors='replace')}")
        return json.loads(line)

    def run(self) -> dict:
        self.proc.stdin.write("run\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> dict:
        self.proc.stdin.close()  # end of input: the worker reports its max RSS and exits
        final = self._read()
        self.proc.wait()
        self.stderr.close()
        return final


def child(path_name: str, files: list[Path]) -> None:
    """The worker side: one JSON line when ready, one per "run" line on stdin, one at end of input."""
    if path_name == "pdfplumber":
        import pdfplumber  # noqa: F401  (imported before the baseline, as ours' modules are)
    else:
        import pipelines.formats.pdf  # noqa: F401
    datas = [(p.name, p.read_bytes()) for p in files]
    gc.collect()

    def say(obj: dict) -> None:
        print(json.dumps(obj, ensure_ascii=False), flush=True)

    say({"rss_before_mb": max_rss_mb()})
    first = True
    for _ in sys.stdin:
        total, per_file, results = 0.0, [], []
        for name, data in datas:
            gc.collect()
            start = time.perf_counter()
            report, error = run_file(path_name, data, name)
            seconds = time.perf_counter() - start
            total += seconds
            per_file.append(seconds)
            if first:  # the results of every run are the same; scored once
                results.append({"name": name, "error": error, "cells": cells_of(report) if report else {}})
            del report
        say({"seconds": total, "per_file": per_file, **({"files": results} if first else {})})
        first = False
    say({"rss_peak_mb": max_rss_mb()})


def run_paths(files: list[Path], repeat: int) -> dict[str, dict]:
    """Both paths, one worker process each, their runs interleaved (ours, pdfplumber; then the other
    way round) so that a change in machine load hits both alike."""
    workers = {name: Worker(name, files) for name in PATHS}
    out = {name: {"path": name, "runs": [], "rss_before_mb": w.ready["rss_before_mb"]} for name, w in workers.items()}
    try:
        for k in range(repeat):
            for name in (PATHS if k % 2 == 0 else PATHS[::-1]):
                result = workers[name].run()
                if "files" in result:
                    out[name]["files"] = result.pop("files")
                out[name]["runs"].append(result)
        for name, w in workers.items():
            out[name].update(w.close())
    except BaseException:
        for w in workers.values():
            w.proc.kill()  # our own workers, by handle
            w.proc.wait()
        raise
    return out


# --- scoring ---------------------------------------------------------------------------------------


@dataclass
class Score:
    gold: int = 0
    emitted: int = 0
    correct: int = 0
    exact: int = 0
    files: int = 0
    wrong: list[str] = field(default_factory=list)  # "key: got X, gold Y" (missing: got None)

    def add(self, other: Score) -> None:
        self.gold += other.gold
        self.emitted += other.emitted
        self.correct += other.correct
        self.exact += other.exact
        self.files += other.files

    @property
    def precision(self) -> float:
        return self.correct / self.emitted if self.emitted else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.gold if self.gold else 0.0


def score(got: dict[str, str], gold: dict[str, str]) -> Score:
    correct = sum(got.get(k) == v for k, v in gold.items())
    s = Score(len(gold), len(got), correct, files=1)
    s.exact = int(correct == len(gold) == len(got))
    s.wrong = [f"{k}: got {got.get(k)}, gold {v}" for k, v in gold.items() if got.get(k) != v]
    s.wrong += [f"{k}: got {got[k]}, not in gold" for k in got if k not in gold]
    return s


@dataclass
class PathResult:
    path: str
    files: int
    pages: int
    best_seconds: float
    peak_mb: float
    rss_peak_mb: float
    total: Score
    per_file: dict[str, Score]
    errors: dict[str, str]
    run_seconds: list[float] = field(default_factory=list)

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.best_seconds if self.best_seconds else 0.0


def compare(files: list[Path], repeat: int = 3) -> tuple[list[PathResult], dict]:
    """Both paths over the files, each in its own subprocess; (results, details for the JSON)."""
    pages = {p.name: count_pages(p.read_bytes()) for p in files}
    golds = {p.name: cells_of(gold_of(p)) for p in files}
    results, details = [], {"repeat": repeat, "files": [{"name": p.name, "pages": pages[p.name],
                                                         "gold_cells": len(golds[p.name])} for p in files],
                            "paths": {}}
    for name, raw in run_paths(files, repeat).items():
        total, per_file, errors = Score(), {}, {}
        for f in raw["files"]:
            s = score(f["cells"], golds[f["name"]])
            per_file[f["name"]] = s
            total.add(s)
            if f["error"]:
                errors[f["name"]] = f["error"]
        results.append(PathResult(name, len(files), sum(pages.values()), min(r["seconds"] for r in raw["runs"]),
                                  raw["rss_peak_mb"] - raw["rss_before_mb"], raw["rss_peak_mb"], total,
                                  per_file, errors, [r["seconds"] for r in raw["runs"]]))
        details["paths"][name] = {**raw, "scores": {n: {"gold": s.gold, "emitted": s.emitted, "correct": s.correct,
                                                        "exact": bool(s.exact), "wrong": s.wrong}
                                                    for n, s in per_file.items()}}
    return results, details


# --- report ----------------------------------------------------------------------------------------


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def table(results: list[PathResult]) -> str:
    lines = ["| path | files | pages | pages/s | peak MB | cells correct/gold | precision | recall | reports exact |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        t = r.total
        lines.append(f"| {LABELS[r.path]} | {r.files} | {r.pages} | {r.pages_per_second:,.1f} | {r.peak_mb:,.1f} | "
                     f"{t.correct}/{t.gold} | {t.precision:.3f} | {t.recall:.3f} | {t.exact}/{t.files} |")
    return "\n".join(lines)


def per_file_table(results: list[PathResult], details: dict) -> str:
    head = "| file | pages | gold cells | " + " | ".join(f"{r.path} correct/emitted" for r in results) + " | notes |"
    lines = [head, "|---|---:|---:|" + "---:|" * len(results) + "---|"]
    for f in details["files"]:
        notes = [f"{r.path}: {r.errors[f['name']]}" for r in results if f["name"] in r.errors]
        cols = " | ".join(f"{r.per_file[f['name']].correct}/{r.per_file[f['name']].emitted}" for r in results)
        lines.append(f"| {f['name']} | {f['pages']} | {f['gold_cells']} | {cols} | {'; '.join(notes)} |")
    return "\n".join(lines)


def report(results: list[PathResult], details: dict) -> str:
    repeat = details["repeat"]
    rss = ", ".join(f"{r.path} {r.rss_peak_mb:,.0f} MB" for r in results)
    runs = "; ".join(f"{r.path} " + ", ".join(f"{t:.2f}" for t in r.run_seconds) for r in results)
    return "\n".join([
        "# PDF path vs pdfplumber",
        "",
        f"- machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}",
        f"- packages: pdfminer.six {_version('pdfminer.six')}, pdfplumber {_version('pdfplumber')}",
        f"- pages/s: pages over the best of {repeat} run(s) (bytes in memory → extracted report; "
        f"one worker process per path, runs taken in turns; seconds per run: {runs})",
        "- peak MB: growth of max RSS (ru_maxrss) in that path's fresh worker from before its first "
        f"run to after its last, imports excluded (absolute max RSS: {rss})",
        "- cells: every applications, review_litigation and proactive cell of the gold JSON; "
        "precision = correct / emitted, recall = correct / gold; exact = every gold cell right and "
        "nothing else emitted; a failed file emits nothing",
        "- both paths end in the same extractor (pipelines.extract); decorated page-number lines "
        "(\"- 3 -\", \"第3页\") are dropped from both documents by the pipeline's page-mark rule (values.is_page_mark)",
        "",
        table(results),
        "",
        "Per file:",
        "",
        per_file_table(results, details),
        "",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per path; the best counts")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--files", type=Path, nargs="+", help="PDFs with gold/<stem>.json beside them")
    parser.add_argument("--child", choices=PATHS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    files = [p.resolve() for p in args.files] if args.files else default_files()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.child:
        child(args.child, files)
        return 0
    try:
        import pdfplumber  # noqa: F401
    except ImportError:
        raise SystemExit("pdfplumber is not installed (a benchmark-only dependency): "
                         ".venv/bin/pip install pdfplumber") from None
    results, details = compare(files, args.repeat)
    text = report(results, details)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "pdf_compare.md").write_text(text, encoding="utf-8")
    (args.out / "pdf_compare.json").write_text(json.dumps(details, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
