"""Coaching seen from outside the pair (docs/coaching.md, the trust wall): a principal's
coaching page for their school (dosage counts and the summaries teachers shared, nothing
else), and the district admin's audited content export and audit log. A district admin does
not get the principal's page: their only way to coaching content is the export."""

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel

from server.accounts import service as accounts_service
from server.accounts.models import Role
from server.accounts.service import AdminScope
from server.coaching import reports
from server.deps import DistrictAdminScopeDep, Forbidden, SchoolDep, SessionDep, ViewerDep
from server.forms import ExportConfirmForm, FormErrors, parse_row_id
from server.roster import service as roster_service
from server.roster.admin_common import render_admin
from server.templating import render

router = APIRouter()

ENTITY_LABELS = {
    "cycle": "Cycle",
    "check_in": "Check-in",
    "commitment": "Commitment",
    "sync": "Sync pull",
    "district": "District",
    "user": "Person",
    "teacher": "Roster teacher",
    "assignment": "Coach assignment",
}
ACTION_LABELS = {
    "read": "Read",
    "sync_read": "Synced to a device",
    "export": "Export",
    "changes": "Any change of access",
    "account": "Account changed",
    "role": "Role changed",
    "password": "Password or invitation",
    "assignment": "Assignment changed",
}
# How a "read" happened (its detail's "via": the function that read).
WAYS = {
    "get_cycle_for": "the cycle page",
    "cycles_for_teacher": "the teacher's coaching page",
    "cycles_for_coach": "the coach's cycles",
    "coach_week": "the coach's week",  # events from before the week moved into the coach's app
    "shared_summaries": "the principal's shared summaries",
}
# What a sync pull carried, by kind (its detail's "counts"): (one, many).
SYNC_KINDS = {
    "observation": ("observation", "observations"),
    "cycle": ("cycle", "cycles"),
    "check_in": ("check-in", "check-ins"),
    "commitment": ("commitment", "commitments"),
}


@router.get("/schools/{school_id}/coaching")
def school_coaching(
    request: Request, session: SessionDep, viewer: ViewerDep, school: SchoolDep
) -> Response:
    if school.id not in viewer.school_ids(Role.principal):
        raise Forbidden(
            "Coaching at a school is shown to its principal only. District administrators "
            "see coaching content only through the audited export."
        )
    dosage = reports.principal_dosage(session=session, viewer=viewer, school_id=school.id)
    summaries = reports.shared_summaries(session=session, viewer=viewer, school_id=school.id)
    return render(
        request,
        "coaching/school.html",
        {"school": school, "dosage": reports.dosage_table(rows=dosage), "summaries": summaries},
    )


# --- The district admin's export ----------------------------------------------------------------


def _export_page(
    request: Request,
    session: SessionDep,
    scope: AdminScope,
    errors: FormErrors | None = None,
) -> Response:
    recent = reports.audit_log(
        session=session, viewer=scope.viewer, district_id=scope.district_id, action="export",
        limit=10,
    ).rows  # fmt: skip
    return render_admin(
        request, "coaching/export.html", scope, "coaching-export",
        {"errors": errors or {}, "recent": recent, "columns": reports.EXPORT_COLUMNS},
        status_code=400 if errors else 200,
    )  # fmt: skip


@router.get("/admin/coaching-export")
def export_page(request: Request, session: SessionDep, scope: DistrictAdminScopeDep) -> Response:
    return _export_page(request, session, scope)


