"""PDF adapter: a report's pages into the common Document, built on pdfminer.six layout objects.

What it does, page by page (design and measured values: docs/extraction-notes.md §1-§2):

- Parse with `PDFPageAggregator(laparams=None)`: characters, lines, rectangles, curves and images,
  with no text grouping (pdfminer's own line grouping merges neighbouring table cells). Containers
  (Form XObjects arrive as `LTFigure`) are walked recursively.
- Rules are only what is visibly inked: stroked paths in a non-white colour, and filled boxes
  whose thin side is at most `RULE_MAX_WIDTH` (WPS paints white boxes behind text and cells, and
  shades header cells; neither is a rule). The grid itself is built in `pdfgrid`.
- Each character is assigned to a cell by its centre. Inside a cell characters are grouped into
  lines along their own writing direction (text turned 90° reads along it) and lines are joined
  with no separator (CJK cells wrap mid-word; a label set vertically one character per line reads
  as one label). Fake-bold duplicates and text set at a slant (diagonal watermarks) are dropped.
  Characters inside a table's drawn frame that fall in no cell are counted and the table is
  flagged in `Document.warnings` (the characters are kept as prose, never silently lost).
- Tables with partial or no rules: a ruled cell whose text holds phrases far apart (a table
  missing its column rules) gives one cell per phrase; consecutive text lines with wide gaps and
  numbers become an unruled `Table` whose columns come from the text positions.
- Text outside tables becomes `Line`s (characters grouped by baseline, no spaces between CJK
  characters). Page numbers ("- 3 -", "— 5 —", "第3页") and running headers and footers are left
  out.
- Blocks are ordered page by page, top to bottom, so a heading precedes its table.
- A table continued on the next page (matching outer edges, one's column lines a subset of the
  other's, nothing but page furniture between them) becomes one `Table` on the union of column
  lines; repeated header rows are dropped and a row-spanning label cut by the break is rejoined.

Provenance: every cell and line carries `Ref(page=n, bbox=(x0, y0, x1, y1))` in PDF points with the
origin at the bottom left of the page (pdfminer's coordinates).

Unreadable PDFs raise `IngestError(source, "decode", reason)`: encrypted, not a readable PDF, no
text layer (a scan), fonts without a Unicode map ((cid:NN) glyphs), or a text layer that reads as
none of the template's words (a font whose Unicode map is wrong: plausible but wrong Chinese).
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from dataclasses import dataclass, field

from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import LTChar, LTContainer, LTCurve, LTImage, LTRect
from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFNoValidXRef, PDFPasswordIncorrect
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser

from .. import template as T
from ..document import Cell, Document, Line, Ref, Table
from ..errors import IngestError
from ..labels import CJK, ENUMERATOR, clean
from ..values import PAGE_NUMBER, is_page_mark, parse
from . import pdfgrid
from .pdfgrid import Grid, Seg

STAGE = "decode"
MEDIA_TYPE = "application/pdf"

RULE_MAX_WIDTH = 2.0  # a filled box this thin (pt) is a rule drawn as a rectangle
AXIS_SLOPE = 0.5  # a segment whose ends differ by at most this across its axis is axis-aligned
WHITE = 0.95  # a gray/RGB component at least this light (CMYK: at most 1 - WHITE) is no ink
LINE_OVERLAP = 0.5  # characters whose centres differ by less than this × their size share a line
DUPLICATE_DIST = 1.0  # the same character drawn again within this distance (pt) is fake bold
SKEW = 0.09  # a glyph rotated more than ~5° off the axes is set at a slant
WORD_GAP = 0.3  # a gap wider than this × size between two non-CJK characters is a space
SEGMENT_GAP = 2.0  # a gap wider than this × size splits a text line into separate phrases
MIN_TEXT_CHARS = 20  # fewer visible characters than this in the whole file: no text layer
SCAN_CHARS_PER_PAGE = 50  # images and fewer characters a page than this, none of them words: a scan
UNMAPPED_MAX_SHARE = 0.01  # more unmapped glyphs than this share: fonts without a Unicode map
STITCH_TOL = pdfgrid.TOL  # outer edges and column lines of a continued table match within this

# CJK Radicals Supplement code points some producers emit for ordinary characters; NFKC leaves
# these alone (it does map the Kangxi Radicals block). Equivalents per Unicode's
# EquivalentUnifiedIdeograph data, for the radicals that stand for whole characters in text.
_RADICALS = str.maketrans({
    0x2E81: 0x5382, 0x2E8C: 0x5C0F, 0x2E8E: 0x5140, 0x2E96: 0x5FC4, 0x2E98: 0x624C, 0x2E99: 0x6535,
    0x2E9D: 0x6708, 0x2E9F: 0x6BCD, 0x2EA0: 0x6C11, 0x2EA1: 0x6C35, 0x2EA3: 0x706C, 0x2EA6: 0x4E2C,
    0x2EA8: 0x72AD, 0x2EA9: 0x738B, 0x2EAB: 0x76EE, 0x2EAC: 0x793A, 0x2EAD: 0x793B, 0x2EB2: 0x7F52,
    0x2EB6: 0x7F8A, 0x2EBE: 0x8279, 0x2EC1: 0x864E, 0x2EC2: 0x8864, 0x2EC4: 0x897F, 0x2EC5: 0x89C1,
    0x2EC6: 0x89D2, 0x2EC8: 0x8BA0, 0x2EC9: 0x8D1D, 0x2ECB: 0x8F66, 0x2ECC: 0x8FB6, 0x2ECD: 0x8FB6,
    0x2ECF: 0x961D, 0x2ED0: 0x9485, 0x2ED3: 0x957F, 0x2ED4: 0x95E8, 0x2ED6: 0x961D, 0x2ED7: 0x96E8,
    0x2ED8: 0x9752, 0x2ED9: 0x97E6, 0x2EDA: 0x9875, 0x2EDB: 0x98CE, 0x2EDC: 0x98DE, 0x2EDD: 0x98DF,
    0x2EE0: 0x9963, 0x2EE2: 0x9A6C, 0x2EE3: 0x9AA8, 0x2EE4: 0x9B3C, 0x2EE5: 0x9C7C, 0x2EE6: 0x9E1F,
    0x2EE7: 0x5364, 0x2EE8: 0x9EA6, 0x2EE9: 0x9EC4, 0x2EEA: 0x9EFE, 0x2EEC: 0x9F50, 0x2EEE: 0x9F7F,
    0x2EF0: 0x9F99, 0x2EF3: 0x9F9F,
})
_NOT_TEXT = {"Zs", "Zl", "Zp", "Cc", "Cf", "Cs"}  # private-use glyphs (Co) are kept: they are text
_CJK = re.compile(f"[{CJK}]")

# pdfminer logs at debug level on every operator; with an application's root logger at DEBUG that
# alone would slow parsing down many times over.
logging.getLogger("pdfminer").setLevel(logging.WARNING)


# --- characters ------------------------------------------------------------------------------------


@dataclass(slots=True)
class Glyph:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    size: float  # extent across the writing direction
    d: int  # writing direction: 0 →, 1 ↑, 2 ←, 3 ↓

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    def along(self) -> tuple[float, float]:
        """Extent along the writing direction, increasing in reading order."""
        return ((self.x0, self.x1), (self.y0, self.y1), (-self.x1, -self.x0), (-self.y1, -self.y0))[self.d]

    def across(self) -> float:
        """Position across the writing direction, increasing from one line to the next."""
        return (-self.cy, self.cx, self.cy, -self.cx)[self.d]


def _direction(matrix) -> int | None:
    """The writing direction of a glyph from its text matrix; None for text set at a slant (a
    diagonal watermark), which is no part of the report's text."""
    a, b = matrix[0], matrix[1]
    if abs(a) >= abs(b):
        return None if abs(b) > SKEW * abs(a) else 0 if a > 0 else 2
    return None if abs(a) > SKEW * abs(b) else 1 if b > 0 else 3


