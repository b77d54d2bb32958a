"""What the damage classes share: the printed header of sections 三 and 四 by meaning, prose joined
into paragraphs and wrapped, and tables printed as markdown pipes or as space-aligned text."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from random import Random

from pipelines import template as T
from pipelines.labels import key

from .source import Clean, Grid, Heading, Prose

Sheet = list  # rows of a table to print: a list of cell texts, or a str printed as its own line


@dataclass
class Rendered:
    text: str
    applied: list[str]
    gold: dict  # keys of the gold the damage changed (what is now printed), e.g. {"agency": ...}


# --- section headers by meaning -----------------------------------------------------------------


@dataclass
class ApplicantHeader:
    """Section 三's header cells as printed, by role (template labels where a cell is missing)."""

    note: str | None
    title: str  # 申请人情况
    group: str  # 法人或其他组织
    columns: list[str]  # the seven columns in template order: 自然人, five organisations, 总计


def applicant_header(grid: Grid) -> ApplicantHeader:
    cells = list(grid.header)
    note = next((c for c in cells if "勾稽" in c), None)
    title = next((c for c in cells if key(c) == key(T.APPLICANT_HEADER_LABEL)), T.APPLICANT_HEADER_LABEL)
    group = next((c for c in cells if key(c) == key(T.APPLICANT_GROUP_LABEL)), T.APPLICANT_GROUP_LABEL)
    rest = [c for c in cells if c not in (note, title, group)]
    keys = {a.code: {key(label) for label in a.labels} for a in T.APPLICANTS}
    natural = next((c for c in rest if key(c) in keys["natural_person"]), None)
    total = next((c for c in rest if key(c) in keys["total"]), None)
    orgs = [c for c in rest if c not in (natural, total)]
    if natural is None or total is None or len(orgs) != len(T.ORG_COLUMNS):
        return ApplicantHeader(note, title, group, [a.label_zh for a in T.APPLICANTS])
    return ApplicantHeader(note, title, group, [natural, *orgs, total])


@dataclass
class ReviewHeader:
    """Section 四's header cells as printed: the three proceedings and the fifteen result labels."""

    review: str
    litigation: str
    direct: str
    after_review: str
    results: list[str]  # 15: five per proceeding


def review_header(grid: Grid) -> ReviewHeader:
    names = [p.label_zh for p in T.PROCEEDINGS] + [T.LITIGATION_GROUP_LABEL]
    found = {n: next((c for c in grid.header if key(c) == key(n)), None) for n in names}
    results = [c for c in grid.header if c not in found.values()]
    if None in found.values() or len(results) != 15:
        found = {n: n for n in names}
        results = [r.label_zh for r in T.RESULTS] * 3
    review, direct, after, litigation = (found[n] for n in names)
    return ReviewHeader(review, litigation, direct, after, results)


# --- prose ----------------------------------------------------------------------------------------

_SENTENCE_END = tuple("。！？：；:;")


def paragraphs(clean: Clean) -> list:
    """The blocks with prose lines a PDF (or a wrapped text) broke mid-sentence joined again (never
    the title's lines)."""
    titles = title_lines(clean)
    out: list = []
    for block in clean.blocks:
        if (isinstance(block, Prose) and out and isinstance(out[-1], Prose)
                and not {block.text, out[-1].text} & set(titles)
                and len(out[-1].text) >= 20 and not out[-1].text.endswith(_SENTENCE_END)):
            out[-1] = Prose(out[-1].text + block.text)
        else:
            out.append(block)
    return out


def wrap(text: str, width: int) -> list[str]:
    """Hard line breaks every `width` characters, mid-word, as a PDF's text layer has them."""
    return [text[i:i + width] for i in range(0, len(text), width)] or [""]


def title_lines(clean: Clean) -> list[str]:
    """The title as printed before section 一 (one line, or the agency's line and the title's)."""
    front = []
    for block in clean.blocks:
        if isinstance(block, Heading):
            break
        if isinstance(block, Prose):
            front.append(block.text)
    for i, line in enumerate(front):
        if "报告" in line and len(line) <= 60:
            start = i - 1 if i and len(front[i - 1]) <= 30 and "。" not in front[i - 1] else i
            return front[start:i + 1]
    return []


# --- parentheses and numerals ----------------------------------------------------------------------

_HALF = str.maketrans("（）", "()")
_FULL = str.maketrans("()", "（）")
NUMERALS = "一二三四五六七八九十"


def swap_parens(text: str) -> str:
    """Full-width parentheses as half-width and the other way round (a converter normalising)."""
    return text.translate(_HALF) if "（" in text else text.translate(_FULL)


def renumber(heading: str, numeral: str) -> str:
    return re.sub(rf"^[{NUMERALS}]+(?=[、.])", numeral, heading.strip())


# --- printing tables -------------------------------------------------------------------------------


def pipe(sheet: Sheet, rule: str = "---") -> list[str]:
    """A markdown pipe table: the first row is the header, then the |---| separator."""
    lines, separated = [], False
    for row in sheet:
        if isinstance(row, str):
            lines.append(row)
            continue
        lines.append("| " + " | ".join(c.replace("|", "/") for c in row) + " |")
        if not separated:
            lines.append("|" + f"{rule}|" * len(row))
            separated = True
    return lines


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def aligned(sheet: Sheet, rng: Random) -> list[str]:
    """Space-aligned columns as `pdftotext -layout` prints them: empty cells are only spaces."""
    rows = [r for r in sheet if not isinstance(r, str)]
    ncols = max((len(r) for r in rows), default=0)
    widths = [max((_width(r[i]) for r in rows if i < len(r)), default=0) for i in range(ncols)]
    gap = " " * rng.choice((2, 3, 4))
    lines = []
    for row in sheet:
        if isinstance(row, str):
            lines.append(row)
            continue
        cells = [c + " " * (widths[i] - _width(c)) for i, c in enumerate(row)]
        lines.append(gap.join(cells).rstrip())
    return lines


def pad(row: list[str], n: int) -> list[str]:
    return list(row) + [""] * (n - len(row))
