"""What the warehouse says about data quality: the run summary, the asset checks' numbers and the
analysts' data-quality page (数据质量报告).

The page is one self-contained HTML file (inline CSS, a few lines of JavaScript, plots as inline SVG:
no network), Chinese first with the English codes beside: overview and trend over runs, failures
by rule and by body with both sides of each identity, the likely wrong cell, the rule's text and
where in the source to look (line or page + box, with an excerpt), a section per report, the
reports superseded or retired and the documents that could not be read. Sources are named by
their file name (or URL), never by a machine path.
"""

from __future__ import annotations

import os
import re
from decimal import Decimal
from html import escape
from pathlib import Path
from urllib.parse import urlparse

import duckdb
import polars as pl

from . import paths
from . import template as T
from .decode import decode_text
from .errors import IngestError

MAX_FAILURES = 5000  # rows of the failure table (v_dq_failures has them all)
MAX_REPORTS = 2000  # reports listed, beyond which only those failing, warned or partial (v_report_summary)

_FAILURES = """
    SELECT f.report_id, r.source_uri, r.agency_name, f.agency, f.report_year, f.rule_id, f.severity,
           f.column_code, f.lhs, f.rhs, f.difference, f.related_report_id
    FROM v_dq_failures f JOIN dim_report r USING (report_id)
    ORDER BY f.severity, f.agency, f.report_year, f.rule_id, f.column_code"""
_ERRORS = ("SELECT source_uri, stage, error, first_seen, last_seen FROM ingest_error WHERE retired_at IS NULL "
           "ORDER BY source_uri, stage")


def display_source(uri: str | None) -> str:
    """A source as analysts should see it: relative to the project, or its file name; URLs as they are."""
    if not uri:
        return ""
    if urlparse(uri).scheme in ("http", "https"):
        return uri
    path = Path(uri)
    if not path.is_absolute():
        return uri
    return str(path.relative_to(paths.ROOT)) if path.is_relative_to(paths.ROOT) else path.name


