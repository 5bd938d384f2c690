"""The asset version: a hash of every file the service worker precaches or serves from its
cache, so a deploy that changes any of them gives a new worker (and new versioned caches)."""

import hashlib
from pathlib import Path

from server.config import ROOT

STATIC_DIR = ROOT / "web" / "static"
SERVICE_WORKER = STATIC_DIR / "js" / "sw.js"
MANIFEST = ROOT / "web" / "manifest.webmanifest"
VERSION_MARK = "__CADENCE_VERSION__"


def asset_version(*, static_dir: Path = STATIC_DIR) -> str:
    """The first 12 hex digits of a SHA-256 over the static files' paths and contents."""
    digest = hashlib.sha256()
    for path in sorted(p for p in static_dir.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(static_dir)).encode())
        digest.update(path.read_bytes())
    digest.update(MANIFEST.read_bytes())
    return digest.hexdigest()[:12]


def service_worker_source(*, version: str) -> str:
    return SERVICE_WORKER.read_text().replace(VERSION_MARK, version)
