"""Calibration pages (calibration.py): the district's calibration lessons, a lesson (its
master code, a rater's blind rating and agreement), and the district's raters. Online only:
calibration is done together, watching a recorded lesson, and the master must never reach
a rater's tablet before their rating is final."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from server.accounts.models import Role
from server.accounts.service import Viewer
from server.db import RowId
from server.deps import Forbidden, SessionDep, ViewerDep
from server.forms import validate
from server.observations import calibration, calibration_page
from server.observations.calibration import CalibrationError, CalibrationLessonCreate, CellErrors
from server.observations.models import CalibrationLesson
from server.observations.routes import form_fields
from server.rubrics import service as rubrics_service
from server.templating import render

router = APIRouter()
NOT_YOURS = "Calibration is for the district's coaches, specialists and admins."


def _district(viewer: Viewer) -> int:
    district_id = calibration.calibration_district(viewer=viewer)
    if district_id is None:
        raise Forbidden(NOT_YOURS)
    return district_id


def _lesson(session: SessionDep, viewer: Viewer, lesson_id: int) -> CalibrationLesson:
    lesson = calibration.get_lesson(session=session, lesson_id=lesson_id)
    if lesson is None or lesson.district_id != _district(viewer):
        raise HTTPException(404, "There is no such calibration lesson.")
    return lesson


def _index(request: Request, session: SessionDep, viewer: Viewer, **extra: Any) -> Response:
    district_id = _district(viewer)
    lessons = calibration.list_lessons(session=session, district_id=district_id)
    ratings = calibration.ratings_by(session=session, rater_id=viewer.id)
    ctx: dict[str, Any] = {
        "lessons": lessons,
        "ratings": ratings,
        "viewer_id": viewer.id,
        "is_specialist": calibration.is_specialist(viewer=viewer, district_id=district_id),
        "oversees": calibration.can_see_district(viewer=viewer, district_id=district_id),
        "rubrics": rubrics_service.list_current(session=session),
        "form": {},
        "errors": {},
        **extra,
    }
    status_code = 400 if ctx["errors"] else 200
    return render(request, "calibration/index.html", ctx, status_code=status_code)


@router.get("/calibration")
def calibration_index(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    return _index(request, session, viewer)


@router.post("/calibration")
def create_lesson(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    title: Annotated[str, Form()] = "",
    source: Annotated[str, Form()] = "",
    rubric_version_id: Annotated[str, Form()] = "",
) -> Response:
    district_id = _district(viewer)
    if not calibration.is_specialist(viewer=viewer, district_id=district_id):
        raise Forbidden("Only a district specialist adds calibration lessons.")
    values = {"title": title, "source": source, "rubric_version_id": rubric_version_id}
    data, errors = validate(CalibrationLessonCreate, values)
    if data is not None:
        try:
            lesson = calibration.create_lesson(
                session=session, viewer=viewer, district_id=district_id, data=data
            )
            return RedirectResponse(f"/calibration/{lesson.id}", status_code=303)
        except CalibrationError as exc:
            errors = {exc.field: exc.message}
    return _index(request, session, viewer, form=values, errors=errors)


def _lesson_page(
    request: Request,
    session: SessionDep,
    viewer: Viewer,
    lesson: CalibrationLesson,
    *,
    chosen: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    saved: str | None = None,
) -> Response:
    ctx = calibration_page.lesson_context(
        session=session, viewer=viewer, lesson=lesson, chosen=chosen or {}
    )
    ctx.update(errors=errors or {}, saved=saved)
    return render(request, "calibration/lesson.html", ctx, status_code=400 if errors else 200)


@router.get("/calibration/{lesson_id}")
def lesson_page(
    request: Request, lesson_id: RowId, session: SessionDep, viewer: ViewerDep
) -> Response:
    lesson = _lesson(session, viewer, lesson_id)
    return _lesson_page(request, session, viewer, lesson, saved=request.query_params.get("saved"))


def _save(
    request: Request, session: SessionDep, viewer: Viewer, lesson_id: int,
    fields: dict[str, str], *, master: bool,
) -> Response:  # fmt: skip
    """Save the master's cells or a rating's; "mark" or "finalize" as the action fixes them.
    On a refusal the page again, every choice kept and each error at its cell."""
    lesson = _lesson(session, viewer, lesson_id)
    if master and viewer.id != lesson.created_by:
        raise Forbidden("Only the specialist who added the lesson codes its master.")
    if not master and not calibration.can_rate(viewer=viewer, lesson=lesson):
        raise Forbidden("Only the district's coaches and specialists rate calibration lessons.")
    cells, errors = calibration_page.cells_of(fields)
    done = fields.get("action") in ("mark", "finalize")
    if not errors:
        try:
            if master:
                calibration.save_master(
                    session=session, viewer=viewer, lesson=lesson, cells=cells, mark=done
                )
            else:
                calibration.save_rating(
                    session=session, viewer=viewer, lesson=lesson, cells=cells, finalize=done
                )
            saved = "final" if done else "draft"
            return RedirectResponse(f"/calibration/{lesson.id}?saved={saved}", status_code=303)
        except CellErrors as exc:
            errors = exc.errors
        except CalibrationError as exc:
            errors = {exc.field: exc.message}
    chosen = {k: v for k, v in fields.items() if k.startswith("s:")}
    session.expire_all()
    return _lesson_page(request, session, viewer, lesson, chosen=chosen, errors=errors)


Fields = Annotated[dict[str, str], Depends(form_fields)]


@router.post("/calibration/{lesson_id}/master")
def save_master(
    request: Request, lesson_id: RowId, session: SessionDep, viewer: ViewerDep, fields: Fields
) -> Response:
    return _save(request, session, viewer, lesson_id, fields, master=True)


@router.post("/calibration/{lesson_id}/rating")
def save_rating(
    request: Request, lesson_id: RowId, session: SessionDep, viewer: ViewerDep, fields: Fields
) -> Response:
    return _save(request, session, viewer, lesson_id, fields, master=False)


@router.post("/calibration/{lesson_id}/close")
def close_lesson(lesson_id: RowId, session: SessionDep, viewer: ViewerDep) -> Response:
    lesson = _lesson(session, viewer, lesson_id)
    try:
        calibration.close_lesson(session=session, viewer=viewer, lesson=lesson)
    except CalibrationError as exc:
        raise Forbidden(exc.message) from exc
    return RedirectResponse(f"/calibration/{lesson.id}?saved=closed", status_code=303)


def _district_page(request: Request, session: SessionDep, viewer: Viewer, **extra: Any) -> Response:
    district_id = _district(viewer)
    if not calibration.can_see_district(viewer=viewer, district_id=district_id):
        raise Forbidden("Raters' calibration is shown to district specialists and admins.")
    percent = calibration.min_adjacent_percent(session=session, district_id=district_id)
    ctx: dict[str, Any] = {
        "histories": calibration.rater_histories(session=session, district_id=district_id),
        "raters": calibration.district_raters(session=session, district_id=district_id),
        "percent": percent,
        "form": {"min_adjacent_percent": str(percent)},
        "errors": {},
        "can_set": district_id in viewer.district_ids(Role.district_admin),
        "section": "calibration",
        "scope": viewer.admin_scope(),
        **extra,
    }
    status_code = 400 if ctx["errors"] else 200
    return render(request, "calibration/district.html", ctx, status_code=status_code)


@router.get("/district/calibration")
def district_calibration(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    return _district_page(request, session, viewer, saved=request.query_params.get("saved"))


@router.post("/district/calibration/threshold")
def set_threshold(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    min_adjacent_percent: Annotated[str, Form()] = "",
) -> Response:
    district_id = _district(viewer)
    if district_id not in viewer.district_ids(Role.district_admin):
        raise Forbidden("The district's admins set the calibration threshold.")
    form = {"min_adjacent_percent": min_adjacent_percent}
    try:
        percent = int(min_adjacent_percent.strip().rstrip("%"))
        calibration.set_min_adjacent_percent(
            session=session, viewer=viewer, district_id=district_id, percent=percent
        )
    except ValueError:
        error = {"min_adjacent_percent": "a whole number of percent, from 0 to 100"}
        return _district_page(request, session, viewer, form=form, errors=error)
    except CalibrationError as exc:
        error = {exc.field: exc.message}
        return _district_page(request, session, viewer, form=form, errors=error)
    return RedirectResponse("/district/calibration?saved=1", status_code=303)