def _is_cjk(ch: str) -> bool:
    return bool(_CJK.match(ch))


def _join(glyphs: list[Glyph]) -> str:
    """Characters of one line in order: no separator, except a space between two non-CJK words."""
    out: list[str] = []
    prev: Glyph | None = None
    for g in glyphs:
        if prev is not None and out:
            gap = g.along()[0] - prev.along()[1]
            if gap > WORD_GAP * max(g.size, prev.size) and not _is_cjk(prev.text[-1]) \
                    and not _is_cjk(g.text[0]):
                out.append(" ")
        out.append(g.text)
        prev = g
    return "".join(out)


def _lines_of(glyphs: list[Glyph]) -> list[list[Glyph]]:
    """Characters grouped into lines in reading order, each line's characters in order. The
    writing direction is the majority's (rotated cells read along their own direction)."""
    if not glyphs:
        return []
    d = max(range(4), key=lambda k: sum(g.d == k for g in glyphs))
    if any(g.d != d for g in glyphs):
        glyphs = [Glyph(g.text, g.x0, g.y0, g.x1, g.y1, g.size, d) for g in glyphs]
    lines: list[list[Glyph]] = []
    mean = 0.0
    for g in sorted(glyphs, key=Glyph.across):
        pos = g.across()
        if lines and pos - mean <= LINE_OVERLAP * max(g.size, lines[-1][0].size):
            lines[-1].append(g)
            mean += (pos - mean) / len(lines[-1])
        else:
            lines.append([g])
            mean = pos
    return [sorted(line, key=lambda g: g.along()[0]) for line in lines]


