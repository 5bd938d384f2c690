"""Page objects: what a person does on each screen, in their words."""

import time
from dataclasses import dataclass, field
from datetime import date, timedelta

from playwright.sync_api import BrowserContext, Locator, Page, Route, expect

from server.config import ROOT

AXE_SOURCE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"


@dataclass
class LoginPage:
    page: Page

    def open(self) -> "LoginPage":
        self.page.goto("/login")
        return self

    def sign_in(self, email: str, password: str) -> None:
        self.page.get_by_label("Email").fill(email)
        self.page.get_by_label("Password").fill(password)
        # The page first drops the pages kept for whoever was signed in before, then submits.
        with self.page.expect_navigation():
            self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_load_state("domcontentloaded")

    @property
    def error(self) -> str:
        return self.page.get_by_role("alert").inner_text()


@dataclass
class CaseloadPage:
    page: Page

    @property
    def heading(self) -> str:
        return self.page.get_by_role("heading", level=1).inner_text()

    def teacher_names(self) -> list[str]:
        """The caseload's names once the app has drawn them from the tablet's store."""
        names = self.page.get_by_role("list", name="Teachers in my caseload").get_by_role("heading")
        expect(names.first).to_be_visible()
        return names.all_inner_texts()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")


def serious_axe_violations(page: Page) -> list[dict[str, object]]:
    """Run axe-core in the page; return the serious and critical violations."""
    page.evaluate(AXE_SOURCE.read_text())
    result = page.evaluate("async () => await axe.run(document)")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


SCREENSHOTS = ROOT / "test-results" / "screenshots"


def check_screen(page: Page, name: str) -> None:
    """One h1, no sideways scroll, 44 px tap targets, no serious axe-core violation; then a
    full-page screenshot (test-results/screenshots/NAME.png) to look at."""
    assert page.get_by_role("heading", level=1).count() == 1, name
    assert horizontal_overflow(page) == 0, name
    assert small_tap_targets(page) == [], name
    assert serious_axe_violations(page) == [], name
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def horizontal_overflow(page: Page) -> int:
    """How many CSS px the page is wider than the viewport (0 = no sideways scrolling)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def small_tap_targets(page: Page) -> list[str]:
    """Visible links, buttons and inputs smaller than 44x44 CSS px."""
    return list(
        page.evaluate(
            """() => [...document.querySelectorAll('a, button, input:not([type=hidden]), select, textarea')]
              .filter(el => el.offsetParent !== null && !el.classList.contains('skip-link'))
              .filter(el => { const r = el.getBoundingClientRect(); return r.width < 44 || r.height < 44; })
              .map(el => el.outerHTML.slice(0, 80))"""
        )
    )


# --- The coach's app ---------------------------------------------------------------------------

SYNC_TIMEOUT_MS = 15_000


@dataclass
class CoachApp:
    """The coach's app: every coach screen, drawn from the tablet's store, online or offline."""

    page: Page

    def open(self, path: str) -> "CoachApp":
        self.page.goto(path)
        return self.ready()

    def ready(self) -> "CoachApp":
        self.page.locator("#app[data-ready]").wait_for()
        return self

    @property
    def heading(self) -> str:
        return self.page.get_by_role("heading", level=1).inner_text()

    def tap(self, name: str, role: str = "link") -> None:
        """Tap a link (or a button) by its name and wait for the next screen to be drawn."""
        self.page.get_by_role(role, name=name, exact=True).first.click()  # type: ignore[arg-type]
        self.page.wait_for_load_state("domcontentloaded")
        self.ready()

    def caseload_names(self) -> list[str]:
        return (
            self.page.get_by_role("list", name="Teachers in my caseload")
            .get_by_role("heading")
            .all_inner_texts()
        )

    def new_observation(self, teacher: str) -> "NewObservation":
        """From the caseload: the teacher's page, then New observation."""
        self.open("/caseload")
        self.page.get_by_role("link", name=teacher, exact=True).click()
        self.ready()
        expect(self.page.get_by_role("heading", level=1)).to_have_text(teacher)
        self.tap("New observation")
        return NewObservation(self.page)

    def sync_status(self) -> str:
        return self.page.locator("#sync-status .sync-text").inner_text()

    def wait_for_status(self, text: str) -> None:
        expect(self.page.locator("#sync-status .sync-text")).to_contain_text(
            text, timeout=SYNC_TIMEOUT_MS
        )


