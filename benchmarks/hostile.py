"""Time and memory of each hostile case (`make bench`): what a bad source or document costs now.

Fetch cases run against a loopback HTTP server started here, with the default FetchSettings except
where the row says; the main process's RSS is sampled every 20 ms while fetching (its peak minus
its RSS before). Document cases run through `xxgk extract` (one process under the default batch
limits); their peak is the largest RSS of any process of the command (ru_maxrss of children).
Results go to stdout and to <out>/hostile.md.

    .venv/bin/python benchmarks/hostile.py [--out benchmarks/out]
"""

from __future__ import annotations

import argparse
import gzip
import io
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from pipelines.fetch import FetchSettings, fetch_all

ROOT = Path(__file__).resolve().parents[1]
MB = 2**20


class Hostile(BaseHTTPRequestHandler):
    """A web server at its worst, one route per misbehaviour (tests/test_hostile_fetch.py uses it too).
    Every endless answer stops by itself after `stop_after` seconds."""

    protocol_version = "HTTP/1.1"
    report = b"a report"  # what /report.txt and /etag serve
    bomb = b""  # gzip body of /gzip-bomb
    drip_pause = 1.0  # seconds between the bytes of /drip
    silence = 60.0  # seconds /silent and /huge-declared wait after their headers
    stop_after = 300.0
    log: list[tuple[str, dict]] = []  # (path, headers) of every request
    full_bodies = 0  # answers of /etag with a body

    def do_GET(self):
        Hostile.log.append((self.path, dict(self.headers)))
        port = self.server.server_address[1]
        routes = {
            "/report.txt": lambda: self.body(self.report),
            "/endless": lambda: self.endless(bytes(65536), 0),
            "/drip": lambda: self.endless(b"x", self.drip_pause),
            "/silent": lambda: self.headers_only(100),
            "/huge-declared": lambda: self.headers_only(10 ** 10),
            "/gzip-bomb": lambda: self.body(self.bomb, encoding="gzip"),
            "/away": lambda: self.redirect(f"http://localhost:{port}/report.txt"),
            "/to-file": lambda: self.redirect("file:///etc/passwd"),
            "/loop": lambda: self.redirect("/loop"),
            "/etag": self.etag,
            "/busy": self.busy,
        }
        routes.get(self.path, lambda: self.body(b"not here", status=404))()

    def body(self, data, status=200, encoding=None, extra=()):
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        if encoding:
            self.send_header("Content-Encoding", encoding)
        for key, value in extra:
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def endless(self, chunk, pause):
        self.send_response(200)
        self.end_headers()  # no length: the body ends when the connection does
        stop = time.monotonic() + self.stop_after
        try:
            while time.monotonic() < stop:
                self.wfile.write(chunk)
                self.wfile.flush()
                time.sleep(pause)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    def headers_only(self, length):
        self.send_response(200)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        self.wfile.flush()
        time.sleep(self.silence)
        self.close_connection = True

    def redirect(self, location):
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def etag(self):
        if self.headers.get("If-None-Match") == '"v1"':
            self.send_response(304)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        Hostile.full_bodies += 1
        self.body(self.report, extra=[("ETag", '"v1"'), ("Content-Type", "text/plain; charset=utf-8")])

    def busy(self):
        if sum(path == "/busy" for path, _ in Hostile.log) == 1:
            self.body(b"slow down", status=429, extra=[("Retry-After", "1")])
        else:
            self.body(self.report)

    def log_message(self, *args):
        pass


