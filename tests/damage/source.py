"""The gold-backed fixtures as clean structured content, which the damage classes render as text.

Each source is read by the project's own adapter (`pipelines.formats.to_document`) and cut into
prose lines, section headings and the template's tables as printed: section 二 sub-tables (caption,
header, item rows), section 三 (header, rows with the group labels printed before them) and
section 四 (header, one row of 15 values). A table's cells are read in document order and grouped
by one rule: a run of label cells followed by a run of value cells is a row (its last label) and
whatever labels precede it (captions, headers, group labels). Cell texts stay exactly as printed
(typos, units, placeholders, blank cells), so the values of a variant are the source's, and the
source's gold is the variant's gold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from pipelines import template as T
from pipelines.document import Line, Table
from pipelines.formats import to_document
from pipelines.labels import clean
from pipelines.segment import section_starts
from pipelines.values import parse

from conftest import FIXTURES, gold_of  # tests/ is on sys.path (pytest; the benchmark puts it there)

TABLE_SECTIONS = ("proactive", "applications", "review_litigation")
REVIEW_CELLS = len(T.PROCEEDING_CODES) * len(T.RESULT_CODES)


@dataclass(eq=False)
class Source:
    """A fixture file and its gold report JSON."""

    path: Path
    gold: dict

    @property
    def name(self) -> str:
        return self.path.name


@cache
def sources() -> tuple[Source, ...]:
    """Every fixture with gold that is a report: the seeds, the public PDFs, the HTML pages and Word
    files rendered from the seeds (gold: the seed's), the generated PDFs that are reports (not an
    expected error). The blank template t001.docx is not a report and is left out."""
    seeds = sorted((FIXTURES / "seeds").glob("*.txt"))
    seed_gold = {p.stem: gold_of(p) for p in seeds}
    found = [Source(p, seed_gold[p.stem]) for p in seeds]
    found += [Source(p, gold_of(p)) for p in sorted((FIXTURES / "public").glob("*.pdf"))]
    for kind in ("html", "docx"):
        for p in sorted((FIXTURES / kind).glob(f"*.{kind}")):
            stem = p.stem.removeprefix("noisy_")
            if stem in seed_gold:
                found.append(Source(p, seed_gold[stem]))
    for p in sorted((FIXTURES / "pdf").glob("*.pdf")):
        gold = gold_of(p)
        if "ingest_error" not in gold:
            found.append(Source(p, gold))
    return tuple(found)


# --- the clean structure ------------------------------------------------------------------------


@dataclass
class Row:
    label: str  # the row label as printed ("" for section 四's one data row)
    values: list[str]  # value cells as printed (numbers, units, placeholders, blanks)
    groups: list[str] = field(default_factory=list)  # group labels printed just before this row
    code: str | None = None  # the template code: section 三 row, section 二 item


@dataclass
class Grid:
    """One of the template's tables as printed."""

    section: str
    caption: str | None
    header: list[str]
    rows: list[Row]


@dataclass
class Heading:
    section: str
    text: str


@dataclass
class Prose:
    text: str


@dataclass
class Other:
    """A table that is not one of the template's (CMS metadata, a list of accounts)."""

    rows: list[list[str]]


Block = Heading | Prose | Grid | Other


@dataclass
class Clean:
    source: Source
    media_type: str
    blocks: list[Block]

    @property
    def template(self) -> str:
        return self.source.gold["template"]

    def grids(self, section: str | None = None) -> list[Grid]:
        return [b for b in self.blocks if isinstance(b, Grid) and section in (None, b.section)]


def is_value(text: str) -> bool:
    return parse(text).is_value