def _phrases(line: list[Glyph]) -> list[list[Glyph]]:
    """A line split where the gap between two characters is wider than SEGMENT_GAP × their size."""
    phrases = [[line[0]]]
    for prev, g in zip(line, line[1:], strict=False):
        if g.along()[0] - prev.along()[1] > SEGMENT_GAP * max(g.size, prev.size):
            phrases.append([g])
        else:
            phrases[-1].append(g)
    return phrases


def _cell_texts(glyphs: list[Glyph]) -> list[str]:
    """A cell's text: its lines joined with no separator (a space only between two Latin words).
    A cell whose lines hold phrases far apart is a row of a table missing its column rules: each
    phrase is then a text of its own, in reading order."""
    lines = _lines_of(glyphs)
    split = [_phrases(line) for line in lines]
    if any(len(p) > 1 for p in split):
        return [_join(p) for phrases in split for p in phrases]
    return [_cell_text(lines)]


def _cell_text(lines: list[list[Glyph]]) -> str:
    text = ""
    for line in lines:
        part = _join(line)
        if text and part and text[-1].isascii() and text[-1].isalnum() and part[0].isascii() \
                and part[0].isalpha():
            text += " "
        text += part
    return text


def _bbox(glyphs: list[Glyph]) -> tuple[float, float, float, float]:
    return (min(g.x0 for g in glyphs), min(g.y0 for g in glyphs),
            max(g.x1 for g in glyphs), max(g.y1 for g in glyphs))


# --- one page's layout -----------------------------------------------------------------------------


@dataclass
class _PageStats:
    glyphs: int = 0
    unmapped: int = 0
    duplicates: int = 0
    slanted: int = 0
    images: int = 0


def _ink(color) -> bool:
    """Whether a colour leaves visible ink on white paper (patterns count as ink)."""
    if color is None:
        return True
    if isinstance(color, (int, float)):
        return color < WHITE
    if isinstance(color, tuple) and color and all(isinstance(v, (int, float)) for v in color):
        if len(color) == 4:
            return any(v > 1 - WHITE for v in color)
        return any(v < WHITE for v in color)
    return True


def _add_segment(p, q, hs: list[Seg], vs: list[Seg]) -> None:
    (x0, y0), (x1, y1) = p, q
    if abs(y1 - y0) <= AXIS_SLOPE and abs(x1 - x0) > AXIS_SLOPE:
        hs.append(Seg((y0 + y1) / 2, min(x0, x1), max(x0, x1)))
    elif abs(x1 - x0) <= AXIS_SLOPE and abs(y1 - y0) > AXIS_SLOPE:
        vs.append(Seg((x0 + x1) / 2, min(y0, y1), max(y0, y1)))


def _rules(obj: LTCurve, hs: list[Seg], vs: list[Seg]) -> None:
    """The table rules a painted path contributes: only visible ink."""
    stroked = bool(obj.stroke) and _ink(obj.stroking_color)
    filled = bool(obj.fill) and _ink(obj.non_stroking_color)
    if not (stroked or filled):
        return  # invisible: white boxes behind text and cells
    x0, y0, x1, y1 = obj.bbox
    w, h = x1 - x0, y1 - y0
    if min(w, h) <= RULE_MAX_WIDTH and max(w, h) > RULE_MAX_WIDTH and (isinstance(obj, LTRect) or not stroked):
        if w >= h:  # a rule drawn as a thin box
            hs.append(Seg((y0 + y1) / 2, x0, x1))
        else:
            vs.append(Seg((x0 + x1) / 2, y0, y1))
        return
    if not stroked:
        return  # a filled area (cell shading) is not a rule
    if isinstance(obj, LTRect):
        for p, q in (((x0, y0), (x1, y0)), ((x0, y1), (x1, y1)), ((x0, y0), (x0, y1)), ((x1, y0), (x1, y1))):
            _add_segment(p, q, hs, vs)
        return
    path = obj.original_path
    if not path:
        for p, q in zip(obj.pts, obj.pts[1:], strict=False):
            _add_segment(p, q, hs, vs)
        return
    start = cur = None
    for op in path:
        kind = op[0]
        if kind == "m":
            start = cur = op[1]
        elif kind == "l" and cur is not None:
            _add_segment(cur, op[1], hs, vs)
            cur = op[1]
        elif kind == "h" and cur is not None and start is not None:
            _add_segment(cur, start, hs, vs)
            cur = start
        elif len(op) > 1:
            cur = op[-1]  # a Bézier piece is not a rule