@dataclass
class NewObservation:
    page: Page

    def fill(self, rubric_titles: list[str], grade: str, course_unit: str) -> None:
        for title in rubric_titles:
            self.page.get_by_role("checkbox", name=title).check()
        self.page.get_by_label("Grade").select_option(grade)
        self.page.get_by_label("Course or unit").fill(course_unit)

    def start(self, rubric_titles: list[str], grade: str, course_unit: str) -> "ObservationScreen":
        self.fill(rubric_titles, grade, course_unit)
        self.page.get_by_role("button", name="Start observing").click()
        self.page.wait_for_url("**/observe/*")
        screen = ObservationScreen(self.page)
        CoachApp(self.page).ready()
        expect(self.page.get_by_role("heading", level=1)).to_contain_text("Observing")
        return screen


@dataclass
class ObservationScreen:
    """One observation (/observe/ID): details, timer, notes, levels, evidence, tallies, finish."""

    page: Page

    @property
    def observation_id(self) -> str:
        return self.page.url.split("/observe/")[1].split("#")[0].split("?")[0]

    def open(self, observation_id: str) -> "ObservationScreen":
        CoachApp(self.page).open(f"/observe/{observation_id}")
        return self

    def units(self) -> list[str]:
        """The ids of the level-button groups (one per dimension, or per item)."""
        return list(self.page.eval_on_selector_all("div.levels", "els => els.map(e => e.id)"))

    def tap_unit(self, unit_id: str, index: int = 0) -> None:
        """Tap the index-th level of a group and wait until it shows as chosen."""
        button = self.page.locator(f"#{unit_id} button.level").nth(index)
        button.click()
        expect(self.page.locator(f"#{unit_id} button.level").nth(index)).to_have_attribute(
            "aria-pressed", "true"
        )

    def tap_level(self, dimension: str, index: int) -> None:
        group = self.page.get_by_role("group", name=f"Level for {dimension}", exact=True)
        group.locator("button.level").nth(index).click()
        expect(
            self.page.get_by_role("group", name=f"Level for {dimension}", exact=True)
            .locator("button.level")
            .nth(index)
        ).to_have_attribute("aria-pressed", "true")

    def chosen_level(self, dimension: str) -> str:
        group = self.page.get_by_role("group", name=f"Level for {dimension}", exact=True)
        return group.locator('button[aria-pressed="true"]').first.get_attribute("data-value") or ""

    def chosen(self) -> int:
        return self.page.locator('div.levels button[aria-pressed="true"]').count()

    def scored(self) -> str:
        return self.page.locator(".observe-bar .scored").inner_text()

    def start_timer(self) -> None:
        self.page.get_by_role("button", name="Start timer").click()
        self.page.get_by_role("button", name="Pause timer").wait_for()

    def pause_timer(self) -> None:
        self.page.get_by_role("button", name="Pause timer").click()
        self.page.get_by_role("button", name="Resume timer").wait_for()

    def timer_running(self) -> bool:
        return self.page.get_by_role("button", name="Pause timer").count() == 1

    def add_note(self, text: str, tags: list[str] | None = None) -> None:
        self.page.locator("#note-text").fill(text)
        if tags:
            details = self.page.locator("#note-tags")
            if details.get_attribute("open") is None:
                details.locator("summary").click()
            for tag in tags:
                details.get_by_label(tag, exact=True).check()
        self.page.get_by_role("button", name="Add note").click()
        self.page.locator(".note-list .note-text", has_text=text).wait_for()

    def notes(self) -> list[str]:
        return self.page.locator(".note-list .note-text").all_inner_texts()

    def note_lines(self) -> list[str]:
        """Each note as shown: its clock time and lesson minute, the text and its tags."""
        return [
            " ".join(line.split()) for line in self.page.locator(".note-list li").all_inner_texts()
        ]

    def write_evidence(self, dimension: str, text: str) -> None:
        box = self.page.get_by_label(f"Evidence for {dimension}", exact=True)
        box.fill(text)
        box.blur()
        expect(box).not_to_have_attribute("data-dirty", "1")

    def evidence(self, dimension: str) -> str:
        return self.page.get_by_label(f"Evidence for {dimension}", exact=True).input_value()

    def tally(self, label: str) -> int:
        return int(
            self.page.locator("button.tally-tap", has_text=label)
            .first.locator(".tally-count")
            .inner_text()
        )

    def tap_tally(self, label: str, undo: bool = False) -> None:
        before = self.tally(label)
        row = self.page.locator(
            ".tally-list li", has=self.page.locator(".tally-label", has_text=label)
        )
        row.first.locator("button.tally-undo" if undo else "button.tally-tap").click()
        expect(
            self.page.locator("button.tally-tap", has_text=label).first.locator(".tally-count")
        ).to_have_text(str(before + (-1 if undo else 1)))

    def finalize(self) -> None:
        self.page.get_by_role("button", name="Finalize observation").click()

    def wait_final(self) -> None:
        expect(self.page.locator("#finish-h")).to_have_text("Final")

    def missing(self) -> list[str]:
        self.page.locator("#missing").wait_for()
        return self.page.locator("#missing li").all_inner_texts()

    def share(self, teacher: str) -> None:
        self.page.locator("#finish").get_by_role("button", name=f"Share with {teacher}").click()
        self.page.locator("#finish").get_by_text("Shared ").first.wait_for()

    def invite(self, coach: str) -> None:
        """Invite a second observer to score this lesson blind on their own tablet."""
        pair = self.page.locator("#pair")
        pair.get_by_label("Coach").select_option(label=coach)
        pair.get_by_role("button", name="Invite").click()
        expect(self.page.locator("#pair-h")).to_have_text(f"Second observer: {coach}")

    def pair_heading(self) -> str:
        return self.page.locator("#pair-h").inner_text()

    def open_agreement(self, other: str) -> None:
        self.page.get_by_role("link", name=f"Agreement with {other}").click()
        self.page.get_by_role("heading", name="Two observers, one lesson").wait_for()

    def status_badge(self) -> str:
        return self.page.locator("h1 + .lede .badge").inner_text()

    def reload(self) -> None:
        self.page.reload()
        CoachApp(self.page).ready()
        self.page.locator(".observe-bar").wait_for()


