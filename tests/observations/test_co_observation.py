"""Two observers, one lesson: the invitation, blindness (pages and pull), the lock once both
have finalized, the agreement page, reconciliation, and the lesson counted once for growth."""

import uuid
import warnings

import pandas
import pingouin
import pytest
from fastapi.testclient import TestClient
from sklearn.metrics import cohen_kappa_score
from sqlmodel import select

from server.accounts.models import Role, User
from server.config import Settings
from server.growth.queries import dimension_scores
from server.observations import co_observation, district_agreement, service
from server.observations import operations as ops
from server.observations.models import Observation, ObservationRubric, Reconciliation
from server.roster.models import District
from tests.conftest import csrf_from
from tests.factories import create_user
from tests.observations.conftest import School
from tests.sync.conftest import API_HEADERS, pull, sign_in

# The two raters' levels on the test talk rubric: the same on participation, one apart on
# press, and goal-posted (yes/no) apart by one.
FIRST = {"participation": 3, "press": 2, "goal-posted": 1}
SECOND = {"participation": 3, "press": 3, "goal-posted": 0}


def invite(school: School, oid: uuid.UUID) -> uuid.UUID:
    second = uuid.uuid4()
    op = ops.InviteCoObserver(
        observation_id=oid,
        co_observation_id=second,
        observer_id=school.other_coach.id,  # type: ignore[arg-type]
    )
    school.apply(op)
    return second


def score(school: School, oid: uuid.UUID, levels: dict[str, int], user: object) -> None:
    for dim, value in levels.items():
        school.score(oid, dim, value, user=user)  # type: ignore[arg-type]


def both_final(
    school: School, first_levels: dict[str, int] = FIRST, second_levels: dict[str, int] = SECOND
) -> tuple[uuid.UUID, uuid.UUID]:
    """A co-observed lesson both raters scored (these levels) and finalized."""
    first = school.create()
    second = invite(school, first)
    score(school, first, first_levels, school.coach)
    score(school, second, second_levels, school.other_coach)
    school.apply(ops.Finalize(observation_id=first))
    school.apply(ops.Finalize(observation_id=second), school.other_coach)
    return first, second


def reconcile(
    school: School, first: uuid.UUID, levels: dict[str, int], user: User | None = None
) -> ops.OperationResult:
    """Record the consensus levels of these talk dimensions."""
    scores = [
        ops.ConsensusScore(rubric_version_id=school.talk.id, dimension_id=dim, value=value)  # type: ignore[arg-type]
        for dim, value in levels.items()
    ]
    return school.apply(ops.Reconcile(observation_id=first, scores=scores), user)


def test_an_invitation_gives_the_second_observer_the_same_lesson_to_score(
    school: School,
) -> None:
    first = school.create(rubrics=[school.talk, school.practices])
    second_id = invite(school, first)
    session = school.session
    second = session.get(Observation, second_id)
    original = session.get(Observation, first)
    assert second is not None and original is not None
    assert (second.observer_id, second.teacher_id, second.pair_of) == (
        school.other_coach.id, school.teacher.id, first,
    )  # fmt: skip
    assert (second.grade, second.course_unit, second.observed_at) == (
        original.grade, original.course_unit, original.observed_at,
    )  # fmt: skip
    rubrics = session.exec(
        select(ObservationRubric.rubric_version_id)
        .where(ObservationRubric.observation_id == second_id)
        .order_by(ObservationRubric.position)  # type: ignore[arg-type]
    ).all()
    assert rubrics == [school.talk.id, school.practices.id]
    # The second observer scores it as their own; the first observer cannot.
    school.score(second_id, "participation", 2, user=school.other_coach)
    with pytest.raises(ops.PermissionDenied):
        school.score(second_id, "participation", 4)
    # A repeat of the same invitation (a tablet sending it again) changes nothing.
    again = ops.InviteCoObserver(
        observation_id=first, co_observation_id=second_id,
        observer_id=school.other_coach.id,  # type: ignore[arg-type]
    )  # fmt: skip
    assert school.apply(again).changed is False


@pytest.mark.parametrize(
    ("who", "field"),
    [("self", "observer_id"), ("principal", "observer_id"), ("teacher", "observer_id")],
)
def test_only_another_coach_of_the_district_can_be_invited(
    school: School, who: str, field: str
) -> None:
    users = {"self": school.coach, "principal": school.principal, "teacher": school.teacher_user}
    first = school.create()
    op = ops.InviteCoObserver(
        observation_id=first, co_observation_id=uuid.uuid4(),
        observer_id=users[who].id,  # type: ignore[arg-type]
    )  # fmt: skip
    with pytest.raises(ops.OperationError) as refused:
        school.apply(op)
    assert refused.value.field == field
    assert co_observation.seconds_of(session=school.session, observation_id=first) == []


