"""Extraction: the template's tables from a segmented Document into long-form Polars frames.

One extractor serves every format. Each section's table cells are read in document order as a
stream: a cell whose label matches a template row starts that row, the value cells after it fill
the row's columns. Rows are found by label, never by position; a row label that matches nothing
of the template stops extraction with an error rather than shifting values into a wrong row.
Blank or placeholder cells inside a filled section 三/四 table are 0 (how filers mean them, with
the raw text kept); a section 二 item the report leaves out is absent, never 0.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import polars as pl

from . import frames, narrative
from . import template as T
from .document import Document, Table
from .errors import IngestError
from .labels import Vocabulary, clean
from .segment import Segments, agency, published_date, report_year, scope, segment
from .values import CellValue, is_page_mark, parse

STAGE = "extract"
CENT = Decimal("0.01")

_ROWS = Vocabulary([(g.code, label) for g in T.OUTCOME_GROUPS for label in g.labels]
                   + [(c.code, label) for c in T.OUTCOMES for label in c.labels])
_COLUMNS = Vocabulary([(c.code, label) for c in T.APPLICANTS for label in c.labels]
                      + [("org_group", T.APPLICANT_GROUP_LABEL), ("header", T.APPLICANT_HEADER_LABEL)])
_ITEMS = Vocabulary([(c.code, label) for c in T.PROACTIVE_ITEMS for label in c.labels])
_METRICS = Vocabulary([(m.code, label) for m in T.PROACTIVE_METRICS for label in m.labels])
_GROUP_CODES = {g.code for g in T.OUTCOME_GROUPS}


@dataclass(frozen=True)
class Token:
    text: str
    ref: str
    value: CellValue


@dataclass
class Extracted:
    """One report's metadata and values, ready for validation and loading."""

    report_id: str
    source: str
    media_type: str
    encoding: str | None
    agency: str | None
    year: int | None
    template: str
    published: date | None
    scope: str
    applications: pl.DataFrame
    proactive: pl.DataFrame
    review_litigation: pl.DataFrame
    warnings: list[str] = field(default_factory=list)
    narrative: narrative.Narrative | None = None  # the prose's statements and the body it names


def extract(doc: Document, report_id: str) -> Extracted:
    seg = segment(doc)
    full_text = "\n".join(b.text for b in doc.blocks if hasattr(b, "text"))
    fail = _failer(doc.source)
    warnings = list(doc.warnings)
    template, applications = _applications(_tokens(seg, "applications", fail), report_id, fail, warnings)
    review = _review_litigation(_tokens(seg, "review_litigation", fail, required=False), report_id, fail)
    proactive = _proactive(_tokens(seg, "proactive", fail, required=False), report_id, fail, warnings)
    published = published_date(seg)
    name = agency(seg, full_text)
    return Extracted(report_id, doc.source, doc.media_type, doc.encoding, name, report_year(seg, published), template, published,
                     scope(full_text, name), applications, proactive, review, warnings,
                     narrative.read(doc, report_id, name))


def _failer(source: str):
    def fail(reason: str):
        raise IngestError(source, STAGE, reason)
    return fail


_TITLES = {"applications": "section 三 (收到和处理政府信息公开申请情况)",
           "review_litigation": "section 四 (行政复议、行政诉讼)", "proactive": "section 二 (主动公开)"}


def _tokens(seg: Segments, section: str, fail, required: bool = True) -> list[Token]:
    """The section's table cells in order, with the short lines between its tables (captions, or
    one-cell rows of a table whose layout was lost); without a heading, tables are found by content."""
    if section in seg.sections:
        blocks = seg.sections[section]
        at = [i for i, b in enumerate(blocks) if isinstance(b, Table)]
        if at:  # prose before the first and after the last table is not part of them
            blocks = blocks[at[0]:at[-1] + 1]
        blocks = [b for b in blocks if isinstance(b, Table) or _is_cell_like(b.text)]
    else:
        everything = seg.front + [b for blocks in seg.sections.values() for b in blocks]
        blocks = [b for b in everything if isinstance(b, Table)
                  and any(T.TABLE_SIGNATURES[section] in clean(c.text) for c in b.cells())]
    cells = [c for b in blocks for c in (b.cells() if isinstance(b, Table) else [b])]
    tokens = [Token(c.text, str(c.ref), parse(c.text)) for c in cells if not is_page_mark(c.text)]
    if required and not any(t.value.kind == "number" for t in tokens):
        if any(_ROWS.match(t.text) or _COLUMNS.match(t.text) for t in tokens if t.value.kind == "text"):
            fail(f"{_TITLES[section]}: blank template: the table is there but every data cell is empty "
                 "(no values); this is the template itself, not a report of zeros")
        fail(f"{_TITLES[section]}: no table with values found")
    return tokens


def _is_cell_like(text: str) -> bool:
    return "。" not in text and len(clean(text)) <= 120


