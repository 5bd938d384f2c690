"""`cadence rubrics check|list`: validate rubric files and show what they define."""

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from server.config import Settings, get_settings
from server.db import make_engine
from server.rubrics import service as rubrics_service
from server.rubrics.service import RubricFile, RubricProblem

rubrics_app = typer.Typer(help="Rubric files (docs/rubrics.md).", no_args_is_help=True)
console = Console()
err_console = Console(stderr=True)

PathsArgument = Annotated[
    list[Path] | None,
    typer.Argument(
        help="Rubric files or folders. Default: the shipped rubrics/ and RUBRIC_DIRS.",
        show_default=False,
    ),
]
OUTCOMES = {
    "new": "not stored yet: would be added",
    "unchanged": "stored, unchanged",
    "update": "stored, not used yet: would be updated",
}


def _shown(path: Path) -> Path:
    """Paths under the working directory are printed relative to it."""
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path


def _load(paths: list[Path] | None) -> tuple[list[Path], list[RubricFile], list[RubricProblem]]:
    targets = [
        _shown(p) for p in paths or rubrics_service.configured_folders(settings=get_settings())
    ]
    files, problems = rubrics_service.find_rubric_files(paths=targets)
    loaded, more = rubrics_service.read_rubric_files(paths=files)
    return files, loaded, problems + more


def _compare_with_database(
    settings: Settings, loaded: list[RubricFile]
) -> tuple[str, dict[Path, str], list[RubricProblem]]:
    """Compare with the configured database, read-only; a database that is absent, not
    migrated or unreachable is only mentioned."""
    url = make_url(settings.database_url)
    database = url.database or ""
    is_file = url.get_backend_name() == "sqlite" and database not in ("", ":memory:")
    if is_file and not Path(database).exists():
        return "database: none yet, not compared", {}, []
    engine = make_engine(settings.database_url)
    outcomes: dict[Path, str] = {}
    problems: list[RubricProblem] = []
    try:
        with Session(engine) as session:
            for file in loaded:
                outcome, problem = rubrics_service.check_against_stored(
                    session=session, loaded=file
                )
                if problem is not None:
                    problems.append(problem)
                else:
                    outcomes[file.path] = OUTCOMES[outcome]
    except SQLAlchemyError as exc:
        reason = rubrics_service.explain_error(error=exc)
        return f"database: not compared, not migrated or not reachable ({reason})", {}, []
    finally:
        engine.dispose()
    return "database: compared with the stored versions", outcomes, problems


@rubrics_app.command("check")
def check(paths: PathsArgument = None) -> None:
    """Validate rubric files; print each problem as FILE: path.inside.file: message.

    Also reports, without writing anything, a file that changes a version observations already
    use in the configured database. Exits with status 1 on any problem.
    """
    files, loaded, problems = _load(paths)
    note, outcomes, conflicts = _compare_with_database(get_settings(), loaded)
    problems += conflicts
    by_file: dict[str, list[RubricProblem]] = {}
    for problem in problems:
        by_file.setdefault(problem.file, []).append(problem)
    ok = {str(file.path): file for file in loaded}
    for name in dict.fromkeys([*by_file, *(str(f) for f in files)]):
        for problem in by_file.get(name, []):
            typer.echo(str(problem))
        if name in ok and name not in by_file:
            file = ok[name]
            details = [f"{len(file.rubric.dimensions)} dimensions"]
            if file.path in outcomes:
                details.append(outcomes[file.path])
            typer.echo(f"{name}: ok: {file.label} ({'; '.join(details)})")
    typer.echo(note)
    if problems:
        typer.echo(f"{len(problems)} problem(s) in {len(by_file)} of {len(files)} file(s)")
        raise typer.Exit(code=1)
    typer.echo(f"{len(files)} file(s) checked: no problems")


@rubrics_app.command("list")
def list_rubrics(
    paths: PathsArgument = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the rubrics the files define: id, version, title, dimensions and their ranges."""
    _files, loaded, problems = _load(paths)
    ordered = sorted(
        loaded, key=lambda f: (f.rubric.id, rubrics_service.version_key(f.rubric.version))
    )
    summaries = [
        {**rubrics_service.summarize_rubric(rubric=f.rubric), "file": str(f.path)} for f in ordered
    ]
    if as_json:
        typer.echo(json.dumps(summaries, indent=2))
    else:
        table = Table(title="Rubrics")
        for column in ("id", "version", "title", "dimensions", "scores", "file"):
            table.add_column(column, overflow="fold")
        for summary in summaries:
            ranges = sorted({f"{d['min']}-{d['max']}" for d in summary["dimensions"]})
            table.add_row(
                summary["id"],
                summary["version"],
                summary["title"],
                str(len(summary["dimensions"])),
                ", ".join(ranges),
                summary["file"],
            )
        console.print(table)
    if problems:
        err_console.print(
            f"{len(problems)} problem(s) in the rubric files; run `cadence rubrics check`.",
            markup=False,
        )
        raise typer.Exit(code=1)
