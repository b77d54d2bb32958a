"""Extraction: the template's tables from a segmented Document into long-form Polars frames.

One extractor serves every format. A section's table content arrives as a stream of tokens
(pipelines.tokens): a token whose label matches a template row starts that row, the value tokens
after it fill the row's cells. Rows are found by label; a row printed without one is placed only
where the template's order leaves exactly its place and the identities confirm it.

Each section, and each row of sections 二 and 三, is read or not read on its own: what cannot be
read is recorded with the reason (`unread`) and the rest is kept; the report is then `partial`.
A report with nothing readable is an IngestError. How each cell was obtained (`method`):

- read: a delimited cell, as printed;
- annotated: the number of a cell that also carries a note (22（其中修订16件）), the note kept;
- split: cut out of a run of digits (flattened text) by the only cut the identities allow;
- position: a row printed without its label, placed by order and confirmed by the identities.

Identities used to split or place are listed in `rules_used`: for that report they are not
independent checks. Blank or placeholder cells inside a filled section 三/四 table are 0 (how filers
mean them, with the raw text kept); a section 二 item the report leaves out is absent, never 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

import polars as pl

from . import frames, narrative
from . import template as T
from .document import Document
from .errors import IngestError
from .labels import clean, key
from .segment import agency, published_date, report_year, scope, segment
from .splitting import cuts, solve
from .tokens import COLUMNS, GROUP_CODES, ITEMS, METRICS, ROWS, Token, section_tokens
from .values import parse

STAGE = "extract"
CENT = Decimal("0.01")
SECTIONS = tuple(frames.SECTIONS)  # in document order
TITLES = {"proactive": "section 二", "applications": "section 三", "review_litigation": "section 四"}
_UNKNOWN = "?"
_N_APPLICANT = len(T.APPLICANT_CODES)
_ROW_RULE = next(r for r in T.REPORT_RULES if r.along == "outcome")
_COLUMN_RULES = tuple(r for r in T.REPORT_RULES if r.along == "applicant")
_PROCEEDING_RULES = tuple(r for r in T.REPORT_RULES if r.along == "proceeding")


@dataclass(frozen=True)
class Unread:
    """A section, or one row of it, that could not be read, and why."""

    section: str
    row: str | None  # a section 三 row or section 二 item; None: the whole section
    reason: str
    candidates: tuple[tuple[str, ...], ...] = ()  # readings the arithmetic could not choose between


@dataclass
class Extracted:
    """One report's metadata and values, ready for validation and loading."""

    report_id: str
    source: str
    media_type: str
    encoding: str | None
    agency: str | None
    year: int | None
    template: str | None
    published: date | None
    scope: str
    cells: dict[str, list[tuple]]  # per section of frames.SECTIONS, its rows without the report id
    warnings: list[str] = field(default_factory=list)
    sections: dict[str, str] = field(default_factory=dict)  # read | partial | not_read | absent
    unread: list[Unread] = field(default_factory=list)
    rules_used: list[tuple[str, str]] = field(default_factory=list)  # (rule id, place)
    narrative: narrative.Narrative | None = None  # the prose's statements and the body it names

    @property
    def status(self) -> str:
        """complete: sections 三 and 四 read in full, section 二 read or not in the report."""
        complete = (self.sections.get("applications") == "read" == self.sections.get("review_litigation")
                    and self.sections.get("proactive") in ("read", "absent"))
        return "complete" if complete else "partial"

    @property
    def applications(self) -> pl.DataFrame:
        return cells_frame([self], "applications")

    @property
    def proactive(self) -> pl.DataFrame:
        return cells_frame([self], "proactive")

    @property
    def review_litigation(self) -> pl.DataFrame:
        return cells_frame([self], "review_litigation")


def cells_frame(reports: list[Extracted], section: str) -> pl.DataFrame:
    """A section's cells of all `reports` in one frame (frames.SECTIONS), built column by column: one
    frame for many reports costs a fraction of a frame per report."""
    schema, ids, rows = frames.SECTIONS[section], [], []
    for report in reports:
        ids += [report.report_id] * len(report.cells[section])
        rows += report.cells[section]
    columns = list(zip(*rows)) or [()] * (len(schema) - 1)
    return pl.DataFrame([ids, *columns], schema=schema, orient="col")


