"""Smoke test of the benchmark harness: a tiny run reports every stage, and the generated copies
extract to their seed's gold values times the copy's factor."""

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from pipelines.ingest import process
from pipelines.report_json import to_json

from conftest import FIXTURES, gold_of

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import corpus  # noqa: E402

STAGES = ("extract_stream workers=1", "extract_stream workers=2", "decode", "segment", "| extract |",
          "import great_expectations", "validate: build_checks", "validate: run_suites", "load", "quiet night", "publish")


def times(cells: dict, k: int) -> dict:
    return {row: {col: v * k for col, v in values.items()} for row, values in cells.items()}


def proactive(values: list[dict], k: int = 1) -> list[tuple]:
    return sorted((p["item"], p["metric"], Decimal(str(p["value"])) * k) for p in values)


def test_tiny_benchmark_run(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--reports", "10",
                           "--out", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    for stage in STAGES:
        assert stage in done.stdout, stage
    assert (tmp_path / "results.md").read_text(encoding="utf-8") == done.stdout.rstrip("\n") + "\n"

    entries = corpus.build(tmp_path / "corpus", 10)  # reused: same settings
    unperturbed = [e for e in entries if e.perturbed is None]
    assert {e.factor == 1 for e in unperturbed} == {True, False}  # originals and scaled copies
    for e in unperturbed:
        gold, k = gold_of(FIXTURES / "seeds" / e.seed), e.factor
        got = to_json(process((tmp_path / "corpus" / e.name).read_bytes(), e.name), [])
        assert got["applications"] == times(gold["applications"], k), e
        assert got["review_litigation"] == times(gold["review_litigation"], k), e
        assert proactive(got["proactive"]) == proactive(gold["proactive"], k), e
        assert got["year"] == gold["year"] + e.year_shift, e
        assert got["agency"] == (e.agency or gold["agency"]), e


def test_tiny_extract_speed_run(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "extract_speed.py"), "--reports", "8",
                           "--warm-up", "1", "--out", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    rows = [line.split("|")[1:-1] for line in done.stdout.splitlines()[2:]]
    assert [(fmt.strip(), int(n)) for fmt, n, *_ in rows] == [("txt", 3), ("html", 3)]
