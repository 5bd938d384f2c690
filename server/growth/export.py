"""The district admin's pseudonymous score export (tidy CSV)."""

import csv
import hashlib
import hmac
import io
from collections import Counter
from datetime import UTC

from sqlalchemy import select
from sqlmodel import Session

from server.accounts.models import Role
from server.accounts.service import Viewer
from server.audit import service as audit_service
from server.growth.queries import RV, O, S, T, observer_roles
from server.growth.stats import MIN_TEACHERS
from server.roster.models import School, SchoolYear

# --- The district admin's score export --------------------------------------------------------

EXPORT_COLUMNS = (
    "teacher",
    "school",
    "cohort",
    "rubric_id",
    "rubric_version",
    "dimension",
    "item",
    "value",
    "observed_at",
    "observer_role",
)


SUPPRESSED = "suppressed"


def pseudonym(*, secret: str, teacher_id: int) -> str:
    """A stable id for a teacher that cannot be turned back into theirs without the app's
    secret (SECRET_KEY): HMAC-SHA256 of the id, first 16 hex digits. A new key gives every
    teacher a new pseudonym, so exports made under different keys cannot be joined."""
    digest = hmac.new(secret.encode(), f"cadence-teacher:{teacher_id}".encode(), hashlib.sha256)
    return "t-" + digest.hexdigest()[:16]


def suppress_small_groups(
    groups: dict[int, tuple[str, str]], minimum: int = MIN_TEACHERS
) -> dict[int, tuple[str, str]]:
    """Each teacher's (school, cohort) as the export may show it: a cohort is shown only
    where at least `minimum` teachers of the export share that school and cohort, and a school
    only where at least `minimum` share it with what is shown of the cohort; else "suppressed".
    So no pseudonym sits in a shown group of fewer than `minimum` teachers."""

    def sizes(shown: dict[int, tuple[str, str]]) -> Counter[tuple[str, str]]:
        return Counter(shown.values())

    shown = dict(groups)
    counts = sizes(shown)
    shown = {
        t: (school, cohort if counts[(school, cohort)] >= minimum else SUPPRESSED)
        for t, (school, cohort) in shown.items()
    }
    counts = sizes(shown)
    return {
        t: (school, cohort) if counts[(school, cohort)] >= minimum else (SUPPRESSED, SUPPRESSED)
        for t, (school, cohort) in shown.items()
    }


def export_scores(
    *, session: Session, viewer: Viewer, district_id: int, secret: str
) -> list[dict[str, str]]:
    """One row per score of a finalized observation in the district (items separately,
    "not observed" left out), columns EXPORT_COLUMNS, teachers pseudonymous, school and
    cohort suppressed for groups of fewer than MIN_TEACHERS (suppress_small_groups). Only a
    district admin of the district (PermissionError); one audited "export" event, committed
    first."""
    if district_id not in viewer.district_ids(Role.district_admin):
        raise PermissionError("Only a district admin of this district can export scores.")
    query = (
        select(
            O.c.teacher_id, School.__table__.c.name, SchoolYear.__table__.c.name,  # type: ignore[attr-defined]
            RV.c.rubric_id, RV.c.version, S.c.dimension_id, S.c.item_id, S.c.value,
            O.c.observed_at, O.c.observer_id,
        )
        .select_from(
            S.join(O, O.c.id == S.c.observation_id)
            .join(RV, RV.c.id == S.c.rubric_version_id)
            .join(T, T.c.id == O.c.teacher_id)
            .join(School.__table__, School.__table__.c.id == T.c.school_id)  # type: ignore[attr-defined]
            .outerjoin(SchoolYear.__table__, SchoolYear.__table__.c.id == T.c.cohort_year_id)  # type: ignore[attr-defined]
        )
        .where(
            T.c.district_id == district_id,
            O.c.status == "final",
            O.c.pair_of.is_(None),  # a co-observed lesson once, with its consensus
            S.c.value.is_not(None),
        )
        .order_by(O.c.observed_at, O.c.id, RV.c.rubric_id, S.c.dimension_id, S.c.item_id)
    )  # fmt: skip
    rows = session.execute(query).all()
    roles = observer_roles(session=session, user_ids={r[9] for r in rows}, district_id=district_id)
    names: dict[int, str] = {}
    shown = suppress_small_groups({r[0]: (r[1], r[2] or "") for r in rows})
    out = []
    for teacher_id, _school, _cohort, rubric_id, version, dim, item, value, at, observer in rows:
        if teacher_id not in names:
            names[teacher_id] = pseudonym(secret=secret, teacher_id=teacher_id)
        stamp = at if at.tzinfo else at.replace(tzinfo=UTC)
        school, cohort = shown[teacher_id]
        out.append(
            {
                "teacher": names[teacher_id], "school": school, "cohort": cohort,
                "rubric_id": rubric_id, "rubric_version": version, "dimension": dim,
                "item": item, "value": str(value),
                "observed_at": stamp.astimezone(UTC).isoformat(timespec="seconds"),
                "observer_role": roles[observer],
            }
        )  # fmt: skip
    audit_service.record(
        session=session, user_id=viewer.id, action="export", entity="district",
        entity_id=district_id,
        detail={"export": "scores", "rows": len(out), "teachers": len(names)},
    )  # fmt: skip
    session.commit()
    return out


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def scores_csv(*, rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "'" + v if v.startswith(_FORMULA_START) else v for k, v in row.items()})
    return out.getvalue()