class Value(NamedTuple):
    """One cell as read: its number (None for a blank or placeholder), text, token and method."""

    number: Decimal | None
    text: str
    token: Token
    method: str

    @property
    def count(self) -> int:
        return int(self.number) if self.number is not None else 0


Reading = tuple[Value, ...]


@dataclass
class Part:
    """What one section gave."""

    records: list[tuple] = field(default_factory=list)
    unread: list[Unread] = field(default_factory=list)
    rules_used: list[tuple[str, str]] = field(default_factory=list)
    found: bool = False  # the section's table is in the document

    @property
    def status(self) -> str:
        if not self.found:
            return "absent"
        if not self.records:
            return "not_read"
        return "partial" if self.unread else "read"


def extract(doc: Document, report_id: str) -> Extracted:
    seg = segment(doc)
    full_text = "\n".join(b.text for b in doc.blocks if hasattr(b, "text"))
    warnings = list(doc.warnings)
    tokens = {s: section_tokens(seg, s) for s in SECTIONS}
    _refuse_blank(doc.source, tokens)
    template, apps = _applications(tokens["applications"], warnings)
    parts = {"applications": apps, "review_litigation": _review_litigation(tokens["review_litigation"]),
             "proactive": _proactive(tokens["proactive"], warnings)}
    if not any(p.records for p in parts.values()):
        reasons = [f"{TITLES[s]}: {_why(parts[s])}" for s in SECTIONS]
        raise IngestError(doc.source, STAGE, "nothing readable: " + "; ".join(reasons))
    published = published_date(seg)
    name = agency(seg, full_text)
    return Extracted(
        report_id, doc.source, doc.media_type, doc.encoding, name, report_year(seg, published), template,
        published, scope(full_text, name), {s: parts[s].records for s in SECTIONS}, warnings,
        {s: parts[s].status for s in SECTIONS},
        [u for s in SECTIONS for u in parts[s].unread], [r for s in SECTIONS for r in parts[s].rules_used],
        narrative.read(doc, report_id, name))


def _why(part: Part) -> str:
    if not part.found:
        return "no table found"
    return "; ".join(dict.fromkeys(u.reason for u in part.unread)) or "no value read"


def _refuse_blank(source: str, tokens: dict[str, list[Token]]) -> None:
    """The blank template (its tables without a single value) is not a report of zeros."""
    if any(t.value.kind == "number" for ts in tokens.values() for t in ts):
        return
    if any(ROWS.match(t.text) or COLUMNS.match(t.text) for t in tokens["applications"]):
        raise IngestError(source, STAGE, f"{TITLES['applications']} (收到和处理政府信息公开申请情况): blank "
                          "template: the table is there but every data cell is empty (no values); this "
                          "is the template itself, not a report of zeros")


# --- Cells and readings ---------------------------------------------------------------------------


def _fit(values: list[Token], n: int) -> list[Token]:
    """Drop blank filler cells (covered spans, indentation, row-end markers) beyond n values."""
    values = list(values)
    while len(values) > n and values[0].value.kind == "blank":
        values.pop(0)
    while len(values) > n and values[-1].value.kind == "blank":
        values.pop()
    return values


def _as_read(tok: Token) -> Value:
    v = tok.value
    if v.kind != "number":
        return Value(None, tok.text, tok, "read")
    return Value(v.number, tok.text, tok, "annotated" if v.note else "read")


def _is_run(tok: Token) -> bool:
    return tok.value.kind == "number" and tok.value.note is None


def _readings(values: list[Token], n: int, *, cut_delimited: bool, signed=(), amount=(), prune=None) \
        -> tuple[list[Reading], str | None, bool]:
    """The ways these value tokens fill n cells: as printed, or cut out of runs of digits. A run that
    can be cut one way only gives that reading; otherwise `prune` (the caller's identities) keeps
    the cuts that can satisfy them. Delimited cells are cut only when the caller has identities to
    check the cut with (`cut_delimited`). Returns (readings, why there is none, whether the cut was
    chosen among several)."""
    fitted = _fit(values, n)
    if len(fitted) == n:
        return [tuple(map(_as_read, fitted))], None, False
    shown = " ".join(t.text for t in fitted)
    runs = [t for t in fitted if t.value.kind != "blank"]
    if len(fitted) > n or not runs or not all(_is_run(t) and (cut_delimited or t.glued) for t in runs):
        return [], f"{len(fitted)} value cells where the template has {n} ('{shown}')", False
    texts = [t.text for t in runs]
    found = cuts(texts, n, signed=signed, amount=amount, limit=1)
    chosen = found is None
    if chosen:
        found = cuts(texts, n, signed=signed, amount=amount, prune=prune)
    if found is None:
        return [], f"'{shown}' can be cut into {n} cells in too many ways", chosen
    readings = [tuple(Value(parse(text).number, text, runs[run], "split") for run, text in cut)
                for cut in found]
    return readings, None if readings else f"no cut of '{shown}' into {n} cells satisfies the identities", chosen