def serve() -> tuple[ThreadingHTTPServer, str]:
    """A Hostile server on a free loopback port, in a thread: (server, base URL)."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def fetch_case(url: str, settings: FetchSettings) -> tuple[float, float, str]:
    """(seconds, RSS growth of this process in MB, the recorded reason)."""
    peak, before, stop = [0.0], rss_mb(), threading.Event()

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], rss_mb())
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    began = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        result = fetch_all([url], Path(tmp) / "raw", settings=settings)
    seconds = time.monotonic() - began
    stop.set()
    sampler.join()
    return seconds, max(0.0, peak[0] - before), result.errors[0].reason if result.errors else "landed"


def docx_bomb(xml_mb: int) -> bytes:
    source = zipfile.ZipFile(ROOT / "tests" / "fixtures" / "docx" / "t001.docx")
    xml = source.read("word/document.xml").decode()
    at = xml.index("<w:body>") + len("<w:body>")
    para = "<w:p><w:r><w:t>年</w:t></w:r></w:p>"
    filler = para * (xml_mb * MB // len(para.encode()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in source.namelist():
            z.writestr(name, xml[:at] + filler + xml[at:] if name == "word/document.xml" else source.read(name))
    return out.getvalue()


def deep_html(levels: int) -> bytes:
    seed = sorted((ROOT / "tests" / "fixtures" / "seeds").glob("*.txt"))[1].read_text(encoding="utf-8")
    body = "".join(f"<p>{line}</p>" for line in seed.splitlines())
    return f"<html><body>{'<div>' * levels}{body}{'</div>' * levels}</body></html>".encode()


def extract_case(name: str, data: bytes) -> tuple[float, float, str]:
    """(seconds, peak RSS of the command's processes in MB, its stderr) of `xxgk extract`, measured by
    a fresh parent process so that no earlier case's peak counts."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        measure = ("import resource, subprocess, sys, time\n"
                   "t = time.monotonic()\n"
                   f"done = subprocess.run([sys.executable, '-m', 'pipelines.cli', 'extract', {str(path)!r}], "
                   "capture_output=True, text=True)\n"
                   "print(time.monotonic() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
                   "print(done.stderr.strip() or 'extracted')")
        done = subprocess.run([sys.executable, "-c", measure], capture_output=True, text=True, cwd=ROOT)
    first, _, reason = done.stdout.partition("\n")
    seconds, peak_kb = first.split()
    return float(seconds), int(peak_kb) / 1024, reason.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    args = parser.parse_args()
    Hostile.bomb = gzip.compress(bytes(1024 * MB), compresslevel=9)  # 1 GB of zeros in ~1 MB
    httpd, base = serve()
    default = FetchSettings()
    short = replace(default, deadline_seconds=15, read_timeout=5)
    rows = []
    for case, url, settings, note in [
        ("endless body", "/endless", default, "defaults: 100 MiB cap"),
        ("gzip bomb (1 GB of zeros in 1 MB)", "/gzip-bomb", default, "defaults"),
        ("a byte every second", "/drip", short, "deadline 15 s"),
        ("headers, then silence", "/silent", short, "deadline 15 s, read timeout 5 s"),
    ]:
        print(f"fetch: {case}", file=sys.stderr, flush=True)
        seconds, grew, reason = fetch_case(base + url, settings)
        rows.append((f"fetch: {case}", note, seconds, f"+{grew:.0f} (main process)", reason))
    for case, name, data in [
        ("DOCX bomb: 200 MB of XML in a 0.6 MB .docx", "bomb.docx", docx_bomb(200)),
        ("HTML nested 100,000 deep", "deep.html", deep_html(100_000)),
    ]:
        print(f"extract: {case}", file=sys.stderr, flush=True)
        seconds, peak, reason = extract_case(name, data)
        rows.append((f"`xxgk extract`: {case}", "default limits: 2 GB, 120 s", seconds, f"{peak:.0f} (peak)", reason))
    httpd.shutdown()
    lines = ["| case | settings | seconds | RSS MB | recorded reason |", "|---|---|---:|---:|---|"]
    lines += [f"| {case} | {note} | {seconds:.1f} | {mem} | {reason} |" for case, note, seconds, mem, reason in rows]
    text = "\n".join(lines)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "hostile.md").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
