"""`xxgk sql`: a query on the published snapshot (read-only), printed as a table or written as CSV, JSON
or Parquet.

The query comes from the argument, from `-f FILE`, or from standard input (`-`); with several
statements, the last one's rows are the result. Errors are one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from contextlib import nullcontext, redirect_stdout
from pathlib import Path

import duckdb

from . import paths

FORMATS = {"csv": "FORMAT csv, HEADER", "json": "FORMAT json, ARRAY true", "parquet": "FORMAT parquet"}


class QueryError(Exception):
    """What `xxgk sql` prints on its one error line."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", nargs="?", help="SQL to run; - reads it from standard input")
    parser.add_argument("-f", "--file", type=Path, help="read the SQL from this file")
    parser.add_argument("--db", type=Path, default=paths.SNAPSHOT_DB, help="default: %(default)s")
    parser.add_argument("--format", choices=["table", *FORMATS], default="table",
                        help="table (default), csv, json (an array of objects) or parquet (needs --output)")
    parser.add_argument("-o", "--output", type=Path, help="write the result to this file instead of stdout")
    parser.add_argument("--max-rows", type=int, default=1000,
                        help="rows a table shows, first and last halves (default %(default)s); "
                             "csv, json and parquet write every row")


def run(args: argparse.Namespace) -> int:
    try:
        sql = _read_sql(args.query, args.file)
        if args.format == "parquet" and args.output is None:
            raise QueryError("--format parquet needs --output FILE")
        if not args.db.is_file():
            raise QueryError(f"no warehouse at {args.db}; run `make run` first")
        _run(sql, args.db, args.format, args.output, args.max_rows)
    except BrokenPipeError:  # `xxgk sql … | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 0
    except QueryError as error:
        print(f"xxgk sql: {error}", file=sys.stderr)
        return 2
    except (duckdb.Error, OSError) as error:
        print(f"xxgk sql: {one_line(error)}", file=sys.stderr)
        return 1
    return 0


def one_line(error: Exception) -> str:
    """DuckDB's first line, with its hint ("Did you mean …", "Candidate bindings: …") when it gives one."""
    lines = str(error).strip().splitlines() or [type(error).__name__]
    hints = [line.strip() for line in lines[1:] if line.startswith(("Did you mean", "Candidate bindings"))]
    return " ".join([lines[0], *hints])


def _read_sql(query: str | None, file: Path | None) -> str:
    if (query is None) == (file is None):
        raise QueryError("give a query, -f FILE, or - to read it from standard input")
    if file is not None:
        try:
            sql = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise QueryError(f"cannot read {file}: {getattr(error, 'strerror', None) or error}") from error
    else:
        sql = sys.stdin.read() if query == "-" else query
    if not sql.strip():
        raise QueryError("the query is empty")
    return sql


def _run(sql: str, db: Path, fmt: str, output: Path | None, max_rows: int) -> None:
    with duckdb.connect(str(db), read_only=True) as con:
        result = con.sql(sql)  # runs every statement; the last one's rows, if any, are the result
        if result is None:
            return
        if fmt == "table":
            with open(output, "w", encoding="utf-8") if output else nullcontext(sys.stdout) as out, \
                    redirect_stdout(out):
                result.show(max_width=1 << 20, max_rows=max_rows)  # every column, never cut
            return
        con.register("xxgk_result", result)
        if output:
            _copy(con, output, fmt)
            return
        with tempfile.TemporaryDirectory() as tmp:  # DuckDB writes files; stdout gets the same bytes
            _copy(con, Path(tmp) / f"result.{fmt}", fmt)
            sys.stdout.flush()
            with open(Path(tmp) / f"result.{fmt}", "rb") as f:
                shutil.copyfileobj(f, sys.stdout.buffer)


def _copy(con: duckdb.DuckDBPyConnection, path: Path, fmt: str) -> None:
    quoted = str(path).replace("'", "''")
    con.execute(f"COPY xxgk_result TO '{quoted}' ({FORMATS[fmt]})")
