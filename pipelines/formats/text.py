"""Plain-text adapter: tab- or pipe-delimited table layouts of converted reports into a Document.

Layouts handled by general rules: one row per line (tabs, or columns aligned with runs of spaces,
or a label followed by its numbers), one cell per line (tab-indented, rows separated by blank
lines), pipe-terminated cells with `|||` filler, markdown (pipe tables whose empty cells are blank
cells, `|---|` rules, `#` headings, `**` emphasis), labels wrapped onto a following undelimited
line, and tables interrupted by blank lines or page breaks.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..document import Cell, Document, Line, Ref, Table
from ..labels import clean
from ..segment import heading
from ..values import parse

_CONTINUATION_MAX = 80
_WIDE_GAP = re.compile(r"(?<=\S)(?: {2,}|\u3000+)(?=\S)")
_NUM = r"[-+]?\d[\d,.]*(?:万元|万|元)?"
_LABEL_THEN_NUMBERS = re.compile(rf"^(.*?[^\d\s,.+-])\s+((?:{_NUM}\s+)*{_NUM})$")
_NUMBERS = re.compile(rf"^(?:{_NUM}\s+)+{_NUM}$")
_MD_RULE = re.compile(r"^:?-{3,}:?$")
# Applied to the whole text, line by line (whitespace here never runs past a newline); only to
# text with its marks (the regex tries every position: slow on a text without any).
_MD_MARKUP = re.compile(r"^#{1,6}[^\S\n]+|^>[^\S\n]*|\*\*|__", re.M)
_MD_MARKS = ("#", ">", "**", "__")


@lru_cache(maxsize=1 << 16)  # table lines recur in every report
def _cells(raw: str) -> tuple[str, ...] | None:
    """The cells of a table line, or None for a line of prose."""
    if "\t" in raw:
        parts = [p.strip() for p in raw.split("\t")]
        while parts and not parts[0]:  # leading tabs are indentation or covered cells
            parts.pop(0)
        return tuple(parts)
    line = raw.strip()
    if len(line) > 2 and line[0] == "|" and line[-1] == "|":  # a markdown row: empty cells are blank
        cells = [p.strip() for p in line[1:-1].split("|")]
        return () if all(not c or _MD_RULE.match(c) for c in cells) else tuple(cells)
    if "|" in raw:
        return tuple(p.strip() for p in raw.split("|") if p.strip())  # runs of pipes are filler
    if _WIDE_GAP.search(line):  # columns aligned with spaces, unless it is prose with wide spaces
        cells = _WIDE_GAP.split(line)
        return None if any("。" in c or len(c) > _CONTINUATION_MAX for c in cells) else tuple(cells)
    if _NUMBERS.match(line):
        return tuple(line.split())
    m = _LABEL_THEN_NUMBERS.match(line)
    if m and "。" not in m.group(1) and len(m.group(1)) <= 50:
        return (m.group(1), *m.group(2).split())
    return None


def read_text(text: str, source: str, encoding: str | None, media_type: str = "text/plain") -> Document:
    doc = Document(source, media_type, encoding)
    table: Table | None = None
    if any(mark in text for mark in _MD_MARKS):
        text = _MD_MARKUP.sub("", text)
    for number, raw in enumerate(text.split("\n"), start=1):
        cells = _cells(raw)
        if cells is not None:
            ref = _line_ref(number)
            if table is None:
                table = Table([], ref)
                doc.blocks.append(table)
            if cells:
                table.rows.append([Cell(t, ref) for t in cells])
        elif not raw.strip():
            continue  # blank lines separate rows or pages, not tables
        elif table is not None and _continues(table, raw):
            last = table.rows[-1][-1]
            table.rows[-1][-1] = Cell(last.text + raw.strip(), last.ref)
        else:
            table = None
            doc.blocks.append(Line(raw.strip(), _line_ref(number)))
    return doc


@lru_cache(maxsize=1 << 14)
def _line_ref(number: int) -> Ref:
    return Ref(line=number)  # immutable, so one per line number serves every document


def _continues(table: Table, raw: str) -> bool:
    """A short undelimited line inside a table continues the label above it (a wrapped cell)."""
    if not table.rows or heading(raw) or "。" in raw or len(clean(raw)) > _CONTINUATION_MAX:
        return False
    return parse(table.rows[-1][-1].text).kind == "text"
