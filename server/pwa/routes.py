"""/sw.js (root scope), /manifest.webmanifest, /offline and the offline capture shell."""

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response

from server.coaching import service as coaching_service
from server.deps import CoachDep, SessionDep
from server.pwa import service
from server.templating import render

router = APIRouter()

# The browser checks the worker for updates itself; no HTTP cache may hide a new version.
NO_CACHE = {"Cache-Control": "no-cache"}
# The header the service worker sends with the pages it fetches ahead for offline use.
WARM_HEADER = "X-Cadence-Warm"


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


@router.get("/capture")
def capture_shell(request: Request, _viewer: CoachDep) -> Response:
    """The observation screen that works offline: an empty shell that capture.js fills from
    this tablet's local store (IndexedDB)."""
    return render(request, "capture.html")


@router.get("/week")
def week_shell(request: Request, session: SessionDep, viewer: CoachDep) -> Response:
    """The coach's week and coaching cycles: the server's view of the week, which coaching.js
    replaces with the tablet's local copy (so the page works offline)."""
    today = date.today()
    if request.headers.get(WARM_HEADER) == "1":
        # The service worker keeping an offline copy: coaching.js draws that copy from the
        # tablet's store, so the cards (and their audited reads) would be for no one.
        return render(request, "week.html", {"rows": None, "today": today})
    rows = coaching_service.coach_week(session=session, viewer=viewer, today=today)
    summary = coaching_service.week_summary(rows=rows, today=today)
    return render(request, "week.html", {"rows": rows, "today": today, "summary": summary})
