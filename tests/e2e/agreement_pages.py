"""The agreement page of a co-observed lesson (server-drawn): the figures, each rater's
level, and the consensus the two raters record."""

from dataclasses import dataclass

from playwright.sync_api import Page, expect


def agreement_figure(page: Page, name: str) -> str:
    """The first agreement figure of that name on the page ("Exact agreement", ...)."""
    row = page.locator(".agreement-figures div", has=page.locator("dt", has_text=name))
    return row.first.locator("dd").inner_text()


@dataclass
class AgreementPage:
    page: Page

    def figure(self, name: str) -> str:
        return agreement_figure(self.page, name)

    def verdict(self, dimension: str) -> str:
        row = self.page.locator("tr", has=self.page.get_by_role("rowheader", name=dimension))
        return row.locator("td").nth(2).inner_text()

    def levels(self, dimension: str) -> tuple[str, str]:
        row = self.page.locator("tr", has=self.page.get_by_role("rowheader", name=dimension))
        cells = row.locator("td")
        return cells.nth(0).inner_text(), cells.nth(1).inner_text()

    def choose(self, dimension: str, value: str) -> None:
        self.page.get_by_label(f"Consensus for {dimension}").select_option(value)

    def save(self) -> None:
        self.page.get_by_role("button", name="Save the consensus").click()

    def saved(self) -> None:
        expect(self.page.locator(".alert.ok[role=status]")).to_contain_text("Consensus saved.")

    def reconciled_text(self) -> str:
        return self.page.locator("#done-h + p").inner_text()
