"""The coaching pages over HTTP: the teacher's cycles on /my-coaching, the pair's cycle page
and the teacher's forms on it (field errors in place with the text kept, conflicts with the
coach's offline edits), the principal's page (dosage and shared summaries only), the
district admin's audited export and the audit log."""

import csv
import io
import re
import uuid
from datetime import date, timedelta

import httpx
from fastapi.testclient import TestClient
from sqlmodel import select

from server.accounts.models import Role, User
from server.audit import service as audit_service
from server.audit.models import AuditEvent
from server.coaching import reports
from server.coaching.models import CheckIn, CoachingCycle, Commitment
from server.config import Settings
from tests.coaching.conftest import School, write
from tests.conftest import csrf_from, login
from tests.factories import (
    PASSWORD,
    create_check_in,
    create_commitment,
    create_cycle,
    create_district,
    create_observation,
    create_school,
    create_user,
)

TODAY = date.today()
HTMX = {"HX-Request": "true"}
NOTES = "Private pair notes about Jamal's fraction strips"
REFLECTION = "I rushed the launch; next time I will wait longer"
COMMITMENT = "Try a number talk on Monday"


def sign_in(client: TestClient, user: User) -> str:
    """Sign in (a fresh session) and return a CSRF token for forms."""
    client.cookies.clear()
    assert login(client, user.email, PASSWORD).status_code == 303
    return csrf_from(client.get("/", follow_redirects=True).text)


def post(
    client: TestClient,
    url: str,
    token: str,
    htmx: bool = False,
    data: dict[str, str] | None = None,
    **fields: str,
) -> httpx.Response:
    return client.post(
        url,
        data={"csrf_token": token, **(data or {}), **fields},
        headers=HTMX if htmx else {},
        follow_redirects=False,
    )


def textarea(html: str, element_id: str) -> str:
    match = re.search(rf'<textarea id="{re.escape(element_id)}"[^>]*>(.*?)</textarea>', html, re.S)
    assert match, f"no textarea #{element_id}"
    return match.group(1)


def base_of(html: str, action: str) -> str:
    """The base_version in the form posting to `action`."""
    form = html[html.index(f'action="{action}"') :]
    match = re.search(r'name="base_version" value="(\d+)"', form)
    assert match
    return match.group(1)


def a_cycle(school: School) -> tuple[CoachingCycle, CheckIn, Commitment]:
    s = school.session
    cycle = create_cycle(s, school.coach, school.teacher, evidence_plan="Exit tickets")
    check_in = create_check_in(
        s, school.coach, cycle, evidence_examined="Exit tickets from Tuesday",
        noticed="Half compared numerators only", will_try="Fraction strips",
        look_for_next="Who explains with a picture", notes=NOTES,
        student_work="Six samples, two strategies",
    )  # fmt: skip
    commitment = create_commitment(
        s, school.coach, check_in, text=COMMITMENT, due_date=TODAY - timedelta(days=1)
    )
    return cycle, check_in, commitment


def events(school: School, action: str | None = None) -> list[tuple[int, str, str, str]]:
    school.session.expire_all()
    query = select(AuditEvent).order_by(AuditEvent.id)  # type: ignore[arg-type]
    if action:
        query = query.where(AuditEvent.action == action)
    return [(e.user_id, e.action, e.entity, e.entity_id) for e in school.session.exec(query)]


# --- The coach's week ---------------------------------------------------------------------------


def test_the_week_shell_reads_nothing_and_the_pull_that_fills_it_is_audited(
    client: TestClient, school: School
) -> None:
    cycle, _, _ = a_cycle(school)
    sign_in(client, school.coach)
    before = events(school)
    shell = client.get("/week")
    assert shell.status_code == 200 and 'id="app"' in shell.text
    assert cycle.goal not in shell.text and school.teacher.name not in shell.text
    assert events(school) == before
    pulled = client.get(
        "/api/sync/pull", headers={"X-Cadence-Sync": "1", "Origin": "http://testserver"}
    )
    assert pulled.status_code == 200
    assert cycle.goal in pulled.text
    # One event for the pull, naming the cursor range it carried.
    cursor = pulled.json()["cursor"]
    assert events(school)[len(before) :] == [(school.coach.id, "sync_read", "sync", f"0-{cursor}")]


# --- The teacher's side ------------------------------------------------------------------------


