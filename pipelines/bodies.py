"""Body identity: one issuing body across the names it prints, placed in its administrative regions.

A name is read as a chain of place names and an organisation: 淮安市洪泽区人民政府 is 淮安市 (city),
洪泽区 (county), 人民政府. A chain that stops short is completed from the report's own text when it
prints the missing parent in front of the same place (p001's title says 洪泽区人民政府, its preamble
淮安市洪泽区人民政府办公室). No gazetteer and no external service: what the report does not print
stays unknown (NULL), and a body printed without its parent in one year and with it in another is
two bodies until a report shows the parent.

The key of a body is its canonical name: the lowest place with its parent (a city's name is unique
in China, a county's only within its city; a province is dropped when the city is known, since
reports often leave it out), then the organisation, with 政府 read as 人民政府.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from .labels import clean

_CJK = "\u4e00-\u9fff"
# One place name: a short run of characters ending in a place suffix. 州 followed by 市/区/县 is part of
# a name (杭州市, 万州区), not a suffix.
_PLACE = re.compile(rf"[{_CJK}]{{1,9}}?(?:特别行政区|自治区|自治州|自治县|自治旗|地区|新区|省|市|盟|区|县|旗|州(?![市区县]))")
# Words ending in a place suffix that are not places (城市管理局, 社区, 景区管理委员会 …).
_NOT_PLACES = {"城市", "都市", "超市", "社区", "园区", "景区", "小区", "辖区", "片区", "街区", "市区", "郊区"}
_MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")  # province-level cities
_CITY = ("市", "自治州", "州", "盟", "地区")
_WINDOW = 12  # characters looked at in front of a mention for the parent's name

# Level from the suffix of the name without a trailing 人民政府/行政公署, first match wins
# (自治区 and 地区 before 区). A county-level 市 reads as prefecture unless its city is printed.
_LEVELS = (
    ("township", ("街道办事处", "街道", "乡", "镇")),
    ("department", ("委员会", "办公室", "办公厅", "局", "厅", "委", "办", "署", "中心")),
    ("province", ("省", "自治区")),
    ("prefecture", ("市", "州", "盟", "地区")),
    ("county", ("区", "县", "旗")),
)
_GOVERNMENT = re.compile(r"(?:人民政府|行政公署)$")


@dataclass(frozen=True)
class Body:
    """An issuing body: its canonical name (the key), level and the places it belongs to (or None)."""

    name: str
    level: str  # province | prefecture | county | township | department | unknown
    province: str | None
    prefecture: str | None
    county: str | None

    @property
    def id(self) -> str:
        return hashlib.sha256(self.name.encode()).hexdigest()[:16]


def _chain(name: str) -> tuple[list[str], str]:
    """The place names a name starts with, and the rest (the organisation)."""
    places, pos = [], 0
    while (m := _PLACE.match(name, pos)) and m.group() not in _NOT_PLACES:
        places.append(m.group())
        pos = m.end()
    return places, name[pos:]


def _rank(place: str) -> int:
    """0 province (and the four province-level cities), 1 city, 2 county."""
    if place.endswith(("省", "自治区", "特别行政区")) or place in _MUNICIPALITIES:
        return 0
    return 1 if place.endswith(_CITY) else 2


def _parent(place: str, text: str) -> str | None:
    """The place the report prints right in front of `place` (淮安市 in 淮安市洪泽区), or None.

    Where a name starts is not marked in Chinese, so the parent is the longest common ending of the
    runs of characters in front of every mention that has a place right in front of it (由淮安市,
    请与淮安市, 地址：淮安市 → 淮安市). A single mention counts only when punctuation (or a digit,
    or a Latin letter) marks where the name starts. The parent must be one whole place name of 3 characters
    or more (the last of several: 江苏省淮安市 → 淮安市), above `place` (a 市 may hold a county-level 市).
    """
    runs = []
    for m in re.finditer(re.escape(place), text):
        before = text[max(0, m.start() - _WINDOW):m.start()]
        run = re.search(rf"[{_CJK}]*$", before).group()
        if re.search(r"(?:省|自治区|行政区|市|州|盟|地区)$", run):  # a place above a county or city
            runs.append((run, len(run) < len(before)))  # (run, whether punctuation marks its start)
    if not runs:
        return None
    common = runs[0][0]
    for run, _ in runs[1:]:
        while not run.endswith(common):
            common = common[1:]
    if len(runs) == 1 and not runs[0][1]:
        return None
    places, rest = _chain(common)
    if not places or rest or len(places[-1]) < 3:
        return None
    parent = places[-1]  # its own parents, if printed too, are found by the next look
    above = _rank(parent) < _rank(place) or (_rank(parent) == 1 and place.endswith("市"))
    return parent if above else None


def resolve(printed: str | None, text: str = "") -> Body | None:
    """The body a report names, its places completed from the report's text; None without a name."""
    name = clean(printed or "")
    if not name:
        return None
    places, rest = _chain(name)
    while places and _rank(places[0]) and (parent := _parent(places[0], text)) and parent not in places:
        places.insert(0, parent)
    province = places[0] if places and _rank(places[0]) == 0 else None
    below = places[1:] if province else places
    prefecture = below[0] if below and _rank(below[0]) == 1 else None
    county = next((p for p in below[1 if prefecture else 0:] if _rank(p) >= 1), None)
    if prefecture and province:
        places = places[1:]  # the city's name is enough, and reports often leave the province out
    canonical = "".join(places) + re.sub(r"^政府", "人民政府", rest)
    core = _GOVERNMENT.sub("", canonical)
    if places and core == "".join(places):  # a government: the level of its lowest place
        level = "county" if county else "prefecture" if prefecture else "province" if province else "county"
    else:
        level = next((lv for lv, suffixes in _LEVELS if core.endswith(suffixes)), "unknown")
    return Body(canonical, level, province, prefecture, county)
