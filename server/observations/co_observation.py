"""Co-observation: a second observer scores the same lesson on their own observation
(Observation.pair_of points at the first), blind, offline if need be; once both have
finalized, both see their agreement and record a consensus where they differ.

Blind by design: each observation is its author's alone (service.can_view), so neither a
page nor a pull shows one rater the other's scores; the agreement page opens only when both
are final, and from then on neither rater's scores change (the comparison would mean
nothing). The first observation is the lesson that counts: the consensus is written onto
it (a "reconcile" write, logged as revisions) and both raters' scores as they finalized
them are kept in a Reconciliation row. The second never counts for growth, summaries or
exports and is never shared. docs/co-observation.md.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from server.accounts.models import Membership, Role, User
from server.accounts.service import Viewer
from server.observations import cells, scoring
from server.observations.lookups import Lookups
from server.observations.merge import Write
from server.observations.models import (
    CONTEXT_FIELDS,
    Observation,
    ObservationRubric,
    ObservationStatus,
    Reconciliation,
)
from server.observations.operations import (
    InviteCoObserver,
    OperationError,
    OperationResult,
    Reconcile,
)

# (rubric_version_id, dimension_id, item_id) -> a level, or None (not observed or blank).
CellKey = tuple[int, str, str]
Levels = dict[CellKey, int | None]


@dataclass
class Pair:
    """A co-observed lesson: the first observer's observation and the second's."""

    first: Observation
    second: Observation
    reconciliation: Reconciliation | None

    @property
    def both_final(self) -> bool:
        return all(o.status == ObservationStatus.final for o in (self.first, self.second))

    @property
    def rater_ids(self) -> set[int]:
        return {self.first.observer_id, self.second.observer_id}


def seconds_of(*, session: Session, observation_id: uuid.UUID) -> list[Observation]:
    return list(session.exec(select(Observation).where(Observation.pair_of == observation_id)))


def pair_of(*, session: Session, observation: Observation) -> Pair | None:
    """The pair this observation belongs to, first or second; None for one observer."""
    if observation.pair_of is not None:
        first = session.get(Observation, observation.pair_of)
        assert first is not None
        second = observation
    else:
        seconds = seconds_of(session=session, observation_id=observation.id)
        if not seconds:
            return None
        first, second = observation, seconds[0]
    return Pair(first, second, session.get(Reconciliation, first.id))


def is_rater(*, viewer: Viewer, pair: Pair) -> bool:
    return viewer.id in pair.rater_ids


def can_see_agreement(*, viewer: Viewer, pair: Pair, district_id: int) -> bool:
    """Agreement is about raters, not teachers: the two raters, the district's specialists
    and admins, never a principal or the observed teacher."""
    return is_rater(viewer=viewer, pair=pair) or oversees_raters(
        viewer=viewer, district_id=district_id
    )


def oversees_raters(*, viewer: Viewer, district_id: int) -> bool:
    """The district's admins and specialists: they read every rater's agreement."""
    return any(
        district_id in viewer.district_ids(role) for role in (Role.district_admin, Role.specialist)
    )


def scores_locked(*, session: Session, observation: Observation) -> str | None:
    """Why this observation's scores may not change now, or None: both raters finalized."""
    if observation.status != ObservationStatus.final:
        return None
    pair = pair_of(session=session, observation=observation)
    if pair is None or not pair.both_final:
        return None
    if pair.reconciliation is not None:
        return "this co-observed lesson is reconciled: its scores are the raters' consensus"
    return "both raters have finalized: the scores are compared as they are; reconcile instead"


def share_refusal(*, session: Session, observation: Observation) -> str | None:
    """Why this observation may not be shared with its teacher yet, or None."""
    if observation.pair_of is not None:
        return "a second observer's scoring is compared, not shared"
    pair = pair_of(session=session, observation=observation)
    if pair is not None and pair.reconciliation is None:
        return "a second observer scored this lesson: reconcile your scores before sharing it"
    return None


# --- Inviting ------------------------------------------------------------------------------


def invitable(*, session: Session, district_id: int, exclude: int) -> list[User]:
    """Who may be asked to co-observe in this district: its active coaches and district
    specialists."""
    coach_ids = select(Membership.user_id).where(
        Membership.district_id == district_id,
        col(Membership.role).in_((Role.coach, Role.specialist)),
    )
    return list(
        session.exec(
            select(User)
            .where(col(User.id).in_(coach_ids), col(User.is_active), User.id != exclude)
            .order_by(col(User.name))
        )
    )


