"""The school and district summaries over HTTP: a change is an improvement or a decline only
when its test says it is reliable, every number is rounded one way, the glance table leads,
a section the small-group rule empties says so once, and every landmark has its own name."""

import html
import re
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser

from fastapi.testclient import TestClient
from sqlmodel import Session

from server.accounts.models import Role, User
from server.config import Settings
from server.growth import service
from server.roster.models import School
from tests.conftest import login
from tests.factories import (
    PASSWORD,
    create_assignment,
    create_district,
    create_rubric_version,
    create_school,
    create_school_year,
    create_teacher,
    create_user,
)
from tests.growth.seed import add_observation, build, get_summary

# Eight teachers at the start and the end of 2024-25, per dimension of the test rubric:
# (start scores, end scores). Participation rises for seven of them (reliable: p < .001),
# Teacher's press moves both ways and rises by 1/8 = 0.125 on average (not reliable; "%.2f"
# would write it 0.12 and "%.1f" 0.1), Extra look falls for seven (reliable), Goal posted
# stays put.
SCORES = {
    "participation": ([1, 1, 2, 2, 2, 3, 3, 1], [2, 2, 3, 3, 3, 4, 4, 1]),
    "press": ([2, 2, 2, 2, 2, 2, 2, 2], [3, 1, 3, 2, 3, 1, 2, 2]),
    "extra": ([4, 4, 3, 3, 4, 3, 4, 4], [3, 3, 2, 2, 3, 2, 3, 4]),
    "goal-posted": ([1] * 8, [1] * 8),
}


def sign_in(client: TestClient, user: User) -> None:
    client.cookies.clear()
    assert login(client, user.email, PASSWORD).status_code == 303


@dataclass
class Changes:
    school: School
    principal: User
    admin: User


def build_changes(
    session: Session, settings: Settings, scores: dict[str, tuple[list[int], list[int]]] = SCORES,
    cohorts: list[int] | None = None,
) -> Changes:  # fmt: skip
    """One school whose teachers are scored `scores` at the start and end of 2024-25;
    `cohorts[t]`: the index of the year teacher t joined (0: 2023-24, 1: 2024-25)."""
    district = create_district(session)
    school = create_school(session, district, name="Even School")
    joined = [
        create_school_year(session, district, 2023),
        create_school_year(session, district, 2024),
    ]
    year = joined[1]
    coach = create_user(session, settings, role=Role.coach, school=school)
    principal = create_user(session, settings, role=Role.principal, school=school)
    admin = create_user(session, settings, role=Role.district_admin, district=district)
    rubric = create_rubric_version(session)
    for t in range(len(scores["participation"][0])):
        cohort = joined[cohorts[t]] if cohorts else None
        teacher = create_teacher(session, school, name=f"Even Teacher {t}", cohort=cohort)
        create_assignment(session, coach, teacher, year)
        for half, on in enumerate((date(2024, 9, 20), date(2025, 5, 20))):
            add_observation(
                session, teacher=teacher, observer=coach, year=year, rubric=rubric, on=on,
                value=lambda dim, _item, t=t, half=half: scores[dim][half][t],
            )  # fmt: skip
    session.commit()
    return Changes(school, principal, admin)


