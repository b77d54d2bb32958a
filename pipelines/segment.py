"""Segmentation: the six sections by heading text, and the report's agency, year and date."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from . import template as T
from .document import Document, Line, Table
from .labels import clean

_NUMERAL = "一二三四五六"
_HEADING = re.compile(rf"^(?:([{_NUMERAL}])[、.]|第([{_NUMERAL}])部分)")
_AGENCY_SUFFIX = ("人民政府", "政府", "办公室", "办公厅", "委员会", "局", "厅", "委", "院", "中心",
                  "办事处", "区", "县", "市", "旗", "州", "镇", "乡", "街道")
_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_YEAR_PERIOD = re.compile(r"(\d{4})\s*年\s*1\s*月\s*1\s*日")
_YEAR_OF_REPORT = re.compile(r"(\d{4})\s*年\s*度?\s*(?:政府信息公开|政务公开|的?政府信息|工作)")
_YEAR_LEAD = re.compile(r"^(\d{4})\s*年\s*度?[,，]")
_TITLE_WORDS = re.compile(r"\d{4}\s*年\s*度?|政府信息公开|工作|年度|报告|[的（）()]")
_MENTION = re.compile(r"(?:^|[,，。;；:：、\s“\"])((?:[\u4e00-\u9fff·]{1,20}?)(?:人民政府|局|委员会|办公室|办公厅))")
_LEVEL_PREFIX = ("省", "市", "县", "区")
_FIELD_NAME = re.compile(r"^[^:：\d]{1,6}[:：]")  # a crawler's metadata field: "标题: …"
_AGGREGATE = re.compile(r"(?:汇总|综合)[^。]{0,40}(?:各部门|各乡|各街道|区直|市直|县直|各单位)|全[区市县省][^。]{0,12}(?:收到|受理)")


@lru_cache(maxsize=1 << 16)  # asked of every line and cell; the same texts recur in every report
def heading(text: str) -> str | None:
    """The section code a line is the heading of, judged by its numeral and its words; a heading
    renumbered by a converter (二、 printed as 一、) counts when its words name one section only."""
    s = clean(text)
    m = _HEADING.match(s)
    if not m or len(s) > 40:
        return None
    section = T.SECTIONS[_NUMERAL.index(m.group(1) or m.group(2))].code
    if any(w in s for w in T.SECTION_KEYWORDS[section]):
        return section
    named = [code for code, words in T.SECTION_KEYWORDS.items() if any(w in s for w in words)]
    return named[0] if len(named) == 1 else None


# A heading inside a longer line (a page flattened to one line): numeral, then words ending the
# heading, without digits or sentence punctuation.
_INLINE_HEADING = re.compile(rf"[{_NUMERAL}][、.][^\d，。；：,;:]{{1,30}}?(?:情况|事项|概述)")


# A signature inside a longer line: after a sentence, the body's name and then a date.
_INLINE_SIGNATURE = re.compile(r"[。；！？!?]\s*([^\s。，；：、,;:\d]{2,30})\s*(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)")


def _unflatten(blocks: list[Line | Table]) -> list[Line | Table]:
    """Lines too long to be a heading are cut before and after every heading they hold inline, and
    around a signature (name, date) that follows a sentence: a page flattened to one line."""
    out: list[Line | Table] = []
    for block in blocks:
        if isinstance(block, Table) or len(block.text) <= 40:
            out.append(block)
            continue
        cuts = [(m.start(), m.end(), [m.group()]) for m in _INLINE_HEADING.finditer(block.text) if heading(m.group())]
        cuts += [(m.start(1), m.end(), [m.group(1), m.group(2)]) for m in _INLINE_SIGNATURE.finditer(block.text)
                 if _is_agency(m.group(1))]
        start = 0
        for begin, end, parts in sorted(cuts):
            if begin >= start:
                out += [Line(part, block.ref) for part in (block.text[start:begin].strip(), *parts) if part]
                start = end
        rest = block.text[start:].strip()
        if rest:
            out.append(block if start == 0 else Line(rest, block.ref))
    return out


@dataclass
class Segments:
    front: list[Line | Table] = field(default_factory=list)
    sections: dict[str, list[Line | Table]] = field(default_factory=dict)

    def tables(self, section: str) -> list[Table]:
        return [b for b in self.sections.get(section, []) if isinstance(b, Table)]

    def lines(self, *sections: str) -> list[Line]:
        blocks = self.front if not sections else [b for s in sections for b in self.sections.get(s, [])]
        return [b for b in blocks if isinstance(b, Line)]


def section_starts(blocks: list[Line | Table]) -> dict[int, str]:
    """Index → section code of the lines that open a section; each must follow the previous one's,
    so a table row such as 四、结转下年度继续办理 or a preamble listing the sections opens nothing."""
    starts: dict[int, str] = {}
    order = [s.code for s in T.SECTIONS]
    for i, block in enumerate(blocks):
        code = heading(block.text) if isinstance(block, Line) else None
        if code and (not starts or order.index(code) > order.index(list(starts.values())[-1])):
            starts[i] = code
    return starts


def segment(doc: Document) -> Segments:
    """Split blocks by section headings (also headings inside a flattened line)."""
    seg, current = Segments(), None
    blocks = _unflatten(doc.blocks)
    starts = section_starts(blocks)
    for i, block in enumerate(blocks):
        if i in starts:
            current = starts[i]
            seg.sections[current] = []
            continue
        (seg.sections[current] if current else seg.front).append(block)
    return seg


def published_date(seg: Segments) -> date | None:
    """The signing date printed at the end of the report (a line that is just a date)."""
    for line in reversed(seg.lines("other_matters")):
        m = _DATE.fullmatch(clean(line.text))
        if m:
            try:
                return date(*map(int, m.groups()))
            except ValueError:
                return None
    return None


def report_year(seg: Segments, published: date | None) -> int | None:
    """The year the report covers: its data period, its title, its own wording, its first lines."""
    found = next(filter(None, _year_marks(seg)), None)
    if found:
        return int(found.group(1))
    return published.year - 1 if published else None


def _year_marks(seg: Segments):
    """Where the report may state its year, in order of trust (searched only until one is found)."""
    front = " ".join(l.text for l in seg.front if isinstance(l, Line))
    overview = [l.text for l in seg.lines("overview")]
    text = front + " " + " ".join(overview)
    yield _YEAR_PERIOD.search(text)
    yield from (re.search(r"(\d{4})\s*年", l.text) for l in seg.front if isinstance(l, Line) and "报告" in l.text)
    yield _YEAR_OF_REPORT.search(text)
    yield from (_YEAR_LEAD.match(clean(t)) for t in overview)


def _is_agency(text: str) -> bool:
    s = clean(text)
    return 2 <= len(s) <= 30 and s.endswith(_AGENCY_SUFFIX) and not re.search(r"[，。,;；:：\d《》]", s)


def agency(seg: Segments, full_text: str) -> str | None:
    """The issuing body as the report names it: its signature, its title, or its own wording."""
    tail = seg.lines("other_matters")
    for i in range(len(tail) - 1, 0, -1):
        if _DATE.fullmatch(clean(tail[i].text)):
            if _is_agency(tail[i - 1].text):
                return clean(tail[i - 1].text)
            break
    front = [l for l in seg.front if isinstance(l, Line)]
    for i, line in enumerate(front):
        if "报告" in line.text and "政府信息公开" in line.text or re.search(r"\d{4}\s*年.*年度报告", line.text):
            name = _TITLE_WORDS.sub("", _FIELD_NAME.sub("", clean(line.text)))
            if _is_agency(name):
                return name
            if i and _is_agency(front[i - 1].text):
                return clean(front[i - 1].text)
    m = re.search(r"现将(.+?)\d{4}\s*年", full_text)
    if m and _is_agency(m.group(1)):
        return clean(m.group(1))
    for line in seg.lines("overview") + front:
        m = _MENTION.search(clean(line.text))
        if m:
            return _expand_abbreviation(m.group(1), full_text)
    return None


def _expand_abbreviation(name: str, text: str) -> str:
    """市工信局 → 市工业和信息化局 when the report prints the full name elsewhere."""
    prefix = name[0] if name[0] in _LEVEL_PREFIX else ""
    core = name[len(prefix):]
    for run in re.findall(rf"[\u4e00-\u9fff]+{re.escape(core[-1])}", text):
        for start in range(len(run) - len(core)):
            candidate = run[start:]
            if candidate[0] == core[0] and len(candidate) > len(core) and _subsequence(core, candidate) \
                    and core not in candidate:  # a longer name holding this one is not its full form
                return prefix + candidate
    return name


def _subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def scope(full_text: str, agency_name: str | None) -> str:
    """Whether the numbers cover the body itself or its whole jurisdiction (docs/template.md §1.1)."""
    if _AGGREGATE.search(full_text):
        return "jurisdiction_aggregate"
    if agency_name and agency_name.endswith(("局", "委员会", "办公室", "中心", "委")):
        return "self"
    return "unknown"
