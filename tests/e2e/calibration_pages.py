"""The calibration pages (server-drawn): the lessons, a lesson's master or rating form, a
rater's agreement with the master, and the district's raters."""

from dataclasses import dataclass

from playwright.sync_api import Page, expect

from tests.e2e.agreement_pages import agreement_figure


@dataclass
class CalibrationPages:
    page: Page

    def add_lesson(self, title: str, source: str, rubric: str) -> None:
        self.page.get_by_label("Title").fill(title)
        self.page.get_by_label("Where to watch it, and what it is").fill(source)
        rubrics = self.page.get_by_label("Rubric")
        value = rubrics.locator("option", has_text=rubric).first.get_attribute("value")
        assert value, rubric
        rubrics.select_option(value)
        with self.page.expect_navigation():
            self.page.get_by_role("button", name="Add the lesson").click()

    def open_lesson(self, title: str) -> None:
        with self.page.expect_navigation():
            self.page.get_by_role("link", name=title).click()

    def set_level(self, dimension: str, value: str) -> None:
        self.page.get_by_label(dimension, exact=True).select_option(value)

    def chosen(self, dimension: str) -> str:
        return self.page.get_by_label(dimension, exact=True).input_value()

    def press(self, button: str) -> None:
        with self.page.expect_navigation():
            self.page.get_by_role("button", name=button).click()

    def error_at(self, dimension: str) -> str:
        row = self.page.locator("tr", has=self.page.get_by_label(dimension, exact=True))
        return row.locator(".field-error").inner_text()

    def status(self, text: str) -> None:
        expect(self.page.locator(".alert.ok[role=status]")).to_contain_text(text)

    def figure(self, name: str) -> str:
        return agreement_figure(self.page, name)

    def verdict(self, dimension: str) -> str:
        row = self.page.locator("tr", has=self.page.get_by_role("rowheader", name=dimension))
        return row.locator("td").last.inner_text()

    def missed_text(self) -> str:
        return "\n".join(self.page.locator(".descriptors-row").all_inner_texts())

    def rater_row(self, name: str) -> str:
        return self.page.get_by_role("row", name=name).inner_text()
