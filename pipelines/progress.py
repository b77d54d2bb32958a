"""A progress line for a long stage on the terminal: `extracted 1200/3000 documents (410.2/s)`.

Shown only when the stream (stdout by default) is a terminal, so logs, pipes and tests get nothing;
redrawn in place at most ten times a second, and ended with a newline when the stage is done.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

_terminal: TextIO | None = None  # stdout as it was before Dagster captured it (see keep_terminal)


def keep_terminal() -> None:
    """Keep stdout, if it is a terminal, for the progress lines: a run in this process (make run)
    captures stdout into Dagster's compute logs while each step runs."""
    global _terminal
    if _terminal is None and sys.stdout.isatty():
        _terminal = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")


class Progress:
    """A `progress(done, total, uri)` callback, as fetch.fetch_all and batch.extract_stream take."""

    def __init__(self, verb: str, unit: str, stream: TextIO | None = None):
        self.verb, self.unit = verb, unit
        self.stream = stream or _terminal or sys.stdout
        self.on = self.stream.isatty()  # a terminal, not a file or a pipe
        self.start, self.drawn = time.monotonic(), 0.0

    def __call__(self, done: int, total: int, uri: str = "") -> None:
        now = time.monotonic()
        if not self.on or not total or (done < total and now - self.drawn < 0.1):
            return
        self.drawn = now
        rate = done / max(now - self.start, 1e-6)
        end = "\n" if done >= total else ""
        self.stream.write(f"\r\x1b[K{self.verb} {done}/{total} {self.unit} ({rate:,.1f}/s){end}")
        self.stream.flush()