def invite(
    session: Session, actor: Viewer, op: InviteCoObserver, obs: Observation, lookups: Lookups
) -> OperationResult:
    existing = session.get(Observation, op.co_observation_id)
    if existing is not None:
        if existing.pair_of == obs.id and existing.observer_id == op.observer_id:
            return OperationResult(observation=obs, changed=False)  # a repeat
        raise OperationError("co_observation_id", "is already used by another observation")
    if obs.pair_of is not None:
        raise OperationError("observation_id", "a second observer cannot invite another")
    if seconds_of(session=session, observation_id=obs.id):
        raise OperationError("observer_id", "this lesson has its second observer already")
    teacher = lookups.teacher(session, obs.teacher_id)
    assert teacher is not None
    choices = {
        u.id: u
        for u in invitable(session=session, district_id=teacher.district_id, exclude=actor.id)
    }
    invitee = choices.get(op.observer_id)
    if invitee is None:
        raise OperationError("observer_id", "choose another coach or a specialist of this district")
    second = Observation(
        id=op.co_observation_id, teacher_id=obs.teacher_id, observer_id=op.observer_id,
        school_year_id=obs.school_year_id, pair_of=obs.id,
        **{name: getattr(obs, name) for name in CONTEXT_FIELDS},
    )  # fmt: skip
    session.add(second)
    session.flush()
    rubric_ids = []
    for row in session.exec(
        select(ObservationRubric).where(ObservationRubric.observation_id == obs.id)
    ):
        rubric_ids.append(row.rubric_version_id)
        session.add(
            ObservationRubric(
                observation_id=second.id,
                rubric_version_id=row.rubric_version_id,
                position=row.position,
            )
        )
    created = Write(session, second, actor, op.kind, None)
    context = {name: getattr(obs, name) for name in CONTEXT_FIELDS}
    created.record("observation", "created", None, {**context, "rubrics": rubric_ids})
    created.record("observation", "pair_of", None, str(obs.id))
    created.finish()
    write = Write(session, obs, actor, op.kind, op.base_version)
    write.record(
        "observation", "co_observer", None,
        {"observer_id": invitee.id, "name": invitee.name, "observation_id": str(second.id)},
    )  # fmt: skip
    result = write.finish()
    result.also.append(second)
    return result


# --- Reconciling ---------------------------------------------------------------------------


def levels_of(sheet: scoring.Sheet) -> Levels:
    """Every cell of the sheet's rubrics (a dimension's items, or the dimension) -> its level,
    None when not observed or left blank."""
    out: Levels = {}
    for rs in sheet.rubrics:
        assert rs.version.id is not None
        for d in rs.rubric.dimensions:
            for item in [i.id for i in d.items] or [""]:
                score = sheet.scores.get((rs.version.id, d.id, item))
                value = None if score is None or score.not_observed else score.value
                out[(rs.version.id, d.id, item)] = value
    return out


def rater_levels(
    pair: Pair, sheet_of: Callable[[Observation], scoring.Sheet]
) -> tuple[Levels, Levels]:
    """Both raters' levels as they finalized them: kept at reconciliation (the first
    observation then holds the consensus), else read from each sheet (`sheet_of`)."""
    if pair.reconciliation is not None:
        return (
            from_rows(pair.reconciliation.first_scores),
            from_rows(pair.reconciliation.second_scores),
        )
    return levels_of(sheet_of(pair.first)), levels_of(sheet_of(pair.second))


def as_rows(levels: Levels) -> list[list[object]]:
    return [[rv, dim, item, value] for (rv, dim, item), value in sorted(levels.items())]


def from_rows(rows: list[list[object]]) -> Levels:
    return {(int(str(rv)), str(dim), str(item)): v for rv, dim, item, v in rows}  # type: ignore[misc]


def reconcile(
    session: Session,
    actor: Viewer,
    op: Reconcile,
    pair: Pair,
    first_sheet: scoring.Sheet,
    second_sheet: scoring.Sheet,
) -> OperationResult:
    """Write the consensus onto the first observation; keep both raters' scores."""
    obs = pair.first
    if pair.reconciliation is not None:
        return OperationResult(observation=obs, changed=False)
    if not pair.both_final:
        raise OperationError("status", "both raters finalize first, then reconcile")
    first, second = levels_of(first_sheet), levels_of(second_sheet)
    given: Levels = {}
    for index, score in enumerate(op.scores):
        key = (score.rubric_version_id, score.dimension_id, score.item_id)
        if key not in first:
            raise OperationError(f"scores.{index}", "not a dimension of this lesson's rubrics")
        rs = scoring.rubric_in(first_sheet.rubrics, score.rubric_version_id)
        dim = scoring.dimension_in(rs, score.dimension_id)
        scoring.check_score(rs, dim, score.item_id, score.value, score.value is None)
        given[key] = score.value
    for key in sorted(first):
        if first[key] != second[key] and key not in given:
            rv, dim_id, item = key
            raise OperationError(
                f"scores.{rv}:{dim_id}" + (f":{item}" if item else ""),
                "the raters differ here: choose the consensus level",
            )
    write = Write(session, obs, actor, op.kind, op.base_version)
    changed = 0
    for key, value in sorted(given.items()):
        if value == first[key]:
            continue
        rv, dim_id, item = key
        keys = {
            "observation_id": obs.id, "rubric_version_id": rv, "dimension_id": dim_id,
            "item_id": item,
        }  # fmt: skip
        row = cells.SCORES.find(session, keys)
        new = {"value": value, "not_observed": value is None}
        old = None if row is None else {"value": row["value"], "not_observed": row["not_observed"]}
        write.record("score", f"{rv}:{dim_id}" + (f":{item}" if item else ""), old, new)
        cells.SCORES.save(
            session, row, keys, value=value, not_observed=value is None,
            updated_by=actor.id, updated_at=write.at,
        )  # fmt: skip
        changed += 1
    write.record("observation", "reconciled", None, {"changed_cells": changed})
    session.add(
        Reconciliation(
            observation_id=obs.id, second_observation_id=pair.second.id,
            first_scores=as_rows(first), second_scores=as_rows(second),
            changed_cells=changed, recorded_by=actor.id, recorded_at=write.at,
        )
    )  # fmt: skip
    return write.finish()
