"""Browser tests: the app served by uvicorn on a free port, driven by headless Chromium."""

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.types import ASGIApp, Receive, Scope, Send

from server import migrate
from server.config import Settings
from server.db import make_engine
from server.demo import load_demo_district
from server.main import create_app
from tests.conftest import make_settings

TABLET_PORTRAIT = {"width": 768, "height": 1024}
TABLET_LANDSCAPE = {"width": 1024, "height": 768}
# Flags for a sandboxed machine with no network beyond loopback.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


def chromium_path() -> str | None:
    """Debian's Chromium (or $CADENCE_CHROMIUM); None means Playwright's own download."""
    explicit = os.environ.get("CADENCE_CHROMIUM")
    if explicit:
        return explicit
    return shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def demo_app_database(tmp: Path, *, coaching: bool = True) -> tuple[str, Settings]:
    """A migrated SQLite database with the demo roster and (unless coaching=False) its
    coaching history, but no observations (they take half a minute), and settings for it."""
    url = f"sqlite:///{tmp / 'e2e.db'}"
    migrate.upgrade(url)
    settings = make_settings(url, tmp)
    engine = make_engine(url)
    with Session(engine) as session:
        load_demo_district(
            session=session, settings=settings, observations=False, coaching=coaching
        )
    engine.dispose()
    return url, settings


class RequestLog:
    """ASGI wrapper that notes each HTTP request the server receives ("POST /api/sync/push"),
    so a test can show that nothing reached the server while a tablet was offline."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.seen: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.seen.append(f"{scope['method']} {scope['path']}")
        await self.app(scope, receive, send)

    def mark(self) -> int:
        return len(self.seen)

    def writes_since(self, mark: int) -> list[str]:
        return [line for line in self.seen[mark:] if not line.startswith(("GET ", "HEAD "))]


@contextmanager
def serve(app: ASGIApp) -> Iterator[str]:
    """Serve `app` with uvicorn in a thread at http://127.0.0.1:PORT until the block ends."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class LoggedServer(NamedTuple):
    """The demo app served for one test module, its database and a log of its requests."""

    url: str
    engine: Engine
    log: RequestLog


@contextmanager
def logged_demo_server(tmp: Path) -> Iterator[LoggedServer]:
    url, settings = demo_app_database(tmp)
    engine = make_engine(url)
    log = RequestLog(create_app(settings))
    with serve(log) as base:
        yield LoggedServer(base, engine, log)
    engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app with the demo district, on SQLite, at http://127.0.0.1:PORT."""
    _url, settings = demo_app_database(tmp_path_factory.mktemp("live"))
    with serve(create_app(settings)) as url:
        yield url


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(
        executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def context(browser: Browser, live_server: str) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=TABLET_PORTRAIT, base_url=live_server)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()