def test_my_coaching_lists_my_cycles_goals_and_open_commitments(
    client: TestClient, school: School
) -> None:
    s = school.session
    cycle, check_in, overdue = a_cycle(school)
    later = create_commitment(
        s, school.coach, check_in, text="Bring three samples", owner="coach",
        due_date=TODAY + timedelta(days=5),
    )  # fmt: skip
    finished = create_commitment(s, school.coach, check_in, text="Already finished")
    write(school, school.coach, "commitment", finished.id,
          {"op": "update_commitment", "data": {"status": "done"}})  # fmt: skip
    write(school, school.teacher_user, "cycle", cycle.id,
          {"op": "update_cycle", "data": {"summary_progress": "Most students now draw"}})  # fmt: skip
    sign_in(client, school.teacher_user)
    html = client.get("/my-coaching").text
    assert "Your coaching cycles and goals will appear here" not in html
    assert f'href="/coaching/cycles/{cycle.id}"' in html
    for text in ("Participation", cycle.goal, "Most students now draw", "Not shared with your"):
        assert text in html
    assert html.count(cycle.goal) == 2  # in the cycle and under My goals
    commitments = html[html.index('id="commitments-h"') :]
    assert commitments.index(COMMITMENT) < commitments.index(later.text)
    assert "Already finished" not in commitments
    item = commitments[: commitments.index(later.text)]
    assert "is-overdue" in item and "Overdue" in item
    assert "1 overdue." in commitments
    assert f"#commitment-{overdue.id}" in commitments
    # The overview is an audited read of the cycle.
    assert (school.teacher_user.id, "read", "cycle", str(cycle.id)) in events(school)


def test_my_coaching_without_cycles(client: TestClient, school: School) -> None:
    sign_in(client, school.teacher_user)
    html = client.get("/my-coaching").text
    assert "No coaching cycles yet." in html and "No open commitments." in html


