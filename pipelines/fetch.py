"""The landing zone: every source's bytes, stored once under their SHA-256 and logged in a manifest.

Sources (sources.toml) are directories, files or http(s) URLs. A file lands as raw_dir/<sha256>.<ext>
and is never rewritten; raw_dir/manifest.jsonl gets one line per (sha256, source_uri) first seen.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import os
import re
import time
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlparse

import httpx

from .errors import IngestError

STAGE = "fetch"
MANIFEST = "manifest.jsonl"
ATTEMPTS, BACKOFF = 3, 0.5  # seconds before the 2nd attempt, doubled before the 3rd
_LANDED = re.compile(r"([0-9a-f]{64})\.[a-z0-9]+")
_RETRY = (httpx.NetworkError, httpx.TimeoutException, httpx.RemoteProtocolError)


@dataclass(frozen=True)
class RawFile:
    sha256: str
    path: Path
    source_uri: str
    size: int
    content_type: str | None = None  # from the HTTP Content-Type header; None for local files
    charset: str | None = None
    first_seen: datetime | None = None  # UTC; when the landing zone first got these bytes (manifest)


@dataclass
class FetchResult:
    files: list[RawFile] = field(default_factory=list)
    errors: list[IngestError] = field(default_factory=list)


def load_sources(path: Path) -> list[str]:
    """The source URIs of a sources.toml; relative paths are taken from the file's directory."""
    with open(path, "rb") as f:
        sources = tomllib.load(f).get("source", [])
    return [s["uri"] if _is_url(s["uri"]) else str((path.parent / s["uri"]).resolve()) for s in sources]


def fetch_all(uris: list[str], raw_dir: Path, *, client: httpx.Client | None = None,
              progress=None) -> FetchResult:
    """Land every source; a source that fails is an IngestError (stage "fetch") and the batch goes on.

    `progress(done, total, uri)` is called after each file or URL.
    """
    raw_dir.mkdir(parents=True, exist_ok=True)
    result, items = FetchResult(), [item for uri in uris for item in _expand(uri)]
    landed = {m[1]: p for p in raw_dir.iterdir() if (m := _LANDED.fullmatch(p.name))}
    manifest = raw_dir / MANIFEST
    entries = _entries(manifest)
    seen = {(e["sha256"], e["source_uri"]) for e in entries}
    first: dict[str, datetime] = {}
    for e in entries:
        at = datetime.fromisoformat(e["fetched_at"])
        first[e["sha256"]] = min(at, first.get(e["sha256"], at))
    own_client = client is None
    client = client or httpx.Client(timeout=30, follow_redirects=True)
    try:
        with open(manifest, "a", encoding="utf-8") as log:
            for done, uri in enumerate(items, 1):
                try:
                    data, content_type, charset = _http_get(client, uri) if _is_url(uri) else _read(uri)
                except IngestError as error:
                    result.errors.append(error)
                else:
                    sha = hashlib.sha256(data).hexdigest()
                    if sha not in landed:
                        landed[sha] = _write(raw_dir, sha, _extension(uri, content_type), data)
                    if (sha, uri) not in seen:
                        seen.add((sha, uri))
                        now = datetime.now(timezone.utc)
                        now = now.replace(microsecond=now.microsecond // 1000 * 1000)  # as the manifest keeps it
                        first.setdefault(sha, now)
                        log.write(json.dumps({
                            "sha256": sha, "source_uri": uri, "fetched_at": now.isoformat(timespec="milliseconds"),
                            "size": len(data), "content_type": content_type, "charset": charset,
                        }, ensure_ascii=False) + "\n")
                        log.flush()
                    result.files.append(RawFile(sha, landed[sha], uri, len(data), content_type, charset,
                                                first[sha]))
                if progress:
                    progress(done, len(items), uri)
    finally:
        if own_client:
            client.close()
    return result


def _is_url(uri: str) -> bool:
    return urlparse(uri).scheme in ("http", "https")


def _expand(uri: str) -> list[str]:
    """A directory as its regular files, sorted, without dotfiles; anything else as itself."""
    if _is_url(uri) or not Path(uri).is_dir():
        return [uri]
    return [str(p) for p in sorted(Path(uri).iterdir()) if p.is_file() and not p.name.startswith(".")]


def _entries(manifest: Path) -> list[dict]:
    if not manifest.exists():
        return []
    return [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip()]


def _read(path: str) -> tuple[bytes, None, None]:
    try:
        return Path(path).read_bytes(), None, None
    except OSError as error:
        raise IngestError(path, STAGE, f"cannot read: {error.strerror or error}") from error


def _http_get(client: httpx.Client, url: str) -> tuple[bytes, str | None, str | None]:
    """GET with up to ATTEMPTS tries on connection errors and 5xx; a 4xx fails at once."""
    for attempt in range(ATTEMPTS):
        if attempt:
            time.sleep(BACKOFF * 2 ** (attempt - 1))
        try:
            response = client.get(url)
        except _RETRY as error:
            problem = f"{type(error).__name__}: {error}"
            continue
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            raise IngestError(url, STAGE, f"{type(error).__name__}: {error}") from error
        problem = f"HTTP {response.status_code} {response.reason_phrase}"
        if response.status_code < 400:
            return (response.content, *_content_type(response.headers.get("content-type")))
        if response.status_code < 500:
            raise IngestError(url, STAGE, problem)
    raise IngestError(url, STAGE, f"{problem} (after {ATTEMPTS} attempts)")


def _content_type(header: str | None) -> tuple[str | None, str | None]:
    """("text/plain", "gbk") from "text/plain; charset=gbk"."""
    media_type, _, params = (header or "").partition(";")
    charset = re.search(r"""charset\s*=\s*["']?([^"';\s]+)""", params, re.I)
    return media_type.strip().lower() or None, charset[1].lower() if charset else None


def _extension(uri: str, content_type: str | None) -> str:
    """From the name (or URL path), else from the Content-Type, else "bin"."""
    suffix = Path(urlparse(uri).path if _is_url(uri) else uri).suffix.lower()
    if not re.fullmatch(r"\.[a-z0-9]{1,10}", suffix):
        suffix = (content_type and mimetypes.guess_extension(content_type)) or ".bin"
    return suffix[1:]


def _write(raw_dir: Path, sha: str, ext: str, data: bytes) -> Path:
    """Write via a temporary dotfile and rename, so a landed file is always complete."""
    path, tmp = raw_dir / f"{sha}.{ext}", raw_dir / f".{sha}.{os.getpid()}.tmp"
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path
