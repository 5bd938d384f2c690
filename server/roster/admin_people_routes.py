"""Admin pages for people: who has a login, their roles at which school, roster teachers.

A district admin manages everyone in the district; a principal only people holding a role
at their school, may give or take away only the teacher role there (accounts.policy), and may
edit the account (name, active) only of people whose every role is one they manage; only a
district admin changes someone else's email. Nobody chooses another person's password: a new
account gets a one-time link by mail (accounts.invitations).
"""

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlmodel import Session

from server.accounts import invitations
from server.accounts import service as accounts_service
from server.accounts.models import (
    InviteCreate,
    Membership,
    MembershipCreate,
    Role,
    User,
    UserCreate,
    UserUpdate,
)
from server.accounts.service import AccountError, AdminScope
from server.audit.service import Actor
from server.db import RowId
from server.deps import AdminScopeDep, Forbidden, SessionDep, SettingsDep
from server.forms import FormErrors, field_error, parse_row_id, validate
from server.roster import service as roster_service
from server.roster.admin_common import (
    check_school_choice,
    render_admin,
    saved,
    school_in_scope,
    school_options,
    scoped_schools,
)

router = APIRouter()
# AccountError names the school "school"; the form field is school_id.
RENAME = {"school": "school_id"}


class NewPersonForm(BaseModel):
    name: str = ""
    email: str = ""
    role: str = ""
    school_id: str = ""


class AccountForm(BaseModel):
    name: str = ""
    email: str = ""
    is_active: bool = False


class RoleForm(BaseModel):
    role: str = ""
    school_id: str = ""


def _actor(scope: AdminScope) -> Actor:
    return Actor(user_id=scope.viewer.id, via="admin pages")


def _role_options(scope: AdminScope) -> list[tuple[str, str]]:
    return [(role.value, role.label) for role in scope.grantable_roles]


def _check_role_choice(scope: AdminScope, role: Role) -> None:
    if role not in scope.grantable_roles:
        raise Forbidden(f"You cannot give the role {role.label}.")


@router.get("/admin/people")
def people_page(
    request: Request, session: SessionDep, scope: AdminScopeDep, school_id: str = ""
) -> Response:
    school_filter = scope.school_filter
    if school_id.strip():
        chosen = parse_row_id(school_id)
        if chosen is None:
            raise HTTPException(404, "No such school.")
        school = school_in_scope(session=session, scope=scope, school_id=chosen)
        assert school.id is not None
        school_filter = {school.id}
    people = accounts_service.list_people(
        session=session, district_id=scope.district_id, school_ids=school_filter
    )
    roster_only = roster_service.list_teachers(
        session=session, district_id=scope.district_id, school_ids=school_filter, has_login=False
    )
    schools = scoped_schools(session=session, scope=scope)
    years = roster_service.list_school_years(session=session, district_id=scope.district_id)
    context = {
        "people": people,
        "roster_only": roster_only,
        "school_names": {s.id: s.name for s in schools},
        "year_names": {y.id: y.name for y in years},
        "schools": school_options(schools),
        "school_id": school_id.strip(),
    }
    return render_admin(request, "admin/people.html", scope, "people", context)


# --- New person with a login --------------------------------------------------------------


def _new_person_form(
    request: Request,
    session: Session,
    scope: AdminScope,
    values: dict[str, Any],
    errors: FormErrors | None = None,
) -> Response:
    context = {
        "values": values,
        "errors": errors or {},
        "roles": _role_options(scope),
        "schools": school_options(scoped_schools(session=session, scope=scope)),
        "invitation_days": request.app.state.settings.invitation_days,
    }
    status = 400 if errors else 200
    return render_admin(
        request, "admin/person_new.html", scope, "people", context, status_code=status
    )