def _sums_prune(groups: list[range]) -> Callable[[list[str], int], bool]:
    """A `cuts` prune for identities "the last cell of each group = Σ of the group's other cells":
    true once a group is complete and wrong, or its partial sum needs more digits than are left
    for its last cell."""
    n = groups[-1][-1] + 1

    def prune(cells: list[str], left: int) -> bool:
        k = len(cells)
        group = next(g for g in groups if k - 1 in g)
        done = [int(c) for c in cells[group[0]:]]
        if k - 1 == group[-1]:
            return sum(done[:-1]) != done[-1]
        return sum(done) >= 10 ** (left - (n - k - 1))
    return prune


_ROW_PRUNE = _sums_prune([range(_N_APPLICANT)])  # T.APPLICANT_CODES ends with total
_PROCEEDING_PRUNE = _sums_prune([range(i, i + len(T.RESULT_CODES))  # T.RESULT_CODES ends with total
                                 for i in range(0, len(T.PROCEEDING_CODES) * len(T.RESULT_CODES), len(T.RESULT_CODES))])


def _provenance(v: Value, method: str | None = None) -> tuple[str, str, str, str | None]:
    """raw_text, ref, method and note of a cell's record (`method` overrides the cell's own)."""
    return v.text, v.token.ref, method or v.method, v.token.value.note if v.method == "annotated" else None


def _texts(reading: Reading) -> tuple[str, ...]:
    return tuple(v.text for v in reading)


def _holds(rule: T.Rule, cells: dict[str, int]) -> bool:
    """A rule of one row or proceeding (lhs and rhs name cells of it) holds on these cells."""
    return sum(cells[c] for c in rule.lhs) == sum(cells[c] for c in rule.rhs)


# --- Section 三 -----------------------------------------------------------------------------------


@dataclass
class _Entry:
    """A row label (None: a row printed without one) and the value tokens after it."""

    label: Token | None
    code: str | None
    values: list[Token] = field(default_factory=list)

    @property
    def has_numbers(self) -> bool:
        return any(v.value.kind == "number" for v in self.values)


@lru_cache(maxsize=1 << 14)  # the same labels recur in every report
def _match_row(text: str) -> str | None:
    """A row label, or a cell holding a group label and its row label run together with spaces."""
    parts = text.split()
    for start in range(len(parts)):
        code = ROWS.match(" ".join(parts[start:]))
        if code:
            return code
    return None


def _entries(tokens: list[Token], columns: set[str]) -> list[_Entry]:
    """Tokens as rows: a label with the values after it; a table row starting with a number after a
    complete row is a row printed without its label. Column headers before the first row are noted."""
    entries: list[_Entry] = []
    for tok in tokens:
        last = entries[-1] if entries else None
        if tok.value.is_value:
            if last is not None and tok.row_start and last.has_numbers:
                entries.append(_Entry(None, None, [tok]))
            elif last is not None:
                last.values.append(tok)
            continue
        if last is None and (column := COLUMNS.match(tok.text)):
            columns.add(column)
            continue
        code = _match_row(tok.text)
        if code is None and (wrapped := _wrapped(entries, tok)):
            entries.remove(wrapped)  # the rest of a label wrapped onto the next line or cell: the
            entries.append(wrapped)  # values after it are that row's
            continue
        if code is None:
            if last is None or COLUMNS.match(tok.text) or not key(tok.text):
                continue  # titles and notes before the table; headers repeated after a page break
            code = _UNKNOWN
        if last is not None and last.code == "carried_forward" and last.has_numbers:
            break  # the table's last row is complete; notes may follow
        entries.append(_Entry(tok, code))
    return entries


