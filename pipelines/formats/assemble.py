"""From raw lines and grids (HTML pages, Word files) to Document blocks, shared by both adapters.

Layout tables are unwrapped, runs of lines go through the text adapter's rules (a report whose
tables were written as paragraphs reads like a text report), and a table with none of the template's
labels that would sit inside sections 二/三/四 (a CMS metadata table, a footer) is moved before the
first section heading, where the extractor does not read it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from lxml import etree

from .. import template as T
from ..document import Cell, Document, Line, Ref, Table
from ..errors import IngestError
from ..labels import CJK, Vocabulary, clean
from ..segment import heading, section_starts
from ..values import parse
from .text import read_text

# The adapters walk element trees recursively; no real page or Word file nests this deep, and the
# walk stays far inside Python's recursion limit below it.
MAX_NESTING = 256


# An element MAX_NESTING + 1 deep (the root is 1 deep): one XPath step per level, evaluated by libxml2.
_TOO_DEEP = etree.XPath("boolean(" + "/".join(["*"] * MAX_NESTING) + ")")


def check_nesting(root, source: str, what: str) -> None:
    """Refuse a tree nested deeper than MAX_NESTING elements, measured without recursion."""
    if _TOO_DEEP(root):
        raise IngestError(source, "decode", f"{what}: elements nested more than {MAX_NESTING} deep; "
                                            "not a report page (no report nests its content so)")


def out_of_memory(error: etree.Error) -> bool:
    """libxml2 reports a failed allocation as a parse error; it is the memory limit, not the file's syntax."""
    return any(e.type == etree.ErrorTypes.ERR_NO_MEMORY for e in getattr(error, "error_log", ())) \
        or "Memory allocation failed" in str(error)


_CJK_CHAR = re.compile(rf"[{CJK}]")


def join_lines(lines: list[str]) -> str:
    """The lines of one cell as its text: no separator where both sides are CJK (labels wrap mid-word)."""
    out = ""
    for line in lines:
        if not line:
            continue
        if out and not (_CJK_CHAR.match(out[-1]) and _CJK_CHAR.match(line[0])):
            out += " "
        out += line
    return out


@dataclass
class TextItem:
    """A line of text outside tables (or inside an unwrapped one) with where it came from."""

    text: str
    node: str
    links_only: bool = False


@dataclass
class RawCell:
    items: list  # TextItem | RawTable, in order
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1

    @cached_property
    def text(self) -> str:  # read after docx.py has added every item
        return join_lines([i.text for i in self.items if isinstance(i, TextItem)])

    @property
    def tables(self) -> list["RawTable"]:
        return [i for i in self.items if isinstance(i, RawTable)]


@dataclass
class RawTable:
    """An expanded grid: anchor cells per row (covered slots are not repeated)."""

    number: int  # 1-based, in source order of all tables
    node: str
    rows: list[list[RawCell]]
    width: int
    caption: list = field(default_factory=list)  # TextItem | RawTable before the grid


_LAYOUT_CELL_CHARS = 300
_PROSE_SENTENCES = 3
_VOCABULARY = Vocabulary(
    [(c.code, label) for group in (T.OUTCOMES, T.OUTCOME_GROUPS, T.PROACTIVE_ITEMS, T.PROACTIVE_METRICS,
                                   T.PROCEEDINGS, T.RESULTS)
     for c in group for label in c.labels]
    + [("applicants", T.APPLICANT_GROUP_LABEL), ("header", T.APPLICANT_HEADER_LABEL), ("header", T.PROACTIVE_HEADER_LABEL),
       ("litigation", T.LITIGATION_GROUP_LABEL)]
    + [(c.code, label) for c in T.APPLICANTS if len(c.label_zh) > 2 for label in c.labels])
_CAPTION_WORDS = (T.PROACTIVE_CAPTION, T.BALANCE_NOTE)
_TABLE_SECTIONS = ("proactive", "applications", "review_litigation")


def _is_heading_row(row: list[RawCell], width: int) -> str | None:
    if len(row) == 1 and row[0].colspan >= width and not row[0].tables:
        return heading(row[0].text)
    return None


def _is_layout(table: RawTable) -> bool:
    """A table used for page layout, not a data grid."""
    cells = [c for row in table.rows for c in row]
    if len(cells) <= 1:
        return True  # a box around content
    for cell in cells:
        for item in cell.items:  # a table, or a line that is a section heading
            if isinstance(item, RawTable) or heading(item.text):
                return True
        text = cell.text
        if len(text) > _LAYOUT_CELL_CHARS or text.count("。") >= _PROSE_SENTENCES:
            return True
    return False


