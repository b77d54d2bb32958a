"""The common document form: every input format becomes ordered lines and table grids of cell
strings, each with a reference back to the source. Segmentation and extraction read only this."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple


@dataclass(frozen=True)
class Ref:
    """Where a piece of text came from: a source line, a PDF page and box, or an HTML node."""

    line: int | None = None
    page: int | None = None
    bbox: tuple[float, float, float, float] | None = None
    node: str | None = None

    def __str__(self) -> str:
        return self._text

    @cached_property  # a Ref is shared by the cells of its line (and by documents), and asked for often
    def _text(self) -> str:
        if self.page is None and self.bbox is None:  # most refs: a text line or an HTML cell
            if self.node is None and self.line is not None:
                return f"line {self.line}"
            if self.line is None and self.node is not None:
                return self.node
        parts = []
        if self.page is not None:
            parts.append(f"page {self.page}")
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.bbox is not None:
            parts.append("bbox " + ",".join(f"{v:.0f}" for v in self.bbox))
        if self.node:
            parts.append(self.node)
        return " ".join(parts)


class Cell(NamedTuple):  # named tuples: a report makes hundreds, and a tuple is cheap to make
    text: str
    ref: Ref
    rowspan: int = 1
    colspan: int = 1


class Line(NamedTuple):
    text: str
    ref: Ref


@dataclass
class Table:
    """A grid of anchor cells, row by row (cells covered by a span are not repeated)."""

    rows: list[list[Cell]]
    ref: Ref

    def cells(self):
        for row in self.rows:
            yield from row


@dataclass
class Document:
    source: str
    media_type: str
    encoding: str | None
    blocks: list[Line | Table] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[Line]:
        return [b for b in self.blocks if isinstance(b, Line)]

    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]