def _wrapped(entries: list[_Entry], tok: Token) -> _Entry | None:
    """The label (among the last ones, still without values) that this text completes: exactly, or
    the last one by its tolerant match. The label is joined with the text."""
    for entry in reversed(entries):
        if entry.has_numbers:
            break
        joined = entry.label.text + tok.text if entry.label else None
        code = joined and (ROWS.exactly(joined) or entry is entries[-1] and _match_row(joined))
        if code:
            entry.label, entry.code = Token(joined, entry.label.ref, entry.label.value), code
            return entry
    return None


def _sequence(template: str) -> list[str]:
    """The rows of a section 三 table as printed: group labels before their first member."""
    out: list[str] = []
    groups = {g.code: g for g in T.OUTCOME_GROUPS}
    for code in T.outcome_rows(template):
        parent, chain = T.OUTCOME_BY_CODE[code].group, []
        while parent and parent not in out and parent in groups and template in groups[parent].templates:
            chain.insert(0, parent)
            parent = groups[parent].group
        out += chain + [code]
    return out


def _template(entries: list[_Entry]) -> str | None:
    """T2021 when a （六） sub-row is labelled, T2019 when （六）其他处理 carries values; otherwise the
    version whose order places the rows printed without a label."""
    if any(e.code and e.code.startswith("other.") and e.has_numbers for e in entries):
        return T.T2021
    if any(e.code == "other" and e.has_numbers for e in entries):
        return T.T2019
    fits = [t for t in (T.T2019, T.T2021) if not _placements(entries, t)[1]]
    return fits[0] if len(fits) == 1 else None


def _placements(entries: list[_Entry], template: str) -> tuple[dict[int, str], list[tuple[int, str]]]:
    """Rows printed without a label (or with one matching no row, or beside a group label) placed by
    the template's order: a run of k such rows between two labelled rows takes the k rows missing
    between them, if exactly k are missing. Returns (entry index → row code, [(entry index, why not
    placed)])."""
    sequence = [c for c in _sequence(template) if c not in GROUP_CODES]
    where = {code: i for i, code in enumerate(sequence)}
    labelled = {_code(e, template) for e in entries if e.has_numbers} & set(where)
    placed: dict[int, str] = {}
    refused: list[tuple[int, str]] = []
    run: list[int] = []
    before = -1
    for i, entry in enumerate([*entries, None]):
        code = _code(entry, template) if entry is not None else None
        if entry is not None and not entry.has_numbers:
            continue
        if entry is not None and code not in where:
            run.append(i)
            continue
        after = where[code] if entry is not None else len(sequence)
        if run:
            missing = [c for c in sequence[before + 1:after] if c not in labelled]
            if len(missing) == len(run):
                placed.update(zip(run, missing))
            else:
                refused += [(j, f"{len(run)} row(s) without a known label where {len(missing)} row(s) "
                                f"are missing") for j in run]
            run = []
        before = max(before, after)
    return placed, refused


def _code(entry: _Entry, template: str) -> str | None:
    if entry.code == "other" and template == T.T2021:
        return "other_total"  # （六）其他处理 heads the T2021 sub-rows
    return entry.code


