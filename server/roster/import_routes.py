"""Roster upload page: a district admin imports OneRoster CSVs, a zip, or a Cadence CSV."""

from collections.abc import Sequence
from pathlib import PureWindowsPath
from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import Response
from sqlmodel import Session
from starlette.datastructures import UploadFile as StarletteUpload

from server.accounts.service import AdminScope
from server.audit.service import Actor
from server.deps import DistrictAdminScopeDep, SessionDep
from server.roster.admin_common import render_admin
from server.roster.import_plan import FILE, ImportRejected, Problem, SourceFile
from server.roster.import_service import apply_import
from server.roster.importer import MAX_TOTAL_BYTES, build_plan
from server.roster.models import District

router = APIRouter()
PAGE = "admin/import.html"
SECTION = "import"


def _district(session: Session, scope: AdminScope) -> District:
    district = session.get(District, scope.district_id)
    assert district is not None  # memberships reference districts by foreign key
    return district


def _read(uploads: Sequence[StarletteUpload]) -> list[SourceFile]:
    sources, total = [], 0
    for upload in uploads:
        # Old browsers send the whole client path; only the file name means anything here.
        name = PureWindowsPath(upload.filename or "upload").name
        data = upload.file.read(MAX_TOTAL_BYTES + 1 - total)
        total += len(data)
        if total > MAX_TOTAL_BYTES:
            limit = f"the upload is over the {MAX_TOTAL_BYTES // 1_000_000} MB limit"
            raise ImportRejected([Problem(name, 1, FILE, limit)])
        sources.append(SourceFile(name, data))
    return sources


@router.get("/admin/roster/import")
def import_page(request: Request, session: SessionDep, scope: DistrictAdminScopeDep) -> Response:
    return render_admin(request, PAGE, scope, SECTION, {"district": _district(session, scope)})


@router.post("/admin/roster/import")
def import_upload(
    request: Request,
    session: SessionDep,
    scope: DistrictAdminScopeDep,
    files: Annotated[list[UploadFile | str] | None, File()] = None,
) -> Response:
    district = _district(session, scope)
    # A form sent with no file chosen still has an empty part (a string, for some clients).
    uploads = [f for f in files or [] if isinstance(f, StarletteUpload) and f.filename]
    try:
        if not uploads:
            raise ImportRejected([Problem("(no file)", 0, "files", "choose a file to import")])
        plan = build_plan(files=_read(uploads))
        actor = Actor(user_id=scope.viewer.id, via="roster import")
        result = apply_import(session=session, plan=plan, district=district, actor=actor)
    except ImportRejected as exc:
        context = {"district": district, "problems": exc.problems}
        return render_admin(request, PAGE, scope, SECTION, context, status_code=400)
    return render_admin(request, PAGE, scope, SECTION, {"district": district, "result": result})
