import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
SEEDS = sorted((FIXTURES / "seeds").glob("*.txt"))


def gold_of(path: Path) -> dict:
    return json.loads((path.parent / "gold" / f"{path.stem}.json").read_text(encoding="utf-8"))


@pytest.fixture(params=SEEDS, ids=lambda p: p.stem[:3])
def seed(request) -> Path:
    return request.param
