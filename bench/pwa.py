"""Benchmark (not a test): the coach's app in headless Chromium at 768x1024, first load and
offline reopen, for the week and the scoring screen.

The app runs under uvicorn on a fresh SQLite database with the demo district (its roster,
two years of coaching, no observations yet); an ASGI wrapper counts what the server sends
(headers and bodies as they go out, gzip where the app compresses). For each screen:

  - first load, a new tablet (empty caches) signed in: requests and bytes until the first card
    (the week) or level button (scoring) is drawn, the time to it, and the requests and bytes
    until the tablet is ready offline (the service worker's precache, the pages it keeps and
    the first pull of the coach's records);
  - offline reopen: the tab closed and the app opened again with the network off, drawn from
    the service worker's cache and the tablet's store (median of --reopens).

The last line is `reopen_offline_ms: N`, the slower of the two screens' medians.

    .venv/bin/python bench/pwa.py [--reopens 7]
"""

import argparse
import re
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, Route, sync_playwright
from sqlmodel import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness import fresh_sqlite  # noqa: E402

from server.config import Settings  # noqa: E402
from server.db import make_engine  # noqa: E402
from server.demo import load_demo_district  # noqa: E402
from server.main import create_app  # noqa: E402
from server.roster import demo  # noqa: E402
from tests.e2e.conftest import CHROMIUM_ARGS, TABLET_PORTRAIT, chromium_path, serve  # noqa: E402

COACH = f"maria.lopez@{demo.DEMO_DOMAIN}"
READY_OFFLINE = """async () => {
    const reg = await navigator.serviceWorker.getRegistration("/");
    if (!reg || !reg.active || reg.active.state !== "activated") return false;
    const name = (await caches.keys()).find(n => n.startsWith("cadence-pages-"));
    if (!name) return false;
    const cache = await caches.open(name);
    const kept = await Promise.all(["/__cadence/coach-shell", "/rubrics"].map(u => cache.match(u)));
    return kept.every(Boolean) && !document.querySelector("#app .alert[role=status]");
}"""