def test_the_pair_sees_every_check_in_on_the_cycle_page(client: TestClient, school: School) -> None:
    s = school.session
    cycle, check_in, _commitment = a_cycle(school)
    obs = create_observation(s, school.coach, school.teacher, [school.talk])
    write(school, school.coach, "check_in", check_in.id,
          {"op": "update_check_in", "data": {"observation_id": str(obs.id)}})  # fmt: skip
    write(school, school.teacher_user, "check_in", check_in.id,
          {"op": "add_check_in_reflection", "text": REFLECTION})  # fmt: skip
    url = f"/coaching/cycles/{cycle.id}"
    contents = [
        "Participation", cycle.goal, "Exit tickets from Tuesday", "Half compared numerators only",
        "Fraction strips", "Who explains with a picture", NOTES.replace("'", "&#39;"),
        "Six samples, two strategies", COMMITMENT, REFLECTION, "Observation debrief",
    ]  # fmt: skip
    sign_in(client, school.teacher_user)
    before = len(events(school))
    response = client.get(url)
    assert response.status_code == 200
    # Every read of the page is audited.
    assert events(school)[before:] == [(school.teacher_user.id, "read", "cycle", str(cycle.id))]
    for text in contents:
        assert text in response.text, text
    # Not shared with the teacher yet: named, not linked.
    assert f'href="/observations/{obs.id}"' not in response.text
    assert "(not shared with you yet)" in response.text
    assert f'action="/coaching/check-ins/{check_in.id}/reflection"' in response.text
    assert textarea(response.text, f"reflection-text-{check_in.id}") == REFLECTION
    assert "Overdue" in response.text
    # The coach works on the cycle in the coach's app (drawn from the tablet's store): the
    # page checks the pair (an audited read, like any) and sends them there.
    sign_in(client, school.coach)
    before = len(events(school))
    response = client.get(url, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/week?cycle={cycle.id}"
    assert NOTES not in response.text
    assert events(school)[before:] == [(school.coach.id, "read", "cycle", str(cycle.id))]


def test_outside_the_pair_a_cycle_is_403_and_an_unknown_one_404(
    client: TestClient, school: School
) -> None:
    cycle, check_in, commitment = a_cycle(school)
    for user in (school.other_coach, school.principal, school.admin):
        token = sign_in(client, user)
        response = client.get(f"/coaching/cycles/{cycle.id}")
        assert response.status_code == 403
        assert NOTES not in response.text and cycle.goal not in response.text
        for url, data in (
            (f"/coaching/check-ins/{check_in.id}/reflection", {"text": "x"}),
            (f"/coaching/cycles/{cycle.id}/progress", {"summary_progress": "x"}),
            (f"/coaching/cycles/{cycle.id}/share", {"shared": "yes"}),
            (f"/coaching/commitments/{commitment.id}/status", {"status": "done"}),
        ):
            assert post(client, url, token, data=data).status_code == 403, url
    token = sign_in(client, school.teacher_user)
    assert client.get(f"/coaching/cycles/{uuid.uuid4()}").status_code == 404
    assert client.get("/coaching/cycles/not-a-uuid").status_code == 404
    missing = post(client, f"/coaching/check-ins/{uuid.uuid4()}/reflection", token, text="x")
    assert missing.status_code == 404
    school.session.expire_all()
    assert school.session.get(CoachingCycle, cycle.id).shared_with_principal_at is None  # type: ignore[union-attr]


def test_the_coach_may_not_use_the_teachers_forms(client: TestClient, school: School) -> None:
    cycle, check_in, _ = a_cycle(school)
    token = sign_in(client, school.coach)
    for url, data in (
        (f"/coaching/check-ins/{check_in.id}/reflection", {"text": ""}),
        (f"/coaching/cycles/{cycle.id}/progress", {"summary_progress": "x"}),
        (f"/coaching/cycles/{cycle.id}/share", {"shared": ""}),
    ):
        response = post(client, url, token, data=data)
        assert response.status_code == 403, url
        assert "Only the teacher of this cycle" in response.text


# --- The teacher's forms -------------------------------------------------------------------------


def test_a_reflection_is_saved_with_a_plain_post_and_with_htmx(
    client: TestClient, school: School
) -> None:
    cycle, check_in, _ = a_cycle(school)
    token = sign_in(client, school.teacher_user)
    url = f"/coaching/check-ins/{check_in.id}/reflection"
    response = post(client, url, token, text=f"  {REFLECTION}  ", base_version="1")
    assert response.status_code == 303
    location = response.headers["location"]
    assert location == f"/coaching/cycles/{cycle.id}?saved=reflection#reflection-{check_in.id}"
    page = client.get(location).text
    assert "Reflection saved." in page
    assert textarea(page, f"reflection-text-{check_in.id}") == REFLECTION
    base = base_of(page, url)
    response = post(client, url, token, htmx=True, text="Edited reflection", base_version=base)
    assert response.status_code == 200
    assert "<html" not in response.text and "<h1" not in response.text
    assert response.text.lstrip().startswith(
        f'<div class="reflection-box" id="reflection-{check_in.id}"'
    )
    assert "Reflection saved." in response.text
    assert textarea(response.text, f"reflection-text-{check_in.id}") == "Edited reflection"
    assert base_of(response.text, url) == str(int(base) + 1)


def test_a_blank_or_too_long_reflection_is_refused_in_place_with_the_text_kept(
    client: TestClient, school: School
) -> None:
    _, check_in, _ = a_cycle(school)
    token = sign_in(client, school.teacher_user)
    url = f"/coaching/check-ins/{check_in.id}/reflection"
    field = f"reflection-text-{check_in.id}"
    response = post(client, url, token, text="   ", base_version="1")
    assert response.status_code == 400
    html = response.text
    assert (
        f'<p class="field-error" id="{field}-error">Reflection: Write your reflection first.</p>'
        in html
    )
    assert f'aria-describedby="{field}-error {field}-hint" aria-invalid="true"' in html
    assert f'<a href="#{field}">Reflection on {check_in.date:%-d %b %Y}</a>' in html
    assert NOTES.replace("'", "&#39;") in html  # the whole page, not a bare form
    long = "x" * 10_001
    for htmx in (False, True):
        response = post(client, url, token, htmx=htmx, text=long, base_version="1")
        assert response.status_code == (200 if htmx else 400)
        assert "Reflection: Can be at most 10,000 characters; this has 10,001." in response.text
        assert textarea(response.text, field) == long
        assert ("<h1" in response.text) is not htmx
    school.session.expire_all()
    assert write(school, school.coach, "check_in", check_in.id,
                 {"op": "update_check_in", "data": {}}).version == 1  # fmt: skip


def test_progress_is_saved_and_a_too_long_text_is_kept(client: TestClient, school: School) -> None:
    cycle, _, _ = a_cycle(school)
    token = sign_in(client, school.teacher_user)
    url = f"/coaching/cycles/{cycle.id}/progress"
    response = post(client, url, token, summary_progress="Students explain", base_version="1")
    assert response.status_code == 303
    assert response.headers["location"].endswith("?saved=progress#summary")
    page = client.get(response.headers["location"]).text
    assert "Progress saved." in page and textarea(page, "summary_progress") == "Students explain"
    long = "y" * 10_001
    response = post(client, url, token, summary_progress=long, base_version="2")
    assert response.status_code == 400
    assert "Progress: Can be at most 10,000 characters; this has 10,001." in response.text
    assert textarea(response.text, "summary_progress") == long
    assert '<a href="#summary_progress">Progress toward the goal</a>' in response.text
    response = post(client, url, token, htmx=True, summary_progress=long, base_version="2")
    assert response.status_code == 200 and '<section class="card" id="summary"' in response.text
    assert textarea(response.text, "summary_progress") == long
    response = post(client, url, token, htmx=True, summary_progress="Better", base_version="2")
    assert "Progress saved." in response.text
    # The share preview in the same block shows the new progress at once.
    assert response.text.count("Better") == 2
    school.session.expire_all()
    saved = school.session.get(CoachingCycle, cycle.id)
    assert saved is not None and saved.summary_progress == "Better"


def test_a_conflict_with_the_coachs_offline_edit_keeps_the_teachers_text(
    client: TestClient, school: School
) -> None:
    cycle, _, _ = a_cycle(school)
    token = sign_in(client, school.teacher_user)
    url = f"/coaching/cycles/{cycle.id}/progress"
    base = base_of(client.get(f"/coaching/cycles/{cycle.id}").text, url)
    # Meanwhile the coach's tablet syncs its own edit of the progress text.
    write(school, school.coach, "cycle", cycle.id,
          {"op": "update_cycle", "data": {"summary_progress": "Coach's words"}},
          base_version=int(base))  # fmt: skip
    response = post(client, url, token, summary_progress="Teacher's words", base_version=base)
    assert response.status_code == 409
    html = response.text
    assert "The progress text was changed (by your coach, or on another device)" in html
    assert textarea(html, "summary_progress") == "Teacher&#39;s words"
    assert "Coach&#39;s words" in html[html.index("Saved meanwhile") :]
    new_base = base_of(html, url)
    assert new_base == str(int(base) + 1)
    # Saving again on purpose replaces the coach's text.
    response = post(client, url, token, summary_progress="Teacher's words", base_version=new_base)
    assert response.status_code == 303
    school.session.expire_all()
    saved = school.session.get(CoachingCycle, cycle.id)
    assert saved is not None and saved.summary_progress == "Teacher's words"


def test_a_stale_form_on_another_field_merges_without_a_conflict(
    client: TestClient, school: School
) -> None:
    cycle, _, _ = a_cycle(school)
    token = sign_in(client, school.teacher_user)
    write(school, school.coach, "cycle", cycle.id,
          {"op": "update_cycle", "data": {"goal": "A sharper goal"}}, base_version=1)  # fmt: skip
    response = post(
        client, f"/coaching/cycles/{cycle.id}/progress", token, summary_progress="Mine",
        base_version="1",
    )  # fmt: skip
    assert response.status_code == 303
    school.session.expire_all()
    saved = school.session.get(CoachingCycle, cycle.id)
    assert saved is not None and (saved.goal, saved.summary_progress) == ("A sharper goal", "Mine")


def test_the_share_form_says_what_the_principal_sees(client: TestClient, school: School) -> None:
    cycle, _, _ = a_cycle(school)
    sign_in(client, school.teacher_user)
    html = client.get(f"/coaching/cycles/{cycle.id}").text
    preview = html[html.index('id="share-what"') : html.index('id="share-button"')]
    assert "If you share, your principal sees exactly this:" in preview
    for label in ("Focus practice", "Goal for student learning", "Progress", "Status", "Dates"):
        assert f"<dt>{label}</dt>" in preview
    assert "Never your check-ins, notes, commitments or reflections" in preview
    assert NOTES not in preview and COMMITMENT not in preview
    assert "Share this summary with my principal" in html


def test_sharing_the_summary_changes_what_the_principal_sees(
    client: TestClient, school: School
) -> None:
    cycle, check_in, _ = a_cycle(school)
    write(school, school.teacher_user, "check_in", check_in.id,
          {"op": "add_check_in_reflection", "text": REFLECTION})  # fmt: skip
    principal_page = f"/schools/{school.teacher.school_id}/coaching"
    sign_in(client, school.principal)
    before = client.get(principal_page)
    assert before.status_code == 200
    assert "No teacher has shared a cycle summary with you yet." in before.text
    assert cycle.goal not in before.text

    token = sign_in(client, school.teacher_user)
    share = f"/coaching/cycles/{cycle.id}/share"
    write(school, school.teacher_user, "cycle", cycle.id,
          {"op": "update_cycle", "data": {"summary_progress": "Half the class explains"}})  # fmt: skip
    response = post(client, share, token, shared="yes", base_version="1")
    assert response.status_code == 303 and "saved=shared" in response.headers["location"]
    page = client.get(response.headers["location"]).text
    assert "Stop sharing with my principal" in page and "What your principal sees:" in page

    sign_in(client, school.principal)
    html = client.get(principal_page).text
    for text in ("Tess Teacher", "Participation", cycle.goal, "Half the class explains", "Active"):
        assert text in html
    for private in (NOTES, REFLECTION, COMMITMENT, "Exit tickets from Tuesday", "Exit tickets"):
        assert private not in html, private
    assert f"/coaching/cycles/{cycle.id}" not in html

    token = sign_in(client, school.teacher_user)
    base = base_of(client.get(f"/coaching/cycles/{cycle.id}").text, share)
    response = post(client, share, token, htmx=True, shared="no", base_version=base)
    assert response.status_code == 200 and "Not shared any more." in response.text
    assert "Share this summary with my principal" in response.text
    sign_in(client, school.principal)
    assert cycle.goal not in client.get(principal_page).text


def test_a_bad_share_choice_is_named(client: TestClient, school: School) -> None:
    cycle, _, _ = a_cycle(school)
    token = sign_in(client, school.teacher_user)
    response = post(client, f"/coaching/cycles/{cycle.id}/share", token, shared="maybe")
    assert response.status_code == 400
    assert "Sharing: Choose whether to share the summary: yes or no." in response.text
    assert '<a href="#share-button">Sharing with the principal</a>' in response.text


def test_a_commitment_is_marked_and_a_bad_status_named(client: TestClient, school: School) -> None:
    _, _, commitment = a_cycle(school)
    url = f"/coaching/commitments/{commitment.id}/status"
    token = sign_in(client, school.teacher_user)
    response = post(client, url, token, status="finished", base_version="1")
    assert response.status_code == 400
    assert "Status: Choose what happened: done, dropped, or still open." in response.text
    assert f'<a href="#commitment-{commitment.id}">Commitment: {COMMITMENT}</a>' in response.text
    response = post(client, url, token, status="done", base_version="1")
    assert response.status_code == 303
    assert response.headers["location"].endswith(f"?saved=commitment#commitment-{commitment.id}")
    school.session.expire_all()
    row = school.session.get(Commitment, commitment.id)
    assert row is not None and row.status.value == "done" and row.completed_at is not None
    # htmx: the commitment's block only; the coach may mark it too.
    token = sign_in(client, school.coach)
    response = post(client, url, token, htmx=True, status="open", base_version="2")
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<li class="commitment is-overdue"')
    assert "Commitment updated." in response.text and "Mark done" in response.text


def test_a_commitment_changed_meanwhile_is_a_conflict(client: TestClient, school: School) -> None:
    _, _, commitment = a_cycle(school)
    write(school, school.coach, "commitment", commitment.id,
          {"op": "update_commitment", "data": {"status": "dropped"}}, base_version=1)  # fmt: skip
    token = sign_in(client, school.teacher_user)
    url = f"/coaching/commitments/{commitment.id}/status"
    response = post(client, url, token, status="done", base_version="1")
    assert response.status_code == 409
    assert "This commitment was changed (by your coach, or on another device)" in response.text
    assert "It is now dropped." in response.text
    response = post(client, url, token, htmx=True, status="done", base_version="1")
    assert response.status_code == 200 and "It is now dropped." in response.text
    school.session.expire_all()
    row = school.session.get(Commitment, commitment.id)
    assert row is not None and row.status.value == "dropped"


# --- The principal ------------------------------------------------------------------------------


def test_the_principals_page_shows_dosage_counts_only(client: TestClient, school: School) -> None:
    s = school.session
    cycle, _, _ = a_cycle(school)
    create_check_in(s, school.coach, cycle, notes="Second week notes")
    create_observation(s, school.coach, school.teacher, [school.talk])
    home = school.teacher.school_id
    sign_in(client, school.principal)
    school_page = client.get(f"/schools/{home}").text
    assert f'href="/schools/{home}/coaching"' in school_page
    response = client.get(f"/schools/{home}/coaching")
    assert response.status_code == 200
    html = response.text
    table = html[html.index('<table class="dosage">') : html.index("</table>")]
    tess = table[table.index("Tess Teacher") :]
    check_ins = re.findall(r'<td class="num[^"]*">(\d+)</td>', tess.split("</tr>")[0])
    observations = re.findall(r'<td class="num[^"]*">(\d+)</td>', tess.split("</tr>")[1])
    assert len(check_ins) == 6 and check_ins[-1] == "2" and observations[-1] == "1"
    assert "Una Assigned" in table
    for private in (NOTES, "Second week notes", COMMITMENT, cycle.goal):
        assert private not in html
    assert "No teacher has shared a cycle summary with you yet." in html
    assert events(school) == [e for e in events(school) if e[0] != school.principal.id]
    # The months scroll sideways on a narrow screen: the box takes the keyboard, by its name
    # (axe: scrollable-region-focusable).
    wrap = re.search(r'<div class="table-wrap"([^>]*)>\s*<table class="dosage">', html)
    assert wrap, "the dosage table is in a scrolling box"
    assert 'tabindex="0"' in wrap.group(1) and 'role="region"' in wrap.group(1)
    assert 'aria-label="Check-ins and observations per teacher, by month' in wrap.group(1)


def test_only_the_schools_principal_gets_its_coaching_page(
    client: TestClient, school: School
) -> None:
    a_cycle(school)
    home = school.teacher.school_id
    for user in (school.admin, school.other_principal, school.teacher_user, school.coach):
        sign_in(client, user)
        response = client.get(f"/schools/{home}/coaching")
        assert response.status_code == 403, user.email
    sign_in(client, school.admin)
    assert "/coaching" not in client.get(f"/schools/{home}").text
    assert client.get("/schools/999999/coaching").status_code == 404


def test_reading_shared_summaries_is_audited(client: TestClient, school: School) -> None:
    cycle, _, _ = a_cycle(school)
    write(school, school.teacher_user, "cycle", cycle.id, {"op": "share_summary", "shared": True})
    sign_in(client, school.principal)
    client.get(f"/schools/{school.teacher.school_id}/coaching")
    assert events(school, "read") == [(school.principal.id, "read", "cycle", str(cycle.id))]


# --- The district admin ---------------------------------------------------------------------------


def test_the_export_page_explains_and_needs_a_confirmation(
    client: TestClient, school: School
) -> None:
    a_cycle(school)
    token = sign_in(client, school.admin)
    page = client.get("/admin/coaching-export")
    assert page.status_code == 200
    assert "It is audited." in page.text and "under your name" in page.text
    assert 'href="/admin/coaching-export" aria-current="page"' in page.text
    assert 'href="/admin/audit"' in page.text
    assert "Nobody has exported coaching content yet." in page.text
    response = post(client, "/admin/coaching-export", token)
    assert response.status_code == 400
    assert '<p class="field-error" id="confirm-error">Tick this to confirm' in response.text
    assert '<a href="#confirm">Confirm</a>' in response.text
    assert events(school, "export") == []


def test_the_export_downloads_the_csv_and_is_audited(client: TestClient, school: School) -> None:
    cycle, check_in, _ = a_cycle(school)
    write(school, school.teacher_user, "check_in", check_in.id,
          {"op": "add_check_in_reflection", "text": "=HYPERLINK(\"http://x\")"})  # fmt: skip
    token = sign_in(client, school.admin)
    response = post(client, "/admin/coaching-export", token, confirm="on")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = response.headers["content-disposition"]
    assert disposition == f'attachment; filename="cadence-coaching-export-{TODAY.isoformat()}.csv"'
    assert response.headers["cache-control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == list(reports.EXPORT_COLUMNS)
    record = dict(zip(rows[0], rows[1], strict=True))
    assert (record["goal"], record["notes"]) == (cycle.goal, NOTES)
    assert record["commitments"] == f"teacher: {COMMITMENT} [open, due {TODAY - timedelta(days=1)}]"
    assert record["reflections"] == '\'=HYPERLINK("http://x")'  # not run as a formula
    district = str(school.teacher.district_id)
    assert events(school, "export") == [(school.admin.id, "export", "district", district)]
    page = client.get("/admin/coaching-export").text
    recent = page[page.index('id="recent-h"') :]
    assert school.admin.name in recent and '<td class="num">1</td>' in recent


def test_the_audit_log_lists_reads_and_exports_with_filters(
    client: TestClient, school: School, settings: Settings
) -> None:
    cycle, _, _ = a_cycle(school)
    token = sign_in(client, school.teacher_user)
    client.get(f"/coaching/cycles/{cycle.id}")
    token = sign_in(client, school.admin)
    post(client, "/admin/coaching-export", token, confirm="on")
    # Someone in another district: not in this district's log.
    elsewhere = create_school(school.session, create_district(school.session))
    stranger = create_user(school.session, settings, role=Role.coach, school=elsewhere,
                           name="Far Away")  # fmt: skip
    audit_service.record(session=school.session, user_id=stranger.id,  # type: ignore[arg-type]
                         action="read", entity="cycle", entity_id=uuid.uuid4())  # fmt: skip
    school.session.commit()

    html = client.get("/admin/audit").text
    assert 'href="/admin/audit" aria-current="page"' in html
    table = html[html.index('<table class="audit">') :]
    assert "Tess Teacher" in table and school.admin.name in table and "Far Away" not in table
    assert "the cycle page" in table and "1 cycle, 1 check-in, 1 row" in table
    assert table.index("Export") < table.index("the cycle page")  # newest first
    assert NOTES not in html and cycle.goal not in html

    only_exports = client.get("/admin/audit", params={"action": "export"}).text
    table = only_exports[only_exports.index('<table class="audit">') :]
    assert "Export" in table and "the cycle page" not in table
    assert '<option value="export" selected>' in only_exports
    by_teacher = client.get("/admin/audit", params={"user_id": school.teacher_user.id}).text
    table = by_teacher[by_teacher.index('<table class="audit">') :]
    assert "Tess Teacher" in table and "Export" not in table
    about = client.get("/admin/audit", params={"entity": "cycle", "entity_id": str(cycle.id)})
    assert "the cycle page" in about.text and "Export</td>" not in about.text
    today = TODAY.isoformat()
    assert "the cycle page" in client.get("/admin/audit", params={"since": today}).text
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    assert (
        "No events match these filters."
        in client.get("/admin/audit", params={"since": tomorrow}).text
    )


def test_bad_audit_filters_are_named_in_place_and_kept(client: TestClient, school: School) -> None:
    sign_in(client, school.admin)
    response = client.get(
        "/admin/audit",
        params={"action": "delete", "since": "yesterday", "entity_id": "abc", "user_id": "x"},
    )
    assert response.status_code == 400
    html = response.text
    assert '<p class="field-error" id="action-error">Choose one from the list.</p>' in html
    assert '<p class="field-error" id="since-error">Enter a date (YYYY-MM-DD).</p>' in html
    assert '<p class="field-error" id="user_id-error">Choose one from the list.</p>' in html
    assert 'value="yesterday"' in html and 'value="abc"' in html
    response = client.get("/admin/audit", params={"since": "2026-05-02", "until": "2026-05-01"})
    assert response.status_code == 400
    assert '<p class="field-error" id="until-error">Must be on or after the first day.</p>' in (
        response.text
    )


def test_principals_get_neither_the_export_nor_the_audit_log(
    client: TestClient, school: School
) -> None:
    token = sign_in(client, school.principal)
    assert client.get("/admin/coaching-export").status_code == 403
    assert post(client, "/admin/coaching-export", token, confirm="on").status_code == 403
    assert client.get("/admin/audit").status_code == 403
    nav = client.get("/admin").text
    assert "/admin/audit" not in nav and "/admin/coaching-export" not in nav
    assert events(school, "export") == []