def test_one_second_observer_per_lesson_and_none_for_the_second(school: School) -> None:
    first = school.create()
    second = invite(school, first)
    with pytest.raises(ops.OperationError, match="second observer already"):
        invite(school, first)
    op = ops.InviteCoObserver(
        observation_id=second, co_observation_id=uuid.uuid4(),
        observer_id=school.coach.id,  # type: ignore[arg-type]
    )  # fmt: skip
    with pytest.raises(ops.OperationError, match="cannot invite"):
        school.apply(op, school.other_coach)


def test_neither_rater_sees_the_others_scores_through_pages_or_pull(
    client: TestClient, school: School
) -> None:
    first = school.create()
    second = invite(school, first)
    score(school, first, FIRST, school.coach)
    school.apply(ops.Finalize(observation_id=first))
    school.score(second, "participation", 1, user=school.other_coach)
    sign_in(client, school.other_coach.email)
    # The first observation is not the second observer's to read, final or not.
    assert client.get(f"/observations/{first}", follow_redirects=False).status_code == 403
    changes = pull(client)["changes"]
    assert {c["id"] for c in changes} == {str(second)}
    [mine] = changes
    assert [(s["dimension_id"], s["value"]) for s in mine["data"]["scores"]] == [
        ("participation", 1)
    ]
    assert mine["data"]["pair"] == {
        "role": "second", "first_id": str(first), "with_name": school.coach.name,
        "reconciled": False,
    }  # fmt: skip
    assert mine["data"]["teacher_name"] == school.teacher.name
    # The agreement page says who the raters are and waits: no level of either is on it.
    page = client.get(f"/observations/{first}/agreement")
    assert page.status_code == 200
    assert "Scores stay hidden until both have finalized" in page.text
    assert "<table" not in page.text and "Teacher&#39;s press" not in page.text
    # Nor does the first rater's pull carry the second's observation.
    client.post("/logout")
    sign_in(client, school.coach.email)
    assert str(second) not in {c["id"] for c in pull(client)["changes"]}


def test_once_both_have_finalized_the_scores_are_locked_and_compared(
    client: TestClient, school: School
) -> None:
    first, second = both_final(school)
    for oid, user in ((first, school.coach), (second, school.other_coach)):
        with pytest.raises(ops.OperationError) as refused:
            school.score(oid, "participation", 1, user=user)
        assert refused.value.field == "scores"
    for oid, user, text in (
        (first, school.coach, "Asked why once"),
        (second, school.other_coach, "Asked why three times"),
    ):
        evidence = ops.SetEvidence(
            observation_id=oid, rubric_version_id=school.talk.id,  # type: ignore[arg-type]
            dimension_id="press", text=text,
        )  # fmt: skip
        school.apply(evidence, user)
    sign_in(client, school.other_coach.email)
    page = client.get(f"/observations/{second}/agreement")  # the second's id: sent on
    assert page.status_code == 200
    assert str(page.url).endswith(f"/observations/{first}/agreement")
    text = page.text
    # participation the same, press one apart, goal-posted one apart (of the cells both
    # scored; "extra" is optional and blank for both): exact 1/3, adjacent 3/3.
    assert "33%" in text and "100%" in text
    kappa = cohen_kappa_score([3, 2, 1], [3, 3, 0], weights="quadratic", labels=[0, 1, 2, 3, 4])
    assert f"{kappa:.2f}" in text
    assert "Within one level" in text and "Same level" in text
    # Where they differ, each rater's evidence, to talk it through.
    assert "Asked why once" in text and "Asked why three times" in text


def test_sharing_waits_for_the_consensus_and_the_second_is_never_shared(
    school: School,
) -> None:
    first, second = both_final(school)
    with pytest.raises(ops.OperationError, match="reconcile"):
        school.apply(ops.Share(observation_id=first, audience="teacher"))
    with pytest.raises(ops.OperationError, match="not shared"):
        school.apply(ops.Share(observation_id=second, audience="teacher"), school.other_coach)
    reconcile(school, first, {"press": 3, "goal-posted": 1}, school.other_coach)
    assert school.apply(ops.Share(observation_id=first, audience="teacher")).changed


