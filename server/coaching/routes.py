"""The pair's coaching pages: a cycle with every check-in, for its teacher and its coach, and
the teacher's forms on it (a reflection on a check-in, the cycle's progress text, sharing the
summary with the principal) and a commitment's status (either member of the pair).

Every write is one operation through service.apply_coaching_operation with the version the
form was rendered from, so what the coach changed offline meanwhile comes back as a conflict,
shown with the submitted text kept. A plain post answers with a redirect, or the page again
(400, 409) with the message in place; an htmx post with its block of the page, always 200
(htmx swaps only 2xx answers, and these pages carry no script of their own). The principal's
and the district admin's pages are in report_routes.py."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from server.coaching import service, views
from server.coaching.models import CommitmentStatus, CommitmentUpdate, CycleUpdate
from server.coaching.operations import (
    AddCheckInReflection,
    ShareSummary,
    UpdateCommitment,
    UpdateCycle,
)
from server.deps import SessionDep, ViewerDep
from server.observations.operations import NotFound, PermissionDenied
from server.templating import render

router = APIRouter()


class ReflectionForm(BaseModel):
    text: str = ""
    base_version: str = ""


class ProgressForm(BaseModel):
    summary_progress: str = ""
    base_version: str = ""


class ShareForm(BaseModel):
    shared: str = ""
    base_version: str = ""


class StatusForm(BaseModel):
    status: str = ""
    base_version: str = ""


@router.get("/coaching/cycles/{cycle_id}")
def cycle_page(
    request: Request, cycle_id: uuid.UUID, session: SessionDep, viewer: ViewerDep
) -> Response:
    cycle = views.load_cycle(session, viewer, cycle_id)
    if cycle.coach_id == viewer.id:
        # The pair's coach works on the cycle in the coach's app, offline as online.
        return RedirectResponse(f"/week?cycle={cycle.id}", status_code=303)
    return render(
        request, "coaching/cycle.html", views.page_context(request, session, viewer, cycle, {})
    )


@router.post("/coaching/check-ins/{check_in_id}/reflection")
def reflect(
    request: Request, check_in_id: uuid.UUID, session: SessionDep, viewer: ViewerDep,
    form: Annotated[ReflectionForm, Form()],
) -> Response:  # fmt: skip
    try:
        check_in, cycle = service.check_in_for(
            session=session, viewer=viewer, check_in_id=check_in_id
        )
    except (NotFound, PermissionDenied) as exc:
        views.refused(exc)
    views.teacher_only(session, viewer, cycle, "reflect on its check-ins")
    state = views.write(
        session, viewer, "check_in", check_in.id,
        lambda: AddCheckInReflection(text=form.text), form.base_version,
    )  # fmt: skip
    if not state.saved:
        state.value = form.text
        if not form.text.strip():
            state.error = "Write your reflection first."
    key = f"reflection-{check_in.id}"
    check_ins = service.check_ins_of(session=session, cycle=cycle)
    view = next(v for v in check_ins if v.check_in.id == check_in.id)
    return views.answer(
        request, session, viewer, cycle, key=key, state=state, block="reflection",
        saved="reflection", view=view,
        field=(f"reflection-text-{check_in.id}", f"Reflection on {check_in.date:%-d %b %Y}"),
    )  # fmt: skip


@router.post("/coaching/cycles/{cycle_id}/progress")
def save_progress(
    request: Request, cycle_id: uuid.UUID, session: SessionDep, viewer: ViewerDep,
    form: Annotated[ProgressForm, Form()],
) -> Response:  # fmt: skip
    cycle = views.load_cycle(session, viewer, cycle_id)
    views.teacher_only(session, viewer, cycle, "write its progress")
    state = views.write(
        session, viewer, "cycle", cycle.id,
        lambda: UpdateCycle(data=CycleUpdate(summary_progress=form.summary_progress)),
        form.base_version,
    )  # fmt: skip
    if not state.saved:
        state.value = form.summary_progress
    return views.answer(
        request, session, viewer, cycle, key="progress", state=state, block="summary",
        saved="progress", field=("summary_progress", "Progress toward the goal"),
    )  # fmt: skip


@router.post("/coaching/cycles/{cycle_id}/share")
def share_summary(
    request: Request, cycle_id: uuid.UUID, session: SessionDep, viewer: ViewerDep,
    form: Annotated[ShareForm, Form()],
) -> Response:  # fmt: skip
    cycle = views.load_cycle(session, viewer, cycle_id)
    views.teacher_only(session, viewer, cycle, "share its summary")
    if form.shared not in ("yes", "no"):
        state = views.FormState(
            error="Choose whether to share the summary: yes or no.",
            base_version=views.int_or_none(form.base_version),
        )
    else:
        shared = form.shared == "yes"
        state = views.write(
            session, viewer, "cycle", cycle.id, lambda: ShareSummary(shared=shared),
            form.base_version,
        )  # fmt: skip
    saved = "shared" if form.shared == "yes" else "unshared"
    return views.answer(
        request, session, viewer, cycle, key="share", state=state, block="summary", saved=saved,
        field=("share-button", "Sharing with the principal"),
    )  # fmt: skip


@router.post("/coaching/commitments/{commitment_id}/status")
def set_commitment_status(
    request: Request, commitment_id: uuid.UUID, session: SessionDep, viewer: ViewerDep,
    form: Annotated[StatusForm, Form()],
) -> Response:  # fmt: skip
    try:
        commitment, cycle = service.commitment_for(
            session=session, viewer=viewer, commitment_id=commitment_id
        )
    except (NotFound, PermissionDenied) as exc:
        views.refused(exc)
    if form.status not in {s.value for s in CommitmentStatus}:
        state = views.FormState(
            error="Choose what happened: done, dropped, or still open.",
            base_version=views.int_or_none(form.base_version),
        )
    else:
        status = CommitmentStatus(form.status)
        state = views.write(
            session, viewer, "commitment", commitment.id,
            lambda: UpdateCommitment(data=CommitmentUpdate(status=status)), form.base_version,
        )  # fmt: skip
    if not state.saved:
        state.value = form.status
    session.refresh(commitment)
    return views.answer(
        request, session, viewer, cycle, key=f"commitment-{commitment.id}", state=state,
        block="commitment", saved="commitment", commitment=commitment,
        field=(f"commitment-{commitment.id}", f"Commitment: {commitment.text}"),
    )  # fmt: skip