# --- The network ---------------------------------------------------------------------------------


def go_offline(context: BrowserContext) -> None:
    """Cut the network: Chromium's offline emulation (navigator.onLine, the offline event) and a
    route that refuses every request Playwright sees. The emulation alone does not reach the
    service worker's own fetches, and once (CI, 1 December 2026) a page's push got past it."""
    context.set_offline(True)
    context.route("**/*", _refuse)


def go_online(context: BrowserContext) -> None:
    context.unroute("**/*", _refuse)
    context.set_offline(False)


def _refuse(route: Route) -> None:
    route.abort("internetdisconnected")


def wait_until_ready_offline(page: Page, timeout_s: float = 45) -> None:
    """Wait until the service worker is active and has kept what a coach needs without a
    network: the shell of the coach's app (one copy for every coach screen) and the rubrics.
    The worker keeps them after the first bootstrap, which on a loaded 2-core machine can take
    half a minute: a wait for a state, not a measure of speed (that is bench/pwa.py's)."""
    deadline = time.monotonic() + timeout_s
    script = """async () => {
        // An active worker answers every navigation in its scope, whether or not it has
        // claimed this page yet (Chromium sometimes claims it late under load).
        const reg = await navigator.serviceWorker.getRegistration("/");
        if (!reg || !reg.active || reg.active.state !== "activated") return false;
        const name = (await caches.keys()).find(n => n.startsWith("cadence-pages-"));
        if (!name) return false;
        const cache = await caches.open(name);
        const kept = await Promise.all(
            ["/__cadence/coach-shell", "/rubrics"].map(url => cache.match(url)));
        return kept.every(Boolean);
    }"""
    while not page.evaluate(script):
        if time.monotonic() > deadline:
            state = page.evaluate("""async () => ({
                controller: !!navigator.serviceWorker.controller,
                caches: await Promise.all((await caches.keys()).map(async n =>
                    [n, (await (await caches.open(n)).keys()).map(r => r.url)])),
                status: document.querySelector("#sync-status")?.textContent,
            })""")
            raise AssertionError(f"the app did not get ready for offline use: {state}")
        time.sleep(0.2)


