"""The README's example queries print what the README shows, on the bundled sample."""

import re
from pathlib import Path

import pytest

from pipelines.cli import main

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
EXAMPLES = re.findall(r'```sh\n\.venv/bin/xxgk sql "([^\n]+)"\n```\n\n```text\n(.+?)```', README, re.S)


def test_readme_has_examples():
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize("query,shown", EXAMPLES, ids=range(len(EXAMPLES)))
def test_example_prints_what_readme_shows(sample_warehouse, capsys, query, shown):
    assert main(["sql", "--db", str(sample_warehouse), query]) == 0
    assert capsys.readouterr().out.strip() == shown.strip()
