"""Growth pages (docs/growth.md): a teacher's growth (the teacher, their coaches, and their
principal once the teacher shares it), the school summary (its principal, the district's
admins), the district summary (district admins), and the pseudonymous score export."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from server.accounts.models import Role
from server.audit import service as audit_service
from server.db import RowId
from server.deps import (
    DistrictAdminScopeDep,
    Forbidden,
    PrincipalOrAdminDep,
    SchoolDep,
    SessionDep,
    SettingsDep,
    ViewerDep,
)
from server.forms import ExportConfirmForm, FormErrors
from server.growth import service
from server.roster import service as roster_service
from server.roster.admin_common import render_admin
from server.roster.models import Teacher
from server.templating import render, templates

router = APIRouter()
# One way to write a number on every growth page (server/growth/numbers.py).
templates.env.filters["num"] = service.fmt
templates.env.filters["signed"] = service.signed
templates.env.filters["pct"] = service.percent
templates.env.filters["p_value"] = service.format_p
templates.env.globals["TOO_FEW"] = service.TOO_FEW
templates.env.globals["RELIABLE_WORDS"] = service.RELIABLE_WORDS
templates.env.globals["is_suppressed"] = lambda value: isinstance(value, service.Suppressed)
templates.env.tests["suppressed"] = lambda value: isinstance(value, service.Suppressed)
templates.env.globals["no_estimate"] = lambda value: isinstance(value, service.NoEstimate)


def _teacher(session: SessionDep, teacher_id: RowId) -> Teacher:
    teacher = roster_service.get_teacher(session=session, teacher_id=teacher_id)
    if teacher is None:
        raise HTTPException(404, "No such teacher.")
    return teacher


@router.get("/teachers/{teacher_id}/growth")
def teacher_growth(
    request: Request, teacher_id: RowId, session: SessionDep, viewer: ViewerDep
) -> Response:
    teacher = _teacher(session, teacher_id)
    today = date.today()
    access = service.growth_access(session=session, viewer=viewer, teacher=teacher, today=today)
    if access is None:
        raise Forbidden(
            "A teacher's growth is shown to the teacher, their coach, and their principal "
            "only if the teacher chose to share it."
        )
    page = service.teacher_growth(session=session, teacher=teacher, today=today)
    if access == "principal":
        audit_service.record(
            session=session, user_id=viewer.id, action="read", entity="growth",
            entity_id=teacher.id, detail={"via": "teacher_growth"},
        )  # fmt: skip
        session.commit()
    school = roster_service.get_school(session=session, school_id=teacher.school_id)
    return render(
        request,
        "growth/teacher.html",
        {
            "page": page,
            "teacher": teacher,
            "school": school,
            "access": access,
            "shared_at": service.growth_shared_at(session=session, teacher_id=teacher_id),
            "association_note": service.ASSOCIATION_NOTE,
        },
    )


class ShareForm(BaseModel):
    share: str = ""


@router.post("/teachers/{teacher_id}/growth/share")
def share_growth(
    teacher_id: RowId,
    session: SessionDep,
    viewer: ViewerDep,
    form: Annotated[ShareForm, Form()],
) -> Response:
    teacher = _teacher(session, teacher_id)
    try:
        service.set_growth_shared(
            session=session, viewer=viewer, teacher=teacher, shared=form.share == "on"
        )
    except PermissionError as exc:
        raise Forbidden(str(exc)) from exc
    return RedirectResponse(f"/teachers/{teacher_id}/growth#sharing", status_code=303)


def _prerender(scopes: list[service.ScopeSummary]) -> None:
    """Render each scope's numbers as the summary templates keep them (`fragment`/`keep`):
    the district page's scope and its glance table, and a school page's."""
    macros = templates.env.get_template("growth/_summary.html").module
    for sc in scopes:
        if sc.school_id is None:
            anchor, name = "scope-overall", "District overall"
        else:
            anchor, name = f"scope-{sc.school_id}", sc.name
            sc.keep("school-glance", macros.glance(sc, sc.name))  # type: ignore[attr-defined]
            sc.keep("school", macros.scope(sc, sc.name))  # type: ignore[attr-defined]
        sc.keep(f"{anchor}-glance", macros.glance(sc, name))  # type: ignore[attr-defined]
        sc.keep(anchor, macros.scope(sc, name))  # type: ignore[attr-defined]


service.on_refresh(_prerender)


@router.get("/schools/{school_id}/summary")
def school_summary(
    request: Request, school_id: RowId, session: SessionDep, viewer: PrincipalOrAdminDep,
    school: SchoolDep,
) -> Response:  # fmt: skip
    if not viewer.can_manage_school(school):
        raise Forbidden("This school's summary is for its principal and the district's admins.")
    page = service.summary(
        session=session, district_id=school.district_id, schools=[school], overall=False,
        today=date.today(),
    )  # fmt: skip
    is_principal = school_id in viewer.school_ids(Role.principal)
    shared = (
        service.shared_growth_teachers(session=session, school_id=school_id) if is_principal else []
    )
    return render(
        request,
        "growth/school_summary.html",
        {"school": school, "page": page, "shared": shared, "today": date.today()},
    )


# Up to this many schools, the district page holds each school's numbers too, folded; beyond
# it (a large district, a state) each school's name leads to the school's own page instead: a
# page of 500 schools' numbers is megabytes to send and to scroll (bench/summary.py --scale 10).
SCHOOL_FOLDS_MAX = 60


@router.get("/district/summary")
def district_summary(
    request: Request, session: SessionDep, scope: DistrictAdminScopeDep
) -> Response:
    schools = roster_service.list_schools(session=session, district_id=scope.district_id)
    page = service.summary(
        session=session, district_id=scope.district_id, schools=schools, overall=True,
        today=date.today(),
    )  # fmt: skip
    return render(
        request,
        "growth/district_summary.html",
        {
            "schools": schools, "page": page, "today": date.today(),
            "folds": len(schools) <= SCHOOL_FOLDS_MAX,
        },
    )  # fmt: skip


def _exports_page(
    request: Request, scope: DistrictAdminScopeDep, errors: FormErrors | None = None
) -> Response:
    return render_admin(
        request, "growth/exports.html", scope, "exports",
        {"errors": errors or {}, "columns": service.EXPORT_COLUMNS},
        status_code=400 if errors else 200,
    )  # fmt: skip


@router.get("/admin/exports")
def exports_page(request: Request, scope: DistrictAdminScopeDep) -> Response:
    return _exports_page(request, scope)


@router.post("/admin/exports/scores.csv")
def export_scores(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    scope: DistrictAdminScopeDep,
    form: Annotated[ExportConfirmForm, Form()],
) -> Response:
    if errors := form.errors():
        return _exports_page(request, scope, errors)
    rows = service.export_scores(
        session=session, viewer=scope.viewer, district_id=scope.district_id,
        secret=settings.secret_key,
    )  # fmt: skip
    name = f"cadence-scores-{date.today().isoformat()}.csv"
    return Response(
        service.scores_csv(rows=rows),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