def _applications(tokens: list[Token], warnings: list[str]) -> tuple[str | None, Part]:
    part = Part()
    columns: set[str] = set()
    entries = _entries(tokens, columns)
    if not entries:
        part.found = any(t.value.kind == "number" for t in tokens)
        if part.found:
            part.unread.append(Unread("applications", None, "no row label found"))
        return None, part
    part.found = True
    if unnamed := [c for c in T.APPLICANT_CODES if c not in columns]:
        warnings.append(f"section 三: header names no column {', '.join(unnamed)}; template order assumed")
    template = _template(entries)
    placed, refused = _placements(entries, template) if template else ({}, [])
    unread: dict[str | None, list[str]] = {}
    for i, why in refused:
        label = f"'{entries[i].label.text}': " if entries[i].label else ""
        unread.setdefault(None, []).append(f"{label}{why} ({_where(entries[i])})")
    options: dict[str, list[Reading]] = {}
    used: set[tuple[str, str]] = set()
    checked: set[str] = set()  # rows whose reading an identity chose or confirmed
    for i, entry in enumerate(entries):
        code = placed.get(i) or _code(entry, template)
        if code == _UNKNOWN:
            if entry.has_numbers and i not in placed and i not in dict(refused):
                unread.setdefault(None, []).append(
                    f"label '{entry.label.text}' matches no row of the template ({entry.label.ref})")
            elif not entry.has_numbers:
                warnings.append(f"section 三: label '{entry.label.text}' without values ignored ({entry.label.ref})")
            continue
        if code is None or code in GROUP_CODES or not entry.has_numbers:
            continue  # not placed (recorded as refused), a group label, or a label without values
        readings, why, chosen = _readings(entry.values, _N_APPLICANT, cut_delimited=True, prune=_ROW_PRUNE)
        cut = bool(readings) and readings[0][0].method == "split"
        if cut or i in placed:  # the row total must confirm a cut (cells may have vanished) or a place
            readings = [r for r in readings if _holds(_ROW_RULE, _cells(r))]
            why = why or "its 总计 is not Σ of its cells"
            used.add((_ROW_RULE.id, code))
        if chosen or i in placed:  # the column identities must confirm it
            checked.add(code)
        if code in options or code in unread:
            if code in options and [_texts(r) for r in options[code]] == [_texts(r) for r in readings]:
                continue
            unread.setdefault(code, []).append(f"printed twice with different values ({_where(entry)})")
            options.pop(code, None)
            continue
        if not readings:
            unread.setdefault(code, []).append(f"{why} ({_where(entry)})")
            continue
        options[code] = readings
    # placed rows in the order of the entries (a set's order changes from run to run, and so would unread's)
    chosen, by_columns = _choose(options, dict.fromkeys(placed.values()), checked, template, unread)
    expected = T.outcome_rows(template) if template else [
        c for c in T.outcome_rows(T.T2019) if c in T.outcome_rows(T.T2021)]
    for code in expected:
        if code not in chosen and code not in unread:
            unread[code] = ["row not found"]
    positioned = set(placed.values())
    for code in sorted(chosen, key=_ORDER.__getitem__):  # rows in template order, each row's cells in column order
        method = "position" if code in positioned else None
        part.records += [(code, col, v.count, *_provenance(v, method))
                         for col, v in zip(T.APPLICANT_CODES, chosen[code])]
    part.unread = [Unread("applications", code, "; ".join(why), _candidates(options.get(code)))
                   for code, why in unread.items()]
    part.rules_used = sorted({u for u in used if u[1] in chosen} | by_columns)
    if template is None:
        part.unread.append(Unread("applications", None, "template version unknown: the （六） rows "
                                                        "were not found"))
    return template, part


_ORDER = {c.code: i for i, c in enumerate(T.OUTCOMES)}


def _where(entry: _Entry) -> str:
    tok = entry.label or entry.values[0]
    return tok.ref


def _cells(reading: Reading) -> dict[str, int]:
    return {col: v.count for col, v in zip(T.APPLICANT_CODES, reading)}


def _candidates(readings: list[Reading] | None) -> tuple[tuple[str, ...], ...]:
    return tuple(_texts(r) for r in readings[:20]) if readings and len(readings) > 1 else ()


def _choose(options: dict[str, list[Reading]], placed: dict[str, None], checked: set[str], template: str | None,
            unread: dict[str | None, list[str]]) -> tuple[dict[str, Reading], set[tuple[str, str]]]:
    """One reading per row. A row read as printed, or cut the only way its digits allow (and its total
    agrees), stands. The rest (`checked`: a cut its row total chose among several, a row placed by
    position) must satisfy the column identities of section 三 that run through them, taken
    together: what those leave open, contradict or cannot check is not read; a placed row needs
    every identity through its place."""
    chosen = {c: r[0] for c, r in options.items() if len(r) == 1 and c not in checked}
    equations = _equations(template, set(options)) if template else {}
    for code in placed:
        if len([e for e, coef in equations.items() if code in coef]) < len(
                _equations(template, set(T.outcome_rows(template)), code)):
            unread.setdefault(code, []).append("printed without its label; the identities through its "
                                               "place cannot all be checked")
    variables = [c for c in options if c not in chosen and c not in unread]
    used: set[tuple[str, str]] = set()
    for rows, eqs in _components(variables, equations):
        if not eqs:
            for code in rows:
                unread.setdefault(code, []).append(_unchecked(code, placed, len(options[code])))
            continue
        order = sorted(eqs)
        constant = tuple(sum(coef * _cells(chosen[c])[e[1]] for c, coef in eqs[e].items() if c in chosen)
                         for e in order)
        vectors = [[tuple(eqs[e].get(code, 0) * _cells(r)[e[1]] for e in order) for r in options[code]]
                   for code in rows]
        feasible = solve(vectors, constant)
        for code, keep in zip(rows, feasible or [[]] * len(rows)):
            if len(keep) == 1:
                chosen[code] = options[code][keep[0]]
                used |= set(order)
                continue
            if keep:
                options[code] = [options[code][j] for j in keep]
            unread.setdefault(code, []).append("too many readings to tell" if feasible is None
                                               else _undecided(code, placed, bool(keep)))
    return chosen, used