def test_reconcile_needs_every_difference_and_keeps_both_raters_scores(
    school: School,
) -> None:
    first, second = both_final(school)
    talk = school.talk.id
    only_press = [ops.ConsensusScore(rubric_version_id=talk, dimension_id="press", value=3)]  # type: ignore[arg-type]
    with pytest.raises(ops.OperationError) as refused:
        school.apply(ops.Reconcile(observation_id=first, scores=only_press))
    assert refused.value.field == f"scores.{talk}:goal-posted"
    with pytest.raises(ops.OperationError, match="first observer"):
        school.apply(ops.Reconcile(observation_id=second, scores=only_press), school.other_coach)
    with pytest.raises(ops.PermissionDenied):
        school.apply(ops.Reconcile(observation_id=first, scores=only_press), school.principal)
    consensus = [
        *only_press,
        ops.ConsensusScore(rubric_version_id=talk, dimension_id="goal-posted", value=1),  # type: ignore[arg-type]
    ]
    result = school.apply(ops.Reconcile(observation_id=first, scores=consensus))
    assert result.changed
    session = school.session
    kept = session.get(Reconciliation, first)
    assert kept is not None and kept.changed_cells == 1  # press 2 -> 3; goal-posted stays 1
    assert co_observation.from_rows(kept.first_scores)[(talk, "press", "")] == 2  # type: ignore[index]
    assert co_observation.from_rows(kept.second_scores)[(talk, "press", "")] == 3  # type: ignore[index]
    obs = session.get(Observation, first)
    assert obs is not None
    sheet = service.load_sheet(session=session, observation=obs)
    assert co_observation.levels_of(sheet)[(talk, "press", "")] == 3  # type: ignore[index]
    # The second observer's own scoring is unchanged, and a repeat does nothing.
    other = session.get(Observation, second)
    assert other is not None
    assert (
        co_observation.levels_of(service.load_sheet(session=session, observation=other))[
            (talk, "goal-posted", "")  # type: ignore[index]
        ]
        == 0
    )
    assert school.apply(ops.Reconcile(observation_id=first, scores=consensus)).changed is False
    with pytest.raises(ops.OperationError, match="reconciled"):
        school.score(first, "press", 1)


def test_growth_counts_a_co_observed_lesson_once_with_its_consensus(school: School) -> None:
    first, _second = both_final(school)
    reconcile(school, first, {"press": 4, "goal-posted": 0})
    rows = school.session.execute(dimension_scores()).mappings().all()
    assert {r["observation_id"] for r in rows} == {first}
    assert {r["dimension_id"]: r["score"] for r in rows} == {
        "participation": 3.0, "press": 4.0, "goal-posted": 0.0,
    }  # fmt: skip


