"""Rubric reading pages, for everyone signed in: the list, and one rubric version in full."""

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from server.deps import SessionDep, ViewerDep
from server.rubrics import service as rubrics_service
from server.templating import render

router = APIRouter()


def _first_sentence(text: str) -> str:
    head, dot, _rest = text.partition(". ")
    return head + dot.strip()


@router.get("/rubrics")
def rubric_list(request: Request, session: SessionDep, _viewer: ViewerDep) -> Response:
    rubrics = [
        rubrics_service.rubric_of(row) for row in rubrics_service.list_current(session=session)
    ]
    entries = [(rubric, _first_sentence(rubric.description)) for rubric in rubrics]
    return render(request, "rubrics/list.html", {"entries": entries})


@router.get("/rubrics/{rubric_id}/{version}")
def rubric_page(
    request: Request, rubric_id: str, version: str, session: SessionDep, _viewer: ViewerDep
) -> Response:
    row = rubrics_service.find_version(session=session, rubric_id=rubric_id, version=version)
    if row is None:
        raise HTTPException(404, "No such rubric version.")
    versions = rubrics_service.list_versions(session=session, rubric_id=rubric_id)
    return render(
        request,
        "rubrics/rubric.html",
        {"row": row, "rubric": rubrics_service.rubric_of(row), "versions": versions},
    )
