"""One pathological document cannot stall or sink a batch: it fails alone, with the reason."""

import multiprocessing
import os
import signal
import threading
import zlib

from pipelines import batch, fetch
from pipelines.report_json import to_json

from conftest import SEEDS, gold_of


def pdf_of(objects: list[bytes]) -> bytes:
    """A PDF file of these objects (1 is the catalog), with a correct xref."""
    out, offsets = bytearray(b"%PDF-1.7\n"), []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def slow_pdf() -> bytes:
    """A valid one-page PDF whose content stream draws a million tiny paths: slow to interpret."""
    stream = zlib.compress(b"0 0 m 1 1 l S\n" * 1_000_000)
    return pdf_of([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                   b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
                   b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream"])


def test_slow_document_fails_alone_with_the_reason(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "slow.pdf").write_bytes(slow_pdf())
    (tmp_path / "in" / SEEDS[3].name).write_bytes(SEEDS[3].read_bytes())
    files = fetch.fetch_all([str(tmp_path / "in")], tmp_path / "raw").files
    outcomes = {batch.source_name(o.raw.source_uri): o
                for o in batch.extract_stream(files, limits=batch.Limits(seconds=2))}
    assert outcomes["slow.pdf"].error.stage == "extract"
    assert "2 s limit" in outcomes["slow.pdf"].error.reason
    assert outcomes[SEEDS[3].name].report is not None


def test_memory_hungry_document_fails_alone(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "+big.pdf").write_bytes(slow_pdf())  # first: the documents after it must still load
    for seed in SEEDS[:2]:
        (tmp_path / "in" / seed.name).write_bytes(seed.read_bytes())
    files = fetch.fetch_all([str(tmp_path / "in")], tmp_path / "raw").files
    outcomes = {batch.source_name(o.raw.source_uri): o
                for o in batch.extract_stream(files, limits=batch.Limits(seconds=60, memory_mb=700))}
    assert outcomes["+big.pdf"].error.stage == "extract" and "memory" in outcomes["+big.pdf"].error.reason
    assert all(outcomes[seed.name].report is not None for seed in SEEDS[:2])


def test_a_killed_worker_costs_no_document(tmp_path):
    """A worker killed mid-batch (the OOM killer, a hard crash) takes the parts in flight with it: they
    go again, so every document still gets its outcome, in order, and the slow one that was being
    read when the worker died fails alone. The pool then stops its other workers with SIGTERM, which
    must work even when the process running the batch ignores SIGTERM (a test run had inherited that,
    and hung)."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "slow.pdf").write_bytes(slow_pdf())
    for seed in SEEDS:
        (tmp_path / "in" / seed.name).write_bytes(seed.read_bytes())
    landed = {batch.source_name(f.source_uri): f for f in fetch.fetch_all([str(tmp_path / "in")], tmp_path / "raw").files}
    files = [landed["slow.pdf"]] + [landed[seed.name] for seed in SEEDS] * 8  # several parts per worker
    killed = []

    def kill() -> None:  # slow.pdf keeps a worker busy for its 5 s, so a kill 3 s in lands while the batch runs
        worker = multiprocessing.active_children()[0]
        os.kill(worker.pid, signal.SIGKILL)
        killed.append(worker.pid)

    killer = threading.Timer(3, kill)
    ignored = signal.signal(signal.SIGTERM, signal.SIG_IGN)  # what the workers inherit
    killer.start()
    try:
        outcomes = list(batch.extract_stream(files, workers=2, limits=batch.Limits(seconds=5)))
    finally:
        killer.cancel()
        signal.signal(signal.SIGTERM, ignored)
    assert killed, "the worker was not killed while the batch ran: the test proved nothing"
    assert [o.raw.source_uri for o in outcomes] == [f.source_uri for f in files]
    assert outcomes[0].error.stage == "extract" and "5 s limit" in outcomes[0].error.reason
    gold = {seed.name: gold_of(seed) for seed in SEEDS}
    for o in outcomes[1:]:
        got, want = to_json(o.report, []), gold[batch.source_name(o.raw.source_uri)]
        assert (got["applications"], got["review_litigation"]) == (want["applications"], want["review_litigation"])
