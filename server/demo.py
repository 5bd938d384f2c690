"""The whole demo district: roster, rubrics, observations and coaching (`cadence demo`,
`make run`)."""

from datetime import date

from sqlmodel import Session

from server.coaching import demo as coaching_demo
from server.config import Settings
from server.observations import demo as observations_demo
from server.observations import demo_calibration as calibration_demo
from server.observations import demo_pairs as co_observation_demo
from server.roster import demo as roster_demo
from server.rubrics import service as rubrics_service


def load_demo_district(
    *,
    session: Session,
    settings: Settings,
    today: date | None = None,
    observations: bool = True,
    coaching: bool = True,
) -> bool:
    """Load everything the demo shows, unless the demo district is there. True when loaded.

    For the browser tests: observations=False leaves out the observations (most of the
    loading time, through the write path; the check-ins then link none), coaching=False
    the coaching history."""
    if roster_demo.demo_exists(session=session):
        return False
    rubrics_service.sync_configured_rubrics(session=session, settings=settings)
    roster_demo.load_demo(session=session, settings=settings, today=today)
    district = roster_demo.demo_district(session=session)
    assert district is not None and district.id is not None
    if observations:
        observations_demo.load_demo_observations(
            session=session, district_id=district.id, today=today
        )
        co_observation_demo.load_demo_co_observations(
            session=session, district_id=district.id, today=today
        )
        calibration_demo.load_demo_calibration(
            session=session, district_id=district.id, today=today
        )
    if coaching:
        coaching_demo.load_demo_coaching(session=session, district_id=district.id, today=today)
    return True
