"""The growth pages' numbers, checked against scipy and statsmodels called directly on the
same scores: baseline vs end of year, cohorts, the high-level share, the teacher's
empirical-Bayes slope; the small-cell rule; the fit cache; the pseudonyms."""

import math
import threading
import time
import uuid
import warnings
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from scipy import stats
from sqlalchemy import Engine
from sqlmodel import Session, func, select
from statsmodels.regression.mixed_linear_model import MixedLM
from statsmodels.stats.proportion import proportion_confint

from server import migrate
from server.accounts import service as accounts_service
from server.accounts.models import Role
from server.config import Settings
from server.growth import dosage, fits, offload, replica, service, summaries, worker
from server.growth import model as growth_model
from server.growth.stats import (
    CohortComparison,
    HighLevelShare,
    PairedComparison,
    Suppressed,
    wilcoxon_method,
)
from server.main import create_app
from server.observations import operations as ops
from server.observations import service as observations_service
from server.observations.models import ObservationCreate
from server.roster.models import School
from server.rubrics import service as rubrics_service
from server.sync.models import SyncChange
from tests.factories import (
    create_assignment,
    create_check_in,
    create_cycle,
    create_district,
    create_school,
    create_school_year,
    create_teacher,
    create_user,
)
from tests.growth.seed import OCCASIONS, GrowthWorld, add_observation, build, world_value

TODAY = date(2026, 12, 1)


def summary_of(session: Session, world: GrowthWorld) -> service.SummaryPage:
    """The district's summary page, fresh: when it is not, the refresh the page queued is run
    here (the background worker's job) and the page read again."""
    assert world.district.id is not None

    def read() -> service.SummaryPage:
        return service.summary(
            session=session, district_id=world.district.id, schools=[world.big, world.small],
            overall=True, today=TODAY,
        )  # fmt: skip

    page = read()
    if page.status != "fresh":
        worker.run_now(district_id=world.district.id)
        page = read()
    assert page.status == "fresh"
    return page


def instrument(scope: service.ScopeSummary) -> service.InstrumentSummary:
    (only,) = scope.instruments
    return only


def test_baseline_vs_end_of_year_matches_scipy(session: Session, settings: Settings) -> None:
    world = build(session, settings)
    page = summary_of(session, world)
    district, big, small = page.scopes
    assert (district.name, big.name, small.name) == ("District", "Big School", "Small School")
    row = next(
        r
        for r in instrument(big).comparisons
        if r.dimension.id == "participation" and r.year_name == "2024-25"
    )
    result = row.result
    assert isinstance(result, PairedComparison)
    baseline = [world.values[(t, "participation", 0)] for t in range(6)]
    end = [world.values[(t, "participation", 1)] for t in range(6)]
    t_test = stats.ttest_rel(end, baseline)
    change = np.subtract(end, baseline)
    assert result.n == 6
    assert result.baseline_mean == pytest.approx(np.mean(baseline))
    assert result.baseline_sd == pytest.approx(np.std(baseline, ddof=1))
    assert result.end_mean == pytest.approx(np.mean(end))
    assert result.t == pytest.approx(t_test.statistic)
    assert result.p_t == pytest.approx(t_test.pvalue)
    assert result.df == 5
    assert result.d_z == pytest.approx(change.mean() / change.std(ddof=1))
    method, correction = wilcoxon_method(change)
    wilcoxon = stats.wilcoxon(end, baseline, method=method, correction=correction)
    assert result.wilcoxon_statistic == pytest.approx(wilcoxon.statistic)
    assert result.p_wilcoxon == pytest.approx(wilcoxon.pvalue)
    assert row.sentence.startswith("Teachers ") and "'Participation'" in row.sentence
    assert row.sentence.endswith("n = 6.")

    # The district overall pools all nine teachers.
    overall = next(
        r
        for r in instrument(district).comparisons
        if r.dimension.id == "participation" and r.year_name == "2024-25"
    )
    assert isinstance(overall.result, PairedComparison)
    pooled_base = [world.values[(t, "participation", 0)] for t in range(9)]
    pooled_end = [world.values[(t, "participation", 1)] for t in range(9)]
    assert overall.result.n == 9
    assert overall.result.t == pytest.approx(stats.ttest_rel(pooled_end, pooled_base).statistic)


