"""A section's table content as a stream of tokens, and the template vocabularies that name them.

Tables give their cells (the first cell of each row of several cells is marked), short lines between
tables give one token each (captions, or the cells of a table whose layout was lost). Text in which a
table was flattened (a crawler's page text: `规章000行政规范性文件5845546`) is cut into labels and
digit runs; a run is a `glued` token whose cell boundaries only the template's arithmetic can recover.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

from . import template as T
from .document import Line, Table
from .labels import Vocabulary, clean, enumerator, key
from .segment import Segments
from .values import CellValue, is_page_mark, parse

# （六）其他处理 is the T2019 row `other` and the T2021 group `other_total`: the extractor reads it as
# `other` and makes it the group when the report is T2021.
_ROW_LABELS = [(c.code, label) for c in T.OUTCOMES for label in c.labels]
_ROW_LABELS += [(g.code, label) for g in T.OUTCOME_GROUPS for label in g.labels
                if label not in {label for _, label in _ROW_LABELS}]
_ROW_VOCABULARY = Vocabulary(_ROW_LABELS)
# Rows by the enumerator their labels print: （六）其他 is （六）其他处理, never 3.其他.
_ROWS_NUMBERED = {e: Vocabulary([(code, label) for code, label in _ROW_LABELS if enumerator(label) == e])
                  for e in {enumerator(label) for _, label in _ROW_LABELS} - {None}}
COLUMNS = Vocabulary([(c.code, label) for c in T.APPLICANTS for label in c.labels]
                     + [("org_group", T.APPLICANT_GROUP_LABEL), ("header", T.APPLICANT_HEADER_LABEL)])
ITEMS = Vocabulary([(c.code, label) for c in T.PROACTIVE_ITEMS for label in c.labels])
METRICS = Vocabulary([(m.code, label) for m in T.PROACTIVE_METRICS for label in m.labels])
GROUP_CODES = frozenset(g.code for g in T.OUTCOME_GROUPS)


class _Rows:
    """Section 三 row labels: matched as by Vocabulary, but a label printed with an enumerator only
    matches rows numbered the same way, a truncated one by its unique prefix among them."""

    def exactly(self, text: str) -> str | None:
        """The row this label is, without tolerance for typos or truncation."""
        return _ROW_VOCABULARY.exact.get(key(text))

    @staticmethod
    @lru_cache(maxsize=1 << 14)  # the same labels recur in every report
    def match(text: str) -> str | None:
        numbered = enumerator(text)
        code = _ROW_VOCABULARY.match(text)
        if numbered is None or code is not None and numbered in _NUMBERING[code]:
            return code
        among = _ROWS_NUMBERED.get(numbered)
        if among is None:
            return None
        prefixed = among.prefixed(text)
        return among.match(text) or (prefixed[0] if len(set(prefixed)) == 1 else None)


_NUMBERING = {code: {enumerator(label) for c, label in _ROW_LABELS if c == code} for code, _ in _ROW_LABELS}
ROWS = _Rows()


class Token(NamedTuple):  # a named tuple: a report makes hundreds, and a tuple is cheap to make
    text: str
    ref: str
    value: CellValue
    row_start: bool = False  # the first cell of a table row of several cells
    glued: bool = False  # cut out of flattened text: it may hold several cells run together


# --- Cutting flattened text ------------------------------------------------------------------------

_OPEN, _CLOSE = "([【〔", ")]】〕"
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:\s*(?:万元|万|元))?")
_PROSE_UNIT = set("年月日时件项个条次起人篇名位户家余多%‰")  # 154件, 2025年: numbers of the prose
_ENUMERATOR_AFTER = re.compile(r"\s*[.、](?!\s*\d)")  # 00002.其他 / 00002 .其他: the 2 numbers a label
_NOTE = re.compile(r"^\(([^()]*)\)")
_ENUMERATOR_NOTE = re.compile(r"^(?:[一二三四五六七八九十]+|\d+)$")
_PROSE = re.compile(r"[，。；：,;:]")
_QUOTES = dict.fromkeys(map(ord, "“”\"'‘’「」『』"))


_DIGIT_ENUMERATOR = re.compile(r"(\d)[、.]")


@lru_cache(maxsize=1 << 14)  # cell texts recur in every report
def _norm(text: str) -> str:
    """Text as labels are searched in it: NFKC, no whitespace or quotes, enumerators as "1."."""
    return _DIGIT_ENUMERATOR.sub(r"\1.", clean(text).translate(_QUOTES))


def _surfaces(labels: list[str]) -> re.Pattern:
    forms = {form for label in labels for form in (_norm(label), _norm(label[len(_lead(label)):]))
             if len(form) >= 2}
    return re.compile("|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True)))


def _lead(label: str) -> str:
    m = re.match(r"^(?:[一二三四五六七八九十]+[、.]|[（(][一二三四五六七八九十]+[)）]|\d+[.、])", label)
    return m.group() if m else ""


_HEADER_LABELS = [label for c in T.APPLICANTS for label in c.labels] + [
    T.APPLICANT_GROUP_LABEL, T.APPLICANT_HEADER_LABEL]
# Per section: the labels a flattened table is cut at (section 三: columns only before the first row).
_CUTS = {
    "applications": (_surfaces([label for _, label in _ROW_LABELS] + _HEADER_LABELS),
                     _surfaces([label for _, label in _ROW_LABELS])),
    "review_litigation": (_surfaces([c.label_zh for c in (*T.PROCEEDINGS, *T.RESULTS)]
                                    + [T.LITIGATION_GROUP_LABEL]),) * 2,
    "proactive": (_surfaces([label for c in (*T.PROACTIVE_ITEMS, *T.PROACTIVE_METRICS) for label in c.labels]
                            + [T.PROACTIVE_HEADER_LABEL, T.PROACTIVE_CAPTION]
                            + [f"{T.PROACTIVE_CAPTION}（{n}）项" for n in "一二三四五六七八九十"]),) * 2,
}


@lru_cache(maxsize=1 << 14)
def _pieces(text: str) -> tuple[tuple[str, str], ...]:
    """("number" | "text", text) pieces: numbers outside brackets, not the digit of an enumerator
    (`…00002.其他` ends a run at 0000), not numbers of the prose (2025年, 154件)."""
    s = unicodedata.normalize("NFKC", text)
    pieces: list[tuple[str, str]] = []
    buf, depth, i = "", 0, 0
    while i < len(s):
        m = _NUMBER.match(s, i) if depth == 0 else None
        if m:
            number, end = re.sub(r"\s+", "", m.group()), m.end()
            if number.isdigit() and _ENUMERATOR_AFTER.match(s, end):
                number, end = number[:-1], end - 1  # the last digit numbers the next label
            if s[end:end + 1] in _PROSE_UNIT:
                buf, i = buf + s[i:end], end
                continue
            if number.lstrip("+-"):
                pieces += [("text", buf)] * bool(buf) + [("number", number)]
                buf, i = "", end
                continue
        depth += (s[i] in _OPEN) - (s[i] in _CLOSE and depth > 0)
        buf, i = buf + s[i], i + 1
    return tuple(pieces + [("text", buf)] * bool(buf))


def _cut(text: str, ref: str, section: str, row_start: bool) -> list[Token] | None:
    """Tokens of flattened table text, or None when the text holds no label and number of a table."""
    if not _flattened(text, section):
        return None
    pieces = _pieces(text)
    pattern, rows = _CUTS[section]
    tokens: list[Token] = []

    def add(part: str) -> None:
        tokens.append(Token(part, ref, parse(part), row_start and not tokens, glued=True))

    for kind, piece in pieces:
        if kind == "number":
            add(piece)
            continue
        if tokens and tokens[-1].value.kind == "number" and (m := _NOTE.match(piece)) \
                and not _ENUMERATOR_NOTE.match(m.group(1)):
            number = tokens.pop().text  # a note printed after its number: 22（其中修订 16 件）
            add(f"{number}({m.group(1)})")
            piece = piece[m.end():]
        norm, at = _norm(piece), 0
        depth = _depths(norm)
        while at < len(norm):
            m = next((m for m in pattern.finditer(norm, at) if not depth[m.start()]), None)
            stop = m.start() if m else len(norm)
            for part in (norm[at:stop], m.group() if m else ""):
                if key(part):
                    add(part)
                elif part and tokens and tokens[-1].value.kind == "text":  # a label's note: （万元）
                    last = tokens.pop()
                    tokens.append(Token(last.text + part, ref, parse(last.text + part), last.row_start, True))
            if m and ROWS.match(m.group()) and not COLUMNS.match(m.group()):
                pattern = rows  # section 三: past the header, 其他 is no longer a column
            at = m.end() if m else len(norm)
    return tokens


@lru_cache(maxsize=1 << 14)  # asked of every text cell; the same cells recur in every report
def _flattened(text: str, section: str) -> bool:
    """Whether the text holds a number and a label of the section's table."""
    return any(kind == "number" for kind, _ in _pieces(text)) and _holds_table(text, section)


