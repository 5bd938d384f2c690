"""Measure (not a test): the height of the long screens at tablet size, with screenshots.

The demo district with its observations (about half a minute to load) is served by uvicorn;
headless Chromium signs in as each person and opens their long screen in portrait (768x1024)
and landscape (1024x768): the coach's scoring screen (the observation on her tablet with the
most scoring units), the coach's week, and the district summary. It prints one line per
screen and orientation (`scoring portrait: 9,812 px`) and saves full-page screenshots under
test-results/screenshots/screens-*.png, to be looked at.

    .venv/bin/python bench/screens.py
"""

import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness import fresh_sqlite

from server.db import make_engine
from server.demo import load_demo_district
from server.main import create_app
from server.roster import demo
from tests.e2e.conftest import (
    CHROMIUM_ARGS,
    TABLET_LANDSCAPE,
    TABLET_PORTRAIT,
    chromium_path,
    serve,
)

SHOTS = Path(__file__).resolve().parents[1] / "test-results" / "screenshots"
COACH = f"maria.lopez@{demo.DEMO_DOMAIN}"
ADMIN = f"admin@{demo.DEMO_DOMAIN}"
# The observation on the coach's tablet with the most level-button groups.
LARGEST = """async () => {
  const db = await new Promise((ok, no) => { const r = indexedDB.open("cadence"); r.onsuccess = () => ok(r.result); r.onerror = no; });
  const rows = await new Promise(ok => { const q = db.transaction("records").objectStore("records").getAll(); q.onsuccess = () => ok(q.result); });
  const obs = rows.filter(r => r.entity === "observation" && r.view);
  obs.sort((a, b) => b.view.scores.length - a.view.scores.length);
  return obs.length ? obs[0].id : null;
}"""


def sign_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")


def height(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollHeight"))


def measure(page: Page, name: str, path: str, ready: str) -> None:
    for orientation, viewport in (("portrait", TABLET_PORTRAIT), ("landscape", TABLET_LANDSCAPE)):
        page.set_viewport_size(viewport)
        page.goto(path)
        page.locator(ready).first.wait_for()
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(SHOTS / f"screens-{name}-{orientation}.png"), full_page=True)
        print(f"{name} {orientation}: {height(page):,} px", flush=True)


def main() -> None:
    settings = fresh_sqlite("cadence-bench-screens-")
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        load_demo_district(session=session, settings=settings)
    engine.dispose()
    SHOTS.mkdir(parents=True, exist_ok=True)
    with serve(create_app(settings)) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        coach = browser.new_context(viewport=TABLET_PORTRAIT, base_url=base).new_page()
        sign_in(coach, COACH)
        largest = None
        for _ in range(300):  # the first pull brings the coach's observations (a minute at most)
            largest = coach.evaluate(LARGEST)
            if largest:
                break
            coach.wait_for_timeout(200)
        measure(coach, "scoring", f"/observe/{largest}", "div.levels")
        measure(coach, "week", "/week", "#app[data-ready] li.tile")
        admin = browser.new_context(viewport=TABLET_PORTRAIT, base_url=base).new_page()
        sign_in(admin, ADMIN)
        measure(admin, "district", "/district/summary", "#glance-h")  # once computed
        browser.close()


if __name__ == "__main__":
    main()
