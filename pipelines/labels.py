"""Label normalisation and matching against the template's vocabularies.

A label is compared by its key: NFKC, no whitespace, no leading enumerator (一、 （一） 1. 1、),
no parenthetical annotations, no punctuation. Matching is exact on keys first, then tolerant of a
typo (similarity ≥ 0.8, unique best), then of truncation (the key is a prefix of one label).
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Iterable

_INVISIBLE = dict.fromkeys(map(ord, "\u00a0\u3000\u200b\u200c\u200d\u2060\ufeff"), " ")
CJK = "\u2e80-\u303f\u3040-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"  # a character class body
# A row label's leading enumerator: 一、 （一） 1. 1、 ①
ENUMERATOR = re.compile(r"^(?:[一二三四五六七八九十]+[、.]|\((?:[一二三四五六七八九十]+|\d+)\)|\d+[、.)]|[①-⑳])")
_PARENTHETICAL = re.compile(r"\([^()]*\)")
_UNCLOSED = re.compile(r"\([^)]*$")
_NON_WORD = re.compile(r"[\W_]+")
FUZZY_RATIO = 0.8


@lru_cache(maxsize=1 << 16)
def clean(text: str) -> str:
    """NFKC with invisible spaces made visible and whitespace runs collapsed to nothing."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text.translate(_INVISIBLE)))


@lru_cache(maxsize=1 << 16)
def enumerator(text: str) -> str | None:
    """A label's leading enumerator in one spelling ("(六)", "六、", "3."), however it was printed."""
    m = ENUMERATOR.match(clean(text))
    if not m:
        return None
    core = re.sub(r"[、.()]", "", m.group())
    if m.group().startswith("("):
        return f"({core})"
    if "①" <= core <= "⑳":
        core = str(ord(core) - ord("①") + 1)
    return f"{core}." if core.isdigit() else f"{core}、"


@lru_cache(maxsize=1 << 16)
def key(text: str) -> str:
    s = ENUMERATOR.sub("", clean(text))
    while _PARENTHETICAL.search(s):
        s = _PARENTHETICAL.sub("", s)
    return _NON_WORD.sub("", _UNCLOSED.sub("", s))


def _ratio(matcher: SequenceMatcher, text: str) -> float:
    """`matcher`'s similarity of `text` to its label, or 0 where its cheap upper bounds already fall
    short of FUZZY_RATIO (most cells, numbers above all, are nothing like any label)."""
    matcher.set_seq1(text)
    if matcher.real_quick_ratio() < FUZZY_RATIO or matcher.quick_ratio() < FUZZY_RATIO:
        return 0.0
    return matcher.ratio()


class Vocabulary:
    """Codes with their labels; `match` gives the code a label means, or None."""

    def __init__(self, entries: Iterable[tuple[str, str]]):
        self.entries = [(code, key(label)) for code, label in entries]
        self.exact = {k: code for code, k in self.entries}
        # the same labels recur in every report
        self.match = lru_cache(maxsize=1 << 14)(self._match)
        self.prefixed = lru_cache(maxsize=1 << 14)(self._prefixed)
        self._matchers = [(code, SequenceMatcher(None, "", lk)) for code, lk in self.entries]

    def _match(self, text: str) -> str | None:
        k = key(text)
        if not k:
            return None
        if k in self.exact:
            return self.exact[k]
        if len(k) >= 4:
            best = sorted(((r, code) for code, m in self._matchers if (r := _ratio(m, k)) >= FUZZY_RATIO),
                          reverse=True)
            if best and (len(best) == 1 or best[0][1] == best[1][1] or best[0][0] > best[1][0]):
                return best[0][1]
        return None

    def _prefixed(self, text: str) -> tuple[str, ...]:
        """Codes whose label starts with this (truncated) label, in vocabulary order, unique."""
        k = key(text)
        if len(k) < 2:
            return ()
        return tuple(dict.fromkeys(code for code, lk in self.entries if lk.startswith(k)))