def _components(rows: list[str], equations: dict[tuple[str, str], dict[str, int]]):
    """Rows linked by the equations that run through them, with those equations: each group can be
    decided on its own (a failure in one says nothing of another)."""
    left = list(rows)
    while left:
        group, eqs, frontier = set(), {}, [left[0]]
        while frontier:
            code = frontier.pop()
            if code in group:
                continue
            group.add(code)
            for e, coef in equations.items():
                if code in coef and e not in eqs:
                    eqs[e] = coef
                    frontier += [c for c in coef if c in left and c not in group]
        yield [c for c in left if c in group], eqs
        left = [c for c in left if c not in group]


def _unchecked(code: str, placed: dict[str, None], readings: int) -> str:
    if code in placed:
        return "printed without its label; no column identity through its place can be checked"
    return f"its digits can be cut {readings} way(s) that its 总计 allows, and no column identity can check them"


def _undecided(code: str, placed: dict[str, None], several: bool = False) -> str:
    if code in placed:
        return "printed without its label; the identities do not confirm its place"
    return ("the identities leave several cuts of its digits" if several
            else "no cut of its digits satisfies the column identities through it")


def _equations(template: str, rows: set[str], through: str | None = None) \
        -> dict[tuple[str, str], dict[str, int]]:
    """The column identities of section 三 whose every row is in `rows` (and, with `through`, that
    row among them): (rule id, column) → {row code: +1 (lhs) or −1 (rhs)}."""
    out = {}
    for rule in _COLUMN_RULES:
        rhs = T.outcome_leaves(template) if rule.rhs == "leaves" else rule.rhs
        coef = {**{c: 1 for c in rule.lhs}, **{c: -1 for c in rhs}}
        if set(coef) <= rows and (through is None or through in coef):
            out.update({(rule.id, col): coef for col in T.APPLICANT_CODES})
    return out


# --- Section 四 -----------------------------------------------------------------------------------


def _review_litigation(tokens: list[Token]) -> Part:
    """One data row of 15 cells, mapped by position (5 results × 3 proceedings) once the header's
    three proceedings are found: header labels truncate and repeat (docs/template.md §7.3). A row
    printed all blank (some reports' way of writing no cases) is 15 zeros."""
    begin = next((i for i, t in enumerate(tokens) if T.PROCEEDINGS[0].label_zh in clean(t.text)), 0)
    tokens = tokens[begin:]  # a table found by its words may share its block with section 三
    part = Part(found=bool(tokens))
    if not tokens:
        return part
    n = len(T.PROCEEDING_CODES) * len(T.RESULT_CODES)
    first = next((i for i, t in enumerate(tokens) if t.value.kind == "number"),
                 max((i for i, t in enumerate(tokens) if not t.value.is_value), default=-1) + 1)
    header = "".join(clean(t.text) for t in tokens[:first])
    at = [header.find(p.label_zh) for p in T.PROCEEDINGS]
    named = min(at) >= 0 and at == sorted(at)
    start = max((i for i, t in enumerate(tokens[:first]) if not t.value.is_value), default=-1) + 1
    end = next((i for i in range(first, len(tokens)) if not tokens[i].value.is_value), len(tokens))
    readings, why, _ = _readings(tokens[start:end], n, cut_delimited=True, prune=_PROCEEDING_PRUNE)
    decided = bool(readings) and readings[0][0].method == "split"
    if decided or not named:  # the identities confirm a cut (cells may have vanished) or a lost header
        readings = [r for r in readings if all(_holds(rule, _places(r, rule.place)) for rule in _PROCEEDING_RULES)]
        why = why or ("no cut of its digits satisfies the identities" if named else
                      "header does not name 行政复议, 未经复议直接起诉 and 复议后起诉 in that order, and the "
                      "15 cells do not satisfy the identities")
    width = len(T.RESULT_CODES)
    for i, rule in enumerate(_PROCEEDING_RULES):  # a proceeding every reading agrees on is read
        options = list(dict.fromkeys(r[i * width:(i + 1) * width] for r in readings))
        if len(options) != 1:
            part.unread.append(Unread("review_litigation", rule.place, f"the identities leave {len(options)} "
                                      "cuts of its digits" if options else why, _candidates(options)))
            continue
        part.records += [(rule.place, r, v.count, *_provenance(v, None if named else "position"))
                         for r, v in zip(T.RESULT_CODES, options[0])]
        if decided or not named:
            part.rules_used.append((rule.id, "+".join(rule.lhs)))
    return part