def _num(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return str(int(value)) if value == value.to_integral_value() else f"{value:.2f}"
    return str(value)


# --- Summary and asset checks ---------------------------------------------------------------------


def summary(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Current reports, superseded and retired ones, documents failed (why), rules failed per report."""
    counts = dict(con.execute("SELECT status, count(*) FROM dim_report GROUP BY status").fetchall())
    errors = con.execute(_ERRORS).fetchall()
    broken = con.execute("""
        SELECT source_uri, agency, report_year, string_agg(DISTINCT rule_id, ', ' ORDER BY rule_id)
        FROM v_dq_failures WHERE severity = 'error' GROUP BY ALL ORDER BY agency, report_year""").fetchall()
    warned = con.execute("SELECT count(DISTINCT report_id) FROM v_dq_failures WHERE severity = 'warning'").fetchone()[0]
    lines = [f"reports current: {counts.get('current', 0)} (superseded {counts.get('superseded', 0)}, "
             f"retired {counts.get('retired', 0)})", f"documents failed: {len(errors)}"]
    lines += [f"  {display_source(uri)}  {stage}: {error}" for uri, stage, error, *_ in errors]
    partial = con.execute("""
        SELECT r.source_uri, string_agg(DISTINCT coalesce(u.row_code, u.section), ', ' ORDER BY 1)
        FROM dim_report r JOIN unread_row u USING (report_id) WHERE r.status = 'current'
        GROUP BY ALL ORDER BY 1""").fetchall()
    lines.append(f"reports read in part: {len(partial)}")
    lines += [f"  {display_source(uri)}  not read: {what}" for uri, what in partial]
    lines.append(f"reports failing a rule: {len(broken)}")
    lines += [f"  {display_source(uri)}  {agency or '?'}  {year or '?'}: {rules}"
              for uri, agency, year, rules in broken]
    lines.append(f"reports with a warning (soft rule): {warned}")
    return lines


def rule_counts(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, int, int]]:
    """Per rule, over the current reports: places checked, failed, and not judged by any suite (the
    places whose identity was used to read a report are not checks of it: role 'used')."""
    return {rule: counts for rule, *counts in con.execute("""
        SELECT d.rule_id, count(*), count(*) FILTER (WHERE NOT passed), count(*) FILTER (WHERE passed IS NULL)
        FROM dq_result d JOIN dim_report r ON r.report_id = d.report_id AND r.status = 'current'
        WHERE d.role = 'tested' GROUP BY d.rule_id""").fetchall()}


def rule_failures(con: duckdb.DuckDBPyConnection, limit: int) -> dict[str, list[tuple]]:
    """Per rule, its first `limit` failures among the current reports: (source, agency as printed,
    column, lhs, rhs)."""
    failures: dict[str, list[tuple]] = {}
    for rule, uri, name, column, lhs, rhs in con.execute("""
            SELECT rule_id, source_uri, agency_name, column_code, lhs, rhs FROM (
                SELECT f.rule_id, r.source_uri, r.agency_name, f.column_code, f.lhs, f.rhs,
                       row_number() OVER (PARTITION BY f.rule_id ORDER BY r.source_uri, r.agency_name,
                                          f.column_code, f.lhs, f.rhs) AS n
                FROM v_dq_failures f JOIN dim_report r USING (report_id))
            WHERE n <= ? ORDER BY ALL""", [limit]).fetchall():
        failures.setdefault(rule, []).append((display_source(uri), name, column, _num(lhs), _num(rhs)))
    return failures


# --- Labels ---------------------------------------------------------------------------------------

_STATEMENTS = {"received": "正文：收到/受理申请", "carried_over": "正文：上年结转", "total_handled": "正文：办结/答复",
               "carried_forward": "正文：结转下年度", "review": "正文：行政复议", "litigation": "正文：行政诉讼"}
_CODES = {c.code: c.label_zh for c in (*T.APPLICANTS, *T.OUTCOMES, *T.OUTCOME_GROUPS, *T.PROCEEDINGS,
                                        *T.PROACTIVE_ITEMS, *T.PROACTIVE_METRICS)}
_RESULTS = {c.code: c.label_zh for c in T.RESULTS}
_STATUS = {"current": "现行", "superseded": "已被取代", "retired": "已撤下"}
_SEVERITY = {"error": "错误", "warning": "警告"}
_VERDICT = {"located": "已定位", "ambiguous": "无法确定：多个单元格都能解释，不作猜测",
            "unexplained": "不止一处错误：没有单个单元格能解释"}


_CODES.update({"received": "本年新收", "carried_over": "上年结转", "carried_forward": "结转下年度继续办理",
               "partially_disclosed": "（二）部分公开", "applications": "第三部分（申请办理）"})  # short forms


def label(code: str | None, statement: bool = False) -> str:
    """The Chinese label of a template code, a cell (row.column) or (`statement`) a prose statement."""
    if not code:
        return ""
    if statement:
        return _STATEMENTS.get(code, code)
    if code in _CODES:
        return _CODES[code]
    row, _, col = code.rpartition(".")
    if row in _CODES and (col in _CODES or col in _RESULTS):
        return f"{_CODES[row]} × {_CODES.get(col) if row not in T.PROCEEDING_CODES else _RESULTS[col]}"
    return code


def _coded(code: str | None, statement: bool = False) -> str:
    return f"{escape(label(code, statement))} <code>{escape(code or '')}</code>"


# --- Where a failure is in the source -------------------------------------------------------------

# The cell each failure points at: the identity's first left-hand cell (this report's 上年结转 for the
# cross-year rule, 现行有效件数 for the stock rule), the cell itself for the range rule, the statement
# for the narrative rule. Gives (ref, raw text of the cell, prose excerpt).
_ANCHOR = """
WITH f AS (
    SELECT v.report_id, v.rule_id, v.column_code,
           CASE ru.along WHEN 'applicant' THEN x.anchor_row WHEN 'outcome' THEN v.column_code
                WHEN 'proceeding' THEN x.anchor_row WHEN 'item' THEN v.column_code
                WHEN 'cell' THEN split_part(v.column_code, '.', 1) END AS row_code,
           CASE ru.along WHEN 'applicant' THEN v.column_code WHEN 'outcome' THEN 'total'
                WHEN 'proceeding' THEN 'total' WHEN 'item' THEN 'in_force'
                WHEN 'cell' THEN split_part(v.column_code, '.', 2) END AS col_code,
           CASE WHEN ru.along = 'statement' THEN v.column_code END AS statement_code
    FROM v_dq_failures v JOIN _shown USING (report_id, rule_id, column_code)
    JOIN dim_rule ru USING (rule_id) JOIN ({anchor_rows}) x USING (rule_id)
),
cells AS (  -- row codes are distinct across the three tables
    SELECT report_id, outcome_code AS row_code, applicant_code AS col_code, ref, raw_text FROM fact_application
    UNION ALL
    SELECT report_id, proceeding_code, result_code, ref, raw_text FROM fact_review_litigation
    UNION ALL
    SELECT report_id, item_code, metric_code, ref, raw_text FROM fact_proactive
)
SELECT f.report_id, f.rule_id, f.column_code, coalesce(c.ref, n.ref), c.raw_text, n.excerpt
FROM f
LEFT JOIN cells c ON c.report_id = f.report_id AND c.row_code = f.row_code AND c.col_code = f.col_code
LEFT JOIN fact_narrative n ON n.report_id = f.report_id AND n.statement_code = f.statement_code
"""


def _anchor_row(rule: T.Rule) -> str:
    if rule.kind == "cross_year":
        return "carried_over" if rule.along == "applicant" else ""
    return rule.place or (rule.lhs[0] if rule.lhs else "")


def _anchors(con: duckdb.DuckDBPyConnection) -> dict[tuple, tuple]:
    """(report, rule, place) → (ref, raw text of the cell, prose excerpt) for every failure in `_shown`."""
    anchor_rows = " UNION ALL ".join(f"SELECT '{r.id}' AS rule_id, '{_anchor_row(r)}' AS anchor_row" for r in T.RULES)
    return {(rid, rule, col): (ref, raw, excerpt) for rid, rule, col, ref, raw, excerpt in
            con.execute(_ANCHOR.format(anchor_rows=anchor_rows)).fetchall()}


class _Sources:
    """Lines of the landed text documents, decoded once, for excerpts (raw_dir/<sha256>.<ext>)."""

    def __init__(self, raw_dir: Path | None):
        self.raw_dir, self.texts, self.landed = raw_dir, {}, None  # landed: sha256 → file name

    def line(self, sha256: str, media_type: str | None, ref: str | None) -> str:
        m = re.fullmatch(r"line (\d+)", ref or "")
        if not m or media_type != "text/plain" or self.raw_dir is None:
            return ""
        if self.landed is None:  # the landing zone listed once
            self.landed = {}
            for name in sorted(os.listdir(self.raw_dir)) if self.raw_dir.is_dir() else ():
                self.landed.setdefault(name.split(".", 1)[0], name)
        if sha256 not in self.texts:
            found = self.landed.get(sha256)
            try:
                self.texts[sha256] = (decode_text((self.raw_dir / found).read_bytes(), found).text.split("\n")
                                      if found else [])
            except IngestError:
                self.texts[sha256] = []
        lines, n = self.texts[sha256], int(m.group(1))
        if not 0 < n <= len(lines):
            return ""
        cell = lines[n - 1].strip()
        if re.search(r"[\u4e00-\u9fff]", cell):  # the line holds its row label too
            return cell
        above = next((line.strip() for line in reversed(lines[max(0, n - 9):n - 1])
                      if re.search(r"[\u4e00-\u9fff]", line)), "")  # one cell per line: the row's label
        return f"{above} … {cell}" if above else cell


def _where(ref: str | None) -> str:
    """line 58 → 第58行; page 4 bbox … → 第4页 框 …"""
    if not ref:
        return ""
    text = re.sub(r"line (\d+)", r"第\1行", ref)
    text = re.sub(r"page (\d+)", r"第\1页", text)
    return text.replace("bbox", "框")


# --- The page -------------------------------------------------------------------------------------

# Overview figures: (Chinese label, English code, query over the warehouse). One line per figure.
OVERVIEW = (
    ("现行报告", "current", "SELECT count(*) FROM dim_report WHERE status = 'current'"),
    ("部分读取", "partial", "SELECT count(*) FROM dim_report WHERE status = 'current' AND extract_status = 'partial'"),
    ("未通过硬规则", "failed", "SELECT count(*) FROM dim_report WHERE status = 'current' AND dq_status = 'failed'"),
    ("有警告（软规则）", "warned", "SELECT count(DISTINCT report_id) FROM v_dq_failures WHERE severity = 'warning'"),
    ("已被取代", "superseded", "SELECT count(*) FROM dim_report WHERE status = 'superseded'"),
    ("已撤下", "retired", "SELECT count(*) FROM dim_report WHERE status = 'retired'"),
    ("无法读取的文件", "documents failed", "SELECT count(*) FROM ingest_error WHERE retired_at IS NULL"),
)

_CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;margin:1.5em;
color:#222;line-height:1.45}h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:2px solid #ccd;margin-top:1.8em}
code{font-size:.8em;color:#667}table{border-collapse:collapse;margin:.4em 0;font-size:.9em}
td,th{border:1px solid #ccd;padding:3px 6px;vertical-align:top}#failures td:first-child{min-width:9em}#failures td:nth-child(7){min-width:14em}th{background:#eef;cursor:pointer;text-align:left}
th.asc:after{content:" ▲"}th.desc:after{content:" ▼"}td.n{text-align:right;font-variant-numeric:tabular-nums}
.cards{display:flex;flex-wrap:wrap;gap:.6em}.card{border:1px solid #ccd;border-radius:6px;padding:.5em 1em;min-width:8em}
.card b{display:block;font-size:1.6em}.error{color:#b00020}.warning{color:#a66000}.ok{color:#2e7d32}
input.filter{margin:.3em 0;padding:3px 6px;width:20em}details{border:1px solid #ccd;border-radius:4px;margin:.4em 0;
padding:.3em .6em}summary{cursor:pointer}.excerpt{color:#555;font-size:.85em}.muted{color:#777;font-size:.85em}
"""
_JS = """
function cellValue(row, i){var t=row.cells[i].getAttribute('data-v')||row.cells[i].textContent.trim();
var n=parseFloat(t);return isNaN(n)||!/^-?[0-9.]+$/.test(t)?t:n;}
document.querySelectorAll('table.sortable').forEach(function(table){
  Array.prototype.forEach.call(table.tHead.rows[0].cells,function(th,i){
    th.addEventListener('click',function(){
      var asc=!th.classList.contains('asc');
      Array.prototype.forEach.call(table.tHead.rows[0].cells,function(h){h.classList.remove('asc','desc');});
      th.classList.add(asc?'asc':'desc');
      var rows=Array.prototype.slice.call(table.tBodies[0].rows);
      rows.sort(function(a,b){var x=cellValue(a,i),y=cellValue(b,i);
        var c=(typeof x==='number'&&typeof y==='number')?x-y:String(x).localeCompare(String(y),'zh');
        return asc?c:-c;});
      rows.forEach(function(r){table.tBodies[0].appendChild(r);});
    });
  });
});
document.querySelectorAll('input.filter').forEach(function(input){
  input.addEventListener('input',function(){
    var q=input.value.trim().toLowerCase(),table=document.getElementById(input.getAttribute('data-table'));
    Array.prototype.forEach.call(table.tBodies[0].rows,function(r){
      r.style.display=!q||r.textContent.toLowerCase().indexOf(q)>=0?'':'none';});
  });
});
"""


def _table(table_id: str, header: list[str], rows: list[list[str]], *, filter_hint: str = "筛选…") -> str:
    """A sortable, filterable table; header cells and row cells are HTML already."""
    if not rows:
        return "<p class='muted'>无 <code>none</code></p>"
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(c if c.startswith("<td") else f"<td>{c}</td>" for c in row) + "</tr>"
                   for row in rows)
    return (f"<input class='filter' data-table='{table_id}' placeholder='{escape(filter_hint)}'>"
            f"<table class='sortable' id='{table_id}'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def _n(value) -> str:
    return f"<td class='n'>{escape(_num(value))}</td>"


def _report_link(report_id: str, text: str) -> str:
    return f"<a href='#r-{escape(report_id)}'>{escape(text)}</a>"


def _trend(con: duckdb.DuckDBPyConnection) -> str:
    """Inline SVG: current, failed and warned reports over the runs in dq_run."""
    runs = con.execute("SELECT finished_at, reports_current, reports_failed, reports_warned FROM dq_run "
                       "ORDER BY finished_at, run_id").fetchall()
    if not runs:
        return "<p class='muted'>尚无运行记录 <code>no runs yet</code></p>"
    width, height, left, bottom = 640, 200, 40, 30
    top = max(max(r[1:]) for r in runs) or 1
    step = (width - left - 20) / max(1, len(runs) - 1)
    series = (("现行 current", 1, "#3558a8"), ("未通过 failed", 2, "#b00020"), ("有警告 warned", 3, "#a66000"))
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' role='img' "
             f"aria-label='trend over runs'>",
             f"<line x1='{left}' y1='{height - bottom}' x2='{width - 10}' y2='{height - bottom}' stroke='#999'/>",
             f"<line x1='{left}' y1='10' x2='{left}' y2='{height - bottom}' stroke='#999'/>",
             f"<text x='4' y='16' font-size='11'>{top}</text><text x='4' y='{height - bottom}' font-size='11'>0</text>"]
    y = lambda v: height - bottom - (height - bottom - 10) * v / top  # noqa: E731
    for k, (name, i, colour) in enumerate(series):
        points = " ".join(f"{left + j * step:.0f},{y(r[i]):.0f}" for j, r in enumerate(runs))
        parts.append(f"<polyline fill='none' stroke='{colour}' stroke-width='2' points='{points}'/>")
        parts += [f"<circle cx='{left + j * step:.0f}' cy='{y(r[i]):.0f}' r='3' fill='{colour}'>"
                  f"<title>{escape(name)}: {r[i]} ({r[0]:%Y-%m-%d %H:%M})</title></circle>" for j, r in enumerate(runs)]
        parts.append(f"<text x='{left + 10 + k * 150}' y='{height - 6}' font-size='12' fill='{colour}'>"
                     f"{escape(name)}</text>")
    parts.append("</svg>")
    return "".join(parts) + (f"<p class='muted'>{len(runs)} 次运行 runs, {runs[0][0]:%Y-%m-%d} – "
                             f"{runs[-1][0]:%Y-%m-%d} (UTC)</p>")


def _sides(con: duckdb.DuckDBPyConnection) -> dict[tuple, str]:
    """(report, rule, place) → the cells of each side of a failed balance identity in `_shown`, as text."""
    rows = con.execute("""
        SELECT f.report_id, f.rule_id, f.column_code, c.coeff, c.row_code, c.col_code, coalesce(a.value, rl.value)
        FROM v_dq_failures f
        JOIN _shown USING (report_id, rule_id, column_code)
        JOIN dim_report r ON r.report_id = f.report_id
        JOIN dim_rule_cell c ON c.template = r.template_version AND c.rule_id = f.rule_id
            AND c.column_code = f.column_code
        LEFT JOIN fact_application a ON a.report_id = f.report_id AND a.outcome_code = c.row_code
            AND a.applicant_code = c.col_code
        LEFT JOIN fact_review_litigation rl ON rl.report_id = f.report_id AND rl.proceeding_code = c.row_code
            AND rl.result_code = c.col_code
        ORDER BY ALL""").fetchall()
    order = {code: i for i, code in enumerate([*(c.code for c in T.OUTCOMES), *T.APPLICANT_CODES, *T.RESULT_CODES])}
    sides: dict[tuple, dict[int, list]] = {}
    for rid, rule, place, coeff, row, col, value in rows:
        along = T.RULE_BY_ID[rule].along
        code = row if along == "applicant" else col  # what varies along the identity
        name = _RESULTS[col] if along == "proceeding" else label(code)
        sides.setdefault((rid, rule, place), {1: [], -1: []})[coeff].append((order.get(code, 99), name, value))
    out = {}
    for key, side in sides.items():
        text = []
        for coeff in (1, -1):
            cells = sorted(side[coeff])
            shown = cells if len(cells) <= 4 else [c for c in cells if c[2]]
            rest = len(cells) - len(shown)
            terms = [f"{name} {_num(v)}" for _, name, v in shown] + (
                [f"其余 {rest} 项 0" if shown else f"{rest} 项均为 0"] if rest else [])
            total = sum(v for *_, v in cells if v is not None)
            text.append(" + ".join(terms) + (f" = {total}" if len(cells) > 1 else ""))
        out[key] = f"左边：{escape(text[0])}<br>右边：{escape(text[1])}"
    return out


class _Page:
    """The sections of the data-quality page, read from one warehouse connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection, raw_dir: Path | None):
        self.con, self.sources = con, _Sources(raw_dir)
        self.meta = {rid: row for rid, *row in con.execute(
            "SELECT report_id, sha256, media_type, source_uri, agency_name, template_version, published_date, "
            "first_seen, extract_status FROM dim_report").fetchall()}
        self.omitted = 0
        self.titles = dict(con.execute("SELECT rule_id, title_zh FROM dim_rule").fetchall())
        self.failures = con.execute(_FAILURES).fetchall()
        self.bodies = con.execute("""
            SELECT s.report_id, s.agency, s.report_year, s.scope, s.dq_status,
                   count(*) FILTER (WHERE f.severity = 'error'), count(*) FILTER (WHERE f.severity = 'warning'),
                   s.source_uri
            FROM v_report_summary s LEFT JOIN v_dq_failures f USING (report_id)
            GROUP BY ALL ORDER BY s.agency, s.report_year""").fetchall()
        if len(self.bodies) > MAX_REPORTS:  # a page that opens: the reports with something to show
            shown = [b for b in self.bodies if b[5] or b[6] or self.meta[b[0]][-1] != "complete"]
            self.omitted = len(self.bodies) - len(shown[:MAX_REPORTS])
            self.bodies = shown[:MAX_REPORTS]
        # Cells, sides and the likely wrong cell only for the failures and reports the page shows.
        shown = self.failures[:MAX_FAILURES]
        con.register("_shown", pl.DataFrame([(f[0], f[5], f[7]) for f in shown], orient="row", schema={
            "report_id": pl.String, "rule_id": pl.String, "column_code": pl.String}).to_arrow())
        con.register("_shown_reports", pl.DataFrame(
            {"report_id": sorted({f[0] for f in shown} | {b[0] for b in self.bodies})}, schema={"report_id": pl.String}
        ).to_arrow())
        try:
            self.anchors, self.sides = _anchors(con), _sides(con)
            self.located: dict[str, list] = {}
            for rid, grp, n, verdict, _, _, row, col, value, corrected, ref, candidates in con.execute(
                    "SELECT * FROM v_dq_localisation WHERE report_id IN (SELECT report_id FROM _shown_reports) "
                    "ORDER BY report_id, grp").fetchall():
                self.located.setdefault(rid, []).append((grp, n, verdict, row, col, value, corrected, ref, candidates))
            self.statements: dict[str, list] = {}
            for rid, *statement in con.execute(
                    "SELECT report_id, statement_code, value, ref FROM fact_narrative "
                    "WHERE report_id IN (SELECT report_id FROM _shown_reports) ORDER BY ALL").fetchall():
                self.statements.setdefault(rid, []).append(statement)
        finally:
            con.unregister("_shown")
            con.unregister("_shown_reports")
        self.failure_rows = [self._failure_row(*f) for f in shown]

    def _source_cell(self, rid: str, ref: str | None, raw: str | None, excerpt: str | None) -> str:
        sha, media_type, uri, *_ = self.meta[rid]
        line = excerpt or self.sources.line(sha, media_type, ref)
        raw_text = f"（单元格原文 “{escape(raw)}”）" if raw and not excerpt else ""
        return (f"{escape(display_source(uri))} · {escape(_where(ref))}{raw_text}"
                + (f"<div class='excerpt'>{escape(line)}</div>" if line else ""))

    def _likely_cell(self, rid: str, rule_id: str) -> str:
        rule = T.RULE_BY_ID[rule_id]
        want = rule.place or ("applications" if rule.along in ("applicant", "outcome") else None)
        for grp, _, verdict, row, col, value, corrected, _, candidates in self.located.get(rid, []):
            if grp != want:
                continue
            if verdict == "located":
                return (f"<b>{escape(label(f'{row}.{col}'))}</b> <code>{escape(row)}.{escape(col)}</code>："
                        f"{value} → <b>{corrected}</b>")
            if verdict == "ambiguous":
                return f"{_VERDICT[verdict]}<div class='muted'>" + "；".join(map(escape, candidates)) + "</div>"
            return _VERDICT[verdict]
        return ""

    def _failure_row(self, rid, uri, printed, agency, year, rule_id, sev, column, lhs, rhs, diff, related):
        ref, raw, excerpt = self.anchors.get((rid, rule_id, column), (None, None, None))
        both = self.sides.get((rid, rule_id, column), "")
        if related:
            both = f"左边取自上一年度报告 {_report_link(related, related)}"
        return [
            f"<td data-v='{escape(agency or '')} {year}'>{_report_link(rid, agency or printed or '?')} {year or ''}</td>",
            f"<span class='{sev}'>{_SEVERITY[sev]}</span> {escape(self.titles[rule_id])}<br>"
            f"<code>{escape(rule_id)}</code>",
            _coded(column, statement=T.RULE_BY_ID[rule_id].along == "statement"), _n(lhs), _n(rhs), _n(diff),
            f"<span class='muted'>{both}</span>" if both else "",
            self._likely_cell(rid, rule_id), self._source_cell(rid, ref, raw, excerpt)]

    def overview(self) -> list[str]:
        cards = [f"<div class='card'><b>{self.con.execute(sql).fetchone()[0]}</b>{escape(zh)} "
                 f"<code>{escape(en)}</code></div>" for zh, en, sql in OVERVIEW]
        return ["<h2>概览 <code>overview</code></h2><div class='cards'>", *cards, "</div>",
                "<h3>历次运行 <code>trend over runs</code></h3>", _trend(self.con)]

    def by_rule(self) -> list[str]:
        rows = self.con.execute("""
            SELECT ru.rule_id, ru.title_zh, ru.description, ru.severity,
                   count(DISTINCT d.report_id) FILTER (WHERE d.role = 'tested') AS checked,
                   count(DISTINCT d.report_id) FILTER (WHERE NOT d.passed) AS failed,
                   count(*) FILTER (WHERE NOT d.passed) AS places,
                   count(DISTINCT d.report_id) FILTER (WHERE d.role = 'used') AS used
            FROM dim_rule ru
            LEFT JOIN (SELECT d.* FROM dq_result d JOIN dim_report r ON r.report_id = d.report_id
                       AND r.status = 'current') d ON d.rule_id = ru.rule_id
            GROUP BY ALL ORDER BY ru.severity, failed DESC, ru.rule_id""").fetchall()
        return ["<h2>按规则 <code>failures by rule</code></h2>", _table(
            "by-rule", ["规则 <code>rule</code>", "严重程度 <code>severity</code>",
                        "检查的报告 <code>reports checked</code>", "未通过的报告 <code>reports failed</code>",
                        "未通过的位置 <code>places failed</code>",
                        "用于读取的报告 <code>reports read with it</code>", "规则原文 <code>statement</code>"],
            [[f"{escape(title)}<br><code>{escape(rid)}</code>", f"<span class='{sev}'>{_SEVERITY[sev]}</span>",
              _n(checked), _n(failed), _n(places), _n(used), f"<span class='muted'>{escape(desc)}</span>"]
             for rid, title, desc, sev, checked, failed, places, used in rows])]

    def by_body(self) -> list[str]:
        omitted = (f"<p class='muted'>另有 {self.omitted} 份报告全部通过、完整读取，未列出（见 v_report_summary）"
                   f"<code>{self.omitted} clean reports not listed</code></p>") if self.omitted else ""
        return ["<h2>按机构 <code>by body</code></h2>", omitted, _table(
            "by-body", ["机构 <code>body</code>", "年度 <code>year</code>", "范围 <code>scope</code>",
                        "状态 <code>dq_status</code>", "错误 <code>errors</code>", "警告 <code>warnings</code>",
                        "来源 <code>source</code>"],
            [[_report_link(rid, agency or "?"), _n(year), escape(scope or ""),
              f"<span class='{'error' if st == 'failed' else 'ok'}'>{'未通过' if st == 'failed' else '通过'}</span> "
              f"<code>{st}</code>", _n(e), _n(w), escape(display_source(uri))]
             for rid, agency, year, scope, st, e, w, uri in self.bodies])]

    def failed_checks(self) -> list[str]:
        n = len(self.failures)
        shown = f"（前 {MAX_FAILURES} 条，共 {n} 条）" if n > MAX_FAILURES else ""
        return [f"<h2>未通过的检查 <code>failed checks</code> ({n}){shown}</h2>",
                "<p class='muted'>左边、右边为恒等式两侧（lhs, rhs）；“可能的错误单元格”：改正这一格即可同时满足"
                "该组所有未通过的恒等式且不破坏其他恒等式；多格都能解释时不作猜测。</p>",
                _table("failures", ["机构、年度 <code>body, year</code>", "规则 <code>rule</code>",
                                    "位置 <code>place</code>", "左边 <code>lhs</code>", "右边 <code>rhs</code>",
                                    "差 <code>lhs − rhs</code>", "两侧 <code>both sides</code>",
                                    "可能的错误单元格 <code>likely wrong cell</code>",
                                    "来源位置 <code>source location</code>"], self.failure_rows)]

    def reports(self) -> list[str]:
        """One collapsible section per current report: what it is, its failures, localisation, prose."""
        failed: dict[str, list] = {}
        for row, failure in zip(self.failure_rows, self.failures):
            failed.setdefault(failure[0], []).append(row[1:])
        unread: dict[str, list] = {}
        for rid, *gap in self.con.execute(
                "SELECT report_id, section, row_code, reason FROM unread_row ORDER BY ALL").fetchall():
            unread.setdefault(rid, []).append(gap)
        out = ["<h2>各报告 <code>reports</code></h2>"]
        for rid, agency, year, scope, _, e, w, uri in self.bodies:
            sha, _, _, printed, template, published, first_seen, _ = self.meta[rid]
            seen = f"{first_seen:%Y-%m-%d %H:%M} UTC" if first_seen else "—"
            parts = [f"<details id='r-{escape(rid)}'{' open' if e else ''}><summary><b>{escape(agency or '?')}</b> "
                     f"{year or '?'} · <span class='{'error' if e else 'warning' if w else 'ok'}'>"
                     f"错误 {e} · 警告 {w}</span> <code>{escape(rid)}</code></summary>",
                     f"<p>来源 <code>source</code>：{escape(display_source(uri))} · 报告所印名称 {escape(printed or '')} · "
                     f"模板 {escape(template or '')} · 范围 {escape(scope or '')} · 成文日期 {published or '—'} · "
                     f"首次获取 {seen} · SHA-256 <code>{escape(sha)}</code></p>"]
            if failed.get(rid):
                parts.append(_table(f"t-{rid}", ["规则", "位置", "左边", "右边", "差", "两侧", "可能的错误单元格",
                                                 "来源位置"], failed[rid]))
            for grp, n, verdict, row, col, value, corrected, ref, _ in self.located.get(rid, []):
                where = f"，{_where(ref)}" if ref else ""
                parts.append(f"<p>定位 <code>localisation</code> {escape(label(grp))}（{n} 个恒等式未通过）："
                             f"{_VERDICT[verdict]}" + (f"：{escape(label(f'{row}.{col}'))} {value} → {corrected}"
                                                       f"{escape(where)}" if verdict == "located" else "") + "</p>")
            if unread.get(rid):
                parts.append("<p>部分读取 <code>partial</code>，未读取 <code>not read</code>：" + "；".join(
                    f"{escape(label(row) if row else section)} <code>{escape(row or section)}</code>：{escape(reason)}"
                    for section, row, reason in unread[rid]) + "</p>")
            if self.statements.get(rid):
                parts.append("<p class='muted'>正文所述 <code>stated in the prose</code>：" + "；".join(
                    f"{escape(label(code, statement=True))} {value}（{escape(_where(ref))}）"
                    for code, value, ref in self.statements[rid]) + "</p>")
            out.append("".join(parts) + "</details>")
        return out

    def versions(self) -> list[str]:
        rows = self.con.execute("""
            SELECT agency, report_year, status, superseded_by, status_reason, status_since, source_uri
            FROM v_report_versions WHERE status <> 'current' ORDER BY agency, report_year, status""").fetchall()
        shown = f"（前 {MAX_REPORTS} 条，共 {len(rows)} 条，见 v_report_versions）" if len(rows) > MAX_REPORTS else ""
        return [f"<h2>已被取代或撤下的报告 <code>superseded and retired</code> ({len(rows)}){shown}</h2>", _table(
            "versions", ["机构 <code>body</code>", "年度 <code>year</code>", "状态 <code>status</code>",
                         "现行版本 <code>superseded_by</code>", "原因 <code>reason</code>", "自 <code>since</code>",
                         "来源 <code>source</code>"],
            [[escape(agency or "?"), _n(year), f"{_STATUS[st]} <code>{st}</code>",
              _report_link(by, by) if by else "", escape(reason or ""),
              f"{since:%Y-%m-%d %H:%M}" if since else "", escape(display_source(uri))]
             for agency, year, st, by, reason, since, uri in rows[:MAX_REPORTS]])]

    def unreadable(self) -> list[str]:
        rows = self.con.execute(_ERRORS).fetchall()
        retired = self.con.execute("SELECT count(*) FROM ingest_error WHERE retired_at IS NOT NULL").fetchone()[0]
        out = [f"<h2>无法读取的文件 <code>documents that could not be read</code> ({len(rows)})</h2>", _table(
            "errors", ["来源 <code>source</code>", "阶段 <code>stage</code>", "原因 <code>reason</code>",
                       "首次 <code>first seen</code>", "最近 <code>last seen</code>"],
            [[escape(display_source(uri)), escape(stage), escape(error), f"{first:%Y-%m-%d %H:%M}",
              f"{last:%Y-%m-%d %H:%M}"] for uri, stage, error, first, last in rows])]
        if retired:
            out.append(f"<p class='muted'>另有 {retired} 条已撤下（来源不再提供该文件） <code>retired errors</code></p>")
        return out


def write_dq_page(con: duckdb.DuckDBPyConnection, path: Path, raw_dir: Path | None = None) -> Path:
    """The data-quality page of the warehouse behind `con` (see the module docstring) at `path`;
    `raw_dir` (the landing zone) gives the source lines for excerpts."""
    page = _Page(con, raw_dir)
    body = ["<h1>数据质量报告 <code>xxgk data quality</code></h1>",
            "<p class='muted'>现行报告：每个机构、年度、范围只取最新的一份；软规则只作警告。"
            "<code>Current reports: one per body, year and scope; soft rules are warnings.</code></p>",
            *page.overview(), *page.by_rule(), *page.by_body(), *page.failed_checks(), *page.reports(),
            *page.versions(), *page.unreadable(),
            "<h2>说明 <code>notes</code></h2><p class='muted'>本页由仓库生成，不需联网。规则清单见 README；"
            "Great Expectations 的验证页面（<a href='gx/index.html'>gx/</a>）只含本次运行新判定的检查行，"
            "需联网加载样式，仅作参考。<code>GX Data Docs are secondary: this run's newly judged rows only, "
            "and they load styles from CDNs.</code></p>"]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
                    "<meta name='viewport' content='width=device-width,initial-scale=1'>"
                    f"<title>数据质量报告 xxgk data quality</title><style>{_CSS}</style></head><body>"
                    + "".join(body) + f"<script>{_JS}</script></body></html>", encoding="utf-8")
    return path
