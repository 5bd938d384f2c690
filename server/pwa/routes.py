"""/sw.js (root scope), /manifest.webmanifest, /offline and the shell of the coach's app."""

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import Response

from server.db import RowId
from server.deps import CoachDep, ObserverDep
from server.pwa import service
from server.templating import render

router = APIRouter()

# The browser checks the worker for updates itself; no HTTP cache may hide a new version.
NO_CACHE = {"Cache-Control": "no-cache"}


@router.get("/sw.js", include_in_schema=False)
def service_worker(request: Request) -> Response:
    source = service.service_worker_source(version=request.app.state.asset_version)
    return Response(
        source,
        media_type="text/javascript",
        headers={**NO_CACHE, "Service-Worker-Allowed": "/"},
    )


@router.get("/manifest.webmanifest", include_in_schema=False)
def manifest() -> Response:
    return Response(
        service.MANIFEST.read_bytes(), media_type="application/manifest+json", headers=NO_CACHE
    )


@router.get("/offline")
def offline_page(request: Request) -> Response:
    """What the service worker shows for a page this tablet has not saved (no personal data:
    it is cached before anyone signs in)."""
    return render(request, "offline.html", {"viewer": None, "offline_page": True})


# The coach's screens: one shell for all (web/templates/coach.html), drawn by coach.js from
# the tablet's store online and offline alike. sw.js keeps one copy for every address here.
COACH_SCREENS = (
    "/week",
    "/caseload",
    "/review",
    "/observe",
    "/observe/{observation_id}",
    "/teachers/{teacher_id}",
    "/teachers/{teacher_id}/observations/new",
)


def _shell(request: Request) -> Response:
    return render(request, "coach.html")


@router.get("/week")
def week(request: Request, _viewer: CoachDep) -> Response:
    """The coach's week, cycles and check-ins (?cycle=, ?check_in=, ?new_cycle=)."""
    return _shell(request)


@router.get("/caseload")
def caseload(request: Request, _viewer: CoachDep) -> Response:
    return _shell(request)


@router.get("/review")
def needs_you(request: Request, _viewer: ObserverDep) -> Response:
    """Conflicts and refused changes."""
    return _shell(request)


@router.get("/observe")
def observations(request: Request, _viewer: ObserverDep) -> Response:
    return _shell(request)


@router.get("/observe/{observation_id}")
def observation(request: Request, observation_id: uuid.UUID, _viewer: ObserverDep) -> Response:
    """Scoring, finalizing, sharing and reviewing one observation."""
    return _shell(request)


@router.get("/teachers/{teacher_id}")
def teacher(request: Request, teacher_id: RowId, _viewer: CoachDep) -> Response:
    return _shell(request)


@router.get("/teachers/{teacher_id}/observations/new")
def new_observation(request: Request, teacher_id: RowId, _viewer: CoachDep) -> Response:
    return _shell(request)
