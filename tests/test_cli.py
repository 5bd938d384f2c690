"""The `cadence` command line against the test database."""

import json
import re
import statistics
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from server.accounts import service as accounts_service
from server.accounts.models import Membership, Role, User
from server.cli import app
from server.config import get_settings
from server.observations import calibration
from server.observations.models import (
    CalibrationLesson,
    Observation,
    ObservationRevision,
    ObservationRubric,
    ObservationStatus,
    Reconciliation,
    Score,
)
from server.roster import demo
from server.roster.models import School, SchoolYear, Teacher
from server.rubrics.models import RubricVersion
from tests.conftest import TEST_SECRET
from tests.factories import create_district, create_school

runner = CliRunner()
README = Path(__file__).parent.parent / "README.md"


def readme_logins() -> set[str]:
    """The emails of the README's table of demo logins."""
    return set(
        re.findall(r"^\| [^|]+ \| ([\w.]+@maplevalley\.example) \|", README.read_text(), re.M)
    )


@pytest.fixture
def cli_env(database_url: str, tmp_path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ENVIRONMENT", "test")
    monkeypatch.setenv("SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setenv("ARGON2_TIME_COST", "1")
    monkeypatch.setenv("ARGON2_MEMORY_KIB", "64")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_users_create_then_set_password(cli_env: None, session: Session) -> None:
    create_school(session, create_district(session), name="Cedar Elementary")
    session.commit()
    result = runner.invoke(
        app,
        ["users", "create", "--email", "New.Coach@example.org", "--name", "New Coach", "--role", "coach",
         "--school", "Cedar Elementary", "--password", "first-password-1"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    user = accounts_service.get_user_by_email(session=session, email="new.coach@example.org")
    assert user is not None
    memberships = session.exec(select(Membership).where(Membership.user_id == user.id)).all()
    assert [m.role for m in memberships] == [Role.coach]

    result = runner.invoke(
        app,
        [
            "users",
            "set-password",
            "--email",
            "new.coach@example.org",
            "--password",
            "second-password-2",
        ],
    )
    assert result.exit_code == 0, result.output
    settings = get_settings()
    session.expire_all()
    assert accounts_service.authenticate(
        session=session,
        settings=settings,
        email="new.coach@example.org",
        password="second-password-2",
    )


def test_users_create_names_the_bad_option(cli_env: None, session: Session) -> None:
    create_school(session, create_district(session), name="Cedar Elementary")
    session.commit()
    no_school = runner.invoke(
        app,
        [
            "users",
            "create",
            "--email",
            "x@example.org",
            "--name",
            "X",
            "--role",
            "teacher",
            "--password",
            "long-enough-1",
        ],
    )
    assert no_school.exit_code == 1
    assert "--school is required" in no_school.output
    unknown = runner.invoke(
        app,
        ["users", "create", "--email", "x@example.org", "--name", "X", "--role", "teacher",
         "--school", "Nowhere", "--password", "long-enough-1"],
    )  # fmt: skip
    assert unknown.exit_code == 1
    assert "no school named 'Nowhere'" in unknown.output
    short = runner.invoke(
        app,
        ["users", "create", "--email", "x@example.org", "--name", "X", "--role", "teacher",
         "--school", "Cedar Elementary", "--password", "short"],
    )  # fmt: skip
    assert short.exit_code == 1
    assert accounts_service.get_user_by_email(session=session, email="x@example.org") is None


def test_set_password_for_unknown_email_fails(cli_env: None) -> None:
    result = runner.invoke(
        app, ["users", "set-password", "--email", "ghost@example.org", "--password", "whatever-123"]
    )
    assert result.exit_code == 1
    assert "no account for ghost@example.org" in result.output


def test_demo_loads_once_and_prints_working_logins_as_json(cli_env: None, session: Session) -> None:
    loaded_at = datetime.now(UTC)
    first = runner.invoke(app, ["demo", "--json"])
    assert first.exit_code == 0, first.output
    logins = json.loads(first.stdout)
    assert {login["role"] for login in logins} == {
        "district_admin",
        "principal",
        "coach",
        "teacher",
        "specialist",
    }
    # Every login the README lists, the small school's principal too, and no other.
    assert len(readme_logins()) == 6
    assert {login["email"] for login in logins} == readme_logins()
    assert {login["school"] for login in logins if login["role"] == "principal"} == {
        "Cedar Elementary",
        "Birchwood Elementary",
    }
    assert set(logins[0]) == {"email", "password", "role", "school", "name"}
    settings = get_settings()
    for login in logins:
        user = accounts_service.authenticate(
            session=session, settings=settings, email=login["email"], password=login["password"]
        )
        assert user is not None, login["email"]

    schools = session.exec(select(School)).all()
    levels = sorted(s.level.value for s in schools)
    assert levels == ["elementary", "elementary", "high", "middle"]
    coaches = session.exec(select(Membership).where(Membership.role == Role.coach)).all()
    assert len(coaches) == len(demo.COACHES) == 6
    teachers = session.exec(select(Teacher)).all()
    assert len(teachers) == len(demo.TEACHER_NAMES) == 32
    assert len({t.cohort_year_id for t in teachers}) == 2
    assert sum(t.user_id is None for t in teachers) == 32 - demo.TEACHERS_WITH_LOGIN > 0
    assert len(session.exec(select(SchoolYear)).all()) == 3  # two completed, one under way
    _check_demo_observations(session)
    _check_demo_times(session, loaded_at)

    again = runner.invoke(app, ["demo"])  # what `make run` prints
    assert again.exit_code == 0
    assert "already present" in again.output
    assert {email for email in readme_logins() if email in again.output} == readme_logins()
    assert len(session.exec(select(Teacher)).all()) == 32
    _check_every_login(session)


def _check_every_login(session: Session) -> None:
    """`demo --json --all`: one login per role held, for every account of the demo that can
    sign in (every coach and principal, every teacher with a login), the README's among them."""
    every = runner.invoke(app, ["demo", "--json", "--all"])
    assert every.exit_code == 0, every.output
    logins = json.loads(every.stdout)
    held = session.exec(
        select(User.email, Membership.role).join(Membership, col(Membership.user_id) == User.id)
    ).all()
    assert sorted((x["email"], x["role"]) for x in logins) == sorted(
        (email, role.value) for email, role in held
    )
    roles = [x["role"] for x in logins]
    assert roles.count("coach") == len(demo.COACHES)
    assert roles.count("teacher") == demo.TEACHERS_WITH_LOGIN
    order = ["district_admin", "specialist", "principal", "coach", "teacher"]
    assert roles == sorted(roles, key=order.index)
    assert readme_logins() <= {x["email"] for x in logins}
    district_wide = {"district_admin", "specialist"}
    assert all(bool(x["school"]) == (x["role"] not in district_wide) for x in logins)
    settings = get_settings()
    coach = next(x for x in logins if x["role"] == "coach" and x["name"] != "Maria Lopez")
    assert accounts_service.authenticate(
        session=session, settings=settings, email=coach["email"], password=coach["password"]
    )


def test_demo_if_empty_leaves_a_real_district_alone(cli_env: None, session: Session) -> None:
    create_district(session, "Real District")
    session.commit()
    result = runner.invoke(app, ["demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "no demo loaded" in result.output
    assert not demo.demo_exists(session=session)


def _check_demo_co_observations(session: Session) -> None:
    """One co-observed lesson per coach: most reconciled, with realistic disagreement."""
    seconds = session.exec(select(Observation).where(col(Observation.pair_of).is_not(None))).all()
    assert len(seconds) == len(demo.COACHES)
    assert len({s.observer_id for s in seconds}) == len(demo.COACHES)  # each coach is asked once
    assert [s.status for s in seconds].count(ObservationStatus.draft) == 1  # one still scoring
    kept = session.exec(select(Reconciliation)).all()
    assert len(kept) == len(demo.COACHES) - 2  # one not finalized, one pair yet to meet
    exact = []
    for row in kept:
        first = dict(((rv, d, i), v) for rv, d, i, v in row.first_scores)
        second = dict(((rv, d, i), v) for rv, d, i, v in row.second_scores)
        exact += [first[k] == second[k] for k in first]
    assert 0.4 < sum(exact) / len(exact) < 0.9  # they disagree, and not on everything


def _check_demo_calibration(session: Session) -> None:
    """Two master-coded lessons: six coaches rated the first, five the second (one draft);
    one coach is flagged on their latest lesson, the others within one level mostly."""
    lessons = session.exec(select(CalibrationLesson).order_by(col(CalibrationLesson.id))).all()
    assert len(lessons) == 2 and all(lesson.master_at is not None for lesson in lessons)
    finals = [
        len([r for r in calibration.ratings_of(session=session, lesson_id=lesson.id or 0)
             if r.finalized_at is not None])
        for lesson in lessons
    ]  # fmt: skip
    assert finals == [len(demo.COACHES), len(demo.COACHES) - 1]
    district_id = lessons[0].district_id
    histories = calibration.rater_histories(session=session, district_id=district_id)
    assert len(histories) == len(demo.COACHES)
    assert [h.flagged for h in histories].count(True) == 1
    assert all(h.rows[0].finalized_at < datetime.now(UTC) for h in histories)
    # Realistic: neither perfect nor random.
    exact = [row.stats.exact or 0 for h in histories for row in h.rows]
    assert 0.4 < sum(exact) / len(exact) < 0.9


def _check_demo_observations(session: Session) -> None:
    """Start- and end-of-year observations on both instruments, growth with spread, some shared."""
    _check_demo_co_observations(session)
    _check_demo_calibration(session)
    # The co-observed lessons are this year's extra ones (a second observer may be scoring).
    paired = {o.pair_of for o in session.exec(select(Observation)) if o.pair_of is not None}
    observations = [
        o for o in session.exec(select(Observation)) if o.pair_of is None and o.id not in paired
    ]
    teachers = session.exec(select(Teacher)).all()
    assert {o.teacher_id for o in observations} == {t.id for t in teachers}
    assert all(o.status == ObservationStatus.final for o in observations)
    shared = [o for o in observations if o.shared_with_teacher_at is not None]
    assert 0 < len(shared) < len(observations)
    rubric_ids = {
        rv.rubric_id
        for rv in session.exec(
            select(RubricVersion).join(
                ObservationRubric, col(ObservationRubric.rubric_version_id) == RubricVersion.id
            )
        )
    }
    assert rubric_ids == {"nctm-practices", "iqa-math"}
    years = sorted(session.exec(select(SchoolYear)).all(), key=lambda y: y.start_date)
    first = years[0]
    nctm = session.exec(
        select(RubricVersion).where(RubricVersion.rubric_id == "nctm-practices")
    ).one()
    # Mean NCTM score per observation, start vs end of the first year, for the first cohort.
    start, end = [], []
    for obs in observations:
        if obs.school_year_id != first.id:
            continue
        values = [
            s.value
            for s in session.exec(
                select(Score).where(
                    Score.observation_id == obs.id, Score.rubric_version_id == nctm.id
                )
            )
            if s.value is not None
        ]
        assert len(values) == 27 and all(1 <= v <= 5 for v in values)
        mean = sum(values) / len(values)
        (start if obs.observed_at.month >= 8 else end).append(mean)
    first_cohort = sum(demo.in_first_cohort(i) for i in range(len(demo.TEACHER_NAMES)))
    assert len(start) == len(end) == first_cohort == 16
    assert statistics.mean(end) > statistics.mean(start)  # growth
    assert statistics.stdev(start) > 0.1  # teachers differ


def _check_demo_times(session: Session, loaded_at: datetime) -> None:
    """The writes happened when the lessons did, not when the demo was loaded: finalized an
    hour or two after the lesson began, shared and reflected on within days, never later
    than the load."""
    observations = session.exec(select(Observation)).all()
    assert observations
    for obs in observations:
        if obs.finalized_at is None:  # the demo's one second observer still scoring
            assert obs.pair_of is not None and obs.status == ObservationStatus.draft
            continue
        after = obs.finalized_at - obs.observed_at
        assert timedelta(hours=1) <= after <= timedelta(hours=2), (obs.id, after)
        assert obs.created_at < obs.observed_at < obs.finalized_at
        if obs.shared_with_teacher_at is not None:
            shared = obs.shared_with_teacher_at - obs.finalized_at
            assert timedelta(hours=2) <= shared <= timedelta(days=2), (obs.id, shared)
        revisions = session.exec(
            select(ObservationRevision).where(ObservationRevision.observation_id == obs.id)
        ).all()
        times = [r.at for r in sorted(revisions, key=lambda r: (r.version, r.id or 0))]
        assert times == sorted(times)  # in the order they were written
        assert obs.observed_at - timedelta(minutes=5) <= times[0]
        assert times[-1] <= obs.observed_at + timedelta(days=12) and times[-1] < loaded_at
    assert [o.id for o in observations if o.updated_at >= loaded_at] == []
