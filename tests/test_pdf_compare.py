"""Smoke test of the PDF comparison benchmark: one real report, one run per path."""

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import FIXTURES, gold_of

pytest.importorskip("pdfplumber")  # a benchmark-only dependency, not in pyproject.toml

ROOT = Path(__file__).resolve().parents[1]


def gold_cells(gold: dict) -> dict[str, Decimal]:
    cells = {f"applications.{row}.{col}": Decimal(str(v))
             for row, cols in gold["applications"].items() for col, v in cols.items()}
    cells.update({f"review_litigation.{p}.{r}": Decimal(str(v))
                  for p, results in gold["review_litigation"].items() for r, v in results.items()})
    cells.update({f"proactive.{p['item']}.{p['metric']}": Decimal(str(p["value"])) for p in gold["proactive"]})
    return cells


def test_compare_p001(tmp_path):
    p001 = FIXTURES / "public" / "p001.pdf"
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "pdf_compare.py"), "--repeat", "1",
                           "--out", str(tmp_path), "--files", str(p001)],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr

    markdown = (tmp_path / "pdf_compare.md").read_text(encoding="utf-8")
    assert markdown == done.stdout.rstrip("\n") + "\n"
    rows = [line for line in markdown.splitlines() if line.startswith("| ours") or line.startswith("| pdfplumber")]
    assert len(rows) == 2 and rows[0].startswith("| ours") and rows[1].startswith("| pdfplumber")
    assert "pdfplumber 0." in markdown and "pdfminer.six 20" in markdown

    details = json.loads((tmp_path / "pdf_compare.json").read_text(encoding="utf-8"))
    want = gold_cells(gold_of(p001))
    assert len(want) == 186
    [ours] = details["paths"]["ours"]["files"]
    assert ours["name"] == "p001.pdf" and ours["error"] is None
    got = {k: Decimal(v) for k, v in ours["cells"].items()}
    assert got == want  # every gold cell right, nothing else emitted
    assert rows[0].split("|")[6].strip() == f"{len(want)}/{len(want)}"
    assert len(details["paths"]["pdfplumber"]["runs"]) == 1
