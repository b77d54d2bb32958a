"""Damaged variants of the gold-backed fixtures, with known answers, and their cell-level score.

    from damage import CLASSES, damage, extract, score, sources, variants
    v = damage(sources()[0], "crawler", seed=7)   # Variant(text, gold, klass, source, seed, applied)
    s = score(v, extract(v))                        # per-cell results against v.gold

Each source (seed texts, public PDFs, HTML/DOCX renderings of the seeds, generated PDFs that are
reports) is read by the project's own adapter into clean structured content (`source.py`), then
rendered as TEXT with the damage of one class (the damaged text is what the extractor gets):

- `crawler`       class 1: scraped page text, body flattened to one line, cells run together;
- `llm-markdown`  class 2: LLM/OCR markdown, renamed columns, mini-tables, invented headers;
- `pdf-markdown`  class 3: PDF-to-markdown/text, hard wraps, broken headers and labels, bare number
                  rows, page footers and annotations inside tables, missing or renumbered headings.

Which damages apply, where and how is drawn from a `random.Random` seeded by (source, class, seed):
a variant is deterministic, and every seed gives another one. Damage never changes a value; the
variant's gold is the source's, except where a damage changes what is printed (class 2's misspelt
agency: the gold agency is the printed, misspelt one). `applied` names the damages a variant got.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from random import Random

from pipelines.errors import IngestError
from pipelines.ingest import process
from pipelines.report_json import to_json

from conftest import FIXTURES, gold_of

from . import crawler, llm_markdown, pdf_markdown
from .score import Score, Tally, score
from .source import Source, clean_of, sources

CLASSES = {m.KLASS: m for m in (crawler, llm_markdown, pdf_markdown)}
REAL = "real"  # the class of a real damaged file (tests/fixtures/damaged)
REAL_FILES = sorted((FIXTURES / "damaged").glob("*.txt"))

__all__ = ["CLASSES", "REAL", "REAL_FILES", "Score", "Source", "Tally", "Variant", "damage", "extract", "real",
           "score", "sources", "variants"]


@dataclass
class Variant:
    text: str
    gold: dict
    klass: str
    source: str
    seed: int
    applied: list[str]

    @property
    def name(self) -> str:
        """The file name the extractor is given (sources are sniffed by content, not by name)."""
        return f"{self.source}.{self.klass}.{self.seed}.txt"


def damage(source: Source, klass: str, seed: int) -> Variant:
    rendered = CLASSES[klass].render(clean_of(source), Random(f"{source.name}|{klass}|{seed}"))
    return Variant(rendered.text, {**source.gold, **rendered.gold}, klass, source.name, seed, rendered.applied)


def variants(klass: str, n: int, start: int = 0):
    """n variants of one class: the sources in turn, the seed counting up each round."""
    pool = sources()
    for i in range(start, start + n):
        yield damage(pool[i % len(pool)], klass, i // len(pool))


def real(path: Path) -> Variant:
    """A real damaged file (tests/fixtures/damaged) with its gold, as a variant of class `real`."""
    return Variant(path.read_text(encoding="utf-8"), gold_of(path), REAL, path.name, 0, [])


def extract(variant: Variant, refusals: list[IngestError] | None = None) -> dict | None:
    """The report JSON the extractor makes of the variant's text, or None when it refuses the report
    whole (IngestError, appended to `refusals` if given). Any other exception propagates: a bug."""
    try:
        report = process(variant.text.encode("utf-8"), variant.name)
    except IngestError as error:
        if refusals is not None:
            refusals.append(error)
        return None
    return to_json(report, [])


