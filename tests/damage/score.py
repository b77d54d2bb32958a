"""Scoring an extracted report against its variant's gold, cell by cell.

Cells are every gold value: `applications.<row>.<col>`, `review_litigation.<proceeding>.<result>`,
`proactive.<item>.<metric>`, compared exactly (counts as ints, amounts as the "x.xx" strings of the
report JSON). An extracted cell that the gold does not have is an extra cell: it counts against
precision. A report lost whole (the extractor raised IngestError) extracts nothing.

Each extracted cell's method is the report's `"methods"` entry for its key ("read", "split",
"position", "annotated"); a report without `"methods"` (the extractor before issue 7) read every cell.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

METHODS = ("read", "split", "position", "annotated")
METADATA = ("agency", "year", "template")


def cells(report: dict) -> dict[str, object]:
    """Every value of a report JSON (gold or extracted) by cell key."""
    out = {f"applications.{row}.{col}": v
           for row, values in (report.get("applications") or {}).items() for col, v in values.items()}
    out.update({f"review_litigation.{p}.{r}": v
                for p, values in (report.get("review_litigation") or {}).items() for r, v in values.items()})
    out.update({f"proactive.{p['item']}.{p['metric']}": p["value"] for p in report.get("proactive") or []})
    return out


@dataclass(frozen=True)
class Cell:
    key: str
    gold: object  # None: an extra cell
    got: object  # None: not extracted
    method: str | None

    @property
    def correct(self) -> bool:
        return self.got is not None and type(self.got) is type(self.gold) and self.got == self.gold


@dataclass
class Score:
    klass: str
    source: str
    seed: int
    applied: list[str]
    cells: list[Cell]
    lost: bool
    metadata: dict[str, bool]

    @property
    def exact(self) -> bool:
        return not self.lost and all(c.correct for c in self.cells)


def score(variant, report: dict | None) -> Score:
    """Per-cell results of one variant: `report` is its report JSON, or None if it was lost whole."""
    gold = cells(variant.gold)
    got = cells(report) if report else {}
    methods = (report or {}).get("methods") or {}
    results = [Cell(k, gold.get(k), got.get(k), methods.get(k, "read") if k in got else None)
               for k in list(gold) + [k for k in got if k not in gold]]
    metadata = {k: report is not None and report.get(k) == variant.gold.get(k) for k in METADATA}
    return Score(variant.klass, variant.source, variant.seed, variant.applied, results, report is None, metadata)


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


class Tally:
    """Sums over scores: cells gold/extracted/correct overall and per method, reports lost and exact,
    metadata agreement (over the reports not lost)."""

    def __init__(self):
        self.n = Counter()
        self.methods = {m: Counter() for m in METHODS}

    def add(self, s: Score) -> None:
        n = self.n
        n["reports"] += 1
        n["lost"] += s.lost
        n["exact"] += s.exact
        for c in s.cells:
            n["gold"] += c.gold is not None
            if c.got is not None:
                n["extracted"] += 1
                n["correct"] += c.correct
                m = self.methods.setdefault(c.method, Counter())
                m["extracted"] += 1
                m["correct"] += c.correct
        for k in METADATA:
            n[f"{k}_agrees"] += s.metadata[k]

    def summary(self) -> dict:
        n = self.n
        kept = n["reports"] - n["lost"]
        return {
            "reports": n["reports"], "lost": n["lost"], "exact": n["exact"],
            "gold": n["gold"], "extracted": n["extracted"], "correct": n["correct"],
            "precision": _ratio(n["correct"], n["extracted"]), "recall": _ratio(n["correct"], n["gold"]),
            "read_precision": _ratio(self.methods["read"]["correct"], self.methods["read"]["extracted"]),
            "methods": {m: {"extracted": c["extracted"], "correct": c["correct"],
                            "precision": _ratio(c["correct"], c["extracted"])}
                        for m, c in self.methods.items()},
            "metadata": {k: _ratio(n[f"{k}_agrees"], kept) for k in METADATA},
        }
