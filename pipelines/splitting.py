"""Cutting runs of digits into cells, and choosing among the cuts with the template's identities.

A run such as `15130000154` (a row's seven cells printed with nothing between them) can be cut in
many ways. A cut is possible when each cell reads as a number would be printed: no leading zero
unless the cell is 0, a sign only where the template allows a negative value, a decimal point only
in an amount. The identities the template states then decide: a row total equals the sum of its
cells; in section 三 the column identities tie the rows together (`solve`). A cut that no identity
singles out is never taken.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

LIMIT = 20_000  # cuts of one row (or partial sums of the column identities) beyond which we refuse
_UNIT = re.compile(r"(万元|万|元)$")
_INTEGER = re.compile(r"[-+]?(?:0|[1-9]\d*)")
_DECIMAL = re.compile(r"[-+]?(?:0|[1-9]\d*)(?:\.\d+)?")


def cuts(runs: Sequence[str], n: int, *, signed: Sequence[bool] = (), amount: Sequence[bool] = (),
         limit: int = LIMIT) -> list[tuple[tuple[int, str], ...]] | None:
    """Every way to cut the runs, in order and each into one cell or more, into `n` cells, as
    (run index, cell text) per cell; None when there are more than `limit`.
    `signed[i]` / `amount[i]`: cell i may be negative / fractional."""
    signed = list(signed) or [False] * n
    amount = list(amount) or [False] * n
    found: list[tuple[tuple[int, str], ...]] = []
    for cells in _cuts(list(runs), 0, 0, n, signed, amount):
        found.append(tuple(cells))
        if len(found) > limit:
            return None
    return found


def _cuts(runs: list[str], run: int, at: int, n: int, signed, amount) -> Iterator[list[tuple[int, str]]]:
    if run == len(runs):
        if at == n:
            yield []
        return
    body, unit = _split_unit(runs[run])
    for k in range(1, n - at - (len(runs) - run) + 2):
        if unit and not amount[at + k - 1]:
            continue  # 万元 only closes an amount
        for head in _pieces(body, at, k, signed, amount):
            head[-1] += unit
            for rest in _cuts(runs, run + 1, at + k, n, signed, amount):
                yield [(run, cell) for cell in head] + rest


def _split_unit(run: str) -> tuple[str, str]:
    m = _UNIT.search(run)
    return (run[:m.start()], m.group()) if m else (run, "")


def _pieces(body: str, at: int, k: int, signed, amount) -> Iterator[list[str]]:
    """`body` cut into k cells numbered from `at`; a sign may only open the first."""
    if k == 1:
        if _valid(body, at, signed, amount):
            yield [body]
        return
    for end in range(1, len(body) - k + 2):
        head = body[:end]
        if _valid(head, at, signed, amount):
            for rest in _pieces(body[end:], at + 1, k - 1, signed, amount):
                yield [head, *rest]


def _valid(cell: str, i: int, signed, amount) -> bool:
    if cell[:1] in "+-" and not signed[i]:
        return False
    return bool((_DECIMAL if amount[i] else _INTEGER).fullmatch(cell))


def solve(options: Sequence[Sequence[tuple[int, ...]]], constant: tuple[int, ...],
          limit: int = LIMIT * 10) -> list[list[int]] | None:
    """Which options of each variable belong to some choice (one option per variable) whose vectors
    sum, with `constant`, to zero: the indexes per variable. None when the partial sums grow past
    `limit` (too many readings to tell)."""
    zero = tuple(0 for _ in constant)
    forward = [{constant}]
    for opts in options:
        forward.append({_add(s, v) for s in forward[-1] for v in opts})
        if len(forward[-1]) > limit:
            return None
    backward = [{zero}]
    for opts in reversed(options):
        backward.insert(0, {_add(s, v) for s in backward[0] for v in opts})
        if len(backward[0]) > limit:
            return None
    return [[j for j, v in enumerate(opts)
             if any(tuple(-x for x in _add(s, v)) in backward[i + 1] for s in forward[i])]
            for i, opts in enumerate(options)]


def _add(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(x + y for x, y in zip(a, b))
