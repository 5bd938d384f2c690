"""Page objects for the growth pages: a teacher's growth and the school summary."""

from playwright.sync_api import Page, expect


class GrowthPage:
    """/teachers/{id}/growth"""

    def __init__(self, page: Page) -> None:
        self.page = page

    def open(self, teacher_id: int) -> "GrowthPage":
        self.page.goto(f"/teachers/{teacher_id}/growth")
        return self

    def heading(self) -> str:
        return self.page.locator("h1").inner_text()

    def chart_alternatives(self) -> list[tuple[str, str]]:
        """(title, desc) of every chart."""
        return list(
            self.page.evaluate(
                """() => [...document.querySelectorAll('svg[role=img]')].map(s =>
                    [s.querySelector('title')?.textContent || '', s.querySelector('desc')?.textContent || ''])"""
            )
        )

    def share(self) -> None:
        self.page.get_by_role("button", name="Share this page with my principal").click()
        self.page.wait_for_load_state()

    def trend_lines(self) -> list[str]:
        return self.page.locator(".trend p:first-child").all_inner_texts()

    def pending_lines(self) -> list[str]:
        """The trends still being computed."""
        return self.page.locator(".trend p.fit-pending").all_inner_texts()

    def closed_tables(self) -> int:
        """Charts whose numbers are folded away in a closed <details>."""
        return self.page.locator("details.chart-data:not([open])").count()

    def toggle_heights(self) -> list[float]:
        """The rendered height of every "The numbers behind this chart" toggle, in px."""
        return list(
            self.page.evaluate(
                """() => [...document.querySelectorAll('details.chart-data > summary')]
                    .map(s => s.getBoundingClientRect().height)"""
            )
        )

    def hidden_tables(self) -> int:
        """Tables in the charts' <details> that are not rendered (none, when printing)."""
        return int(
            self.page.evaluate(
                """() => [...document.querySelectorAll('details.chart-data table')]
                    .filter(t => t.getBoundingClientRect().height === 0).length"""
            )
        )

    def glance_names(self) -> list[str]:
        """The names in the instruments' at-a-glance tables, in order."""
        return self.page.locator(".glance tbody th").all_inner_texts()

    def chart_headings(self) -> list[str]:
        return self.page.locator(".dimension-growth h3").all_inner_texts()

    def glance_link_heights(self) -> list[float]:
        return list(
            self.page.evaluate(
                "() => [...document.querySelectorAll('.glance-link')]"
                ".map(a => a.getBoundingClientRect().height)"
            )
        )

    def follow_glance(self, index: int) -> str:
        """Tap the index-th name at a glance; the id of the chart heading it scrolled into view
        (empty when the heading is not in view)."""
        link = self.page.locator(".glance-link").nth(index)
        target = (link.get_attribute("href") or "").lstrip("#")
        link.click()
        in_view = self.page.evaluate(
            """(id) => { const r = document.getElementById(id).getBoundingClientRect();
                         return r.top >= 0 && r.bottom <= window.innerHeight; }""",
            target,
        )
        return target if in_view else ""

    def print_button_prints(self) -> bool:
        """Click "Print" with window.print replaced by a counter: was it called once?"""
        self.page.evaluate(
            "() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }"
        )
        self.page.get_by_role("button", name="Print").click()
        return bool(self.page.evaluate("() => window.__printed === 1"))

    def open_first_table(self) -> None:
        self.page.locator("details.chart-data > summary").first.click()


class SummaryPage:
    """/schools/{id}/summary and /district/summary"""

    def __init__(self, page: Page) -> None:
        self.page = page

    def open(self, path: str) -> "SummaryPage":
        self.page.goto(path)
        return self.wait_until_fresh()

    def wait_until_fresh(self, timeout_ms: float = 60_000) -> "SummaryPage":
        """Until the page shows numbers as of the latest observations: while the server's
        worker computes them the page says so and reloads its numbers by itself."""
        expect(self.page.locator(".fit-status")).to_have_count(0, timeout=timeout_ms)
        expect(self.page.locator("#glance-h")).to_be_visible()
        return self

    def suppressed_cells(self) -> list[str]:
        return self.page.locator(".suppressed-cell").all_inner_texts()

    def sentences(self) -> list[str]:
        return self.page.locator(".sentences li").all_inner_texts()