def _depths(text: str) -> list[int]:
    """Bracket depth at each character: labels inside a parenthetical annotation are not labels."""
    depths, depth = [], 0
    for ch in text:
        depth -= ch in _CLOSE and depth > 0
        depths.append(depth)
        depth += ch in _OPEN
    return depths


# --- A section's tokens ----------------------------------------------------------------------------


# Words of each section's table header: where a flattened table begins when prose before it names rows.
_TABLE_HEADS = {"applications": (T.APPLICANT_HEADER_LABEL, T.APPLICANT_GROUP_LABEL, "自然人"),
                "proactive": (T.PROACTIVE_CAPTION, T.PROACTIVE_HEADER_LABEL),
                "review_litigation": ()}  # its prose numbers carry units: the header check reads past them


def _is_cell_like(text: str) -> bool:
    return "。" not in text and len(clean(text)) <= 120


@lru_cache(maxsize=1 << 14)
def _holds_table(text: str, section: str) -> bool:
    return bool(_CUTS[section][0].search(_norm(text)))


def section_tokens(seg: Segments, section: str) -> list[Token]:
    """The section's table cells in order, with the short lines between its tables; without a
    heading, the tables are found by the words only that section's table has."""
    if section in seg.sections:
        blocks = seg.sections[section]
        at = [i for i, b in enumerate(blocks) if isinstance(b, Table)]
        if at:  # prose before the first and after the last table is not part of them
            blocks = blocks[at[0]:at[-1] + 1]
        blocks = [b for b in blocks if isinstance(b, Table) or _is_cell_like(b.text)
                  or _holds_table(b.text, section)]
    else:
        everything = seg.front + [b for blocks in seg.sections.values() for b in blocks]
        blocks = [b for b in everything if isinstance(b, Table)
                  and any(T.TABLE_SIGNATURES[section] in clean(c.text) for c in b.cells())]
    tokens: list[Token] = []
    for block in blocks:
        if isinstance(block, Line):
            tokens += _text_tokens(block.text, str(block.ref), section, False, _is_cell_like(block.text))
            continue
        for row in block.rows:
            row_start = len(row) > 1
            for cell in row:
                tokens += _text_tokens(cell.text, str(cell.ref), section, row_start, True)
                row_start = False
    return tokens


def _text_tokens(text: str, ref: str, section: str, row_start: bool, cell_like: bool) -> list[Token]:
    if is_page_mark(text):
        return []
    value = parse(text)
    if value.kind != "text":
        return [Token(text, ref, value, row_start)]
    cut = _cut(text, ref, section, row_start)
    if cut is None:
        return [Token(text, ref, value, row_start)] if cell_like else []
    if not cell_like:  # a flattened page: the table starts at its header, else at its first label
        labels = [i for i, t in enumerate(cut) if t.value.kind == "text" and _holds_table(t.text, section)]
        heads = [i for i in labels if any(w in clean(cut[i].text) for w in _TABLE_HEADS[section])]
        cut = cut[(heads or labels or [len(cut)])[0]:]
    return cut