def _flatten(item, out: list):
    """Emit an item as TextItems and data RawTables, unwrapping layout tables."""
    if isinstance(item, TextItem):
        out.append(item)
        return
    for it in item.caption:
        _flatten(it, out)
    part: list[list[RawCell]] = []

    def close():
        if part:
            piece = RawTable(item.number, item.node, list(part), item.width)
            if _is_layout(piece):
                for row in piece.rows:
                    for cell in row:
                        for it in cell.items:
                            _flatten(it, out)
            else:
                out.append(piece)
            part.clear()

    for row in item.rows:
        if _is_heading_row(row, item.width):
            close()
            out.append(row[0].items[0] if len(row[0].items) == 1 else
                       TextItem(row[0].text, f"table {item.number} row {row[0].row + 1}"))
        else:
            part.append(row)
    close()


@lru_cache(maxsize=1 << 14)  # pages repeat the template's grids; a Cell is frozen, so documents may share it
def _cell(text: str, table: int, row: int, col: int, rowspan: int, colspan: int) -> Cell:
    return Cell(text, Ref(node=f"table {table} row {row + 1} col {col + 1}"), rowspan, colspan)


def _to_table(raw: RawTable) -> Table:
    number = raw.number
    rows = [[_cell(c.text, number, c.row, c.col, c.rowspan, c.colspan) for c in row] for row in raw.rows]
    return Table([r for r in rows if r], Ref(node=f"table {raw.number} {raw.node}".rstrip()))


def _retext(lines: list[TextItem]) -> list[Line | Table]:
    """A run of lines through the text adapter's rules (tables written as text), refs kept."""
    out: list[Line | Table] = []
    run: list[TextItem] = []

    def close():
        if not run:
            return
        refs = [Ref(node=i.node) for i in run]
        parsed = read_text("\n".join(i.text.replace("\n", " ") for i in run), "", None)
        for block in parsed.blocks:
            if isinstance(block, Line):
                out.append(Line(block.text, refs[block.ref.line - 1]))
            else:
                out.append(Table([[Cell(c.text, refs[c.ref.line - 1], c.rowspan, c.colspan) for c in row]
                                  for row in block.rows], refs[block.ref.line - 1]))
        run.clear()

    for item in lines:
        if heading(item.text):
            close()
            out.append(Line(item.text, Ref(node=item.node)))
        else:
            run.append(item)
    close()
    return out


def _is_report_table(table: Table) -> bool:
    """Does a table carry the template's labels or mostly numbers (a continuation of one)?"""
    cells = [c for c in table.cells() if clean(c.text)]
    if not cells:
        return False
    if any(w in clean(c.text) for c in cells for w in _CAPTION_WORDS):
        return True
    if sum(parse(c.text).kind == "number" for c in cells) * 2 >= len(cells):
        return True
    return len({code for c in cells if (code := _VOCABULARY.match(c.text))}) >= 2  # the dearest test last


def _relocate(blocks: list[Line | Table], warnings: list[str]) -> list[Line | Table]:
    """Tables with none of the template's labels (page metadata, footers) must not sit inside
    sections 二/三/四, where the extractor reads every table: move them before the first heading."""
    starts = section_starts(blocks)
    kept: list[Line | Table] = []
    moved: list[Table] = []
    current, first = None, None
    for i, block in enumerate(blocks):
        if i in starts:
            current = starts[i]
            first = len(kept) if first is None else first
        elif isinstance(block, Table) and current in _TABLE_SECTIONS and not _is_report_table(block):
            moved.append(block)
            warnings.append(f"{block.ref}: a table without the template's labels inside section "
                            f"{current} moved out of it (page metadata or chrome)")
            continue
        kept.append(block)
    if moved:
        kept[first:first] = moved
    return kept


def assemble(items: list, doc: Document, title: TextItem | None = None, drop=None) -> Document:
    """Raw lines and grids of a page or a Word file as the Document's blocks (see the module doc);
    `drop(line)` says which lines (after layout tables are unwrapped) are chrome."""
    flat: list = []
    for item in items:
        _flatten(item, flat)
    if drop is not None:
        flat = [i for i in flat if not (isinstance(i, TextItem) and drop(i))]
    blocks: list[Line | Table] = []
    run: list[TextItem] = []
    for item in flat:
        if isinstance(item, TextItem):
            run.append(item)
            continue
        blocks += _retext(run)
        run = []
        blocks.append(_to_table(item))
    blocks += _retext(run)
    if title is not None:
        first = next((i for i, b in enumerate(blocks) if isinstance(b, Line) and heading(b.text)), len(blocks))
        if not any(isinstance(b, Line) and "报告" in b.text for b in blocks[:first]):
            blocks.insert(0, Line(title.text, Ref(node=title.node)))
    doc.blocks = _relocate(blocks, doc.warnings)
    return doc