@router.post("/admin/coaching-export")
def export_download(
    request: Request,
    session: SessionDep,
    scope: DistrictAdminScopeDep,
    form: Annotated[ExportConfirmForm, Form()],
) -> Response:
    if errors := form.errors():
        return _export_page(request, session, scope, errors)
    rows = reports.export_content(
        session=session, viewer=scope.viewer, district_id=scope.district_id
    )
    name = f"cadence-coaching-export-{date.today().isoformat()}.csv"
    return Response(
        reports.export_csv(rows=rows),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


# --- The audit log -----------------------------------------------------------------------------


class AuditFilter(BaseModel):
    action: str = ""
    entity: str = ""
    entity_id: str = ""
    user_id: str = ""
    teacher_id: str = ""
    since: str = ""
    until: str = ""
    before: str = ""  # paging: events older than this id ...
    after: str = ""  # ... or newer than this one

    def filters(self) -> dict[str, str]:
        """The filters as typed, without the paging: what every page link carries."""
        return {k: v for k, v in self.model_dump(exclude={"before", "after"}).items() if v}


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def _parse_filter(
    form: AuditFilter, people: dict[int, Any], teachers: dict[int, Any]
) -> tuple[dict[str, Any], FormErrors]:
    """The audit_log filters from the query, or {field: message}; dates are local days."""
    errors: FormErrors = {}
    found: dict[str, Any] = {}
    if form.action:
        if form.action not in reports.AUDIT_ACTIONS:
            errors["action"] = "Choose one from the list."
        found["action"] = form.action
    if form.entity:
        if form.entity not in reports.AUDIT_ENTITIES:
            errors["entity"] = "Choose one from the list."
        found["entity"] = form.entity
    if form.entity_id.strip():
        found["entity_id"] = form.entity_id.strip()
    for name, known in (("user_id", people), ("teacher_id", teachers)):
        if text := getattr(form, name):
            row_id = parse_row_id(text)
            if row_id is None or row_id not in known:
                errors[name] = "Choose one from the list."
            else:
                found[name] = row_id
    since, until = _day(form.since), _day(form.until)
    if form.since and since is None:
        errors["since"] = "Enter a date (YYYY-MM-DD)."
    if form.until and until is None:
        errors["until"] = "Enter a date (YYYY-MM-DD)."
    if since and until and until < since:
        errors["until"] = "Must be on or after the first day."
    if since:
        found["since"] = datetime.combine(since, time.min).astimezone()
    if until:  # the whole day: up to the next midnight
        found["until"] = datetime.combine(until + timedelta(days=1), time.min).astimezone()
    for name in ("before", "after"):
        if text := getattr(form, name):
            if (event_id := parse_row_id(text)) is None:
                errors[name] = "Not a page of the log: follow the Older or Newer link."
            else:
                found[name] = event_id
    if form.before and form.after:
        errors["after"] = "Page by before or by after, not both."
    return found, errors


def _page_href(form: AuditFilter, **paging: int) -> str:
    query = urlencode({**form.filters(), **paging})
    return "/admin/audit" + (f"?{query}" if query else "")


@router.get("/admin/audit")
def audit_page(
    request: Request,
    session: SessionDep,
    scope: DistrictAdminScopeDep,
) -> Response:
    form = AuditFilter.model_validate(dict(request.query_params))
    people = {
        u.id: u
        for u in accounts_service.list_users(session=session, district_id=scope.district_id)
        if u.id is not None
    }
    teachers = {
        t.id: t
        for t in roster_service.list_teachers(session=session, district_id=scope.district_id)
        if t.id is not None
    }
    filters, errors = _parse_filter(form, people, teachers)
    page = (
        reports.AuditPage(rows=[], total=0, older=None, newer=None)
        if errors
        else reports.audit_log(
            session=session, viewer=scope.viewer, district_id=scope.district_id, **filters
        )
    )
    context = {
        "values": form.model_dump(),
        "errors": errors,
        "page": page,
        "older_href": _page_href(form, before=page.older) if page.older else None,
        "newer_href": _page_href(form, after=page.newer) if page.newer else None,
        "paged": bool(form.before or form.after),
        "newest_href": _page_href(form),
        "people": sorted(people.values(), key=lambda u: u.name.lower()),
        "teachers": sorted(teachers.values(), key=lambda t: t.name.lower()),
        "actions": ACTION_LABELS,
        "entities": ENTITY_LABELS,
        "ways": WAYS,
        "kinds": SYNC_KINDS,
        "filtered": bool(form.filters()),
    }
    return render_admin(
        request, "coaching/audit.html", scope, "audit", context,
        status_code=400 if errors else 200,
    )  # fmt: skip
