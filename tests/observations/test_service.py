"""The observations service: each operation, the rubric rules, idempotency, conflicts,
revisions, access, and that a refused write leaves nothing behind."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import func, select

from server.observations import operations as ops
from server.observations import service
from server.observations.models import (
    Evidence,
    Note,
    Observation,
    ObservationRevision,
    ObservationRubric,
    ObservationStatus,
    Score,
    TallyCount,
)
from server.rubrics import service as rubrics_service
from server.rubrics.models import RubricVersion
from tests.observations.conftest import School


def count(school: School, model: type) -> int:
    return school.session.exec(select(func.count()).select_from(model)).one()


def observation(school: School, oid: uuid.UUID) -> Observation:
    school.session.expire_all()
    obs = service.get_observation(session=school.session, observation_id=oid)
    assert obs is not None
    return obs


def revisions(school: School, oid: uuid.UUID) -> list[ObservationRevision]:
    return list(
        school.session.exec(
            select(ObservationRevision)
            .where(ObservationRevision.observation_id == oid)
            .order_by(ObservationRevision.id)  # type: ignore[arg-type]
        )
    )


# --- Create ---------------------------------------------------------------------------------


def test_create_stores_the_observation_its_rubrics_and_a_revision(school: School) -> None:
    oid = school.create([school.talk, school.practices])
    obs = observation(school, oid)
    assert obs.version == 1
    assert obs.status == ObservationStatus.draft
    assert obs.observer_id == school.coach.id and obs.teacher_id == school.teacher.id
    assert obs.school_year_id is not None
    links = school.session.exec(
        select(ObservationRubric).where(ObservationRubric.observation_id == oid)
    ).all()
    assert [(link.rubric_version_id, link.position) for link in links] == [
        (school.talk.id, 0),
        (school.practices.id, 1),
    ]
    school.session.refresh(school.talk)
    assert school.talk.first_used_at is not None  # the version may never change now
    [rev] = revisions(school, oid)
    assert (rev.version, rev.entity, rev.field, rev.actor_id) == (
        1, "observation", "created", school.coach.id,
    )  # fmt: skip


def test_create_again_with_the_same_id_returns_the_existing_one(school: School) -> None:
    oid = school.create()
    data = ops.ObservationCreate(
        observed_at=datetime.now(UTC), grade="7", teacher_id=school.teacher.id,  # type: ignore[arg-type]
        rubric_version_ids=[school.talk.id],  # type: ignore[list-item]
    )  # fmt: skip
    result = school.apply(ops.CreateObservation(observation_id=oid, data=data))
    assert result.changed is False
    assert result.observation.id == oid and result.observation.grade == "4"
    assert count(school, Observation) == 1 and len(revisions(school, oid)) == 1


def test_create_with_an_id_another_coach_used_is_refused(school: School) -> None:
    oid = school.create()
    data = ops.ObservationCreate(
        observed_at=datetime.now(UTC), grade="7", teacher_id=school.unassigned_teacher.id,  # type: ignore[arg-type]
        rubric_version_ids=[school.talk.id],  # type: ignore[list-item]
    )  # fmt: skip
    with pytest.raises(ops.PermissionDenied):
        school.apply(ops.CreateObservation(observation_id=oid, data=data), school.other_coach)


def test_create_for_a_teacher_outside_the_caseload_is_refused_and_saves_nothing(
    school: School,
) -> None:
    with pytest.raises(
        ops.PermissionDenied, match="teacher_id: Una Assigned is not in your caseload"
    ):
        school.create(teacher=school.unassigned_teacher)
    assert count(school, Observation) == 0 and count(school, ObservationRevision) == 0


def test_create_with_an_unknown_rubric_version_names_the_field_and_saves_nothing(
    school: School,
) -> None:
    data = ops.ObservationCreate(
        observed_at=datetime.now(UTC), grade="4", teacher_id=school.teacher.id,  # type: ignore[arg-type]
        rubric_version_ids=[school.talk.id, 99999],  # type: ignore[list-item]
    )  # fmt: skip
    with pytest.raises(ops.OperationError) as caught:
        school.apply(ops.CreateObservation(observation_id=uuid.uuid4(), data=data))
    assert caught.value.field == "rubric_version_ids"
    assert "99999" in caught.value.message
    assert count(school, Observation) == 0
    school.session.refresh(school.talk)
    assert school.talk.first_used_at is None


def test_create_needs_a_grade_and_an_aware_time() -> None:
    with pytest.raises(ValueError, match="grade"):
        ops.ObservationCreate(
            observed_at=datetime.now(UTC), grade="", teacher_id=1, rubric_version_ids=[1]
        )
    with pytest.raises(ValueError, match="observed_at"):
        ops.ObservationCreate(
            observed_at=datetime.now(), grade="4", teacher_id=1, rubric_version_ids=[1]
        )


# --- Scores ---------------------------------------------------------------------------------


def test_set_score_stores_it_bumps_the_version_and_logs_old_and_new(school: School) -> None:
    oid = school.create()
    first = school.score(oid, "participation", 3)
    second = school.score(oid, "participation", 4)
    assert (first.version, second.version) == (2, 3)
    [row] = school.session.exec(select(Score).where(Score.observation_id == oid)).all()
    assert (row.value, row.not_observed, row.updated_by) == (4, False, school.coach.id)
    log = revisions(school, oid)[1:]
    assert [(r.entity, r.field, r.old, r.new, r.version) for r in log] == [
        ("score", f"{school.talk.id}:participation", None, {"value": 3, "not_observed": False}, 2),
        (
            "score",
            f"{school.talk.id}:participation",
            {"value": 3, "not_observed": False},
            {"value": 4, "not_observed": False},
            3,
        ),
    ]


def test_setting_the_same_score_again_changes_nothing(school: School) -> None:
    oid = school.create()
    school.score(oid, "participation", 3)
    again = school.score(oid, "participation", 3)
    assert again.changed is False and again.version == 2
    assert len(revisions(school, oid)) == 2


def test_not_observed_where_the_scale_allows_it(school: School) -> None:
    oid = school.create()
    school.score(oid, "participation", not_observed=True)
    row = school.session.exec(select(Score).where(Score.observation_id == oid)).one()
    assert row.not_observed and row.value is None


@pytest.mark.parametrize(
    ("dim", "kwargs", "field", "words"),
    [
        (
            "participation",
            {"value": 7},
            "value",
            "7 is not a level of Participation (levels: 1, 2, 3, 4)",
        ),
        ("participation", {"value": 0}, "value", "not a level of Participation"),
        (
            "goal-posted",
            {"not_observed": True},
            "not_observed",
            "Goal posted cannot be marked not observed",
        ),
        ("nope", {"value": 1}, "dimension_id", "has no dimension 'nope'"),
        ("participation", {"value": 1, "item_id": "x1"}, "item_id", "Participation has no items"),
        ("goals", {"value": 1, "rubric": "practices"}, "item_id", "scored by item"),
        (
            "goals",
            {"value": 1, "item_id": "zz", "rubric": "practices"},
            "item_id",
            "'zz' is not one of its items",
        ),
        (
            "goals",
            {"value": 9, "item_id": "g1", "rubric": "practices"},
            "value",
            "9 is not a level",
        ),
    ],
)
def test_a_score_that_does_not_fit_the_rubric_names_the_field_and_saves_nothing(
    school: School, dim: str, kwargs: dict[str, object], field: str, words: str
) -> None:
    oid = school.create([school.talk, school.practices])
    if kwargs.pop("rubric", None) == "practices":
        kwargs["rubric"] = school.practices
    with pytest.raises(ops.OperationError) as caught:
        school.score(oid, dim, **kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert words in caught.value.message
    assert count(school, Score) == 0
    assert observation(school, oid).version == 1 and len(revisions(school, oid)) == 1


def test_a_rubric_version_the_observation_does_not_use_is_refused(school: School) -> None:
    oid = school.create([school.talk])
    with pytest.raises(ops.OperationError) as caught:
        school.score(oid, "goals", 1, rubric=school.practices, item_id="g1")
    assert caught.value.field == "rubric_version_id"


def test_a_value_and_not_observed_together_are_refused() -> None:
    with pytest.raises(ValueError, match="value: give a level or 'not observed', not both"):
        ops.SetScore(
            observation_id=uuid.uuid4(),
            rubric_version_id=1,
            dimension_id="d",
            value=1,
            not_observed=True,
        )


def test_itemized_dimension_mean_is_the_mean_of_its_scored_items(school: School) -> None:
    oid = school.create([school.practices])
    for item, value in (("q1", 2), ("q2", 5)):
        school.score(oid, "questions", value, rubric=school.practices, item_id=item)
    school.score(oid, "questions", rubric=school.practices, item_id="q3", not_observed=True)
    sheet = service.load_sheet(session=school.session, observation=observation(school, oid))
    rs = sheet.rubrics[0]
    dim = rs.rubric.dimension("questions")
    assert dim is not None
    assert sheet.item_mean(rs.id, dim) == 3.5
    assert sheet.scored_items(rs.id, dim) == 3


# --- Evidence, notes, tallies, timer, context --------------------------------------------------


def test_evidence_is_stored_per_dimension_and_logged(school: School) -> None:
    oid = school.create()
    op = ops.SetEvidence(
        observation_id=oid,
        rubric_version_id=school.talk.id,
        dimension_id="press",
        text="Asked why twice",
    )  # type: ignore[arg-type]
    assert school.apply(op).version == 2
    assert school.apply(op).changed is False
    row = school.session.exec(select(Evidence)).one()
    assert row.text == "Asked why twice"
    assert revisions(school, oid)[-1].field == f"{school.talk.id}:press"


def test_evidence_for_an_unknown_dimension_is_refused(school: School) -> None:
    oid = school.create()
    op = ops.SetEvidence(
        observation_id=oid, rubric_version_id=school.talk.id, dimension_id="x", text="t"
    )  # type: ignore[arg-type]
    with pytest.raises(ops.OperationError, match="dimension_id"):
        school.apply(op)
    assert count(school, Evidence) == 0


def test_adding_a_note_twice_with_the_same_id_keeps_one(school: School) -> None:
    oid = school.create()
    tag = f"{school.talk.id}:press"
    op = ops.AddNote(
        observation_id=oid, note_id=uuid.uuid4(), text="  Kids argue about 3/4  ", tags=[tag, tag]
    )
    first = school.apply(op)
    repeat = school.apply(op)
    assert first.changed and not repeat.changed and repeat.version == first.version
    note = school.session.exec(select(Note)).one()
    assert note.text == "Kids argue about 3/4" and note.tags == [tag]
    assert note.lesson_minute is None  # the timer is not running


def test_a_note_id_from_another_observation_is_refused(school: School) -> None:
    first, second = school.create(), school.create()
    note_id = uuid.uuid4()
    school.apply(ops.AddNote(observation_id=first, note_id=note_id, text="one"))
    with pytest.raises(ops.OperationError, match="note_id"):
        school.apply(ops.AddNote(observation_id=second, note_id=note_id, text="two"))


def test_a_note_tagged_with_an_unknown_dimension_is_refused(school: School) -> None:
    oid = school.create()
    with pytest.raises(ops.OperationError) as caught:
        school.apply(
            ops.AddNote(observation_id=oid, note_id=uuid.uuid4(), text="x", tags=["1:nope"])
        )
    assert caught.value.field == "tags"
    assert count(school, Note) == 0


def test_timer_start_pause_and_the_lesson_minute_of_a_note(school: School) -> None:
    oid = school.create()
    start = datetime.now(UTC) - timedelta(minutes=12, seconds=5)
    school.apply(ops.SetTimer(observation_id=oid, action="start", at=start))
    school.apply(ops.AddNote(observation_id=oid, note_id=uuid.uuid4(), text="now"))
    assert school.session.exec(select(Note)).one().lesson_minute == 12
    school.apply(ops.SetTimer(observation_id=oid, action="pause", at=start + timedelta(minutes=20)))
    obs = observation(school, oid)
    assert obs.timer_started_at is None and obs.timer_elapsed_seconds == 20 * 60
    assert school.apply(ops.SetTimer(observation_id=oid, action="pause")).changed is False
    school.apply(ops.SetTimer(observation_id=oid, action="start", at=start + timedelta(minutes=30)))
    reading = service.lesson_seconds(
        observation=observation(school, oid), at=start + timedelta(minutes=31)
    )
    assert reading == 21 * 60


def test_tally_taps_add_up_undo_takes_one_away_and_never_below_zero(school: School) -> None:
    oid = school.create([school.practices])

    def tap(delta: int) -> ops.OperationResult:
        return school.apply(
            ops.SetTally(
                observation_id=oid, rubric_version_id=school.practices.id,  # type: ignore[arg-type]
                tally_id="question-kinds", category_id="probing", delta=delta,
            )
        )  # fmt: skip

    tap(1), tap(1), tap(-1)
    assert school.session.exec(select(TallyCount)).one().count == 1
    tap(-1)
    assert tap(-1).changed is False
    assert school.session.exec(select(TallyCount)).one().count == 0


def test_an_unknown_tally_or_category_is_refused(school: School) -> None:
    oid = school.create([school.practices])
    for tally, category, field in (
        ("nope", "probing", "tally_id"),
        ("question-kinds", "zz", "category_id"),
    ):
        with pytest.raises(ops.OperationError) as caught:
            school.apply(
                ops.SetTally(
                    observation_id=oid, rubric_version_id=school.practices.id,  # type: ignore[arg-type]
                    tally_id=tally, category_id=category, delta=1,
                )
            )  # fmt: skip
        assert caught.value.field == field
    assert count(school, TallyCount) == 0


def test_update_context_changes_only_the_fields_given(school: School) -> None:
    oid = school.create()
    result = school.apply(
        ops.UpdateContext(
            observation_id=oid,
            data=ops.ObservationUpdate(lesson_goal="Compare fractions", class_size=24),
        )
    )
    obs = observation(school, oid)
    assert (obs.lesson_goal, obs.class_size, obs.grade, obs.course_unit) == (
        "Compare fractions",
        24,
        "4",
        "Fractions",
    )
    assert sorted(result.fields) == ["class_size", "lesson_goal"]
    with pytest.raises(ops.OperationError, match="grade"):
        school.apply(ops.UpdateContext(observation_id=oid, data=ops.ObservationUpdate(grade=None)))


# --- Conflicts: base versions ----------------------------------------------------------------


def test_a_stale_base_merges_when_the_field_did_not_change_since(school: School) -> None:
    oid = school.create()  # v1
    school.score(oid, "participation", 3)  # v2, another field
    merged = school.score(oid, "press", 2, base_version=1)
    assert merged.changed and merged.version == 3


def test_a_stale_base_on_a_field_changed_since_is_a_conflict_and_saves_nothing(
    school: School,
) -> None:
    oid = school.create()  # v1
    school.score(oid, "press", 3)  # v2
    with pytest.raises(ops.ConflictError) as caught:
        school.score(oid, "press", 1, base_version=1)
    assert caught.value.field == f"score {school.talk.id}:press"
    assert "changed at version 2 after your version 1" in caught.value.message
    assert observation(school, oid).version == 2
    assert school.session.exec(select(Score)).one().value == 3


def test_a_stale_value_equal_to_the_base_keeps_the_newer_server_value(school: School) -> None:
    oid = school.create()
    base = school.apply(
        ops.UpdateContext(observation_id=oid, data=ops.ObservationUpdate(lesson_goal="A"))
    ).version
    school.apply(ops.UpdateContext(observation_id=oid, data=ops.ObservationUpdate(lesson_goal="B")))
    # A form based on `base` posts every field: lesson_goal still "A" (untouched there), grade new.
    result = school.apply(
        ops.UpdateContext(
            observation_id=oid,
            base_version=base,
            data=ops.ObservationUpdate(lesson_goal="A", grade="5"),
        )
    )
    obs = observation(school, oid)
    assert (obs.lesson_goal, obs.grade) == ("B", "5")
    assert result.fields == ["grade"]


def test_a_base_newer_than_the_observation_is_refused(school: School) -> None:
    oid = school.create()
    with pytest.raises(ops.OperationError, match="base_version"):
        school.score(oid, "press", 1, base_version=7)


def test_tally_deltas_never_conflict(school: School) -> None:
    oid = school.create([school.practices])
    args = {
        "observation_id": oid,
        "rubric_version_id": school.practices.id,
        "tally_id": "question-kinds",
        "category_id": "gathering",
    }
    school.apply(ops.SetTally(**args, delta=1))  # type: ignore[arg-type]
    school.apply(ops.SetTally(**args, delta=1, base_version=1))  # type: ignore[arg-type]
    with pytest.raises(ops.ConflictError):
        school.apply(ops.SetTally(**args, count=5, base_version=1))  # type: ignore[arg-type]
    assert school.session.exec(select(TallyCount)).one().count == 2


# --- Finalize, revisions after it, share, reflect ---------------------------------------------


def test_finalize_with_gaps_names_every_missing_dimension_and_item(school: School) -> None:
    oid = school.create([school.talk, school.practices])
    school.score(oid, "participation", 2)
    school.score(oid, "goals", 3, rubric=school.practices, item_id="g1")
    with pytest.raises(ops.FinalizeGaps) as caught:
        school.apply(ops.Finalize(observation_id=oid))
    assert caught.value.missing == [
        "Test Talk Rubric: Teacher's press",
        "Test Talk Rubric: Goal posted",
        "Test Practices Rubric: Establish goals: Students can say the goal",
        "Test Practices Rubric: Purposeful questions: Questions build on student thinking",
        "Test Practices Rubric: Purposeful questions: Questions make the mathematics visible",
        "Test Practices Rubric: Purposeful questions: Students get time to think",
    ]
    assert caught.value.field == "scores"
    assert observation(school, oid).status == ObservationStatus.draft


def test_finalize_accepts_not_observed_and_skips_optional_dimensions(school: School) -> None:
    oid = school.create()
    school.score(oid, "participation", not_observed=True)
    school.score(oid, "press", 1)
    school.score(oid, "goal-posted", 0)
    result = school.apply(ops.Finalize(observation_id=oid))
    obs = observation(school, oid)
    assert obs.status == ObservationStatus.final and obs.finalized_at is not None
    assert result.fields == ["status"]
    assert school.apply(ops.Finalize(observation_id=oid)).changed is False


def test_changes_after_finalizing_are_kept_as_revisions_with_who_and_when(school: School) -> None:
    oid = school.create()
    school.score_all_talk(oid)
    final = school.apply(ops.Finalize(observation_id=oid)).version
    school.score(oid, "press", 4)
    rows = service.list_revisions(session=school.session, observation_id=oid)
    newest = rows[0]
    assert newest.revision.version == final + 1
    assert newest.actor_name == school.coach.name
    assert (newest.revision.old, newest.revision.new) == (
        {"value": 2, "not_observed": False},
        {"value": 4, "not_observed": False},
    )
    assert [r.revision.version for r in rows] == sorted(
        (r.revision.version for r in rows), reverse=True
    )


def test_every_accepted_write_logs_a_revision(school: School) -> None:
    oid = school.create([school.practices])
    school.score(oid, "goals", 3, rubric=school.practices, item_id="g1")
    school.apply(ops.AddNote(observation_id=oid, note_id=uuid.uuid4(), text="n"))
    school.apply(ops.SetTimer(observation_id=oid, action="start"))
    school.apply(
        ops.SetTally(
            observation_id=oid,
            rubric_version_id=school.practices.id,
            tally_id="question-kinds",
            category_id="probing",
            delta=1,
        )  # type: ignore[arg-type]
    )
    entities = [r.entity for r in revisions(school, oid)]
    assert entities == ["observation", "score", "note", "observation", "tally"]
    assert [r.version for r in revisions(school, oid)] == [1, 2, 3, 4, 5]


def test_share_needs_a_final_observation(school: School) -> None:
    oid = school.create()
    with pytest.raises(ops.OperationError) as caught:
        school.apply(ops.Share(observation_id=oid, audience="teacher"))
    assert caught.value.field == "status"
    assert observation(school, oid).shared_with_teacher_at is None


def test_sharing_and_reflecting(school: School) -> None:
    oid = school.create()
    school.score_all_talk(oid)
    school.apply(ops.Finalize(observation_id=oid))
    # The teacher can do nothing before the coach shares it.
    with pytest.raises(ops.PermissionDenied):
        school.apply(ops.AddReflection(observation_id=oid, text="Hm"), school.teacher_user)
    school.apply(ops.Share(observation_id=oid, audience="teacher"))
    school.apply(
        ops.AddReflection(observation_id=oid, text="I will wait longer."), school.teacher_user
    )
    edited = school.apply(
        ops.AddReflection(observation_id=oid, text="I will wait 5 seconds."), school.teacher_user
    )
    sheet = service.load_sheet(session=school.session, observation=edited.observation)
    [reflection] = sheet.reflections
    assert (
        reflection.text == "I will wait 5 seconds."
        and reflection.author_id == school.teacher_user.id
    )
    # The coach cannot share with the principal; the teacher can.
    with pytest.raises(ops.PermissionDenied):
        school.apply(ops.Share(observation_id=oid, audience="principal"))
    school.apply(ops.Share(observation_id=oid, audience="principal"), school.teacher_user)
    assert observation(school, oid).shared_with_principal_at is not None


@pytest.mark.parametrize("who", ["other_coach", "teacher_user", "principal", "admin"])
def test_only_the_author_can_write(school: School, who: str) -> None:
    oid = school.create()
    with pytest.raises(ops.PermissionDenied):
        school.score(oid, "press", 2, user=getattr(school, who))
    with pytest.raises(ops.PermissionDenied):
        school.apply(
            ops.AddNote(observation_id=oid, note_id=uuid.uuid4(), text="x"), getattr(school, who)
        )
    assert count(school, Score) == 0 and count(school, Note) == 0


def test_unknown_observation_is_not_found(school: School) -> None:
    with pytest.raises(ops.NotFound):
        school.score(uuid.uuid4(), "press", 2)


def test_who_can_view(school: School) -> None:
    oid = school.create()

    def sees() -> set[str]:
        obs = observation(school, oid)
        people = ("coach", "other_coach", "teacher_user", "principal", "other_principal", "admin")
        return {
            name
            for name in people
            if service.can_view(
                session=school.session, viewer=school.viewer(getattr(school, name)), observation=obs
            )
        }

    assert sees() == {"coach"}
    school.score_all_talk(oid)
    school.apply(ops.Finalize(observation_id=oid))
    assert sees() == {"coach"}
    school.apply(ops.Share(observation_id=oid, audience="teacher"))
    assert sees() == {"coach", "teacher_user"}
    school.apply(ops.Share(observation_id=oid, audience="principal"), school.teacher_user)
    assert sees() == {"coach", "teacher_user", "principal"}


def test_the_observation_keeps_scoring_with_its_stored_rubric_version(school: School) -> None:
    oid = school.create()
    newer = rubrics_service.rubric_of(school.talk).model_copy(
        update={"version": "2027.1", "title": "Talk, revised"}
    )
    _outcome, row, _problem = rubrics_service.register(session=school.session, rubric=newer)
    school.session.commit()
    assert isinstance(row, RubricVersion)
    current = {v.rubric_id: v.id for v in rubrics_service.list_current(session=school.session)}
    assert current["test-talk"] == row.id
    sheet = service.load_sheet(session=school.session, observation=observation(school, oid))
    assert [rs.id for rs in sheet.rubrics] == [school.talk.id]
    assert sheet.rubrics[0].rubric.title == "Test Talk Rubric"