def test_practice_distribution_per_half_year(session: Session, settings: Settings) -> None:
    world = build(session, settings)
    big = summary_of(session, world).scopes[1]
    assert [p.label for p in big.periods] == [
        "2024-25 start", "2024-25 end", "2025-26 start", "2025-26 end",
    ]  # fmt: skip
    row = next(r for r in instrument(big).practices if r.dimension.id == "press")
    for occasion, stat in enumerate(row.periods):
        values = [world.values[(t, "press", occasion)] for t in range(6)]
        assert isinstance(stat, service.PeriodStat)
        assert stat.n_teachers == 6
        assert stat.mean == pytest.approx(np.mean(values))
        assert stat.sd == pytest.approx(np.std(values, ddof=1))
        assert (stat.q1, stat.median, stat.q3) == pytest.approx(
            tuple(np.percentile(values, [25, 50, 75]))
        )
    assert 'role="img"' in row.chart and "<desc" in row.chart


def test_groups_under_five_teachers_are_suppressed(session: Session, settings: Settings) -> None:
    world = build(session, settings)
    page = summary_of(session, world)
    small = page.scopes[2]
    inst = instrument(small)
    assert inst.comparisons and all(isinstance(r.result, Suppressed) for r in inst.comparisons)
    assert all(isinstance(s, Suppressed) for r in inst.practices for s in r.periods)
    assert inst.high_level and all(isinstance(r.result, Suppressed) for r in inst.high_level)
    assert all(not r.sentence for r in inst.comparisons)
    reason = inst.comparisons[0].result.reason  # type: ignore[union-attr]
    assert "fewer than 5 teachers" in reason and "3" not in reason
    # The big school's cohorts (3 and 3 teachers) are suppressed too.
    big = instrument(page.scopes[1])
    assert big.cohorts and all(isinstance(r.result, Suppressed) for r in big.cohorts)
    # Dosage months with no check-ins (fewer than 5 teachers met) are suppressed.
    assert all(isinstance(m.check_ins, Suppressed) for m in page.dosage[world.small.id])


def test_cohorts_are_compared_with_mann_whitney(session: Session, settings: Settings) -> None:
    world = build(session, settings)
    extra = create_teacher(session, world.small, name="Extra Teacher", cohort=world.years[1])
    create_assignment(session, world.coach, extra, world.years[0])
    world.teachers.append(extra)
    for occasion, (year_index, on) in enumerate(OCCASIONS):
        add_observation(
            session, teacher=extra, observer=world.coach, year=world.years[year_index],
            rubric=world.rubric, on=on,
            value=lambda dim, _item, o=occasion: world_value(world, 9, dim, o),
        )  # fmt: skip
    for t in range(9):
        world.teachers[t].cohort_year_id = world.years[0 if t < 5 else 1].id
    session.commit()
    district = summary_of(session, world).scopes[0]
    row = next(r for r in instrument(district).cohorts if r.dimension.id == "participation")
    assert (row.first, row.second, row.year_name) == ("2024-25 cohort", "2025-26 cohort", "2025-26")
    assert isinstance(row.result, CohortComparison)

    def change(t: int) -> float:
        return world.values[(t, "participation", 3)] - world.values[(t, "participation", 2)]

    first, second = [change(t) for t in range(5)], [change(t) for t in range(5, 10)]
    expected = stats.mannwhitneyu(first, second, alternative="two-sided")
    assert row.result.u == pytest.approx(expected.statistic)
    assert row.result.p == pytest.approx(expected.pvalue)
    assert (row.result.n_first, row.result.n_second) == (5, 5)