def _places(reading: Reading, proceeding: str) -> dict[str, int]:
    i = T.PROCEEDING_CODES.index(proceeding) * len(T.RESULT_CODES)
    return {r: v.count for r, v in zip(T.RESULT_CODES, reading[i:i + len(T.RESULT_CODES)])}


# --- Section 二 -----------------------------------------------------------------------------------


def _resolve_metrics(labels: list[Token]) -> tuple[list[tuple[str, int | None]], str | None]:
    """Header labels → metric codes: exact or fuzzy; then a label cut in two (本年新 | 制作数量) joined
    when together the two are a label; then truncated labels by prefix, in template order. Each
    metric comes with the money unit its header names (万元 → 10000), if any."""
    labels = [part for t in labels for part in _unglue(t)
              if key(part.text) and key(part.text) not in key(T.PROACTIVE_HEADER_LABEL)]
    codes: list[str | None] = [METRICS.match(t.text) for t in labels]
    for a in range(len(labels) - 1):
        joined = key(labels[a].text + labels[a + 1].text)
        if key(labels[a].text) not in METRICS.exact and codes[a + 1] is None and joined in METRICS.exact:
            codes[a], codes[a + 1] = METRICS.exact[joined], "joined"
            labels[a] = Token(labels[a].text + labels[a + 1].text, labels[a].ref, labels[a].value)
    labels, codes = [t for t, c in zip(labels, codes) if c != "joined"], [c for c in codes if c != "joined"]
    for i, t in enumerate(labels):
        if codes[i] is None:
            free = [c for c in METRICS.prefixed(t.text) if c not in codes]
            if not free:
                return [], f"column header '{t.text}' matches no metric ({t.ref})"
            codes[i] = free[0]
    if [_METRIC_ORDER[c] for c in codes] != sorted(_METRIC_ORDER[c] for c in codes):
        return [], f"column headers {' | '.join(t.text for t in labels)} read as {', '.join(codes)}: not in " \
                   f"the template's order ({labels[0].ref})"
    scales = [10000 if "万元" in clean(t.text) else 1 if "元" in clean(t.text) else None for t in labels]
    return list(zip(codes, scales)), None


_METRIC_ORDER = {m.code: i for i, m in enumerate(T.PROACTIVE_METRICS)}  # every table of the template lists its metrics in this order


def _unglue(label: Token) -> list[Token]:
    """A header cell holding two truncated labels run together (本年新本年新) as the two labels."""
    if METRICS.match(label.text) or METRICS.prefixed(label.text):
        return [label]
    k = clean(label.text)
    for cut in range(2, len(k) - 1):
        if METRICS.prefixed(k[:cut]) and METRICS.prefixed(k[cut:]):
            return [Token(k[:cut], label.ref, label.value), *_unglue(Token(k[cut:], label.ref, label.value))]
    return [label]


def _split_labels(text: str, ref: str) -> list[Token]:
    return [Token(part, ref, parse(part)) for part in text.split()]


