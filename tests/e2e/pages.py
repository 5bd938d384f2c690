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
        return (
            self.page.get_by_role("list", name="Teachers in my caseload")
            .get_by_role("heading")
            .all_inner_texts()
        )


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


# --- Observations -----------------------------------------------------------------------------


@dataclass
class TeacherPage:
    """A coach's page for one teacher in their caseload."""

    page: Page

    def open_from_caseload(self, teacher_name: str) -> "TeacherPage":
        self.page.goto("/caseload")
        self.page.get_by_role("link", name=teacher_name).click()
        self.page.wait_for_load_state("domcontentloaded")
        return self

    def new_observation(self) -> "NewObservationPage":
        self.page.get_by_role("link", name="New observation").click()
        self.page.wait_for_load_state("domcontentloaded")
        return NewObservationPage(self.page)


@dataclass
class NewObservationPage:
    page: Page

    def start(self, rubric_titles: list[str], grade: str, course_unit: str) -> "ObservationPage":
        for title in rubric_titles:
            self.page.get_by_role("checkbox", name=title).check()
        self.page.get_by_label("Grade").select_option(grade)
        self.page.get_by_label("Course or unit").fill(course_unit)
        self.page.get_by_role("button", name="Start observing").click()
        self.page.wait_for_url("**/observations/*")
        return ObservationPage(self.page)


@dataclass
class ObservationPage:
    """The scoring page: level buttons per dimension (or item), notes, tallies, timer."""

    page: Page

    def units(self) -> list[str]:
        """The ids of the level-button groups (one per dimension, or per item)."""
        return list(self.page.eval_on_selector_all("form.levels", "els => els.map(e => e.id)"))

    def tap_level(self, unit_id: str, index: int = 0) -> None:
        """Tap the index-th level of a group and wait until it shows as chosen."""
        self.page.locator(f"#{unit_id} button.level").nth(index).click()
        self.page.locator(f"#{unit_id} button.level").nth(index).and_(
            self.page.locator('[aria-pressed="true"]')
        ).wait_for()

    def chosen(self) -> int:
        return self.page.locator('form.levels button[aria-pressed="true"]').count()

    def start_timer(self) -> None:
        self.page.get_by_role("button", name="Start timer").click()
        self.page.get_by_role("button", name="Pause timer").wait_for()

    def timer_running(self) -> bool:
        return self.page.locator("[data-timer]").get_attribute("data-running") == "true"

    def add_note(self, text: str, tag: str | None = None) -> None:
        self.page.locator("#note-text").fill(text)
        if tag:
            self.page.locator(".note-tags summary").click()
            self.page.locator(".note-tags").get_by_label(tag, exact=True).check()
        self.page.get_by_role("button", name="Add note").click()
        self.page.locator(".note-list .note-text", has_text=text).wait_for()

    def notes(self) -> list[str]:
        return self.page.locator(".note-list .note-text").all_inner_texts()

    def write_evidence(self, dimension: str, text: str) -> None:
        box = self.page.get_by_label(f"Evidence for {dimension}", exact=True)
        box.fill(text)
        box.locator("xpath=..").locator(".save-status", has_text="Saved").wait_for()

    def evidence(self, dimension: str) -> str:
        return self.page.get_by_label(f"Evidence for {dimension}", exact=True).input_value()

    def tap_tally(self, label: str) -> None:
        button = self.page.locator("button.tally-tap", has_text=label).first
        before = int(button.locator(".tally-count").inner_text())
        button.click()
        self.page.locator("button.tally-tap", has_text=label).first.locator(
            ".tally-count", has_text=str(before + 1)
        ).wait_for()

    def finalize(self) -> None:
        self.page.get_by_role("button", name="Finalize observation").click()
        self.page.wait_for_load_state("domcontentloaded")

    def missing(self) -> list[str]:
        return self.page.locator("#problems .missing li").all_inner_texts()

    def reload(self) -> None:
        self.page.reload()
        self.page.wait_for_load_state("domcontentloaded")


# --- Offline capture --------------------------------------------------------------------------

SYNC_TIMEOUT_MS = 15_000


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


def wait_until_ready_offline(page: Page, timeout_s: float = 20) -> None:
    """Wait until the service worker is active and has kept the pages a coach needs
    without a network (the week, the caseload, the capture screen, the rubrics)."""
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
            ["/capture", "/week", "/caseload", "/rubrics"].map(url => cache.match(url)));
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
class CapturePage:
    """The observation screen that works offline (/capture)."""

    page: Page

    def open(self, query: str = "") -> "CapturePage":
        self.page.goto("/capture" + query)
        return self.ready()

    def ready(self) -> "CapturePage":
        self.page.locator("#capture [data-loading]").wait_for(state="detached")
        return self

    def start(self, teacher: str, rubric_titles: list[str], grade: str, course_unit: str) -> str:
        """Fill the new-observation form; return the new observation's id."""
        self.page.get_by_label("Teacher").select_option(label=teacher)
        for title in rubric_titles:
            self.page.get_by_role("checkbox", name=title).check()
        self.page.get_by_label("Grade").select_option(grade)
        self.page.get_by_label("Course or unit").fill(course_unit)
        self.page.get_by_role("button", name="Start observing").click()
        self.page.wait_for_url("**/capture?obs=*")
        self.ready()
        return self.observation_id()

    def observation_id(self) -> str:
        return self.page.url.split("obs=")[1].split("#")[0].split("&")[0]

    def tap_level(self, dimension: str, index: int) -> None:
        group = self.page.get_by_role("group", name=f"Score for {dimension}", exact=True)
        button = group.locator("button.level").nth(index)
        button.click()
        expect(button).to_have_attribute("aria-pressed", "true")

    def chosen_level(self, dimension: str) -> str:
        group = self.page.get_by_role("group", name=f"Score for {dimension}", exact=True)
        return group.locator('button[aria-pressed="true"] .level-value').inner_text()

    def write_evidence(self, dimension: str, text: str) -> None:
        box = self.page.get_by_label(f"Evidence for {dimension}", exact=True)
        box.fill(text)
        box.blur()
        expect(box).not_to_have_attribute("data-dirty", "1")

    def evidence(self, dimension: str) -> str:
        return self.page.get_by_label(f"Evidence for {dimension}", exact=True).input_value()

    def add_note(self, text: str) -> None:
        self.page.get_by_label("Note", exact=True).fill(text)
        self.page.get_by_role("button", name="Add note").click()
        self.page.locator(".note-list .note-text", has_text=text).wait_for()

    def notes(self) -> list[str]:
        return self.page.locator(".note-list .note-text").all_inner_texts()

    def finalize(self) -> None:
        self.page.get_by_role("button", name="Finalize observation").click()
        self.page.get_by_text("This observation is final.").wait_for()

    def status_badge(self) -> str:
        return self.page.locator("h1 + .lede .badge").inner_text()

    def sync_status(self) -> str:
        return self.page.locator("#sync-status .sync-text").inner_text()

    def wait_for_status(self, text: str) -> None:
        expect(self.page.locator("#sync-status .sync-text")).to_contain_text(
            text, timeout=SYNC_TIMEOUT_MS
        )


@dataclass
class WeekPage:
    """The coach's week and coaching cycles, with or without a network (/week)."""

    page: Page

    def open(self, query: str = "") -> "WeekPage":
        self.page.goto("/week" + query)
        return self.ready()

    def ready(self) -> "WeekPage":
        self.page.locator("#week[data-ready]").wait_for()
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