@dataclass
class Traffic:
    """What the server sent: one entry per response, (path, bytes of headers and body)."""

    sent: list[tuple[str, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def mark(self) -> int:
        with self.lock:
            return len(self.sent)

    def since(self, mark: int) -> tuple[int, int]:
        with self.lock:
            rows = self.sent[mark:]
        return len(rows), sum(size for _, size in rows)


class CountBytes:
    def __init__(self, app: ASGIApp, traffic: Traffic) -> None:
        self.app, self.traffic = app, traffic

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        size = 0

        async def counting(message: Message) -> None:
            nonlocal size
            if message["type"] == "http.response.start":
                size += 17 + sum(len(k) + len(v) + 4 for k, v in message.get("headers", []))
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
                if not message.get("more_body"):
                    with self.traffic.lock:
                        self.traffic.sent.append((scope["path"], size))
            await send(message)

        await self.app(scope, receive, counting)


def demo_settings() -> Settings:
    """A fresh SQLite database with the demo district: roster and coaching, no observations."""
    settings = fresh_sqlite("cadence-bench-pwa-")
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        load_demo_district(session=session, settings=settings, observations=False)
    engine.dispose()
    return settings


def sign_in(page: Page) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(COACH)
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def wait_ready_offline(page: Page) -> None:
    deadline = time.monotonic() + 60
    while not page.evaluate(READY_OFFLINE):
        if time.monotonic() > deadline:
            raise RuntimeError("the app did not get ready for offline use")
        time.sleep(0.1)
    page.wait_for_load_state("networkidle")


def refuse(route: Route) -> None:
    route.abort("internetdisconnected")


def reopen_offline_ms(context: BrowserContext, path: str, drawn: str, times: int) -> list[float]:
    context.set_offline(True)
    context.route("**/*", refuse)
    samples = []
    for _ in range(times):
        for old in context.pages:
            old.close()
        page = context.new_page()
        start = time.perf_counter()
        page.goto(path)
        page.locator(drawn).first.wait_for()
        samples.append((time.perf_counter() - start) * 1000)
    context.unroute("**/*", refuse)
    context.set_offline(False)
    return samples


def first_load(
    context: BrowserContext, traffic: Traffic, go: str, drawn: str, detail: bool
) -> tuple[Page, dict[str, float]]:
    """Sign in on a new tablet, open `go`, and measure until `drawn` shows, then until ready."""
    page = context.new_page()
    mark = traffic.mark()
    start = time.perf_counter()
    sign_in(page)
    if go:
        page.wait_for_url(re.compile(r".*/week$"))
        page.goto(go)
    page.locator(drawn).first.wait_for(timeout=60_000)
    ms = (time.perf_counter() - start) * 1000
    requests, sent = traffic.since(mark)
    if detail:
        with traffic.lock:
            for path, size in traffic.sent[mark:]:
                print(f"  {size / 1024:7.1f} KB  {path}")
    wait_ready_offline(page)
    all_requests, all_sent = traffic.since(mark)
    return page, {
        "ms": ms, "requests": requests, "kb": sent / 1024,
        "all_requests": all_requests, "all_kb": all_sent / 1024,
    }  # fmt: skip


def report(name: str, load: dict[str, float], reopen: list[float]) -> None:
    print(
        f"{name:8} first load to first drawn: {load['requests']:3.0f} requests {load['kb']:7.1f} KB"
        f"  {load['ms']:7.0f} ms;  until ready offline: {load['all_requests']:3.0f} requests"
        f" {load['all_kb']:7.1f} KB"
    )
    print(
        f"{name:8} offline reopen median {statistics.median(reopen):6.0f} ms"
        f"  (min {min(reopen):.0f}, max {max(reopen):.0f}, n {len(reopen)})"
    )


def run(reopens: int, detail: bool) -> None:
    traffic = Traffic()
    settings = demo_settings()
    with serve(CountBytes(create_app(settings), traffic)) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        print(
            f"server: {base} (uvicorn, SQLite, demo district); Chromium {browser.version}, 768x1024"
        )

        week_tablet = browser.new_context(viewport=TABLET_PORTRAIT, base_url=base)  # type: ignore[arg-type]
        page, week = first_load(week_tablet, traffic, "", "li.tile", detail)
        # An observation to score, started on this tablet and sent to the server.
        page.goto("/caseload")
        page.get_by_role("link", name="Ana Torres", exact=True).click()
        page.get_by_role("link", name="New observation").click()
        page.get_by_role("checkbox", name="NCTM Mathematics Teaching Practices").check()
        page.get_by_label("Grade").select_option("4")
        page.get_by_role("button", name="Start observing").click()
        page.wait_for_url("**/observe/*")
        scoring_path = "/observe/" + page.url.split("/observe/")[1]
        page.locator("#sync-status .sync-text", has_text="All changes saved").wait_for(
            timeout=30_000
        )
        week_reopen = reopen_offline_ms(week_tablet, "/week", "li.tile", reopens)

        score_tablet = browser.new_context(viewport=TABLET_PORTRAIT, base_url=base)  # type: ignore[arg-type]
        _page, scoring = first_load(
            score_tablet, traffic, scoring_path, "div.levels button", detail
        )
        scoring_reopen = reopen_offline_ms(score_tablet, scoring_path, "div.levels button", reopens)
        browser.close()

    report("week", week, week_reopen)
    report("scoring", scoring, scoring_reopen)
    print(
        f"reopen_offline_ms: {max(statistics.median(week_reopen), statistics.median(scoring_reopen)):.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reopens", type=int, default=7)
    parser.add_argument("--detail", action="store_true", help="list each response of a first load")
    args = parser.parse_args()
    run(args.reopens, args.detail)


if __name__ == "__main__":
    main()
