"""`cadence agreement`: rater agreement of any long table of ratings, as JSON."""

import csv
import json
from pathlib import Path
from typing import Annotated

import typer

from server.observations.agreement import Score, as_json_ready, long_table_agreement

# Cells that mean "not observed" (case and spaces ignored); the scores' own levels are numbers.
NOT_OBSERVED = {"", "na", "n/a", "no", "not observed", "n/o", "none"}


def _score(text: str, row: int, column: str) -> Score:
    if text.strip().lower() in NOT_OBSERVED:
        return None
    try:
        return float(text)
    except ValueError:
        raise ValueError(
            f"row {row}, column {column!r}: {text!r} is not a score (a number, or empty or "
            "'not observed')"
        ) from None


def read_ratings(
    path: Path, *, rater: str, items: list[str], score: str
) -> list[tuple[str, str, Score]]:
    """The (rater, item, score) rows of a CSV file; the item is its columns joined by ' / '."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [c for c in (rater, *items, score) if c not in header]
        if missing:
            raise ValueError(f"no column {', '.join(map(repr, missing))} in {path.name} "
                             f"(its columns: {', '.join(header)})")  # fmt: skip
        return [
            (row[rater], " / ".join(row[c] for c in items), _score(row[score], n, score))
            for n, row in enumerate(reader, start=2)
        ]


def agreement(
    csv_path: Annotated[Path, typer.Argument(metavar="CSV", help="a long table, one rating a row")],
    rater: Annotated[str, typer.Option(help="the column naming the rater")] = "rater",
    item: Annotated[
        list[str] | None,
        typer.Option(help="the column(s) naming what was rated (repeat: lesson and dimension)"),
    ] = None,
    score: Annotated[
        str, typer.Option(help="the column of scores (empty: not observed)")
    ] = "score",
    levels: Annotated[
        str | None, typer.Option(help="the scale's levels, e.g. 1,2,3,4 (default: those used)")
    ] = None,
) -> None:
    """Print the rater agreement of a long table of ratings as JSON: every pair of raters'
    exact and adjacent agreement and quadratic-weighted kappa, and ICC(2,1) and ICC(3,1) over
    the items every rater scored."""
    try:
        ratings = read_ratings(csv_path, rater=rater, items=item or ["item"], score=score)
        scale = [float(x) for x in levels.split(",")] if levels else None
        result = long_table_agreement(ratings, levels=scale)
    except (OSError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(json.dumps(as_json_ready(result), indent=2))