def test_high_level_share_matches_statsmodels(session: Session, settings: Settings) -> None:
    world = build(session, settings)
    big = instrument(summary_of(session, world).scopes[1])
    row = next(r for r in big.high_level if r.year_name == "2025-26")
    assert row.dimension.id == "participation"  # the only dimension with a high-level rule
    assert isinstance(row.result, HighLevelShare)
    lessons = [world.values[(t, "participation", o)] for t in range(6) for o in (2, 3)]
    high = sum(1 for v in lessons if v >= 3)
    low, upper = proportion_confint(high, len(lessons), alpha=0.05, method="wilson")
    assert (row.result.n, row.result.n_high) == (12, high)
    assert row.result.ci_low == pytest.approx(low)
    assert row.result.ci_high == pytest.approx(upper)


def test_teacher_trend_is_the_empirical_bayes_slope_of_a_district_fit(
    session: Session, settings: Settings
) -> None:
    world = build(session, settings)
    teacher = world.teachers[1]
    assert world.district.id is not None
    service.refit_now(session=session, district_id=world.district.id)
    page = service.teacher_growth(session=session, teacher=teacher, today=TODAY)
    (ig,) = page.instruments
    assert ig.fit_status == "fresh" and ig.fits_computed_at is not None
    dim = next(d for d in ig.dimensions if d.id == "press")
    assert [p.score for p in dim.points] == [world.values[(1, "press", o)] for o in range(4)]
    assert dim.baseline is not None and dim.baseline.observed_on == OCCASIONS[0][1]
    assert dim.latest is not None and dim.latest.observed_on == OCCASIONS[3][1]
    assert {p.observer_role for p in dim.points} == {"Coach"}
    trend = dim.trend
    assert isinstance(trend, service.Trend)

    # statsmodels directly: score ~ years since first observation, random intercept and slope.
    ids, times, scores = [], [], []
    for t in sorted(range(9), key=lambda t: world.teachers[t].id or 0):  # the query's order
        for o, (_year, on) in enumerate(OCCASIONS):
            ids.append(str(t))
            times.append((on - OCCASIONS[0][1]).days / 365.25)
            scores.append(float(world.values[(t, "press", o)]))
    design = np.column_stack([np.ones(len(times)), times])
    assert world.district.id is not None
    fits, _first = service.district_fits(
        session=session, district_id=world.district.id, rubric_id="test-talk"
    )
    outcome = fits["press"]
    assert isinstance(outcome, growth_model.GrowthFit)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = MixedLM(np.array(scores), design, np.array(ids), exog_re=design).fit(
            reml=True, method=["lbfgs"], maxiter=2000
        )
        effects = fit.random_effects
        conditional = fit.random_effects_cov
    assert fit.converged
    assert outcome.reml_criterion == pytest.approx(-2 * fit.llf, abs=1e-4)
    own = float(fit.fe_params[1] + np.asarray(effects["1"])[1])
    sd = math.sqrt(float(np.asarray(conditional["1"])[1, 1]))
    assert trend.slope == pytest.approx(own, abs=1e-3)
    assert trend.high - trend.low == pytest.approx(2 * 1.959964 * sd, abs=1e-3)
    assert trend.district_slope == pytest.approx(float(fit.fe_params[1]), abs=1e-3)
    assert trend.n_teachers == 9
    assert "Fitted trend" in dim.chart


