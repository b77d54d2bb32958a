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
from collections.abc import Callable, Sequence

LIMIT = 20_000  # cuts of one row (or partial sums of the column identities) beyond which we refuse
_UNIT = re.compile(r"(万元|万|元)$")
_INTEGER = re.compile(r"[-+]?(?:0|[1-9]\d*)")
_DECIMAL = re.compile(r"[-+]?(?:0|[1-9]\d*)(?:\.\d+)?")


def cuts(runs: Sequence[str], n: int, *, signed: Sequence[bool] = (), amount: Sequence[bool] = (),
         prune: Callable[[list[str], int], bool] | None = None,
         limit: int = LIMIT) -> list[tuple[tuple[int, str], ...]] | None:
    """Every way to cut the runs, in order and each into one cell or more, into `n` cells, as
    (run index, cell text) per cell; None when there are more than `limit`.
    `signed[i]` / `amount[i]`: cell i may be negative / fractional. `prune(cells so far, characters
    left)` returns True when no cut beginning with these cells can satisfy the caller's identities."""
    signed = list(signed) or [False] * n
    amount = list(amount) or [False] * n
    split = [_split_unit(run) for run in runs]
    found: list[tuple[tuple[int, str], ...]] = []

    def walk(run: int, at: int, cells: list[tuple[int, str]]) -> bool:
        """Extend `cells` from position `at` of run `run`; False once past the limit."""
        if run == len(split):
            if len(cells) == n:
                found.append(tuple(cells))
            return len(found) <= limit
        body, unit = split[run]
        later = sum(len(b) for b, _ in split[run + 1:])
        for end in range(at + 1, len(body) + 1):
            i = len(cells)
            if i + (len(split) - run - 1) >= n or len(body) - end + later < n - i - 1:
                break  # too few cells left for the runs, or too few digits left for the cells
            text = body[at:end] + (unit if end == len(body) else "")
            if end == len(body) and unit and not amount[i] or not _valid(body[at:end], i, signed, amount):
                continue
            if len(body) - end and n - i - 1 == 0:
                continue  # digits would be left over
            cells.append((run, text))
            left = len(body) - end + later
            if not (prune and prune([c for _, c in cells], left)):
                if not walk(run + 1, 0, cells) if end == len(body) else not walk(run, end, cells):
                    return False
            cells.pop()
        return True

    return found if walk(0, 0, []) else None


def _split_unit(run: str) -> tuple[str, str]:
    m = _UNIT.search(run)
    return (run[:m.start()], m.group()) if m else (run, "")


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