@dataclass
class WeekPage:
    """The coach's week and coaching cycles in the coach's app (/week)."""

    page: Page

    def open(self, query: str = "") -> "WeekPage":
        self.page.goto("/week" + query)
        return self.ready()

    def ready(self) -> "WeekPage":
        self.page.locator("#app[data-ready]").wait_for()
        return self

    @property
    def heading(self) -> str:
        return self.page.get_by_role("heading", level=1).inner_text()

    def teacher_names(self) -> list[str]:
        return (
            self.page.get_by_role("list", name="Teachers this week")
            .get_by_role("heading")
            .all_inner_texts()
        )

    def teacher_card(self, name: str) -> Locator:
        return self.page.locator("li.tile", has=self.page.get_by_role("heading", name=name))

    def start_cycle(self, teacher: str, focus: str, goal: str, evidence: str, start: date) -> str:
        """Fill the new-cycle form; return the new cycle's id."""
        self.open("?new_cycle=1")
        self.page.get_by_label("Teacher").select_option(label=teacher)
        self.page.get_by_label("Focus practice").select_option(label=focus)
        self.page.get_by_label("Goal for student learning").fill(goal)
        self.page.get_by_label("Evidence that will show progress").fill(evidence)
        self.page.get_by_label("Starts").fill(start.isoformat())
        self.page.get_by_label("Ends").fill((start + timedelta(days=42)).isoformat())
        self.page.get_by_role("button", name="Start the cycle").click()
        self.page.wait_for_url("**/week?cycle=*")
        self.ready()
        return self.page.url.split("cycle=")[1].split("&")[0]

    def check_in(self, cycle_id: str, on: date, kind: str, check_in: "CheckInForm") -> str:
        """Write this week's check-in in the cycle; return the new check-in's id."""
        self.open(f"?check_in=new&cycle={cycle_id}")
        self.page.get_by_label("Date").fill(on.isoformat())
        self.page.get_by_label("Kind of meeting").select_option(label=kind)
        for label, text in check_in.prompts.items():
            self.page.get_by_label(label).fill(text)
        for text in check_in.done:
            self.page.get_by_role("checkbox", name=f"Done: {text}", exact=False).check()
        for n, (text, owner) in enumerate(check_in.commitments, start=1):
            if n > 1:
                self.page.get_by_role("button", name="Add another commitment").click()
            row = self.page.locator(f"fieldset.commitment-row[data-row='{n}']")
            row.get_by_label("Next step").fill(text)
            row.get_by_label("The teacher" if owner == "teacher" else "The coach").check()
        if check_in.link_observation:
            select = self.page.get_by_label("Linked observation")
            select.select_option(index=1)
        self.page.get_by_role("button", name="Save the check-in").click()
        self.page.wait_for_url(lambda url: "check_in=" in url and "check_in=new" not in url)
        self.ready()
        return self.page.url.split("check_in=")[1].split("&")[0]

    def field_error(self, field_id: str) -> str:
        return self.page.locator(f"#error-{field_id}").inner_text()

    def wait_for_status(self, text: str) -> None:
        expect(self.page.locator("#sync-status .sync-text")).to_contain_text(
            text, timeout=SYNC_TIMEOUT_MS
        )


@dataclass
class CheckInForm:
    """What the coach writes in a check-in: prompt label -> text, new commitments
    (text, owner), carried-over commitments to mark done, whether to link an observation."""

    prompts: dict[str, str]
    commitments: list[tuple[str, str]] = field(default_factory=list)
    done: list[str] = field(default_factory=list)
    link_observation: bool = False