def text(markup: str) -> str:
    """The page's words: tags dropped, entities read, white space collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", markup))).strip()


def between(markup: str, start: str, end: str) -> str:
    return markup[markup.index(start) : markup.index(end, markup.index(start))]


def sentences(markup: str) -> dict[str, str]:
    """The baseline vs end-of-year sentences, by dimension."""
    found = re.findall(r"<li>(.*?)</li>", between(markup, 'class="plain-list sentences"', "</ul>"))
    return {re.findall(r"on '(.+?)'(?: by|,| \()", text(s))[0]: text(s) for s in found}


def test_a_change_is_an_improvement_only_when_its_test_says_it_is_reliable(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_changes(session, settings)
    sign_in(client, world.principal)
    page = get_summary(client, f"/schools/{world.school.id}/summary")
    assert page.status_code == 200, page.text[:500]

    said = sentences(page.text)
    assert said["Participation"].startswith(
        "2024-25: Teachers improved on 'Participation' by 0.88 points, d = 2.47, p < .001, n = 8."
    )
    assert said["Extra look"].startswith("2024-25: Teachers declined on 'Extra look' by 0.88")
    press = said["Teacher's press"]
    assert re.fullmatch(
        r"2024-25: Teachers scored 0\.13 points higher on 'Teacher's press', p = \.\d\d: "
        r"not a reliable change \(d = 0\.15, n = 8\)\.",
        press,
    ), press
    assert "improv" not in press and "declin" not in press
    assert "showed no change on 'Goal posted' (0.00 points)" in said["Goal posted"]

    # The glance leads, before the dosage and the details, with the same digits.
    assert page.text.index('id="glance-h"') < page.text.index('id="dosage-h"')
    glance = text(between(page.text, 'id="glance-h"', 'id="dosage-h"'))
    assert "Participation 8 +0.88 < .001 Reliably higher" in glance
    assert re.search(r"Teacher's press 8 \+0\.13 \.\d\d Not a reliable change", glance), glance
    assert "Extra look 8 -0.88 < .001 Reliably lower" in glance
    assert "Goal posted 8 0.00 \u2013 No change" in glance  # no test: a dash
    assert "A change is reliable when its test gives p < .05" in glance
    # The statistics table: +0.13 there too, never the float's "+0.12" or the sentence's "0.1".
    table = text(between(page.text, 'class="stats-table"', "</table>"))
    assert re.search(r"Teacher's press 8 2\.00 \(0\.00\) 2\.13 \(0\.83\) \+0\.13 ", table), table
    assert "+0.12" not in page.text and "0.1 points" not in page.text
    # Folded: the details are closed <details> with a name, after the glance.
    assert '<details class="fold card">' in page.text and "<details open" not in page.text
    assert "Baseline vs end of year, every year: n, means, t, p, W and d" in page.text

    sign_in(client, world.admin)
    district = get_summary(client, "/district/summary")
    assert district.status_code == 200
    lead = text(between(district.text, 'id="glance-h"', "</table>"))
    assert "Test Talk Rubric (2024-25)" in lead
    assert (
        "Even School 8 8 8 4 measured: 1 reliably higher, 1 reliably lower, 1 not reliable, "
        "1 no change"
    ) in lead
    assert sentences(district.text)["Teacher's press"] == press


def test_a_cohort_difference_is_named_only_when_reliable(
    client: TestClient, session: Session, settings: Settings
) -> None:
    # Ten teachers, five who joined in 2023-24 and five in 2024-25: the first five rise by a
    # point on participation, the others stay put; on press both cohorts move alike.
    scores = {
        "participation": ([2] * 10, [3] * 5 + [2] * 5),
        "press": ([2] * 10, [3, 2, 2, 3, 2, 3, 2, 2, 3, 2]),
        "extra": ([3] * 10, [3] * 10),
        "goal-posted": ([1] * 10, [1] * 10),
    }
    world = build_changes(session, settings, scores, cohorts=[0] * 5 + [1] * 5)
    sign_in(client, world.principal)
    page = get_summary(client, f"/schools/{world.school.id}/summary").text
    cohorts = text(between(page, "Cohorts compared: medians, U, p and r", "</details>"))
    assert re.search(
        r"Participation 2023-24 cohort vs 2024-25 cohort \(2024-25\) 5 / 5 \+1\.00 / 0\.00 "
        r"25\.0 \.\d+ 1\.00 2023-24 cohort higher: a reliable difference",
        cohorts,
    ), cohorts
    assert re.search(
        r"Teacher's press 2023-24 cohort vs 2024-25 cohort \(2024-25\) 5 / 5 0\.00 / 0\.00 "
        r"12\.5 [.>\d ]+ 0\.00 Not a reliable difference",
        cohorts,
    ), cohorts


def test_a_section_the_small_group_rule_empties_says_so_once(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build(session, settings)
    sign_in(client, world.small_principal)
    small = get_summary(client, f"/schools/{world.small.id}/summary").text
    assert "Not shown" not in small
    glance = between(small, 'id="glance-h"', 'id="dosage-h"')
    assert glance.count(service.TOO_FEW) == 1  # one instrument, every row left out: once
    dosage = between(small, 'id="dosage-h"', "</section>")
    assert dosage.count(service.TOO_FEW) == 1
    assert small.count(service.TOO_FEW) == 2  # nothing else repeats it
    assert "Practices in detail" not in small and "stats-table" not in small
    assert "points higher" not in small and "improved" not in small

    sign_in(client, world.principal)
    big = get_summary(client, f"/schools/{world.big.id}/summary").text
    # Big School's cohorts are 3 and 3 teachers: one line for the section, no table.
    assert big.count(f"<strong>Cohorts compared:</strong> {service.TOO_FEW}.") == 1
    assert "Mann-Whitney" not in big and big.count(service.TOO_FEW) == 2  # and the dosage

    sign_in(client, world.admin)
    district = get_summary(client, "/district/summary").text
    lead = between(district, 'id="glance-h"', "</table>")
    row = between(lead, ">Small School</a>", "</tr>")
    assert row.count(service.TOO_FEW) == 1 and "measured" not in row
    assert "Not shown" not in district


class Landmarks(HTMLParser):
    """The names of a page's landmarks (regions, named sections, navs), and its scrolling
    boxes' attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.named: list[tuple[str, str]] = []  # (kind, name or "#id" it is labelled by)
        self.wraps: list[dict[str, str | None]] = []
        self.ids: dict[str, str] = {}
        self._open: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if "table-wrap" in (a.get("class") or "").split():
            self.wraps.append(a)
        kind = a.get("role") or ("region" if tag == "section" else tag)
        if kind in ("region", "nav") and (a.get("aria-label") or a.get("aria-labelledby")):
            self.named.append((kind, a.get("aria-label") or "#" + (a["aria-labelledby"] or "")))
        if tag in ("h1", "h2", "h3", "h4", "h5") and a.get("id"):
            self._open.append((a["id"] or "", []))

    def handle_data(self, data: str) -> None:
        for _id, parts in self._open:
            parts.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h2", "h3", "h4", "h5") and self._open:
            element_id, parts = self._open.pop()
            self.ids[element_id] = " ".join("".join(parts).split())

    def names(self) -> list[tuple[str, str]]:
        return [(k, self.ids.get(n[1:], n) if n.startswith("#") else n) for k, n in self.named]


def landmarks(markup: str) -> Landmarks:
    parsed = Landmarks()
    parsed.feed(markup)
    return parsed


def assert_landmarks_unique_and_scrollers_focusable(markup: str) -> None:
    found = landmarks(markup)
    names = found.names()
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    assert found.wraps
    for wrap in found.wraps:
        assert (wrap.get("tabindex"), wrap.get("role")) == ("0", "region"), wrap
        assert wrap.get("aria-label"), wrap


def test_summaries_name_every_landmark_once_and_scroll_boxes_take_the_keyboard(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build(session, settings)
    sign_in(client, world.principal)
    big = get_summary(client, f"/schools/{world.big.id}/summary").text
    assert_landmarks_unique_and_scrollers_focusable(big)
    # The wide statistics table says where its columns went on a narrow screen.
    assert "Scroll sideways for t, p, W and d" in big
    sign_in(client, world.admin)
    district = get_summary(client, "/district/summary").text
    assert_landmarks_unique_and_scrollers_focusable(district)
    # Each school's instrument is its own region: the same rubric, distinct names.
    names = [n for _k, n in landmarks(district).names()]
    assert {"District overall: Test Talk Rubric", "Big School: Test Talk Rubric"} <= set(names)