def _glyph(ch: LTChar, stats: _PageStats) -> Glyph | None:
    d = _direction(ch.matrix)
    if d is None:
        stats.slanted += 1
        return None
    text = ch.get_text()
    if text.startswith("(cid:"):
        stats.unmapped += 1
        text = "\ufffd"
    elif "\ufffd" in text:
        stats.unmapped += 1
    text = "".join(c for c in text.translate(_RADICALS) if unicodedata.category(c) not in _NOT_TEXT)
    if not text:
        return None  # spaces (also NBSP, U+3000), control and zero-width characters: gaps decide
    size = (ch.y1 - ch.y0) if d in (0, 2) else (ch.x1 - ch.x0)
    if size <= 0:
        size = ch.size or 1.0
    stats.glyphs += 1
    return Glyph(text, ch.x0, ch.y0, ch.x1, ch.y1, size, d)


def _layout_objects(ltpage, stats: _PageStats) -> tuple[list[Glyph], list[Seg], list[Seg]]:
    glyphs: list[Glyph] = []
    hs: list[Seg] = []
    vs: list[Seg] = []
    seen: dict[tuple[str, int, int], list[Glyph]] = {}
    stack = [ltpage]
    while stack:
        for obj in stack.pop():
            if isinstance(obj, LTChar):
                g = _glyph(obj, stats)
                if g is None:
                    continue
                kx, ky = int(g.x0), int(g.y0)
                if any(abs(o.x0 - g.x0) < DUPLICATE_DIST and abs(o.y0 - g.y0) < DUPLICATE_DIST
                       for dx in (-1, 0, 1) for dy in (-1, 0, 1)
                       for o in seen.get((g.text, kx + dx, ky + dy), ())):
                    stats.duplicates += 1  # fake bold: the same glyph drawn again, offset
                    stats.glyphs -= 1
                    continue
                seen.setdefault((g.text, kx, ky), []).append(g)
                glyphs.append(g)
            elif isinstance(obj, LTCurve):
                _rules(obj, hs, vs)
            elif isinstance(obj, LTImage):
                stats.images += 1
            elif isinstance(obj, LTContainer):
                stack.append(obj)
    return glyphs, hs, vs


def _without_page_marks(glyphs: list[Glyph]) -> list[Glyph]:
    """The page without its decorated page number ("- 3 -", "— 5 —", "第3页", "3/5") when that is
    its lowest or highest line, so that it never joins a cell of a table whose frame is open at
    the page's edge. (A bare number could be the last row's value: it is left to `_furniture`.)"""
    for edge in (min, max):
        upright = [g for g in glyphs if g.d == 0]
        if not upright:
            break
        y = edge(g.cy for g in upright)
        line = sorted((g for g in upright if abs(g.cy - y) <= LINE_OVERLAP * g.size), key=lambda g: g.x0)
        text = clean(_join(line))
        if is_page_mark(text):
            drop = {id(g) for g in line}
            glyphs = [g for g in glyphs if id(g) not in drop]
    return glyphs


# --- blocks of one page ----------------------------------------------------------------------------


@dataclass
class _Cell:
    row: int
    rowspan: int
    x0: float  # left and right column lines
    x1: float
    text: str
    page: int
    bbox: tuple[float, float, float, float]
    more: list[str] = field(default_factory=list)  # further phrases of a cell split at wide gaps


@dataclass
class _Fragment:
    """A ruled table, one page's part of it or several pages' parts stitched."""

    page: int
    xs: list[float]
    nrows: int
    cells: list[_Cell]
    bbox: tuple[float, float, float, float]
    top: float

    def left(self) -> float:
        return self.xs[0]

    def right(self) -> float:
        return self.xs[-1]


