"""Home pages of the roles with server-drawn pages: my coaching (a teacher), the school
summary (a principal). A coach's home, the week, is in the coach's app (server/pwa)."""

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from server.accounts.models import Role
from server.coaching import service as coaching_service
from server.deps import Forbidden, PrincipalOrAdminDep, SchoolDep, SessionDep, TeacherDep
from server.observations import service as observations_service
from server.roster import service as roster_service
from server.templating import render

router = APIRouter()


@router.get("/my-coaching")
def my_coaching(request: Request, session: SessionDep, viewer: TeacherDep) -> Response:
    teacher = roster_service.teacher_for_user(session=session, user_id=viewer.id)
    coaches = (
        roster_service.coaches_of_teacher(session=session, teacher_id=teacher.id, on=date.today())
        if teacher and teacher.id
        else []
    )
    school = (
        roster_service.get_school(session=session, school_id=teacher.school_id) if teacher else None
    )
    shared = (
        observations_service.list_shared_with_teacher(session=session, teacher_id=teacher.id)
        if teacher and teacher.id
        else []
    )
    # The coaching cycles of the teacher's roster record (audited reads).
    coaching = coaching_service.teacher_overview(session=session, viewer=viewer, today=date.today())
    return render(
        request,
        "my_coaching.html",
        {
            "teacher": teacher,
            "coaches": coaches,
            "school": school,
            "shared_observations": shared,
            "coaching": coaching,
            "today": date.today(),
        },
    )


@router.get("/school")
def my_school(viewer: PrincipalOrAdminDep) -> Response:
    school_ids = sorted(viewer.school_ids(Role.principal))
    if len(school_ids) == 1:
        return RedirectResponse(f"/schools/{school_ids[0]}", status_code=303)
    return RedirectResponse("/admin/schools", status_code=303)


@router.get("/schools/{school_id}")
def school_page(
    request: Request, session: SessionDep, viewer: PrincipalOrAdminDep, school: SchoolDep
) -> Response:
    if not viewer.can_manage_school(school):
        raise Forbidden("This school is not yours to view.")
    summary = roster_service.school_summary(session=session, school=school, on=date.today())
    # Only what teachers chose to share with their principal; district admins see none.
    shared = (
        observations_service.list_shared_with_principal(session=session, school_ids={school.id})
        if school.id in viewer.school_ids(Role.principal)
        else []
    )
    return render(
        request,
        "school.html",
        {
            "summary": summary,
            "school": school,
            "shared_observations": shared,
            # The coaching page (dosage, shared summaries) is the principal's only.
            "is_principal": school.id in viewer.school_ids(Role.principal),
        },
    )