@cache
def clean_of(source: Source) -> Clean:
    """The source as clean structured content (cached: PDFs take a quarter of a second)."""
    doc = to_document(source.path.read_bytes(), source.name)
    starts = section_starts(doc.blocks)
    blocks: list[Block] = []
    section: str | None = None
    pending: list[str] = []  # the current section's template-table cells, in document order

    def flush():
        if pending:
            blocks.extend(_grids(section, pending, source.gold["template"]))
            pending.clear()

    for i, block in enumerate(doc.blocks):
        if i in starts:
            flush()
            section = starts[i]
            blocks.append(Heading(section, block.text.strip()))
        elif isinstance(block, Table):
            cells = [c.text for c in block.cells()]
            if section in TABLE_SECTIONS and any(T.TABLE_SIGNATURES[section] in clean(c) for c in cells):
                pending.extend(cells)
            else:
                blocks.append(Other([[c.text for c in row] for row in block.rows]))
        elif isinstance(block, Line) and block.text.strip():
            if pending and section in TABLE_SECTIONS and _is_caption(block.text):
                pending.append(block.text)
            else:
                flush()
                blocks.append(Prose(block.text.strip()))
    flush()
    return Clean(source, doc.media_type, blocks)


def _is_caption(text: str) -> bool:
    return clean(text).startswith(T.PROACTIVE_CAPTION)


def _runs(cells: list[str]) -> list[tuple[list[str], list[str]]]:
    """(labels, values) pairs: each run of label cells with the run of value cells after it (value
    cells before the first label, and blank cells between labels, are dropped)."""
    runs: list[tuple[list[str], list[str]]] = []
    for text in cells:
        if is_value(text):
            if runs:
                runs[-1][1].append(text)
        elif not runs or any(clean(v) for v in runs[-1][1]):
            runs.append(([text], []))
        else:  # blank cells between labels are covered spans or padding, not values
            runs[-1][0].append(text)
            runs[-1][1].clear()
    return runs


def _trim(values: list[str], n: int) -> list[str]:
    """Drop blank filler cells (covered spans, an empty last row) beyond n."""
    values = list(values)
    while len(values) > n and not clean(values[-1]):
        values.pop()
    while len(values) > n and not clean(values[0]):
        values.pop(0)
    return values


def _grids(section: str, cells: list[str], template: str) -> list[Grid]:
    if section == "review_litigation":
        header = [c for c in cells if not is_value(c)]
        values = _trim([c for c in cells if is_value(c)], REVIEW_CELLS)
        return [Grid(section, None, header, [Row("", values)])]
    if section == "applications":
        return [_applications(cells, template)]
    tables: list[list[str]] = []
    for text in cells:  # section 二: a caption, or a 信息内容 header without one, opens a sub-table
        k = clean(text)
        opens = k.startswith(T.PROACTIVE_CAPTION) or (T.PROACTIVE_HEADER_LABEL in k and tables and any(
            clean(c) and not _is_caption(c) for c in tables[-1]))
        if opens or not tables:
            tables.append([])
        tables[-1].append(text)
    return [_proactive(t) for t in tables]


def _applications(cells: list[str], template: str) -> Grid:
    runs = _runs(cells)
    codes = T.outcome_rows(template)
    header, rows = runs[0][0][:-1], []
    for labels, values in runs:
        groups = labels[:-1] if rows else []
        rows.append(Row(labels[-1], _trim(values, len(T.APPLICANT_CODES)), groups))
    if len(rows) != len(codes):
        raise ValueError(f"section 三: {len(rows)} rows, the {template} template has {len(codes)}")
    for row, code in zip(rows, codes):
        row.code = code
    return Grid("applications", None, header, rows)


def _proactive(cells: list[str]) -> Grid:
    caption = cells[0] if _is_caption(cells[0]) else None
    runs = _runs(cells[1:] if caption else cells)
    header = runs[0][0][:-1] if runs else []
    metrics = max(len(header) - 1, 1)
    rows = [Row(labels[-1], _trim(values, metrics), labels[:-1] if i else []) for i, (labels, values) in
            enumerate(runs)]
    return Grid("proactive", caption, header, rows)