@router.get("/admin/people/new")
def new_person(request: Request, session: SessionDep, scope: AdminScopeDep) -> Response:
    schools = scoped_schools(session=session, scope=scope)
    school_id = schools[0].id if len(schools) == 1 and not scope.is_district_admin else ""
    values = {"name": "", "email": "", "role": "", "school_id": school_id}
    return _new_person_form(request, session, scope, values)


@router.post("/admin/people/new")
def create_person(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    scope: AdminScopeDep,
    form: Annotated[NewPersonForm, Form()],
) -> Response:
    values = form.model_dump()
    account, errors = validate(InviteCreate, values)
    role, role_errors = validate(MembershipCreate, values)
    errors.update(role_errors)
    if role is not None:
        _check_role_choice(scope, role.role)
        if not role.role.district_wide:
            check_school_choice(session=session, scope=scope, school_id=role.school_id)
    if account is not None and role is not None:
        actor = _actor(scope)
        try:
            user = accounts_service.create_user(
                session=session, settings=settings,
                data=UserCreate(name=account.name, email=account.email), actor=actor,
            )  # fmt: skip
            accounts_service.add_membership(
                session=session, user=user, role=role.role, district_id=scope.district_id,
                school_id=role.school_id, actor=actor,
            )  # fmt: skip
            invitations.invite(session=session, settings=settings, user=user, actor=actor)
        except AccountError as exc:
            session.rollback()
            errors = field_error(exc, RENAME)
        else:
            session.commit()
            return saved(f"/admin/people/{user.id}/edit", "person-invited")
    return _new_person_form(request, session, scope, values, errors)


# --- One person: account, roles ------------------------------------------------------------


def _person_in_scope(
    *, session: Session, scope: AdminScope, user_id: RowId
) -> tuple[User, list[Membership]]:
    user = accounts_service.get_user(session=session, user_id=user_id)
    if user is None:
        raise HTTPException(404, "No such person.")
    memberships = accounts_service.list_memberships(session=session, user_id=user_id)
    if not scope.can_see_person(memberships):
        raise Forbidden("You can only manage people at your own school.")
    return user, memberships


def _person_page(
    request: Request,
    session: Session,
    scope: AdminScope,
    user: User,
    memberships: list[Membership],
    *,
    values: dict[str, Any] | None = None,
    errors: FormErrors | None = None,
    role_values: dict[str, Any] | None = None,
    role_errors: FormErrors | None = None,
) -> Response:
    assert user.id is not None
    schools = roster_service.list_schools(session=session, district_id=scope.district_id)
    shown = [m for m in memberships if scope.can_see_person([m])]
    teacher = roster_service.teacher_for_user(session=session, user_id=user.id)
    teacher_school = (
        roster_service.get_school(session=session, school_id=teacher.school_id) if teacher else None
    )
    context = {
        "person": user,
        "memberships": shown,
        "hidden_roles": len(memberships) - len(shown),
        "manageable": {m.id for m in shown if scope.can_manage_membership(m)},
        "school_names": {s.id: s.name for s in schools},
        "can_edit_account": scope.can_edit_account(user, memberships),
        "can_change_email": scope.can_change_email(user),
        "invitation": invitations.pending_link(session=session, user=user),
        "teacher": teacher if teacher_school and scope.covers_school(teacher_school) else None,
        "values": values or {"name": user.name, "email": user.email, "is_active": user.is_active},
        "errors": errors or {},
        "role_values": role_values or {"role": "", "school_id": ""},
        "role_errors": role_errors or {},
        "roles": _role_options(scope),
        "schools": school_options(scoped_schools(session=session, scope=scope)),
    }
    status = 400 if errors or role_errors else 200
    return render_admin(
        request, "admin/person_edit.html", scope, "people", context, status_code=status
    )


@router.get("/admin/people/{user_id}/edit")
def edit_person(
    request: Request, user_id: RowId, session: SessionDep, scope: AdminScopeDep
) -> Response:
    user, memberships = _person_in_scope(session=session, scope=scope, user_id=user_id)
    return _person_page(request, session, scope, user, memberships)


