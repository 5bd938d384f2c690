"""Accounts rules behind the admin pages: who sees and manages whom, and what is refused."""

import pytest
from sqlmodel import Session, select

from server.accounts import service as accounts_service
from server.accounts.models import Membership, Role, UserUpdate
from server.accounts.service import AccountError
from server.audit.models import AuditEvent
from server.audit.service import Actor
from server.config import Settings
from tests.factories import create_district, create_school, create_user

ADMIN = Actor(user_id=None, via="admin pages")


def test_list_people_in_a_school_shows_only_the_roles_held_there(
    session: Session, settings: Settings
) -> None:
    district = create_district(session)
    cedar = create_school(session, district, name="Cedar")
    oak = create_school(session, district, name="Oak")
    both = create_user(session, settings, role=Role.coach, school=cedar, name="Both")
    assert district.id is not None
    accounts_service.add_membership(
        session=session,
        user=both,
        role=Role.coach,
        district_id=district.id,
        school_id=oak.id,
        actor=None,
    )
    create_user(session, settings, role=Role.coach, school=oak, name="Oak Only")
    create_user(session, settings, role=Role.district_admin, district=district, name="Admin")
    create_user(session, settings, name="Nobody Yet")  # no role at all
    elsewhere = create_district(session)
    create_user(
        session, settings, role=Role.coach, school=create_school(session, elsewhere), name="Far"
    )

    at_cedar = accounts_service.list_people(
        session=session,
        district_id=district.id,
        school_ids={cedar.id},  # type: ignore[arg-type]
    )
    assert [p.user.name for p in at_cedar] == ["Both"]
    assert [m.school_id for m in at_cedar[0].memberships] == [cedar.id]

    everyone = accounts_service.list_people(session=session, district_id=district.id)
    assert [p.user.name for p in everyone] == ["Admin", "Both", "Nobody Yet", "Oak Only"]
    assert len(everyone[1].memberships) == 2


def test_update_user_refuses_a_taken_email_and_deactivating_yourself(
    session: Session, settings: Settings
) -> None:
    me = create_user(session, settings, email="me@example.org", name="Me")
    other = create_user(session, settings, email="other@example.org", name="Other")
    with pytest.raises(AccountError) as refused:
        accounts_service.update_user(
            session=session,
            user=other,
            data=UserUpdate(email="ME@example.org", name="Other", is_active=True),
            actor=ADMIN,
            may_change_email=True,
        )
    assert refused.value.field == "email"
    with pytest.raises(AccountError) as refused:
        accounts_service.update_user(
            session=session,
            user=me,
            data=UserUpdate(email="me@example.org", name="Me", is_active=False),
            actor=Actor(user_id=me.id, via="admin pages"),
            may_change_email=True,
        )
    assert refused.value.field == "is_active"
    accounts_service.update_user(
        session=session,
        user=other,
        data=UserUpdate(email=" New@Example.org ", name=" Renamed ", is_active=False),
        actor=Actor(user_id=me.id, via="admin pages"),
        may_change_email=True,
    )
    assert (other.email, other.name, other.is_active) == ("new@example.org", "Renamed", False)
    # A principal (may_change_email False) renames, but cannot redirect someone's mail.
    with pytest.raises(AccountError, match="only a district admin"):
        accounts_service.update_user(
            session=session, user=other,
            data=UserUpdate(email="mine@example.org", name="Renamed", is_active=False),
            actor=Actor(user_id=me.id, via="admin pages"), may_change_email=False,
        )  # fmt: skip
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "account")).one()
    assert event.user_id == me.id and event.entity_id == str(other.id)
    assert event.detail["before"] == {
        "email": "other@example.org",
        "name": "Other",
        "is_active": True,
    }
    assert event.detail["after"] == {
        "email": "new@example.org",
        "name": "Renamed",
        "is_active": False,
    }


def test_nobody_removes_their_own_last_district_admin_role(
    session: Session, settings: Settings
) -> None:
    district = create_district(session)
    me = create_user(session, settings, role=Role.district_admin, district=district)
    colleague = create_user(session, settings, role=Role.district_admin, district=district)
    mine = accounts_service.list_memberships(session=session, user_id=me.id)[0]  # type: ignore[arg-type]
    theirs = accounts_service.list_memberships(session=session, user_id=colleague.id)[0]  # type: ignore[arg-type]
    with pytest.raises(AccountError) as refused:
        accounts_service.remove_membership(
            session=session, membership=mine, actor=Actor(user_id=me.id, via="admin pages")
        )
    assert refused.value.field == "role"
    accounts_service.remove_membership(
        session=session, membership=theirs, actor=Actor(user_id=me.id, via="admin pages")
    )
    assert session.get(Membership, theirs.id) is None
    assert session.get(Membership, mine.id) is not None


def test_a_role_needs_a_school_of_the_same_district(session: Session, settings: Settings) -> None:
    district = create_district(session)
    foreign_school = create_school(session, create_district(session))
    user = create_user(session, settings)
    assert district.id is not None
    with pytest.raises(AccountError) as refused:
        accounts_service.add_membership(
            session=session,
            user=user,
            role=Role.coach,
            district_id=district.id,
            school_id=foreign_school.id,
            actor=ADMIN,
        )
    assert refused.value.field == "school"
    with pytest.raises(AccountError):
        accounts_service.add_membership(
            session=session,
            user=user,
            role=Role.coach,
            district_id=district.id,
            school_id=None,
            actor=ADMIN,
        )


def test_a_principals_scope_is_their_school_and_the_teacher_role(
    session: Session, settings: Settings
) -> None:
    district = create_district(session)
    cedar = create_school(session, district, name="Cedar")
    oak = create_school(session, district, name="Oak")
    principal = create_user(session, settings, role=Role.principal, school=cedar)
    admin = create_user(session, settings, role=Role.district_admin, district=district)
    scope = accounts_service.load_viewer(session=session, user=principal).admin_scope()
    assert scope is not None
    assert not scope.is_district_admin
    assert scope.covers_school(cedar) and not scope.covers_school(oak)
    assert scope.grantable_roles == [Role.teacher]

    def membership(role: Role, school_id: int | None) -> Membership:
        return Membership(user_id=1, role=role, district_id=district.id, school_id=school_id)

    assert scope.can_manage_membership(membership(Role.teacher, cedar.id))
    assert not scope.can_manage_membership(membership(Role.teacher, oak.id))
    assert not scope.can_manage_membership(membership(Role.coach, cedar.id))
    assert not scope.can_manage_membership(membership(Role.principal, cedar.id))
    assert not scope.can_manage_membership(membership(Role.district_admin, None))
    # An account whose roles reach beyond the principal's is a district admin's to edit.
    teacher_roles = [membership(Role.teacher, cedar.id)]
    assert scope.can_edit_account(admin, teacher_roles)
    assert not scope.can_edit_account(admin, [*teacher_roles, membership(Role.coach, cedar.id)])
    assert not scope.can_change_email(admin) and scope.can_change_email(principal)
    assert scope.can_edit_account(principal, [membership(Role.principal, cedar.id)])

    admin_scope = accounts_service.load_viewer(session=session, user=admin).admin_scope()
    assert admin_scope is not None and admin_scope.is_district_admin
    assert admin_scope.covers_school(oak)
    assert admin_scope.grantable_roles == list(Role)
    coach = create_user(session, settings, role=Role.coach, school=oak)
    assert accounts_service.load_viewer(session=session, user=coach).admin_scope() is None