def _fit(values: list[Token], n: int) -> list[Token]:
    """Drop blank filler cells (covered spans, indentation, row-end markers) beyond n values."""
    values = list(values)
    while len(values) > n and values[0].value.kind == "blank":
        values.pop(0)
    while len(values) > n and values[-1].value.kind == "blank":
        values.pop()
    return values


def _count(tok: Token, where: str, fail) -> int:
    """A count cell: an integer, or 0 for a blank/placeholder inside a filled table."""
    if tok.value.kind != "number":
        return 0
    if tok.value.number != tok.value.number.to_integral_value() or tok.value.unit_scale:
        fail(f"{where}: '{tok.text}' is not a whole count ({tok.ref})")
    return int(tok.value.number)


# --- section 三 -----------------------------------------------------------------------------------


def _match_row(text: str) -> str | None:
    """A row label, or a cell holding a group label and its row label run together with spaces."""
    parts = text.split()
    for start in range(len(parts)):
        code = _ROWS.match(" ".join(parts[start:]))
        if code:
            return code
    return None


_UNKNOWN = "?"


def _applications(tokens: list[Token], report_id: str, fail, warnings: list[str]) -> tuple[str, pl.DataFrame]:
    rows: dict[str, list[Token]] = {}
    current: str | None = None
    label: Token | None = None
    values: list[Token] = []

    def close():
        if current == _UNKNOWN:
            if any(v.value.kind != "blank" for v in values):
                fail(f"section 三: label '{label.text}' matches no row of the template ({label.ref})")
            warnings.append(f"section 三: label '{label.text}' without values ignored ({label.ref})")
            return  # e.g. half of a group label cut by a page break: nothing can shift
        if current is None or current in _GROUP_CODES or not values:
            return  # a group label, or a T2021 （六）其他处理 heading its sub-rows
        fitted = _fit(values, len(T.APPLICANT_CODES))
        if len(fitted) != len(T.APPLICANT_CODES):
            fail(f"section 三 row {current} has {len(fitted)} value cells, expected "
                 f"{len(T.APPLICANT_CODES)} ({values[0].ref})")
        if current in rows and [t.text for t in rows[current]] != [t.text for t in fitted]:
            fail(f"section 三 row {current} appears twice with different values ({values[0].ref})")
        rows[current] = fitted

    columns: set[str] = set()
    for tok in tokens:
        if tok.value.is_value:
            if current is not None:
                values.append(tok)
            continue
        if current == "carried_forward" and values:
            break  # the table's last row is complete; notes may follow
        in_header = current is None
        column = _COLUMNS.match(tok.text) if in_header else None
        columns.add(column)
        code = None if column else _match_row(tok.text)
        if code is None:
            if in_header or _COLUMNS.match(tok.text) or not clean(tok.text):
                continue  # column headers, also when repeated after a page break
            code = _UNKNOWN
        close()
        current, label, values = code, tok, []
    close()

    if unnamed := [c for c in T.APPLICANT_CODES if c not in columns]:
        warnings.append(f"section 三: header names no column {', '.join(unnamed)}; template order assumed")
    template = T.T2021 if any(code.startswith("other.") for code in rows) else T.T2019
    missing = [code for code in T.outcome_rows(template) if code not in rows]
    if missing:
        fail(f"section 三: rows not found: {', '.join(missing)}")
    records = [
        (report_id, code, col, _count(tok, f"section 三 {code}.{col}", fail), tok.text, tok.ref)
        for code in T.outcome_rows(template)
        for col, tok in zip(T.APPLICANT_CODES, rows[code])
    ]
    return template, pl.DataFrame(records, schema=frames.APPLICATION, orient="row")


# --- section 四 -----------------------------------------------------------------------------------


def _review_litigation(tokens: list[Token], report_id: str, fail) -> pl.DataFrame:
    """One data row of 15 cells, mapped by position (5 results × 3 proceedings) once the header's
    three proceedings are found: header labels truncate and repeat (template.md §7.3). A row
    printed all blank (some reports' way of writing no cases) is 15 zeros."""
    n = len(T.PROCEEDING_CODES) * len(T.RESULT_CODES)
    if not tokens:
        fail(f"{_TITLES['review_litigation']}: no table found")
    first = next((i for i, t in enumerate(tokens) if t.value.kind == "number"),
                 max((i for i, t in enumerate(tokens) if not t.value.is_value), default=-1) + 1)
    header = "".join(clean(t.text) for t in tokens[:first])
    at = [header.find(p.label_zh) for p in T.PROCEEDINGS]
    if min(at) < 0 or at != sorted(at):
        fail("section 四: header does not name 行政复议, 未经复议直接起诉 and 复议后起诉 in that order")
    start = max((i for i, t in enumerate(tokens[:first]) if not t.value.is_value), default=-1) + 1
    end = next((i for i in range(first, len(tokens)) if not tokens[i].value.is_value), len(tokens))
    values = _fit(tokens[start:end], n)
    if len(values) != n:
        fail(f"section 四: found {len(values)} value cells after the header, expected {n}")
    records = [
        (report_id, p, r, _count(tok, f"section 四 {p}.{r}", fail), tok.text, tok.ref)
        for (p, r), tok in zip(((p, r) for p in T.PROCEEDING_CODES for r in T.RESULT_CODES), values)
    ]
    return pl.DataFrame(records, schema=frames.REVIEW_LITIGATION, orient="row")