@router.post("/admin/people/{user_id}/edit")
def update_person(
    request: Request,
    user_id: RowId,
    session: SessionDep,
    scope: AdminScopeDep,
    form: Annotated[AccountForm, Form()],
) -> Response:
    user, memberships = _person_in_scope(session=session, scope=scope, user_id=user_id)
    if not scope.can_edit_account(user, memberships):
        raise Forbidden("Only a district administrator can change this person's account.")
    values = form.model_dump()
    data, errors = validate(UserUpdate, values)
    if data is not None:
        try:
            accounts_service.update_user(
                session=session, user=user, data=data, actor=_actor(scope),
                may_change_email=scope.can_change_email(user),
            )  # fmt: skip
        except AccountError as exc:
            session.rollback()
            errors = field_error(exc)
    if errors:
        return _person_page(
            request, session, scope, user, memberships, values=values, errors=errors
        )
    session.commit()
    return saved(f"/admin/people/{user_id}/edit", "person-saved")


@router.post("/admin/people/{user_id}/roles")
def add_role(
    request: Request,
    user_id: RowId,
    session: SessionDep,
    scope: AdminScopeDep,
    form: Annotated[RoleForm, Form()],
) -> Response:
    user, memberships = _person_in_scope(session=session, scope=scope, user_id=user_id)
    values = form.model_dump()
    data, errors = validate(MembershipCreate, values)
    if data is not None:
        _check_role_choice(scope, data.role)
        if not data.role.district_wide:
            check_school_choice(session=session, scope=scope, school_id=data.school_id)
        try:
            accounts_service.add_membership(
                session=session, user=user, role=data.role, district_id=scope.district_id,
                school_id=data.school_id, actor=_actor(scope),
            )  # fmt: skip
        except AccountError as exc:
            session.rollback()
            errors = field_error(exc, RENAME)
    if errors:
        return _person_page(
            request, session, scope, user, memberships, role_values=values, role_errors=errors
        )
    session.commit()
    return saved(f"/admin/people/{user_id}/edit", "role-added")


@router.post("/admin/people/{user_id}/roles/{membership_id}/delete")
def remove_role(
    request: Request,
    user_id: RowId,
    membership_id: RowId,
    session: SessionDep,
    scope: AdminScopeDep,
) -> Response:
    user, memberships = _person_in_scope(session=session, scope=scope, user_id=user_id)
    membership = next((m for m in memberships if m.id == membership_id), None)
    if membership is None:
        raise HTTPException(404, "This person does not hold that role.")
    if not scope.can_manage_membership(membership):
        raise Forbidden("You cannot remove this role.")
    try:
        accounts_service.remove_membership(
            session=session, membership=membership, actor=_actor(scope)
        )
    except AccountError as exc:
        session.rollback()
        errors = field_error(exc, {exc.field: "form"})
        return _person_page(request, session, scope, user, memberships, role_errors=errors)
    session.commit()
    return saved(f"/admin/people/{user_id}/edit", "role-removed")


@router.post("/admin/people/{user_id}/invite")
def resend_invitation(
    request: Request,
    user_id: RowId,
    session: SessionDep,
    settings: SettingsDep,
    scope: AdminScopeDep,
) -> Response:
    """A new one-time link, mailed to the account's own address (the old one stops working)."""
    user, memberships = _person_in_scope(session=session, scope=scope, user_id=user_id)
    if not scope.can_edit_account(user, memberships):
        raise Forbidden("Only a district administrator can invite this person.")
    try:
        invitations.invite(session=session, settings=settings, user=user, actor=_actor(scope))
    except AccountError as exc:
        session.rollback()
        errors = field_error(exc)
        return _person_page(request, session, scope, user, memberships, errors=errors)
    session.commit()
    return saved(f"/admin/people/{user_id}/edit", "person-invited")