def _proactive(tokens: list[Token], warnings: list[str]) -> Part:
    part = Part()
    metrics: list[tuple[str, int | None]] = []
    problem: str | None = None  # why the current sub-table's columns are unknown
    header: list[list[Token]] | None = None  # header rows of the current sub-table, while it is read
    item: Token | None = None
    code: str | None = None
    values: list[Token] = []

    def close():
        if item is None:
            return
        part.found = True
        if problem or not metrics:
            part.unread.append(Unread("proactive", code, problem or f"item '{item.text}' has no column "
                                                                    f"header ({item.ref})"))
            return
        signed = [T.METRIC_BY_CODE[m].may_be_negative for m, _ in metrics]
        amount = [T.METRIC_BY_CODE[m].is_amount for m, _ in metrics]
        readings, why, _ = _readings(values, len(metrics), cut_delimited=False, signed=signed, amount=amount)
        if len(readings) != 1:
            part.unread.append(Unread("proactive", code, why or f"'{' '.join(t.text for t in values)}' can "
                                      f"be cut into {len(metrics)} cells in {len(readings)} ways and no "
                                      "identity of the template decides", _candidates(readings)))
            return
        for (metric, scale), v in zip(metrics, readings[0]):
            value, note = _proactive_value(code, metric, scale, v, warnings)
            if value is None:
                if note:
                    part.unread.append(Unread("proactive", code, note))
                continue
            part.records.append((code, metric, value, *_provenance(v)))

    for tok in tokens:
        text = not tok.value.is_value
        found = ITEMS.match(tok.text) if text else None
        caption = text and clean(tok.text).startswith(T.PROACTIVE_CAPTION)
        if text and found is None and (caption or T.PROACTIVE_HEADER_LABEL in clean(tok.text)
                                       or header is None and _starts_header(tok)):
            close()  # a sub-table begins: its columns are what its own header says, or unknown
            item, values, metrics, problem = None, [], [], None
            labels = tok.text.split(T.PROACTIVE_HEADER_LABEL, 1)[1] if T.PROACTIVE_HEADER_LABEL in tok.text else ""
            header = [] if caption else [[tok, *_split_labels(labels, tok.ref)]]
        elif header is not None and found is None and (text or tok.value.kind == "blank"):
            if tok.row_start or not header:
                header.append([])  # the header goes on over another row
            header[-1].append(tok)
        elif found is not None:
            close()
            if header:
                (metrics, problem), header = _resolve_metrics(_header_labels(header)), None
            item, code, values = tok, found, []
        elif not text:
            if item is not None:
                values.append(tok)
        elif item is not None:
            if len(_fit(values, len(metrics))) < len(metrics) and not any(t.glued for t in values):
                part.unread.append(Unread("proactive", None, f"label '{tok.text}' matches no item of the "
                                                             f"template ({tok.ref})"))
            close()
            item, values = None, []  # a note after a complete row ends the table
    close()
    return part


def _starts_header(tok: Token) -> bool:
    """A header row whose 信息内容 cell is lost or cut (信 | 本年新 …, 本年新 | 本年新 …)."""
    k = key(tok.text)
    return tok.row_start and bool(k) and (T.PROACTIVE_HEADER_LABEL.startswith(k)
                                          or bool(METRICS.match(k) or METRICS.prefixed(k)))


def _header_labels(rows: list[list[Token]]) -> list[Token]:
    """The column labels of a header: a header split over rows of equal width (a converter's page
    table) is read column by column (本 + 年制发件数); otherwise its labels in order."""
    rows = [r for r in rows if r]
    if len(rows) > 1 and len({len(r) for r in rows}) == 1:
        return [Token("".join(r[i].text for r in rows if r[i].value.kind == "text"), rows[0][i].ref,
                      rows[0][i].value) for i in range(len(rows[0]))]
    return [part for r in rows for t in r if t.value.kind == "text"
            for part in ([t] if METRICS.match(t.text) else _split_labels(t.text, t.ref))]


def _proactive_value(item, metric, header_scale, v: Value, warnings) -> tuple[Decimal | None, str | None]:
    """The value of a section 二 cell, or (None, why) when it cannot be one."""
    where = f"{item}.{metric}"
    if v.number is None:
        warnings.append(f"section 二 {where}: '{v.text}' is not a value; left absent ({v.token.ref})")
        return None, None
    number = v.number
    if T.METRIC_BY_CODE[metric].is_amount:
        scale = parse(v.text).unit_scale or header_scale
        if scale is None:
            scale = 1
            if number:
                warnings.append(f"section 二 {where}: amount '{v.text}' names no unit; taken as 元 ({v.token.ref})")
        return (number * scale).quantize(CENT), None
    if number != number.to_integral_value() or parse(v.text).unit_scale:
        return None, f"'{v.text}' is not a whole count ({v.token.ref})"
    return number, None