# --- section 二 -----------------------------------------------------------------------------------


def _resolve_metrics(labels: list[Token], fail) -> list[tuple[str, int | None]]:
    """Header labels → metric codes: exact or fuzzy first, then truncated labels in template order.
    Each metric comes with the money unit its header names (万元 → 10000), if any."""
    labels = _join_fragments(labels)
    codes: list[str | None] = [_METRICS.match(t.text) for t in labels]
    for i, t in enumerate(labels):
        if codes[i] is None:
            free = [c for c in _METRICS.prefixed(t.text) if c not in codes]
            if not free:
                fail(f"section 二: column header '{t.text}' matches no metric ({t.ref})")
            codes[i] = free[0]
    scales = [10000 if "万元" in clean(t.text) else 1 if "元" in clean(t.text) else None for t in labels]
    return list(zip(codes, scales))


def _split_labels(text: str, ref: str) -> list[Token]:
    return [Token(part, ref, parse(part)) for part in text.split()]


def _join_fragments(labels: list[Token]) -> list[Token]:
    """Rejoin a header label whose second line arrived as a cell of its own (本年新 | 制作数量)."""
    joined: list[Token] = []
    for t in labels:
        if joined and not _METRICS.match(t.text) and not _METRICS.prefixed(t.text) \
                and _METRICS.match(joined[-1].text + t.text):
            joined[-1] = Token(joined[-1].text + t.text, joined[-1].ref, joined[-1].value)
        else:
            joined.append(t)
    return joined


def _proactive(tokens: list[Token], report_id: str, fail, warnings: list[str]) -> pl.DataFrame:
    records: list[tuple] = []
    metrics: list[tuple[str, int | None]] = []
    header: list[Token] | None = None
    item: str | None = None
    values: list[Token] = []

    def close():
        if item is None:
            return
        fitted = _fit(values, len(metrics))
        if len(fitted) != len(metrics):
            fail(f"section 二 item {item} has {len(fitted)} value cells, expected {len(metrics)} "
                 f"({values[0].ref if values else 'no values'})")
        for (metric, scale), tok in zip(metrics, fitted):
            value = _proactive_value(item, metric, scale, tok, fail, warnings)
            if value is not None:
                records.append((report_id, item, metric, value, tok.text, tok.ref))

    for tok in tokens:
        if tok.value.is_value:
            if item is not None:
                values.append(tok)
            continue
        k = clean(tok.text)
        code = _ITEMS.match(tok.text)
        if code is None and (k.startswith(T.PROACTIVE_CAPTION) or T.PROACTIVE_HEADER_LABEL in k):
            close()
            item, values, header = None, [], None
            if T.PROACTIVE_HEADER_LABEL in tok.text:  # labels may follow on the same line
                header = _split_labels(tok.text.split(T.PROACTIVE_HEADER_LABEL, 1)[1], tok.ref)
        elif code is None and header is not None:
            header += [tok] if _METRICS.match(tok.text) else _split_labels(tok.text, tok.ref)
        elif code is not None:
            close()
            if header:
                metrics, header = _resolve_metrics(header, fail), None
            if not metrics:
                fail(f"section 二: item '{tok.text}' has no column header ({tok.ref})")
            item, values = code, []
        elif item is not None:
            if len(_fit(values, len(metrics))) < len(metrics):
                fail(f"section 二: label '{tok.text}' matches no item of the template ({tok.ref})")
            close()
            item, values = None, []  # a note after a complete row ends the table
    close()
    return pl.DataFrame(records, schema=frames.PROACTIVE, orient="row")


def _proactive_value(item, metric, header_scale, tok: Token, fail, warnings) -> Decimal | None:
    where = f"section 二 {item}.{metric}"
    if tok.value.kind != "number":
        warnings.append(f"{where}: '{tok.text}' is not a value; left absent ({tok.ref})")
        return None
    number = tok.value.number
    if T.METRIC_BY_CODE[metric].is_amount:
        scale = tok.value.unit_scale or header_scale
        if scale is None:
            scale = 1
            if number:
                warnings.append(f"{where}: amount '{tok.text}' names no unit; taken as 元 ({tok.ref})")
        return (number * scale).quantize(CENT)
    return Decimal(_count(tok, where, fail))