@dataclass
class _TextLine:
    page: int
    glyphs: list[Glyph]
    top: float
    bbox: tuple[float, float, float, float]
    phrases: list[list[Glyph]] = field(default_factory=list)  # split at wide gaps

    def text(self) -> str:
        return " ".join(_join(p) for p in self.phrases)


@dataclass
class _Unruled:
    page: int
    top: float
    rows: list[list[Cell]]
    bbox: tuple[float, float, float, float]


def _fragments(page: int, glyphs: list[Glyph], hs: list[Seg], vs: list[Seg],
               warnings: list[str]) -> tuple[list[_Fragment], list[Glyph]]:
    """Ruled tables on the page, and the characters outside them."""
    hs, vs = pdfgrid.snap_join(hs), pdfgrid.snap_join(vs)
    grids: list[Grid] = []
    for ch, cv in pdfgrid.components(hs, vs):
        grid = pdfgrid.build_grid(ch, cv)
        if grid is not None:
            grids.append(grid)
    if not grids:
        return [], glyphs
    grids.sort(key=lambda g: (g.bbox[2] - g.bbox[0]) * (g.bbox[3] - g.bbox[1]))  # innermost first
    members: list[dict[int, list[Glyph]]] = [{} for _ in grids]
    lost = [0] * len(grids)
    rest: list[Glyph] = []
    for g in glyphs:
        x, y = g.cx, g.cy
        for k, grid in enumerate(grids):
            cell = grid.locate(x, y)
            if cell is not None:
                members[k].setdefault(cell, []).append(g)
                break
        else:
            for k, grid in enumerate(grids):
                fx0, fy0, fx1, fy1 = grid.frame
                if fx0 <= x <= fx1 and fy0 <= y <= fy1:
                    lost[k] += 1
            rest.append(g)
    out = []
    for k, grid in enumerate(grids):
        if not members[k]:
            continue  # rules with nothing in them: decoration
        if lost[k]:
            warnings.append(f"page {page}: {lost[k]} characters inside a table's frame fall in no cell; "
                            f"the table's grid may be incomplete (bbox {_fmt(grid.bbox)})")
        if grid.irregular:
            warnings.append(f"page {page}: a table has {grid.irregular} merged regions that are not "
                            f"rectangles (a rule is missing; bbox {_fmt(grid.bbox)})")
        cells = []
        for i, c in enumerate(grid.cells):
            texts = _cell_texts(members[k].get(i, []))
            cells.append(_Cell(c.row, c.rowspan, grid.xs[c.col], grid.xs[c.col + c.colspan], texts[0], page,
                               c.bbox, texts[1:]))
        if any(c.more for c in cells):
            warnings.append(f"page {page}: cells of a table hold phrases far apart and were split at the gaps "
                            f"(column rules missing?; bbox {_fmt(grid.bbox)})")
        out.append(_Fragment(page, list(grid.xs), len(grid.ys) - 1, cells, grid.bbox, grid.ys[0]))
    return out, rest


def _fmt(bbox) -> str:
    return ",".join(f"{v:.0f}" for v in bbox)


def _text_lines(page: int, glyphs: list[Glyph]) -> list[_TextLine]:
    """Prose characters as lines, each split into phrases at wide gaps."""
    out = []
    for d in range(4):
        same = [g for g in glyphs if g.d == d]
        for line in _lines_of(same):
            box = _bbox(line)
            out.append(_TextLine(page, line, box[3], box, _phrases(line)))
    return out


def _unruled_tables(lines: list[_TextLine]) -> list[_TextLine | _Unruled]:
    """Runs of two lines or more that read as table rows (each split into phrases by wide gaps,
    numbers after the first phrase in one row at least) become a table whose columns are the
    phrase positions of its rows with numbers."""
    out: list[_TextLine | _Unruled] = []
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and len(lines[j].phrases) >= 2 and lines[j].glyphs[0].d == 0:
            j += 1
        run = lines[i:j]
        numeric = [ln for ln in run if any(parse(_join(p)).kind == "number" for p in ln.phrases[1:])]
        if len(run) >= 2 and numeric:
            out.append(_grid_from_text(run, numeric))
            i = j
        else:
            out.append(lines[i])
            i += 1
    return out


