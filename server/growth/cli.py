"""`cadence growth fit`: the growth model (docs/growth.md) on any CSV, printed as JSON."""

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

growth_app = typer.Typer(help="Growth statistics (docs/growth.md).", no_args_is_help=True)
err_console = Console(stderr=True)


@growth_app.command("fit")
def fit(
    csv_path: Annotated[
        Path,
        typer.Argument(
            metavar="CSV",
            exists=True,
            dir_okay=False,
            readable=True,
            help="A CSV file with a header row.",
        ),
    ],
    id_column: Annotated[str, typer.Option("--id", help="The column naming the group (teacher).")],
    time_column: Annotated[str, typer.Option("--time", help="The time column (a number).")],
    score_column: Annotated[str, typer.Option("--score", help="The score column (a number).")],
) -> None:
    """Fit score ~ time with a random intercept and slope per group (REML); print JSON."""
    # Imported here so that the other commands start without loading statsmodels.
    from server.growth.csvdata import CsvProblem, read_growth_csv
    from server.growth.model import GrowthFit, fit_growth

    try:
        data = read_growth_csv(
            csv_path, id_column=id_column, time_column=time_column, score_column=score_column
        )
    except CsvProblem as exc:
        raise _fail(str(exc)) from exc
    if data.skipped:
        err_console.print(
            f"note: {data.skipped} row(s) with an empty or NA id, time or score were left out.",
            markup=False,
            highlight=False,
        )
    outcome = fit_growth(data.points, group_word="group")
    if not isinstance(outcome, GrowthFit):
        raise _fail(outcome.reason)
    for note in outcome.notes:
        err_console.print(f"note: {note}", markup=False, highlight=False)
    typer.echo(json.dumps(outcome.as_json(), indent=2, allow_nan=False))


def _fail(message: str) -> typer.Exit:
    err_console.print("[bold red]error:[/] ", end="")
    err_console.print(message, markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(code=1)
