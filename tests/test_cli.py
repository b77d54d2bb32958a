"""`xxgk extract`: the JSON analysts inspect and accuracy is measured with."""

import json
import subprocess
import sys

from pipelines.cli import main

from conftest import SEEDS, gold_of

KEYS = ("source", "agency", "year", "template", "published", "applications", "review_litigation")


def test_extract_prints_gold_with_rule_failures(seed, capsys):
    assert main(["extract", str(seed)]) == 0
    got, gold = json.loads(capsys.readouterr().out), gold_of(seed)
    for key in KEYS:
        assert got[key] == gold[key], key
    order = lambda rows: sorted(rows, key=lambda p: (p["item"], p["metric"]))  # noqa: E731
    assert order(got["proactive"]) == order(gold["proactive"])
    assert got["rule_failures"] == gold["expected_rule_failures"]


def test_failure_is_one_line_naming_file_stage_reason(tmp_path):
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    run = subprocess.run([sys.executable, "-m", "pipelines.cli", "extract", str(bad)],
                         capture_output=True, text=True)
    assert run.returncode != 0 and run.stdout == ""
    assert run.stderr.strip().count("\n") == 0
    assert "empty.txt" in run.stderr and "decode" in run.stderr


def test_rule_catalogue_lists_every_rule():
    from pipelines.template import RULES
    out = subprocess.run([sys.executable, "-m", "pipelines.cli", "rules"], capture_output=True, text=True).stdout
    assert all(f"`{r.id}`" in out for r in RULES)