def _reconcile_form(client: TestClient, first: uuid.UUID, data: dict[str, str]) -> object:
    page = client.get(f"/observations/{first}/agreement")
    return client.post(
        f"/observations/{first}/reconcile",
        data={**data, "csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )


def test_the_reconcile_form_shows_a_missing_level_in_place_and_keeps_the_choices(
    client: TestClient, school: School
) -> None:
    first, _second = both_final(school)
    talk = school.talk.id
    sign_in(client, school.coach.email)
    press = f"c:{talk}:press:"
    answer = _reconcile_form(client, first, {press: "3", f"c:{talk}:goal-posted:": ""})
    assert answer.status_code == 400  # type: ignore[attr-defined]
    html = answer.text  # type: ignore[attr-defined]
    assert "the raters differ here: choose the consensus level" in html
    assert f'id="c:{talk}:goal-posted:-error"' in html
    assert '<option value="3" selected>' in html  # press: what was chosen is still chosen
    assert school.session.get(Reconciliation, first) is None
    answer = _reconcile_form(client, first, {press: "3", f"c:{talk}:goal-posted:": "1"})
    assert answer.status_code == 303  # type: ignore[attr-defined]
    page = client.get(f"/observations/{first}/agreement?saved=1")
    assert "Consensus saved." in page.text and "Reconciled" in page.text
    assert "<select" not in page.text  # reconciled: shown, not chosen again


@pytest.mark.parametrize("who", ["principal", "teacher_user", "admin"])
def test_agreement_is_for_raters_and_district_admins_never_the_principal_or_teacher(
    client: TestClient, school: School, who: str
) -> None:
    first, _second = both_final(school)
    reconcile(school, first, {"press": 3, "goal-posted": 1})
    school.apply(ops.Share(observation_id=first, audience="teacher"))
    school.apply(ops.Share(observation_id=first, audience="principal"), school.teacher_user)
    sign_in(client, getattr(school, who).email)
    page = client.get(f"/observations/{first}/agreement")
    assert page.status_code == (200 if who == "admin" else 403)
    if who != "admin":
        # They read the reconciled observation itself (the consensus), shared with them.
        view = client.get(f"/observations/{first}")
        assert view.status_code == 200
        assert "Weighted kappa" not in view.text
    pulled = client.get("/api/sync/pull", params={"cursor": 0}, headers=API_HEADERS).json()
    assert str(_second) not in {c["id"] for c in pulled["changes"]}


def test_the_district_page_pools_the_lessons_with_iccs_equal_to_pingouin(
    client: TestClient, school: School
) -> None:
    pairs = [
        (
            {"participation": 3, "press": 2, "goal-posted": 1},
            {"participation": 3, "press": 3, "goal-posted": 0},
        ),
        (
            {"participation": 1, "press": 4, "goal-posted": 0},
            {"participation": 2, "press": 4, "goal-posted": 0},
        ),
        (
            {"participation": 4, "press": 1, "goal-posted": 1},
            {"participation": 4, "press": 2, "goal-posted": 1},
        ),
    ]
    rows = []
    for n, (a, b) in enumerate(pairs):
        both_final(school, a, b)
        for dim in a:
            rows += [(f"{n}:{dim}", "first", a[dim]), (f"{n}:{dim}", "second", b[dim])]
    waiting = school.create()
    invite(school, waiting)  # the second has not finalized: counted apart, not pooled
    summary = district_agreement.district_agreement(
        session=school.session, district_id=school.teacher.district_id
    )
    assert len(summary.lessons) == 3 and summary.waiting == 1
    [total] = summary.rubrics
    assert total.lessons == 3 and total.stats.n == 9
    assert total.stats.exact == pytest.approx(5 / 9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pingouin on pandas 3: a deprecation, not ours
        expected = pingouin.intraclass_corr(
            data=pandas.DataFrame(rows, columns=["cell", "rater", "score"]),
            targets="cell", raters="rater", ratings="score",
        ).set_index("Type")  # fmt: skip
    assert total.iccs is not None
    icc2, icc3 = total.iccs
    assert icc2.value == pytest.approx(expected.loc["ICC(A,1)", "ICC"], abs=1e-9)
    assert icc3.value == pytest.approx(expected.loc["ICC(C,1)", "ICC"], abs=1e-9)
    sign_in(client, school.admin.email)
    page = client.get("/district/co-observations")
    assert page.status_code == 200
    assert f"{icc2.value:.2f}" in page.text and "56%" in page.text
    client.post("/logout")
    sign_in(client, school.principal.email)
    assert client.get("/district/co-observations").status_code == 403


def test_a_district_specialist_can_be_the_second_observer(
    client: TestClient, school: School, settings: Settings
) -> None:
    district = school.session.get(District, school.teacher.district_id)
    specialist = create_user(
        school.session, settings, role=Role.specialist, district=district,
        email="specialist@example.org", name="Sam Specialist",
    )  # fmt: skip
    school.session.commit()
    first = school.create()
    second = uuid.uuid4()
    school.apply(
        ops.InviteCoObserver(
            observation_id=first, co_observation_id=second,
            observer_id=specialist.id,  # type: ignore[arg-type]
        )
    )  # fmt: skip
    score(school, first, FIRST, school.coach)
    score(school, second, SECOND, specialist)
    school.apply(ops.Finalize(observation_id=first))
    school.apply(ops.Finalize(observation_id=second), specialist)
    sign_in(client, specialist.email)
    # Their tablet gets the lesson (their own observation) and the app's screens open.
    bootstrap = client.get("/api/sync/bootstrap", headers=API_HEADERS).json()
    assert bootstrap["starts_observations"] is False and bootstrap["caseload"] == []
    assert {c["id"] for c in pull(client)["changes"]} == {str(second)}
    assert client.get(f"/observe/{second}").status_code == 200
    assert client.get("/week", follow_redirects=False).status_code == 403  # no caseload app
    page = client.get(f"/observations/{first}/agreement")
    assert page.status_code == 200 and "Record the consensus" in page.text