def _grid_from_text(run: list[_TextLine], numeric: list[_TextLine]) -> _Unruled:
    spans = sorted((_bbox(p)[0], _bbox(p)[2]) for ln in numeric for p in ln.phrases)
    columns: list[list[float]] = []
    for a, b in spans:
        if columns and a <= columns[-1][1]:
            columns[-1][1] = max(columns[-1][1], b)
        else:
            columns.append([a, b])
    rows: list[list[Cell]] = []
    for ln in run:
        texts: list[list[str]] = [[] for _ in columns]
        boxes: list[tuple | None] = [None] * len(columns)
        for p in ln.phrases:
            x0, y0, x1, y1 = _bbox(p)
            k = max(range(len(columns)), key=lambda c: min(x1, columns[c][1]) - max(x0, columns[c][0]))
            texts[k].append(_join(p))
            boxes[k] = (x0, y0, x1, y1) if boxes[k] is None else (
                min(boxes[k][0], x0), min(boxes[k][1], y0), max(boxes[k][2], x1), max(boxes[k][3], y1))
        rows.append([Cell(" ".join(t), Ref(page=ln.page, bbox=_rounded(
            boxes[k] or (columns[k][0], ln.bbox[1], columns[k][1], ln.bbox[3]))))
            for k, t in enumerate(texts)])
    box = (min(ln.bbox[0] for ln in run), min(ln.bbox[1] for ln in run),
           max(ln.bbox[2] for ln in run), max(ln.bbox[3] for ln in run))
    return _Unruled(run[0].page, run[0].top, rows, box)


def _rounded(bbox) -> tuple[float, float, float, float]:
    return tuple(round(v, 1) for v in bbox)


# --- page furniture --------------------------------------------------------------------------------


