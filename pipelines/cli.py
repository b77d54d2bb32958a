"""The `xxgk` command: inspect one report, query the warehouse, print the rule catalogue."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import query
from . import template as T

PARTIAL = 3  # `xxgk extract` exit status of a partial report (0 complete, 1 nothing readable, 2 unreadable file)


def _extract(path: Path, charset: str | None) -> int:
    from . import validate
    from .batch import checks_of, extract_here
    from .fetch import RawFile
    from .report_json import to_json

    try:
        with open(path, "rb"):
            size = path.stat().st_size
    except OSError as error:
        print(f"{path}: read: {error.strerror}", file=sys.stderr)
        return 2
    # Under the batch's per-document limits, with the batch's error form.
    outcome = extract_here(RawFile("", path, str(path), size, None, charset))
    if outcome.error is not None:
        print(str(outcome.error), file=sys.stderr)
        return 1
    report = outcome.report
    # Judged without GX (its import alone takes seconds), by the same rules as the suites.
    print(json.dumps(to_json(report, validate.rule_failures(validate.judge(checks_of([report])), report.report_id)),
                     ensure_ascii=False, indent=2))
    return 0 if report.status == "complete" else PARTIAL


def rule_catalogue() -> str:
    """The rules as a markdown table (the README's rule catalogue is this output)."""
    lines = ["| rule | severity | applied | statement |", "|---|---|---|---|"]
    applied = {"applicant": "each applicant column of section 三", "outcome": "each row of section 三",
               "proceeding": "one section 四 proceeding", "cell": "every value",
               "item": "规章 and 行政规范性文件 of section 二", "statement": "each number the prose states"}
    lines += [f"| `{r.id}` | {r.severity} | {applied[r.along]}"
              f"{' (year N and N+1)' if r.kind == 'cross_year' else ''} | {r.description} |" for r in T.RULES]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="xxgk", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    extract = sub.add_parser("extract", help="print the report JSON of one file (with its rule failures)")
    extract.add_argument("file", type=Path)
    extract.add_argument("--charset", help="declared charset, e.g. from an HTTP header")
    query.add_arguments(sub.add_parser("sql", help="run a query on the published snapshot (read-only)",
                                       description=query.__doc__))
    sub.add_parser("rules", help="print the rule catalogue as markdown")
    args = parser.parse_args(argv)
    if args.command == "extract":
        return _extract(args.file, args.charset)
    if args.command == "sql":
        return query.run(args)
    print(rule_catalogue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
