"""What a report's prose says: the numbers it states plainly, and the body it names with its places.

The soft rule narrative.stated_numbers_equal_table compares the statements with the tables in the
warehouse (pipelines.dq). A statement is taken only where the prose says it plainly, in one
sentence, with the words of the template: 受理政府信息公开申请 21 件, 答复 3050 件, 另有 17 件结转下年度,
行政复议 351 件, 行政诉讼 46 件. 受理 N 件…均办结 / 均在法定期限答复 states that all N were handled
when the sentence gives no count of its own. A code stated twice with different numbers is not
plain and is dropped. Lines are joined without a separator: PDF lines wrap inside words and numbers.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

import polars as pl

from . import bodies
from .document import Document, Line

STATEMENT = {"report_id": pl.String, "statement_code": pl.String, "value": pl.Int64, "ref": pl.String,
             "excerpt": pl.String}
# Statement codes and the table cell each one states (pipelines.dq compares them).
CODES = ("received", "carried_over", "total_handled", "carried_forward", "review", "litigation")

_N = r"(?P<n>\d[\d,]*)"
_REQUESTS = r"(?:政府信息公开|依申请公开)(?:的)?(?:申请|事项)?"
_PATTERNS: tuple[tuple[str, re.Pattern], ...] = tuple((code, re.compile(p)) for code, p in (
    ("received", rf"(?:收到|受理|接收|接到|新收)(?:了|各类)?{_REQUESTS}(?:共|共计|合计|总计)?{_N}件"),
    ("received", rf"(?:未|没有)(?:接到|收到|受理)(?:过)?(?:受理)?{_REQUESTS}"),  # none received: 0
    ("carried_over", rf"(?:上年度?结转|结转上年度?)(?:的)?(?:政府信息公开)?(?:申请)?{_N}件"),
    ("total_handled", rf"(?:答复|办结|办理完毕)(?:了)?(?:政府信息公开)?(?:申请)?{_N}件"),
    ("carried_forward", rf"{_N}件(?:申请)?(?:结转|顺延|转入)(?:到|至)?下一?年"),
    ("carried_forward", rf"结转下一?年度?(?:继续办理)?(?:的)?(?:申请)?{_N}件"),
    ("review", rf"行政复议(?:案件|申请)?(?:共)?{_N}(?:件|起|次|宗)"),
    # not 复议和行政诉讼 (looked behind after the words: a pattern that starts with its words is found fast)
    ("litigation", rf"行政诉讼(?<!复议[和及、与]行政诉讼)(?:案件|事件)?(?:共)?{_N}(?:件|起|次|宗)"),
))
_ALL_HANDLED = re.compile(r"均(?:已)?(?:在法定期限内?|按时|按期|依法)?(?:予以|进行了?)?(?:办结|答复|回复)")
_SENTENCE = re.compile(r"[^。；;！？!?]+")
_CONTEXT = 20  # characters of the sentence kept on either side of a statement
_GENERIC = ("total_handled",)  # 答复 N 件 counts only in a sentence about 申请


@dataclass
class Narrative:
    """The prose of one report: statements (STATEMENT rows, as tuples: light to send back from an
    extraction worker) and the body it names (or None)."""

    statements: list[tuple]
    body: bodies.Body | None


def read(doc: Document, report_id: str, agency: str | None) -> Narrative:
    """The statements of a document's prose lines and its body, completed from all its lines."""
    lines = [b for b in doc.blocks if isinstance(b, Line)]
    starts, offset = [], 0
    for line in lines:
        starts.append(offset)
        offset += len(line.text)
    prose = "".join(line.text for line in lines)
    return Narrative(_statements(prose, lines, starts, report_id), bodies.resolve(agency, prose))


def _statements(prose: str, lines: list[Line], starts: list[int], report_id: str) -> list[tuple]:
    sentences = list(_SENTENCE.finditer(prose))
    begins = [s.start() for s in sentences]
    hits: dict[int, list[tuple[str, re.Match]]] = {}  # sentence → its matches, in pattern order
    for code, pattern in _PATTERNS:  # over the whole prose: no pattern matches across a sentence's end
        for m in pattern.finditer(prose):
            hits.setdefault(bisect_right(begins, m.start()) - 1, []).append((code, m))
    found: dict[str, list[tuple[int, str, str]]] = {}
    for i in sorted(hits):
        s = sentences[i]
        sentence, here = s.group(), {}
        for code, m in hits[i]:
            if code in _GENERIC and "申请" not in sentence:
                continue
            value = int(m.group("n").replace(",", "")) if "n" in m.re.groupindex else 0
            here.setdefault(code, []).append((value, m.start() - s.start(), m.end() - s.start()))
        handled = _ALL_HANDLED.search(sentence)
        if handled and "total_handled" not in here and len({v for v, *_ in here.get("received", [])}) == 1:
            here["total_handled"] = [(here["received"][0][0], here["received"][0][1], handled.end())]
        for code, values in here.items():
            for value, start, end in values:
                ref = str(lines[bisect_right(starts, s.start() + start) - 1].ref)
                excerpt = sentence[max(0, start - _CONTEXT):end + _CONTEXT].strip()
                found.setdefault(code, []).append((value, ref, excerpt))
    return [(report_id, code, values[0][0], values[0][1], values[0][2])
            for code, values in found.items() if len({v for v, *_ in values}) == 1]
