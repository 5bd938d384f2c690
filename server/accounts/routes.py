"""Sign in, sign out, the landing redirect for each role, the account page (change my
password), and the one-time link that sets a new account's first password."""

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from sqlmodel import Session

from server.accounts import invitations
from server.accounts import service as accounts_service
from server.accounts.models import Role, User
from server.accounts.service import AccountError, LoginThrottled, Viewer
from server.accounts.signin import DEVICE_COOKIE, DEVICE_COOKIE_DAYS, device_cookie, known_device
from server.config import Settings
from server.deps import OptionalViewerDep, SessionDep, SettingsDep, ViewerDep
from server.forms import FormErrors, field_error
from server.security import SESSION_COOKIE, set_cookie
from server.templating import render

router = APIRouter()

HOME_BY_ROLE = {
    Role.coach: "/week",
    Role.teacher: "/my-coaching",
    Role.principal: "/school",
    Role.district_admin: "/admin",
    Role.specialist: "/calibration",
}
FAILED_LOGIN = "That email and password do not match an account. Check both and try again."


def home_path(viewer: Viewer) -> str:
    return HOME_BY_ROLE[viewer.roles[0]] if viewer.roles else "/no-role"


def _safe_next(target: str | None) -> str | None:
    # Only same-site paths: never bounce a fresh session to another host.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return None


@router.get("/healthz", include_in_schema=False)
def healthz() -> PlainTextResponse:
    """For load balancers and uptime checks: the process answers (no database touched)."""
    return PlainTextResponse("ok")


@router.get("/", include_in_schema=False)
def landing(viewer: OptionalViewerDep) -> Response:
    return RedirectResponse(home_path(viewer) if viewer else "/login", status_code=303)


@router.get("/login")
def login_form(request: Request, viewer: OptionalViewerDep, next: str | None = None) -> Response:
    if viewer is not None:
        return RedirectResponse(home_path(viewer), status_code=303)
    return render(request, "login.html", {"next": _safe_next(next), "email": ""})


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str | None, Form()] = None,
) -> Response:
    errors: dict[str, str] = {}
    if not email.strip():
        errors["email"] = "Enter your email address."
    if not password:
        errors["password"] = "Enter your password."
    user = None
    if not errors:
        try:
            user = accounts_service.authenticate(
                session=session,
                settings=settings,
                email=email,
                password=password,
                ip=request.client.host if request.client else None,
                device_cookie_value=request.cookies.get(DEVICE_COOKIE),
            )
        except LoginThrottled as exc:
            errors["form"] = str(exc)
        else:
            if user is None:
                errors["form"] = FAILED_LOGIN
    if user is None:
        context = {"next": _safe_next(next), "email": email, "errors": errors}
        status = 429 if "Too many" in errors.get("form", "") else 400
        return render(request, "login.html", context, status_code=status)
    viewer = accounts_service.load_viewer(session=session, user=user)
    return _signed_in(request, session, settings, user, _safe_next(next) or home_path(viewer))


def _signed_in(
    request: Request, session: Session, settings: Settings, user: User, target: str
) -> Response:
    """A fresh session (the browser's old one ended) and this browser known to the account."""
    token = accounts_service.start_session(
        session=session, settings=settings, user=user,
        replaces=request.cookies.get(SESSION_COOKIE),
    )  # fmt: skip
    response = RedirectResponse(target, status_code=303)
    set_cookie(
        response, request, settings, SESSION_COOKIE, token, max_age=settings.session_days * 86400
    )
    device = known_device(settings=settings, cookie=request.cookies.get(DEVICE_COOKIE), user=user)
    if device is None:
        value = device_cookie(settings=settings, user=user)
        set_cookie(
            response, request, settings, DEVICE_COOKIE, value, max_age=DEVICE_COOKIE_DAYS * 86400
        )
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        accounts_service.end_session(session=session, token=token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/no-role")
def no_role(request: Request, viewer: OptionalViewerDep) -> Response:
    if viewer is None:
        return RedirectResponse("/login", status_code=303)
    if viewer.roles:
        return RedirectResponse(home_path(viewer), status_code=303)
    return render(request, "no_role.html")


# --- My account: change my password -------------------------------------------------------------


def _account_page(
    request: Request,
    viewer: Viewer,
    errors: FormErrors | None = None,
    *,
    changed: bool = False,
) -> Response:
    context = {"person": viewer.user, "errors": errors or {}, "changed": changed}
    return render(request, "account.html", context, status_code=400 if errors else 200)


@router.get("/account")
def account_page(request: Request, viewer: ViewerDep, changed: str = "") -> Response:
    return _account_page(request, viewer, changed=changed == "password")


@router.post("/account/password")
def change_password(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    current_password: Annotated[str, Form()] = "",
    new_password: Annotated[str, Form()] = "",
    confirm_password: Annotated[str, Form()] = "",
) -> Response:
    errors: FormErrors = {}
    if not current_password:
        errors["current_password"] = "Enter your current password."
    if new_password != confirm_password:
        errors["confirm_password"] = "The two new passwords are not the same."
    if not errors:
        try:
            accounts_service.change_own_password(
                session=session, settings=settings, user=viewer.user,
                current=current_password, new=new_password,
            )  # fmt: skip
        except AccountError as exc:
            session.rollback()
            errors = field_error(exc, {"password": "new_password"})
    if errors:
        return _account_page(request, viewer, errors)
    session.commit()
    # Every session and token ended with the change; this browser gets a new session.
    return _signed_in(request, session, settings, viewer.user, "/account?changed=password")


# --- A one-time link: choose my first password ----------------------------------------------------


def _link_page(
    request: Request, user: User | None, token: str, errors: FormErrors | None = None
) -> Response:
    if user is None:
        raise HTTPException(
            404,
            "This link has expired or has already been used. Ask your district administrator "
            "or principal to send you a new one.",
        )
    context = {"person": user, "token": token, "errors": errors or {}}
    return render(request, "set_password.html", context, status_code=400 if errors else 200)


@router.get(invitations.LINK_PATH + "{token}")
def invitation_page(request: Request, token: str, session: SessionDep) -> Response:
    user = invitations.user_for_link(session=session, token=token)
    return _link_page(request, user, token)


@router.post(invitations.LINK_PATH + "{token}")
def accept_invitation(
    request: Request,
    token: str,
    session: SessionDep,
    settings: SettingsDep,
    new_password: Annotated[str, Form()] = "",
    confirm_password: Annotated[str, Form()] = "",
) -> Response:
    user = invitations.user_for_link(session=session, token=token)
    if user is None:
        return _link_page(request, None, token)
    if new_password != confirm_password:
        return _link_page(
            request, user, token, {"confirm_password": "The two passwords are not the same."}
        )
    try:
        invitations.accept(session=session, settings=settings, token=token, password=new_password)
    except AccountError as exc:
        session.rollback()
        return _link_page(request, user, token, field_error(exc, {"password": "new_password"}))
    session.commit()
    viewer = accounts_service.load_viewer(session=session, user=user)
    return _signed_in(request, session, settings, user, home_path(viewer))
