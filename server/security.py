"""CSRF tokens, session cookies and security headers."""

import secrets

from fastapi import HTTPException, Request, Response
from itsdangerous import BadSignature, URLSafeSerializer
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from server.config import Settings

SESSION_COOKIE = "cadence_session"
CSRF_COOKIE = "cadence_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# The JSON API (/api/) does not use the form token: a cookie request must come from this
# origin (Sec-Fetch-Site, else Origin) and carry this custom header; a bearer token needs neither.
API_PREFIX = "/api/"
API_HEADER = "x-cadence-sync"

HSTS = "max-age=31536000"
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)


def _serializer(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(settings.secret_key, salt="csrf")


def cookie_is_secure(request: Request, settings: Settings) -> bool:
    if settings.cookie_secure == "auto":
        return request.url.scheme == "https"
    return settings.cookie_secure == "always"


def set_cookie(
    response: Response,
    request: Request,
    settings: Settings,
    name: str,
    value: str,
    max_age: int | None = None,
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=cookie_is_secure(request, settings),
        path="/",
    )


def csrf_token(request: Request) -> str:
    """The token for this browser's forms: its CSRF cookie, signed with the secret key."""
    settings: Settings = request.app.state.settings
    return str(_serializer(settings).dumps(request.state.csrf_seed))


def csrf_token_is_valid(request: Request, token: str | None) -> bool:
    if not token:
        return False
    seed = request.cookies.get(CSRF_COOKIE)
    if not seed:
        return False
    try:
        return bool(_serializer(request.app.state.settings).loads(token) == seed)
    except BadSignature:
        return False


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def api_request_problem(request: Request) -> str | None:
    """Why a cookie-authenticated /api/ request may be cross-site (None when it is not)."""
    if request.headers.get(API_HEADER) != "1":
        return "X-Cadence-Sync: the header 'X-Cadence-Sync: 1' is required"
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        if site in ("same-origin", "none"):
            return None
        return f"Sec-Fetch-Site: a {site} request is not accepted"
    # Scheme and host both: http://host is another origin than https://host.
    origin = request.headers.get("origin")
    host = request.headers.get("host", "")
    if origin is None or origin.lower() != f"{request.url.scheme}://{host}".lower():
        return "Origin: the request must come from this site"
    return None


async def verify_csrf(request: Request) -> None:
    """App-wide dependency: every state-changing request carries a valid token; /api/
    requests pass the API's own check instead (a bearer token, or same origin plus header)."""
    if request.method not in UNSAFE_METHODS:
        return
    if request.url.path.startswith(API_PREFIX):
        # Without a session cookie there is nothing to forge: the route answers 401.
        cookie_auth = not bearer_token(request) and SESSION_COOKIE in request.cookies
        problem = api_request_problem(request) if cookie_auth else None
        if problem:
            raise HTTPException(status_code=403, detail=problem)
        return
    token = request.headers.get(CSRF_HEADER)
    if token is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            token = value if isinstance(value, str) else None
    if not csrf_token_is_valid(request, token):
        raise HTTPException(
            status_code=403,
            detail="csrf_token: the form has expired or did not come from Cadence. "
            "Reload the page and try again; what you typed is still in the form.",
        )


class SecurityMiddleware(BaseHTTPMiddleware):
    """Gives each browser a CSRF cookie and every response the security headers."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        seed = request.cookies.get(CSRF_COOKIE)
        new_seed = None
        if not seed:
            seed = new_seed = secrets.token_urlsafe(24)
        request.state.csrf_seed = seed
        response = await call_next(request)
        if new_seed:
            set_cookie(response, request, request.app.state.settings, CSRF_COOKIE, new_seed)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if cookie_is_secure(request, request.app.state.settings):
            # Served over HTTPS: browsers keep to HTTPS for a year (no plain-HTTP downgrade
            # of a coach's tablet on a school network).
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response


# Compressed: the static files and the API's JSON (a first load and a first pull on a slow
# school network). Not the HTML pages: they carry the CSRF token beside text from the request,
# which is what BREACH needs to read a secret out of compressed sizes.
COMPRESSED_PREFIXES = ("/static/", API_PREFIX, "/sw.js", "/manifest.webmanifest")


class CompressAssets:
    """gzip for the static files and the API; every other response goes out as it is."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=1000)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(COMPRESSED_PREFIXES):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)
