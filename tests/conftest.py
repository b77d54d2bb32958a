import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
SEEDS = sorted((FIXTURES / "seeds").glob("*.txt"))
PUBLIC = sorted((FIXTURES / "public").glob("*.pdf"))
DAMAGED = sorted((FIXTURES / "damaged").glob("*.txt"))
SAMPLE = Path(__file__).parents[1] / "data" / "raw" / "sample"
SAMPLE_FILES = [*SEEDS, *PUBLIC, *DAMAGED]  # the bundled sample corpus: every file has its gold


def gold_of(path: Path) -> dict:
    return json.loads((path.parent / "gold" / f"{path.stem}.json").read_text(encoding="utf-8"))


@pytest.fixture(params=SEEDS, ids=lambda p: p.stem[:3])
def seed(request) -> Path:
    return request.param


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory) -> Path:
    """A warehouse built from the bundled sample corpus by the plain-Python stages (no Dagster)."""
    from pipelines import batch, fetch

    tmp = tmp_path_factory.mktemp("warehouse")
    batch.run(tmp / "xxgk.duckdb", fetch.fetch_all([str(SAMPLE)], tmp / "raw").files, tmp / "staging", "test-run")
    return tmp / "xxgk.duckdb"