def test_fits_are_computed_off_the_page_and_cached_until_a_score_changes(
    session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = build(session, settings)
    assert world.district.id is not None
    district_id = world.district.id
    # A refit runs in refit_now, or in the background worker when an app another test
    # started (a live server) has it running: either way each dimension is fitted once.
    calls: list[str] = []
    real = growth_model.fit_growth
    page_thread = threading.current_thread().name

    def counting(points: object, **kw: object) -> object:
        calls.append(threading.current_thread().name)
        return real(points, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(fits, "fit_growth", counting)
    teacher = world.teachers[1]

    # No fit yet: the page says so at once (its own scores shown) and queues one; it fits nothing.
    page = service.teacher_growth(session=session, teacher=teacher, today=TODAY)
    (ig,) = page.instruments
    assert ig.fit_status == "pending" and page_thread not in calls
    press = next(d for d in ig.dimensions if d.id == "press")
    assert isinstance(press.trend, service.TrendPending)
    assert press.trend.reason == service.PENDING_TREND
    assert len(press.points) == 4 and press.baseline is not None and press.latest is not None
    assert "Fitted trend" not in press.chart

    service.refit_now(district_id=district_id)  # the queued rubric
    assert len(calls) == 4  # one per dimension
    page = service.teacher_growth(session=session, teacher=teacher, today=TODAY)
    assert page.instruments[0].fit_status == "fresh"
    assert service.refit_now(district_id=district_id) == 0  # nothing queued
    assert len(calls) == 4

    # A new score: the old fits are shown, marked, while a refit is queued.
    add_observation(
        session, teacher=world.teachers[2], observer=world.coach, year=world.years[1],
        rubric=world.rubric, on=date(2026, 6, 1), value=lambda _d, _i: 4,
    )  # fmt: skip
    session.commit()
    fitted_here = calls.count(page_thread)
    page = service.teacher_growth(session=session, teacher=teacher, today=TODAY)
    (ig,) = page.instruments
    assert ig.fit_status == "stale" and ig.fits_computed_at is not None
    assert isinstance(next(d for d in ig.dimensions if d.id == "press").trend, service.Trend)
    assert calls.count(page_thread) == fitted_here  # the page itself fitted nothing
    service.refit_now(district_id=district_id)
    assert len(calls) == 8
    assert (
        service.teacher_growth(session=session, teacher=teacher, today=TODAY)
        .instruments[0]
        .fit_status
        == "fresh"
    )


@pytest.mark.live_worker
def test_the_worker_thread_runs_queued_fits(session: Session, settings: Settings) -> None:
    world = build(session, settings)
    assert world.district.id is not None
    service.start_worker(session.get_bind())  # type: ignore[arg-type]
    try:
        first = service.cached_fits(
            session=session, district_id=world.district.id, rubric_id="test-talk"
        )
        assert first.status == "pending"
        service.refit_now(district_id=world.district.id)  # waits for the worker's fit
        again = service.cached_fits(
            session=session, district_id=world.district.id, rubric_id="test-talk"
        )
        assert again.status == "fresh" and len(again.fits) == 4  # one per dimension
    finally:
        service.stop_worker()


def test_unshared_and_draft_observations_stay_off_the_teachers_page(
    session: Session, settings: Settings
) -> None:
    world = build(session, settings)
    teacher = world.teachers[0]
    for shared, final in ((False, True), (True, False)):
        add_observation(
            session, teacher=teacher, observer=world.coach, year=world.years[1],
            rubric=world.rubric, on=date(2026, 6, 2), value=lambda _d, _i: 1, shared=shared,
            final=final,
        )  # fmt: skip
    session.commit()
    page = service.teacher_growth(session=session, teacher=teacher, today=TODAY)
    assert page.n_observations == 4


def test_pseudonyms_are_stable_and_keyed() -> None:
    a = service.pseudonym(secret="one-secret", teacher_id=7)
    assert a == service.pseudonym(secret="one-secret", teacher_id=7)
    assert a != service.pseudonym(secret="another-secret", teacher_id=7)
    assert a != service.pseudonym(secret="one-secret", teacher_id=8)
    assert "7" not in a[2:] or a != "t-7"


def test_summary_stamp_changes_with_every_observation_write(
    session: Session, settings: Settings
) -> None:
    """The summaries' cache stamp is cheap (the change log and the latest observation write),
    and still changes whenever the write path writes: create, score, finalize, share."""
    world = build(session, settings)
    assert world.district.id is not None
    district_id = world.district.id
    before = summary_of(session, world)
    assert summary_of(session, world).scopes[0] is before.scopes[0]  # cached
    actor = accounts_service.load_viewer(session=session, user=world.coach)
    teacher = world.teachers[0]
    oid = uuid.uuid4()
    stamps = [service.district_stamp(session=session, district_id=district_id)]

    def apply(op: ops.Operation) -> None:
        observations_service.apply_operation(session=session, actor=actor, op=op)
        stamps.append(service.district_stamp(session=session, district_id=district_id))

    data = ObservationCreate(
        observed_at=datetime(2025, 3, 3, 10, tzinfo=UTC), grade="4",
        teacher_id=teacher.id, rubric_version_ids=[world.rubric.id],  # type: ignore[arg-type,list-item]
    )  # fmt: skip
    apply(ops.CreateObservation(observation_id=oid, data=data))
    rubric = rubrics_service.rubric_of(world.rubric)
    for dim in rubric.dimensions:
        for item_id in [i.id for i in dim.items] or [""]:
            apply(
                ops.SetScore(
                    observation_id=oid, rubric_version_id=world.rubric.id,  # type: ignore[arg-type]
                    dimension_id=dim.id, item_id=item_id, value=rubric.scale_for(dim).max,
                )
            )  # fmt: skip
    before_final = summary_of(session, world)
    apply(ops.Finalize(observation_id=oid))
    assert len(set(stamps)) == len(stamps)  # every write, a new stamp
    after = summary_of(session, world)
    assert after.scopes[0] is not before_final.scopes[0]  # recomputed with the new lesson
    lessons = [
        {
            row.dimension.id: row.result.n
            for row in sc.instruments[0].high_level
            if row.year_name == "2024-25" and isinstance(row.result, HighLevelShare)
        }
        for sc in (before_final.scopes[0], after.scopes[0])
    ]
    assert lessons[0] and lessons[1] == {dim: n + 1 for dim, n in lessons[0].items()}


def test_a_write_in_another_district_leaves_this_districts_stamps_alone(
    session: Session, settings: Settings
) -> None:
    """The stamps are per district: another district's observations and check-ins (through
    the write path, so in the change log) change its stamps and leave these as they were."""
    world = build(session, settings)
    here = world.district.id
    other = create_district(session, name="Other District")
    school = create_school(session, other)
    year = create_school_year(session, other, 2025)
    coach = create_user(session, settings, role=Role.coach, school=school, email="c@o.example")
    teacher = create_teacher(session, school, name="Other Teacher")
    create_assignment(session, coach, teacher, year)
    assert here is not None and other.id is not None

    def stamps() -> list[tuple[Any, ...]]:
        return [
            (
                service.district_stamp(session=session, district_id=district),
                dosage.dosage_stamp(session=session, district_id=district),
            )
            for district in (here, other.id)
        ]

    before = stamps()
    actor = accounts_service.load_viewer(session=session, user=coach)
    data = ObservationCreate(
        observed_at=datetime(2025, 10, 3, 10, tzinfo=UTC), grade="4",
        teacher_id=teacher.id, rubric_version_ids=[world.rubric.id],  # type: ignore[arg-type,list-item]
    )  # fmt: skip
    observations_service.apply_operation(
        session=session,
        actor=actor,
        op=ops.CreateObservation(observation_id=uuid.uuid4(), data=data),
    )
    after_observation = stamps()
    assert after_observation[0] == before[0]
    assert after_observation[1][0] != before[1][0] and after_observation[1][1] != before[1][1]
    create_check_in(session, coach, create_cycle(session, coach, teacher), on=date(2025, 10, 9))
    after_check_in = stamps()
    assert after_check_in[0] == before[0]
    assert after_check_in[1][0] == after_observation[1][0]  # no score changed
    assert after_check_in[1][1] != after_observation[1][1]  # its check-in counts did
    # A write here changes this district's stamps, and the other's not.
    create_check_in(
        session, world.coach, create_cycle(session, world.coach, world.teachers[0]),
        on=date(2025, 10, 9),
    )  # fmt: skip
    add_observation(
        session, teacher=world.teachers[0], observer=world.coach, year=world.years[1],
        rubric=world.rubric, on=date(2026, 6, 2), value=lambda _d, _i: 3,
    )  # fmt: skip
    session.commit()
    last = stamps()
    assert last[1] == after_check_in[1]
    assert last[0][0] != before[0][0] and last[0][1] != before[0][1]


def test_with_a_replica_the_worker_reads_the_district_from_it(
    session: Session, settings: Settings, tmp_path: Path
) -> None:
    """The worker's summaries and fits read the replica, stamp included: a replica that has
    not caught up gives its own (here: no) numbers, marked stale against the primary, and is
    not computed again until it changes; without the replica, the primary's numbers."""
    world = build(session, settings)
    district_id = world.district.id
    assert district_id is not None
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    replica_url = f"sqlite:///{tmp_path / 'replica.db'}"
    migrate.upgrade(replica_url)  # a replica the district's rows have not reached yet
    rubric_id = world.rubric.rubric_id

    def page() -> service.SummaryPage:
        return service.summary(
            session=session, district_id=district_id, schools=[world.big, world.small],
            overall=True, today=TODAY,
        )  # fmt: skip

    def fitted() -> list[str]:
        outcomes = fits.cached_fits(session=session, district_id=district_id, rubric_id=rubric_id)
        return [
            dim for dim, fit in outcomes.fits.items() if isinstance(fit, growth_model.GrowthFit)
        ]

    replica.use_replica(engine, replica_url)
    try:
        assert page().status == "pending" and fitted() == []
        assert worker.run_now(district_id=district_id) == 2  # the summary and the fits
        lagging = page()
        assert lagging.status == "stale" and lagging.scopes[0].n_teachers_scored == 0
        assert (
            fitted() == []
            and fits.cached_fits(
                session=session, district_id=district_id, rubric_id=rubric_id
            ).status
            == "stale"
        )
        assert worker.run_now(district_id=district_id) == 2  # queued again by the pages...
        assert page().scopes[0] is lagging.scopes[0]  # ...and not recomputed: nothing changed
    finally:
        replica.use_replica(engine, None)
    assert fitted() == []  # still the replica's: the page queues a refit
    assert worker.run_now(district_id=district_id) == 2  # from the primary now
    fresh = page()
    assert fresh.status == "fresh" and fresh.scopes[0].n_teachers_scored == len(world.teachers)
    assert fitted() != []


def test_a_page_never_computes_the_summary_it_reads_the_last_one(
    session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No summary request computes over the scores: with none computed yet the page says so
    ("pending") and queues the district's refresh; after a write it shows the last numbers
    ("stale", with when they were computed) until the worker's refresh has run."""
    world = build(session, settings)
    assert world.district.id is not None
    district_id = world.district.id
    computed: list[str] = []
    real = summaries._compute_scopes

    def counting(**kw: Any) -> Any:
        computed.append(threading.current_thread().name)
        return real(**kw)

    monkeypatch.setattr(summaries, "_compute_scopes", counting)

    def school_page(school: School) -> service.SummaryPage:
        return service.summary(
            session=session, district_id=district_id, schools=[school], overall=False,
            today=TODAY,
        )  # fmt: skip

    pending = school_page(world.big)
    assert (pending.status, pending.scopes, computed) == ("pending", [], [])
    assert pending.teachers[world.big.id] == 6  # counted afresh: no scores needed
    assert worker.run_now(district_id=district_id) == 1
    assert len(computed) == 1
    # The whole district was computed once: each school's page reads its scope from it.
    whole = summary_of(session, world)
    small = school_page(world.small)
    assert small.status == "fresh" and small.scopes[0] is whole.scopes[2]

    add_observation(
        session, teacher=world.teachers[0], observer=world.coach, year=world.years[1],
        rubric=world.rubric, on=date(2026, 6, 2), value=lambda _d, _i: 3,
    )  # fmt: skip
    session.commit()
    stale = school_page(world.big)
    assert stale.status == "stale" and stale.scopes[0] is whole.scopes[1]
    assert stale.computed_at is not None and len(computed) == 1
    worker.run_now(district_id=district_id)
    fresh = school_page(world.big)
    assert fresh.status == "fresh" and fresh.scopes[0] is not whole.scopes[1]
    assert len(computed) == 2


@pytest.mark.live_worker
def test_the_worker_refreshes_a_summary_a_write_made_stale_without_a_request(
    session: Session, settings: Settings
) -> None:
    """After a write the worker's watcher (idle for a second) sees the new stamp and
    refreshes the summary itself: the first request after the write finds it fresh."""
    world = build(session, settings)
    assert world.district.id is not None
    before = summary_of(session, world)
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    service.start_worker(engine)
    try:
        add_observation(
            session, teacher=world.teachers[1], observer=world.coach, year=world.years[1],
            rubric=world.rubric, on=date(2026, 6, 3), value=lambda _d, _i: 4,
        )  # fmt: skip
        session.commit()
        stamp = service.district_stamp(session=session, district_id=world.district.id)
        deadline = time.monotonic() + 30
        key, _engine = summaries._summary_key(session, world.district.id)
        while summaries._SUMMARIES[key].stamp != stamp:
            assert time.monotonic() < deadline, "the worker did not refresh the summary"
            time.sleep(0.05)
        after = service.summary(
            session=session, district_id=world.district.id, schools=[world.big, world.small],
            overall=True, today=TODAY,
        )  # fmt: skip
    finally:
        service.stop_worker()
    assert after.status == "fresh" and after.scopes[0] is not before.scopes[0]


def test_coaching_writes_leave_the_summaries_and_the_fits_fresh(
    session: Session, settings: Settings
) -> None:
    """Coaches write check-ins all day and none changes a score: the cached summaries and
    growth fits stay fresh (a refit takes seconds), though each write is in the change log."""
    world = build(session, settings)
    assert world.district.id is not None
    district_id = world.district.id
    before = summary_of(session, world)
    fits.compute_fits(session=session, district_id=district_id, rubric_id=world.rubric.rubric_id)
    stamp = service.district_stamp(session=session, district_id=district_id)
    changes = session.exec(select(func.count()).select_from(SyncChange)).one()

    cycle = create_cycle(session, world.coach, world.teachers[0], start=date(2026, 9, 1))
    create_check_in(session, world.coach, cycle, on=date(2026, 9, 8))
    assert session.exec(select(func.count()).select_from(SyncChange)).one() == changes + 2
    assert service.district_stamp(session=session, district_id=district_id) == stamp
    assert summary_of(session, world).scopes[0] is before.scopes[0]
    cached = fits.cached_fits(
        session=session, district_id=district_id, rubric_id=world.rubric.rubric_id
    )
    assert cached.status == "fresh"


def test_check_ins_are_recounted_off_the_page_after_a_coaching_write(
    session: Session, settings: Settings
) -> None:
    """A coaching write changes the dosage stamp: the page shows the last counts at once and
    queues a recount; once the worker's recount has run, the page shows the new check-in."""
    world = build(session, settings)
    assert world.district.id is not None
    for teacher in world.teachers[:5]:  # five of the big school's teachers met: shown
        cycle = create_cycle(session, world.coach, teacher, start=date(2026, 9, 1))
        create_check_in(session, world.coach, cycle, on=date(2026, 11, 3))
    session.commit()

    def november() -> service.DosageMonth:
        page = summary_of(session, world)
        return next(m for m in page.dosage[world.big.id] if m.label == "Nov 2026")

    assert (november().check_ins, november().teachers_met) == (5, 5)
    cycle = create_cycle(session, world.coach, world.teachers[5], start=date(2026, 9, 1))
    create_check_in(session, world.coach, cycle, on=date(2026, 11, 4))
    session.commit()
    assert november().check_ins == 5  # the last count, while the recount is queued
    assert worker.run_now(district_id=world.district.id) == 1
    assert (november().check_ins, november().teachers_met) == (6, 6)


def test_the_first_page_of_a_day_shows_the_day_befores_counts_while_the_worker_counts(
    session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = build(session, settings)
    district_id = world.district.id
    assert district_id is not None
    summary_of(session, world)  # counted for TODAY
    counted: list[date] = []
    real = summaries._count_dosage

    def counting(**kw: Any) -> Any:
        counted.append(kw["key"][2])
        return real(**kw)

    monkeypatch.setattr(summaries, "_count_dosage", counting)
    tomorrow = date.fromordinal(TODAY.toordinal() + 1)

    def page(day: date) -> service.SummaryPage:
        return service.summary(
            session=session, district_id=district_id, schools=[world.big], overall=False,
            today=day,
        )  # fmt: skip

    before = page(TODAY).dosage[world.big.id]
    assert page(tomorrow).dosage[world.big.id] is before and counted == []
    assert worker.run_now(district_id=district_id) == 1
    assert counted == [tomorrow]
    assert page(tomorrow).dosage[world.big.id] is not before  # the day's own counts
    assert counted == [tomorrow]  # read from what the worker kept, not counted again


def test_a_school_added_since_the_counts_gets_its_own_page_at_once(
    session: Session, settings: Settings
) -> None:
    world = build(session, settings)
    assert world.district.id is not None
    summary_of(session, world)  # the district's summary and check-ins, counted
    new = create_school(session, world.district, name="New School")
    session.commit()
    page = service.summary(
        session=session, district_id=world.district.id, schools=[new], overall=False,
        today=TODAY,
    )  # fmt: skip
    assert page.status == "stale" and page.scopes == []  # its numbers: at the next refresh
    assert len(page.dosage[new.id]) == service.DOSAGE_MONTHS  # counted for it here
    worker.run_now(district_id=world.district.id)
    again = service.summary(
        session=session, district_id=world.district.id, schools=[new], overall=False,
        today=TODAY,
    )  # fmt: skip
    assert again.status == "fresh" and [sc.name for sc in again.scopes] == ["New School"]


def test_the_apps_replica_setting_is_where_its_worker_reads(
    settings: Settings, tmp_path: Path
) -> None:
    replica_url = f"sqlite:///{tmp_path / 'replica.db'}"
    app = create_app(settings.model_copy(update={"growth_replica_url": replica_url}))
    with TestClient(app):
        reading = replica.reading_engine(app.state.engine)
        assert reading is not app.state.engine
        assert reading.url.render_as_string(hide_password=False) == replica_url
    replica.use_replica(app.state.engine, None)
    app.state.engine.dispose()


def test_a_summary_whose_child_process_ended_is_left_for_the_next_change(
    session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    """A stop signals the whole process group, the summary's child too: the job in flight
    ends with a warning (no traceback, nothing kept), and the page stays as it was."""
    world = build(session, settings)
    assert world.district.id is not None
    engine = session.get_bind()
    assert isinstance(engine, Engine)

    def ended(_engine: Engine, _district_id: int) -> list[Any]:
        raise BrokenProcessPool("terminated")

    monkeypatch.setattr(offload, "district_scopes", ended)
    job = (worker.database_of(engine), world.district.id, summaries.SUMMARY_JOB)
    with caplog.at_level("WARNING", logger=summaries.logger.name):
        summaries._refresh(job, engine, threading.Event())
    assert "its process ended" in caplog.text and "Traceback" not in caplog.text
    page = service.summary(
        session=session, district_id=world.district.id, schools=[world.big], overall=False,
        today=TODAY,
    )  # fmt: skip
    assert page.status == "pending"
