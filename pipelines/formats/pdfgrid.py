"""Ruled-table reconstruction from drawn rules (geometry only, no PDF library).

The steps, with the values measured on real WPS/Word reports (docs/extraction-notes.md §1.4):

1. Rules arrive as horizontal and vertical segments. Segments whose position is within `TOL` of
   each other are snapped to one line (the cluster's mean); collinear spans that overlap or sit
   within `TOL` are joined; what is shorter than `MIN_LEN` is dropped.
2. A table is a connected component of horizontal and vertical segments that cross (within
   `TOL` of each other's extent).
3. Its atomic grid is the set of distinct row lines and column lines. A frame left open (WPS does
   not draw a table's bottom edge at a page break) is closed where the rules end.
4. Neighbouring atomic slots whose shared boundary is not drawn (rules cover less than `COVER`
   of it) belong to one merged cell; a union-find over the slots gives each cell's span.

Coordinates are PDF user space in points: x grows to the right, y grows upwards.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

TOL = 3.0  # snap, join and crossing tolerance (pt); pdfplumber's defaults, measured sufficient
MIN_LEN = 3.0  # shorter rule pieces are noise (pt)
COVER = 0.6  # a boundary is drawn when rules cover at least this share of it
MAX_SLOTS = 20_000  # a mesh of more atomic cells than this is a drawing (hatching, a map), not a table


@dataclass
class Seg:
    """An axis-aligned rule: `pos` is y for a horizontal rule, x for a vertical one; it runs from
    `a` to `b` along its axis."""

    pos: float
    a: float
    b: float


@dataclass
class GridCell:
    row: int
    col: int
    rowspan: int
    colspan: int
    bbox: tuple[float, float, float, float]  # x0, y0 (bottom), x1, y1 (top)


@dataclass
class Grid:
    xs: list[float]  # column lines, left to right
    ys: list[float]  # row lines, top to bottom (descending y)
    cells: list[GridCell]  # anchors in row-major order
    owner: list[list[int]]  # owner[r][c]: index in `cells` of the cell covering slot (r, c)
    frame: tuple[float, float, float, float]  # extent of the drawn rules
    closed: list[str] = field(default_factory=list)  # frame edges added because they were open
    irregular: int = 0  # merged regions that are not rectangles (a rule is missing somewhere)

    def __post_init__(self):
        self._neg_ys = [-y for y in self.ys]

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return self.xs[0], self.ys[-1], self.xs[-1], self.ys[0]

    def contains(self, x: float, y: float) -> bool:
        return self.xs[0] <= x < self.xs[-1] and self.ys[-1] < y <= self.ys[0]

    def locate(self, x: float, y: float) -> int | None:
        """The cell whose area holds the point, or None outside the grid."""
        if not self.contains(x, y):
            return None
        c = bisect.bisect_right(self.xs, x) - 1
        r = bisect.bisect_right(self._neg_ys, -y) - 1
        r = min(max(r, 0), len(self.ys) - 2)
        return self.owner[r][min(c, len(self.xs) - 2)]


def snap_join(segs: list[Seg], tol: float = TOL, min_len: float = MIN_LEN) -> list[Seg]:
    """Snap nearly collinear segments onto one line and join the pieces of each line."""
    out: list[Seg] = []
    for cluster in _chain(sorted(segs, key=lambda s: s.pos), lambda s: s.pos, tol):
        pos = sum(s.pos for s in cluster) / len(cluster)
        spans = sorted((s.a, s.b) for s in cluster)
        a, b = spans[0]
        for a2, b2 in spans[1:]:
            if a2 <= b + tol:
                b = max(b, b2)
            else:
                out.append(Seg(pos, a, b))
                a, b = a2, b2
        out.append(Seg(pos, a, b))
    return [s for s in out if s.b - s.a >= min_len]


def _chain(items, key, tol):
    """Group sorted items into runs whose consecutive keys differ by at most tol."""
    groups: list[list] = []
    for item in items:
        if groups and key(item) - key(groups[-1][-1]) <= tol:
            groups[-1].append(item)
        else:
            groups.append([item])
    return groups


def _crosses(h: Seg, v: Seg, tol: float = TOL) -> bool:
    return h.a - tol <= v.pos <= h.b + tol and v.a - tol <= h.pos <= v.b + tol


def components(hs: list[Seg], vs: list[Seg]) -> list[tuple[list[Seg], list[Seg]]]:
    """Connected groups of crossing rules, each with at least one horizontal and two vertical
    rules or two horizontal and one vertical."""
    parent = list(range(len(hs) + len(vs)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    vs_sorted = sorted(range(len(vs)), key=lambda j: vs[j].pos)
    v_pos = [vs[j].pos for j in vs_sorted]
    for i, h in enumerate(hs):
        lo = bisect.bisect_left(v_pos, h.a - TOL)
        hi = bisect.bisect_right(v_pos, h.b + TOL)
        for j in vs_sorted[lo:hi]:
            if _crosses(h, vs[j]):
                parent[find(i)] = find(len(hs) + j)
    groups: dict[int, tuple[list[Seg], list[Seg]]] = {}
    for i, h in enumerate(hs):
        groups.setdefault(find(i), ([], []))[0].append(h)
    for j, v in enumerate(vs):
        groups.setdefault(find(len(hs) + j), ([], []))[1].append(v)
    return [(h, v) for h, v in groups.values()
            if (len(h) >= 1 and len(v) >= 2) or (len(h) >= 2 and len(v) >= 1)]


def _lines(positions: list[float], tol: float = TOL) -> list[float]:
    return [sum(g) / len(g) for g in _chain(sorted(positions), lambda p: p, tol)]


def _coverage(spans: list[tuple[float, float]], lo: float, hi: float) -> float:
    total, reach = 0.0, lo
    for a, b in spans:  # sorted, joined spans
        a, b = max(a, reach), min(b, hi)
        if b > a:
            total += b - a
            reach = b
    return total


def build_grid(hs: list[Seg], vs: list[Seg]) -> Grid | None:
    """The cell grid of one component, or None when it encloses fewer than two cells (a box, a
    rule with ticks) or is too fine a mesh to be a table."""
    xs, ys = _lines([v.pos for v in vs]), _lines([h.pos for h in hs])
    closed = []
    # Close an open frame where the rules end: verticals running past the last horizontal rule
    # (a page break), horizontals running past the outermost vertical rule (open sides).
    low, high = min(v.a for v in vs), max(v.b for v in vs)
    left, right = min(h.a for h in hs), max(h.b for h in hs)
    if low < ys[0] - TOL:
        ys.insert(0, low)
        closed.append("bottom")
    if high > ys[-1] + TOL:
        ys.append(high)
        closed.append("top")
    if left < xs[0] - TOL:
        xs.insert(0, left)
        closed.append("left")
    if right > xs[-1] + TOL:
        xs.append(right)
        closed.append("right")
    if len(xs) < 2 or len(ys) < 2:
        return None
    ys.reverse()  # top to bottom
    nr, nc = len(ys) - 1, len(xs) - 1
    if nr * nc > MAX_SLOTS:
        return None

    def spans_at(segs: list[Seg], pos: float) -> list[tuple[float, float]]:
        return sorted((s.a, s.b) for s in segs if abs(s.pos - pos) <= TOL)

    v_at = [spans_at(vs, x) for x in xs]
    h_at = [spans_at(hs, y) for y in ys]
    parent = list(range(nr * nc))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for r in range(nr):
        for c in range(nc):
            if c + 1 < nc:  # boundary to the right: column line c+1 between rows r and r+1
                lo, hi = ys[r + 1], ys[r]
                if _coverage(v_at[c + 1], lo, hi) < COVER * (hi - lo):
                    parent[find(r * nc + c)] = find(r * nc + c + 1)
            if r + 1 < nr:  # boundary below: row line r+1 between columns c and c+1
                lo, hi = xs[c], xs[c + 1]
                if _coverage(h_at[r + 1], lo, hi) < COVER * (hi - lo):
                    parent[find(r * nc + c)] = find((r + 1) * nc + c)
    regions: dict[int, list[tuple[int, int]]] = {}
    for r in range(nr):
        for c in range(nc):
            regions.setdefault(find(r * nc + c), []).append((r, c))
    if len(regions) < 2:
        return None
    owner = [[0] * nc for _ in range(nr)]
    cells: list[GridCell] = []
    irregular = 0
    for slots in sorted(regions.values(), key=lambda s: min(s)):
        r0, r1 = min(r for r, _ in slots), max(r for r, _ in slots)
        c0, c1 = min(c for _, c in slots), max(c for _, c in slots)
        if len(slots) != (r1 - r0 + 1) * (c1 - c0 + 1):
            irregular += 1
        for r, c in slots:
            owner[r][c] = len(cells)
        cells.append(GridCell(r0, c0, r1 - r0 + 1, c1 - c0 + 1, (xs[c0], ys[r1 + 1], xs[c1 + 1], ys[r0])))
    frame = (min(min(h.a for h in hs), min(v.pos for v in vs)), min(min(v.a for v in vs), min(h.pos for h in hs)),
             max(max(h.b for h in hs), max(v.pos for v in vs)), max(max(v.b for v in vs), max(h.pos for h in hs)))
    return Grid(xs, ys, cells, owner, frame, closed, irregular)
