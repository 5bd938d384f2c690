"""Page objects: what a person does on each screen, in their words."""

from dataclasses import dataclass

from playwright.sync_api import Page

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
