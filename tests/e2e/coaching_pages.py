"""Page objects for the coaching pages of the teacher, the principal and the district admin:
what each person does there, in their words."""

from dataclasses import dataclass

from playwright.sync_api import Page, expect


@dataclass
class MyCoachingPage:
    """The teacher's home: their cycles, goals and open commitments."""

    page: Page

    def open(self) -> "MyCoachingPage":
        self.page.goto("/my-coaching")
        return self

    def cycles(self) -> list[str]:
        return (
            self.page.get_by_role("list", name="My coaching cycles, newest first")
            .get_by_role("heading")
            .all_inner_texts()
        )

    def goals(self) -> list[str]:
        return (
            self.page.get_by_role("list", name="Goals of my current cycles")
            .locator(".goal-text")
            .all_inner_texts()
        )

    def overdue_commitments(self) -> list[str]:
        return self.page.locator(".commitment-list .is-overdue .commitment-text").all_inner_texts()

    def open_cycle(self, focus: str) -> "CyclePage":
        self.page.get_by_role("link", name=focus).click()
        self.page.wait_for_url("**/coaching/cycles/*")
        return CyclePage(self.page)


@dataclass
class CyclePage:
    """One coaching cycle, for its teacher (and its coach)."""

    page: Page

    def check_in_headings(self) -> list[str]:
        return self.page.locator("article.check-in h3").all_inner_texts()

    def reflect(self, text: str) -> None:
        """Write (or rewrite) the reflection on the only check-in and save it."""
        self.page.get_by_label("Reflection on this check-in").fill(text)
        self.page.get_by_role("button", name="Save reflection").click()

    def reflection_saved(self) -> None:
        expect(self.page.locator(".reflection-box .save-status")).to_have_text("Reflection saved.")

    def reflection(self) -> str:
        return self.page.get_by_label("Reflection on this check-in").input_value()

    def reflection_error(self) -> str:
        return self.page.locator(".reflection-box .field-error").inner_text()

    def write_progress(self, text: str) -> None:
        self.page.get_by_label("Progress toward the goal").fill(text)
        self.page.get_by_role("button", name="Save progress").click()
        expect(self.page.locator("#summary .save-status")).to_have_text("Progress saved.")

    def what_the_principal_would_see(self) -> str:
        return self.page.locator(".share-preview").inner_text()

    def share_with_principal(self) -> None:
        self.page.get_by_role("button", name="Share this summary with my principal").click()
        expect(
            self.page.get_by_role("button", name="Stop sharing with my principal")
        ).to_be_visible()

    def sharing(self) -> str:
        return self.page.locator(".share-state").inner_text()


@dataclass
class SchoolCoachingPage:
    """A principal's coaching page for their school: dosage and shared summaries."""

    page: Page

    def open_from_school(self, school: str) -> "SchoolCoachingPage":
        self.page.goto("/school")
        self.page.get_by_role("link", name=f"Coaching at {school}").click()
        self.page.wait_for_url("**/coaching")
        return self

    def text(self) -> str:
        return self.page.locator("main").inner_text()

    def teachers_who_shared(self) -> list[str]:
        return [
            heading.split(" · ")[0]
            for heading in self.page.locator("section.shared-teacher h3").all_inner_texts()
        ]

    def summaries_of(self, teacher: str) -> str:
        return self.page.locator("section.shared-teacher", has_text=teacher).inner_text()

    def dosage(self, teacher: str) -> tuple[list[int], list[int]]:
        """The teacher's check-ins and observations per month, oldest month first."""
        group = self.page.locator("table.dosage tbody", has_text=teacher)
        rows = group.get_by_role("row")
        return (
            [int(t) for t in rows.nth(0).locator("td").all_inner_texts()],
            [int(t) for t in rows.nth(1).locator("td").all_inner_texts()],
        )


@dataclass
class CoachingExportPage:
    """The district admin's audited export."""

    page: Page

    def open(self) -> "CoachingExportPage":
        self.page.goto("/admin/coaching-export")
        return self

    def download(self) -> str:
        """Confirm, download the CSV and return its file name."""
        self.page.get_by_label("I understand that this export is recorded").check()
        with self.page.expect_download() as info:
            self.page.get_by_role("button", name="Download the coaching export (CSV)").click()
        return info.value.suggested_filename


@dataclass
class AuditLogPage:
    page: Page

    def open(self, query: str = "") -> "AuditLogPage":
        self.page.goto("/admin/audit" + query)
        return self

    def filter_action(self, label: str) -> None:
        self.page.get_by_label("Action").select_option(label=label)
        self.page.get_by_role("button", name="Show events").click()
        self.page.wait_for_load_state("domcontentloaded")

    def actions(self) -> list[str]:
        return self.page.locator("table.audit tbody tr td:nth-child(3)").all_inner_texts()

    def people(self) -> list[str]:
        return self.page.locator("table.audit tbody tr td:nth-child(2)").all_inner_texts()
