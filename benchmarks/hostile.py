"""Time and memory of each hostile case (`make bench`): what a bad source or document costs now.

Fetch cases run against a loopback HTTP server started here, with the default FetchSettings except
where the row says; the main process's RSS is sampled every 20 ms while fetching (its peak minus
its RSS before). Document cases run through `xxgk extract` (a worker under the default batch
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
SERVER_STOP = 300  # seconds: the endless answers stop by themselves


class Server(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    bomb = b""  # made once, before timing

    def do_GET(self):
        if self.path == "/gzip-bomb":
            body = self.bomb
            self.send_response(200)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        chunk, pause = {"/endless": (bytes(64 * 1024), 0), "/drip": (b"x", 1.0), "/silent": (b"", 60)}[self.path]
        self.send_response(200)
        if self.path == "/silent":
            self.send_header("Content-Length", "100")
        self.end_headers()
        stop = time.monotonic() + SERVER_STOP
        try:
            while time.monotonic() < stop:
                self.wfile.write(chunk)
                self.wfile.flush()
                time.sleep(pause)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    def log_message(self, *args):
        pass


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
    Server.bomb = gzip.compress(bytes(1024 * MB), compresslevel=9)  # 1 GB of zeros in ~1 MB
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Server)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
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
