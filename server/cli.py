"""The `cadence` command line: serve, migrate, demo data, users, roster import, rubrics, growth,
rater agreement."""

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlmodel import Session, select

from server import migrate
from server.accounts import invitations
from server.accounts import service as accounts_service
from server.accounts.models import Role, UserCreate
from server.audit.service import COMMAND_LINE, Actor
from server.config import get_settings
from server.db import make_engine
from server.demo import load_demo_district
from server.growth.cli import growth_app
from server.observations.cli import agreement
from server.roster import demo
from server.roster import service as roster_service
from server.roster.import_plan import ImportRejected
from server.roster.import_service import KINDS, ImportResult, apply_import
from server.roster.importer import build_plan, read_path
from server.roster.models import School
from server.rubrics.cli import rubrics_app
from server.sync import service as sync_service

app = typer.Typer(help="Cadence: classroom observation and coaching.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
users_app = typer.Typer(help="People and their logins.", no_args_is_help=True)
roster_app = typer.Typer(help="Roster files.", no_args_is_help=True)
tokens_app = typer.Typer(help="Bearer tokens for the sync API.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(roster_app, name="roster")
app.add_typer(rubrics_app, name="rubrics")
app.add_typer(tokens_app, name="tokens")
app.add_typer(growth_app, name="growth")
app.command("agreement")(agreement)
console = Console()
err_console = Console(stderr=True)


def _session() -> Session:
    return Session(make_engine(get_settings().database_url), expire_on_commit=False)


def _fail(message: str) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code=1)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Migrate the database to REVISION (default: the newest)."""
    migrate.upgrade(get_settings().database_url, revision)


@db_app.command("downgrade")
def db_downgrade(revision: str) -> None:
    """Migrate the database down to REVISION ('base' removes every table)."""
    migrate.downgrade(get_settings().database_url, revision)


@app.command("demo")
def demo_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print the logins as JSON.")] = False,
    every_login: Annotated[
        bool,
        typer.Option(
            "--all", help="Every login of the demo (all admins, principals, coaches, teachers)."
        ),
    ] = False,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Load only into a database with no district yet.")
    ] = False,
) -> None:
    """Load the demo district when it is absent, and print its logins."""
    settings = get_settings()
    migrate.upgrade(settings.database_url)
    with _session() as session:
        has_other_district = not demo.demo_exists(session=session) and (
            roster_service.first_district(session=session) is not None
        )
        if if_empty and has_other_district:
            console.print("The database holds a district already: no demo loaded.")
            return
        loaded = load_demo_district(session=session, settings=settings)
        logins = (demo.all_demo_logins if every_login else demo.demo_logins)(session=session)
    if as_json:
        typer.echo(json.dumps(demo.logins_as_dicts(logins), indent=2))
        return
    console.print("Demo district loaded." if loaded else "Demo district already present.")
    table = Table(title=f"Demo logins (password for all: {demo.DEMO_PASSWORD})")
    for column in ("role", "email", "school"):
        table.add_column(column)
    for login in logins:
        table.add_row(login.role, login.email, login.school or "(district)")
    console.print(table)


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(help="Worker processes (use PostgreSQL for more than 1).")
    ] = 1,
    proxy_headers: Annotated[bool, typer.Option(help="Trust X-Forwarded-* from the proxy.")] = True,
) -> None:
    """Migrate the database, then serve the app."""
    import uvicorn

    migrate.upgrade(get_settings().database_url)
    uvicorn.run(
        "server.app:app",
        host=host,
        port=port,
        workers=workers,
        proxy_headers=proxy_headers,
        forwarded_allow_ips="127.0.0.1",
    )


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option(help="Login email.")],
    name: Annotated[str, typer.Option(help="Full name.")],
    role: Annotated[Role, typer.Option(help="Role to give.")],
    school: Annotated[
        str | None, typer.Option(help="School name (all roles but district_admin).")
    ] = None,
    password: Annotated[str | None, typer.Option(help="Omit to be asked (hidden).")] = None,
) -> None:
    """Create a person with a login and a role (or add the role to an existing person)."""
    settings = get_settings()
    with _session() as session:
        school_row = None
        if not role.district_wide:
            if not school:
                raise _fail(f"--school is required for the role {role.value}")
            school_row = session.exec(select(School).where(School.name == school)).first()
            if school_row is None:
                raise _fail(f"--school: no school named {school!r}")
        district_id = school_row.district_id if school_row else _only_district(session)
        user = accounts_service.get_user_by_email(session=session, email=email)
        try:
            if user is None:
                if password is None:
                    password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
                user = accounts_service.create_user(
                    session=session,
                    settings=settings,
                    data=UserCreate(email=email, name=name, password=password),
                    actor=COMMAND_LINE,
                )
            accounts_service.add_membership(
                session=session,
                user=user,
                role=role,
                district_id=district_id,
                school_id=school_row.id if school_row else None,
                actor=COMMAND_LINE,
            )
        except (accounts_service.AccountError, ValueError) as exc:
            raise _fail(str(exc)) from exc
        session.commit()
    console.print(f"{email}: {role.value}" + (f" at {school}" if school_row else ""))


def _only_district(session: Session) -> int:
    district = roster_service.first_district(session=session)
    if district is None or district.id is None:
        raise _fail("no district yet: import a roster or run `cadence demo` first")
    return district.id


@users_app.command("set-password")
def users_set_password(
    email: Annotated[str, typer.Option(help="Login email.")],
    password: Annotated[str | None, typer.Option(help="Omit to be asked (hidden).")] = None,
) -> None:
    """Set a person's password (ends their open sessions)."""
    settings = get_settings()
    with _session() as session:
        user = accounts_service.get_user_by_email(session=session, email=email)
        if user is None:
            raise _fail(f"--email: no account for {email}")
        if password is None:
            password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
        try:
            accounts_service.set_password(
                session=session, settings=settings, user=user, password=password,
                actor=COMMAND_LINE,
            )  # fmt: skip
        except accounts_service.AccountError as exc:
            raise _fail(str(exc)) from exc
        session.commit()
    console.print(f"Password set for {email}.")


@users_app.command("invite")
def users_invite(email: Annotated[str, typer.Option(help="Login email.")]) -> None:
    """Mail a person without a password a one-time link to choose one (SMTP_HOST, else a
    file in var/mail/)."""
    settings = get_settings()
    with _session() as session:
        user = accounts_service.get_user_by_email(session=session, email=email)
        if user is None:
            raise _fail(f"--email: no account for {email}")
        try:
            invitations.invite(session=session, settings=settings, user=user, actor=COMMAND_LINE)
        except accounts_service.AccountError as exc:
            raise _fail(exc.message) from exc
        session.commit()
    console.print(f"Invitation sent to {email}.")


@roster_app.command("import")
def roster_import(
    path: Annotated[
        Path,
        typer.Argument(
            exists=True, help="A folder of OneRoster CSVs, a .zip of them, or a Cadence roster CSV."
        ),
    ],
    district: Annotated[
        str | None,
        typer.Option(
            help="Cadence roster CSV only: the district to import into (created when absent). "
            "Default: the only district, or a new one called 'My district'."
        ),
    ] = None,
) -> None:
    """Import a roster, all or nothing: every row is checked before anything is written."""
    settings = get_settings()
    migrate.upgrade(settings.database_url)
    try:
        plan = build_plan(files=read_path(path=path), district_name=district)
        with _session() as session, Progress(console=console) as progress:
            task = progress.add_task(f"Importing {plan.format}", total=plan.size)
            result = apply_import(
                session=session, plan=plan, actor=Actor(user_id=None, via="roster import"),
                on_step=lambda: progress.advance(task),
            )  # fmt: skip
    except ImportRejected as exc:
        for problem in exc.problems:
            err_console.print(str(problem), markup=False, highlight=False, soft_wrap=True)
        raise _fail(f"nothing was imported: {len(exc.problems)} problem(s)") from exc
    console.print(_result_table(result))


def _result_table(result: ImportResult) -> Table:
    table = Table(title=f"Roster imported ({result.format})")
    table.add_column("kind")
    for column in ("created", "updated", "unchanged", "skipped"):
        table.add_column(column, justify="right")
    for kind in KINDS:
        counts = result.counts[kind]
        table.add_row(
            kind,
            *(str(n) for n in (counts.created, counts.updated, counts.unchanged, counts.skipped)),
        )
    if result.ignored_files:
        table.caption = "Not used: " + ", ".join(result.ignored_files)
    return table


@tokens_app.command("create")
def tokens_create(email: Annotated[str, typer.Option(help="Whose token.")]) -> None:
    """Make a bearer token for the sync API; it is printed once and only its hash is kept."""
    with _session() as session:
        user = accounts_service.get_user_by_email(session=session, email=email)
        if user is None:
            raise _fail(f"--email: nobody has the email {email!r}")
        new = sync_service.create_token(session=session, user=user)
    err_console.print(f"Token {new.id} for {user.email} (shown once; keep it secret):")
    typer.echo(new.token)


@tokens_app.command("list")
def tokens_list(email: Annotated[str, typer.Option(help="Whose tokens.")]) -> None:
    """A person's tokens: id, created, last used (never the token)."""
    with _session() as session:
        user = accounts_service.get_user_by_email(session=session, email=email)
        if user is None:
            raise _fail(f"--email: nobody has the email {email!r}")
        rows = sync_service.list_tokens(session=session, user=user)
    table = Table(title=f"API tokens of {user.email}")
    for column in ("id", "created", "last used"):
        table.add_column(column)
    for row in rows:
        last = row.last_used_at.isoformat(timespec="seconds") if row.last_used_at else "never"
        table.add_row(str(row.id), row.created_at.isoformat(timespec="seconds"), last)
    console.print(table)


@tokens_app.command("revoke")
def tokens_revoke(
    email: Annotated[str, typer.Option(help="Whose token.")],
    token_id: Annotated[
        int | None, typer.Option("--id", help="The token to revoke (default: all of them).")
    ] = None,
) -> None:
    """Revoke one of a person's tokens (--id), or all of them."""
    with _session() as session:
        user = accounts_service.get_user_by_email(session=session, email=email)
        if user is None:
            raise _fail(f"--email: nobody has the email {email!r}")
        count = sync_service.revoke_tokens(session=session, user=user, token_id=token_id)
    if token_id is not None and count == 0:
        raise _fail(f"--id: {email} has no token {token_id}")
    console.print(f"Revoked {count} token(s) of {email}.")