def _furniture(pages: list[list]) -> set[int]:
    """ids of lines that are page numbers or running headers/footers: among the first and last two
    text lines of a page (with no table further out), a page number, or a text repeated at the
    same height on at least two pages and on half of them (digits aside: "第3页", "2024-5")."""
    candidates: dict[int, tuple[_TextLine, tuple[str, int]]] = {}
    for blocks in pages:
        for edge in (blocks[:2], blocks[::-1][:2]):
            for b in edge:
                if not isinstance(b, _TextLine):
                    break
                candidates[id(b)] = (b, (re.sub(r"\d+", "#", clean(b.text())), round(b.top / 5)))
    pages_of: dict[tuple[str, int], set[int]] = {}
    for b, key in candidates.values():
        pages_of.setdefault(key, set()).add(b.page)
    need = max(2, (len(pages) + 1) // 2)
    return {i for i, (b, key) in candidates.items()
            if PAGE_NUMBER.match(clean(b.text()) or "x") or len(pages_of[key]) >= need}


# --- stitching across pages ------------------------------------------------------------------------


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= STITCH_TOL


def _subset(small: list[float], big: list[float]) -> bool:
    return all(any(_close(x, y) for y in big) for x in small)


def _continues(first: _Fragment, cont: _Fragment) -> bool:
    if not (_close(first.left(), cont.left()) and _close(first.right(), cont.right())):
        return False
    return _subset(cont.xs, first.xs) or _subset(first.xs, cont.xs)


def _row_key(frag: _Fragment, row: int) -> tuple[str, ...]:
    cells = sorted((c for c in frag.cells if c.row == row), key=lambda c: c.x0)
    return tuple(clean(t) for c in cells for t in (c.text, *c.more) if clean(t))


def _header_depth(frag: _Fragment) -> int:
    """Rows above the first row with a number in it."""
    rows_with_numbers = [c.row for c in frag.cells
                         if any(parse(t).kind == "number" for t in (c.text, *c.more))]
    return min(rows_with_numbers) if rows_with_numbers else 0


def _stitch(first: _Fragment, cont: _Fragment) -> _Fragment:
    # Repeated header rows: the continuation's first rows equal to the first part's header rows.
    depth, drop = _header_depth(first), 0
    while drop < min(depth, cont.nrows) and _row_key(cont, drop) and _row_key(cont, drop) == _row_key(first, drop):
        drop += 1
    if drop and any(c.row < drop < c.row + c.rowspan for c in cont.cells):
        drop = 0  # a cell straddles the supposed header: not a clean repeat
    cells = [_Cell(c.row - drop, c.rowspan, c.x0, c.x1, c.text, c.page, c.bbox, c.more)
             for c in cont.cells if c.row >= drop]
    nrows = cont.nrows - drop
    # A row-spanning label cut by the page break continues in the same column.
    kept = []
    for c in cells:
        f = None
        if c.row == 0:
            f = next((b for b in first.cells if b.row + b.rowspan == first.nrows
                      and _close(b.x0, c.x0) and _close(b.x1, c.x1)), None)
        if f is not None and _cut_label(f, c):
            f.rowspan += c.rowspan
            f.text += c.text
            continue
        kept.append(_Cell(c.row + first.nrows, c.rowspan, c.x0, c.x1, c.text, c.page, c.bbox, c.more))
    xs = sorted(first.xs + [x for x in cont.xs if not any(_close(x, y) for y in first.xs)])
    return _Fragment(first.page, xs, first.nrows + nrows, first.cells + kept, first.bbox, first.top)


def _cut_label(above: _Cell, below: _Cell) -> bool:
    """Whether two cells meeting at a page break are one row-spanning label cut in two."""
    if above.more or below.more:
        return False
    if parse(above.text).is_value and parse(above.text).kind != "blank":
        return False
    kind = parse(below.text).kind
    if kind not in ("text", "blank"):
        return False
    if max(above.rowspan, below.rowspan) < 2:
        return False  # two single-row cells: two rows
    return kind == "blank" or not ENUMERATOR.match(clean(below.text))


def _to_table(frag: _Fragment) -> Table:
    xs = frag.xs

    def col(x: float) -> int:
        return min(range(len(xs)), key=lambda i: abs(xs[i] - x))

    rows: list[list[Cell]] = [[] for _ in range(frag.nrows)]
    for c in sorted(frag.cells, key=lambda c: (c.row, c.x0)):
        c0, c1 = col(c.x0), col(c.x1)
        ref = Ref(page=c.page, bbox=_rounded(c.bbox))
        rows[c.row].append(Cell(c.text, ref, c.rowspan, max(1, c1 - c0)))
        rows[c.row] += [Cell(text, ref) for text in c.more]
    return Table(rows, Ref(page=frag.page, bbox=_rounded(frag.bbox)))


# --- the document ----------------------------------------------------------------------------------


def _open(data: bytes, fail) -> PDFDocument:
    if b"%PDF" not in data[:1024]:
        fail("not a readable PDF: no %PDF header")
    # Acrobat accepts %%EOF anywhere in the last 1024 bytes; a file cut short has none.
    truncated = "" if b"%%EOF" in data[-1024:] else " (truncated: the file does not end with %%EOF)"
    try:
        return PDFDocument(PDFParser(io.BytesIO(data)))  # the empty user password, as readers try
    except (PDFPasswordIncorrect, PDFEncryptionError) as e:
        fail(f"encrypted PDF (it needs a password, or its cipher is not supported: {type(e).__name__})")
    except MemoryError:  # the worker's memory limit, not a damaged file
        raise
    except Exception as e:  # pdfminer raises many kinds on damaged files
        fail(f"not a readable PDF{truncated}: {type(e).__name__}: {e}")
    raise AssertionError  # unreachable: fail raises


class _Rescanned(PDFDocument):
    """The document with its cross-reference table ignored: objects found by scanning the file, as
    readers repair a damaged xref."""

    def find_xref(self, parser):
        raise PDFNoValidXRef("cross-reference table ignored")


def _pages(data: bytes, document: PDFDocument, fail, warnings: list[str]) -> list[PDFPage]:
    """The pages; when the xref leads to none, they are looked for again by scanning the file."""
    try:
        pages, problem = list(PDFPage.create_pages(document)), None
    except MemoryError:
        raise
    except Exception as e:  # noqa: BLE001 - a damaged page tree
        pages, problem = [], f"{type(e).__name__}: {e}"
    if pages:
        return pages
    try:
        pages = list(PDFPage.create_pages(_Rescanned(PDFParser(io.BytesIO(data)))))
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - the scan failing is reported as below
        pages = []
    if not pages:
        if problem is None and "Pages" in document.catalog and document.catalog.get("Type") is not None:
            fail("not a readable PDF: it has no pages")
        fail("not a readable PDF: its cross-reference table or page tree is broken and no page can be "
             "found by scanning the file" + (f" ({problem})" if problem else ""))
    warnings.append("decode: the PDF's cross-reference table is broken; its objects were found by "
                    "scanning the file")
    return pages


def _failer(source: str):
    def fail(reason: str):
        raise IngestError(source, STAGE, reason)
    return fail


def read_pdf(data: bytes, source: str) -> Document:
    """A PDF report as the common Document (blocks in reading order, provenance to page and box).
    Raises IngestError(source, "decode", reason) for a PDF whose text cannot be read."""
    fail = _failer(source)
    document = _open(data, fail)
    manager = PDFResourceManager(caching=True)  # fonts parsed once per file
    device = PDFPageAggregator(manager, laparams=None)  # raw characters and paths, no grouping
    interpreter = PDFPageInterpreter(manager, device)
    doc = Document(source, MEDIA_TYPE, None)
    stats = _PageStats()
    pages: list[list] = []
    pdf_pages = _pages(data, document, fail, doc.warnings)
    try:
        for number, page in enumerate(pdf_pages, start=1):
            interpreter.process_page(page)
            glyphs, hs, vs = _layout_objects(device.get_result(), stats)
            glyphs = _without_page_marks(glyphs)
            frags, prose = _fragments(number, glyphs, hs, vs, doc.warnings)
            blocks = [*frags, *_text_lines(number, prose)]
            blocks.sort(key=lambda b: (-round(b.top, 1), b.bbox[0]))  # top to bottom
            pages.append(_merge_unruled(blocks))
    except MemoryError:
        raise
    except Exception as e:  # a damaged content stream, object or font
        fail(f"not a readable PDF: page {len(pages) + 1}: {type(e).__name__}: {e}")
    drop = _furniture(pages)
    stream = [b for blocks in pages for b in blocks if id(b) not in drop]
    _check_text(stats, stream, len(pages), fail, doc.warnings)
    doc.blocks = _assemble(stream)
    return doc


def _merge_unruled(blocks: list) -> list:
    """Unruled tables are looked for in each run of text lines between ruled tables."""
    out: list = []
    run: list[_TextLine] = []
    for b in blocks:
        if isinstance(b, _TextLine):
            run.append(b)
            continue
        out += _unruled_tables(run)
        run = []
        out.append(b)
    return out + _unruled_tables(run)


def _assemble(stream: list) -> list[Line | Table]:
    """Stitch ruled tables continued across a page break, then convert blocks to the Document."""
    blocks: list = []
    last_page: dict[int, int] = {}  # id of a (stitched) fragment → the page its last part is on
    for b in stream:
        prev = blocks[-1] if blocks else None
        if isinstance(b, _Fragment) and isinstance(prev, _Fragment) \
                and b.page == last_page[id(prev)] + 1 and _continues(prev, b):
            joined = _stitch(prev, b)
            blocks[-1] = joined
            last_page[id(joined)] = b.page
            continue
        if isinstance(b, _Fragment):
            last_page[id(b)] = b.page
        blocks.append(b)
    out: list[Line | Table] = []
    for b in blocks:
        if isinstance(b, _Fragment):
            out.append(_to_table(b))
        elif isinstance(b, _Unruled):
            out.append(Table(b.rows, Ref(page=b.page, bbox=_rounded(b.bbox))))
        else:
            text = b.text()
            if text:
                out.append(Line(text, Ref(page=b.page, bbox=_rounded(b.bbox))))
    return out


def _check_text(stats: _PageStats, stream: list, npages: int, fail, warnings: list[str]) -> None:
    """Refuse a text layer that cannot be the report's: none (a scan), unmapped glyphs, or text
    with none of the template's words (a wrong Unicode map gives plausible but wrong Chinese)."""
    text = clean("".join(_page_text(b) for b in stream))
    if len(text) < MIN_TEXT_CHARS:
        fail("no text layer (scanned image?); needs OCR")
    if stats.unmapped > UNMAPPED_MAX_SHARE * stats.glyphs:
        fail(f"fonts without a Unicode map: {stats.unmapped} of {stats.glyphs} glyphs cannot be mapped "
             "to characters ((cid:NN))")
    if not any(w in text for w in T.ANCHOR_WORDS):
        if stats.images and len(text) < SCAN_CHARS_PER_PAGE * npages:
            fail("no text layer (scanned image?); needs OCR")
        fail("fonts without a Unicode map: the text layer contains none of the template's words "
             "(a font's Unicode map is missing or wrong)")
    if stats.unmapped:
        warnings.append(f"{stats.unmapped} glyphs without a Unicode map read as U+FFFD")


def _page_text(b) -> str:
    if isinstance(b, _TextLine):
        return b.text()
    if isinstance(b, _Fragment):
        return "".join(c.text for c in b.cells)
    return "".join(c.text for row in b.rows for c in row)
