"""Parsing of table cell text into numbers, blanks and placeholders."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from .labels import clean

# Printed for "nothing to report"; they mean 0 in sections 三/四 and "absent" in section 二.
PLACEHOLDERS = frozenset({"-", "--", "—", "——", "–", "/", "／", "\\", "不适用", "N/A", "n/a", "无", "空"})
_NUMBER = re.compile(r"^([+-]?)(\d+(?:\.\d+)?)(万元|万|元|件|项|个|条|次)?(?:\(([^()]*\D[^()]*)\))?$")
_UNIT_SCALE = {"万元": 10000, "万": 10000, "元": 1}
# A page number as printed: "- 3 -", "— 5 —", "第3页", "3/5", "page 3 of 5", or a bare 3.
PAGE_NUMBER = re.compile(
    r"^[-—–－―~_=·•.\s]*(?:第\s*)?\d{1,4}(?:\s*页)?(?:\s*[/／]\s*\d{1,4}|\s*共\s*\d{1,4}\s*页)?[-—–－―~_=·•.\s]*$"
    r"|^[-—–－―~\s]*(?:page\s*)?\d{1,4}(?:\s*of\s*\d{1,4})?[-—–－―~\s]*$", re.IGNORECASE)


@dataclass(frozen=True)
class CellValue:
    kind: str  # "number" | "blank" | "placeholder" | "text"
    number: Decimal | None = None
    unit_scale: int | None = None  # 10000 for 万/万元, 1 for 元, None when the cell names no money unit
    note: str | None = None  # a note printed in the cell after its number: 22（其中修订16件）

    @property
    def is_value(self) -> bool:
        return self.kind != "text"


@lru_cache(maxsize=1 << 16)  # the same cell texts recur in every report
def parse(text: str) -> CellValue:
    s = clean(text).replace("\u2212", "-").replace(",", "")
    if not s:
        return CellValue("blank")
    if s in PLACEHOLDERS:
        return CellValue("placeholder")
    m = _NUMBER.match(s)
    if not m:
        return CellValue("text")
    sign, digits, unit, note = m.groups()
    number = Decimal(digits) * (-1 if sign == "-" else 1)
    return CellValue("number", number, _UNIT_SCALE.get(unit or ""), note)


@lru_cache(maxsize=1 << 16)
def is_page_mark(text: str) -> bool:
    """A decorated page number ("- 3 -", "第3页"): never a value, unlike a bare 3 or a -3."""
    s = clean(text)
    return bool(s and PAGE_NUMBER.match(s)) and parse(s).kind != "number"
