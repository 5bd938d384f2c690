"""Read any CSV into growth points for `cadence growth fit`, naming every problem plainly."""

import csv
import math
from dataclasses import dataclass
from pathlib import Path

from server.growth.model import GrowthPoint

# Cells read as missing: the row is left out, as R's na.omit would.
MISSING = frozenset({"", "na", "n/a", "nan", "null"})
SHOWN_PROBLEMS = 5


class CsvProblem(ValueError):
    """The CSV cannot be used; the message says why and which option or line is at fault."""


@dataclass(frozen=True)
class GrowthCsv:
    points: list[GrowthPoint]
    skipped: int  # rows with a missing id, time or score


def read_growth_csv(
    path: Path, *, id_column: str, time_column: str, score_column: str
) -> GrowthCsv:
    columns = {"--id": id_column, "--time": time_column, "--score": score_column}
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            missing = [(option, name) for option, name in columns.items() if name not in header]
            if missing:
                listed = ", ".join(header) if header else "none (the file is empty)"
                raise CsvProblem(
                    "; ".join(f"{option}: no column {name!r}" for option, name in missing)
                    + f" in {path.name}. Its columns are: {listed}."
                )
            rows = [(reader.line_num, row) for row in reader]
    except UnicodeDecodeError as exc:
        raise CsvProblem(f"{path.name} is not UTF-8 text: {exc.reason}") from exc
    except csv.Error as exc:
        raise CsvProblem(f"{path.name} is not a readable CSV: {exc}") from exc

    points: list[GrowthPoint] = []
    skipped = 0
    bad: dict[str, list[str]] = {"--time": [], "--score": []}
    for line, row in rows:
        cells = {option: (row.get(name) or "").strip() for option, name in columns.items()}
        if any(value.lower() in MISSING for value in cells.values()):
            skipped += 1
            continue
        numbers: dict[str, float] = {}
        for option in ("--time", "--score"):
            number = _number(cells[option])
            if number is None:
                bad[option].append(f"line {line}: {cells[option]!r}")
            else:
                numbers[option] = number
        if len(numbers) == 2:
            points.append(GrowthPoint(cells["--id"], numbers["--time"], numbers["--score"]))

    problems = [
        f"{option}: column {columns[option]!r} has values that are not numbers ("
        + ", ".join(found[:SHOWN_PROBLEMS])
        + (f", and {len(found) - SHOWN_PROBLEMS} more" if len(found) > SHOWN_PROBLEMS else "")
        + ")"
        for option, found in bad.items()
        if found
    ]
    if problems:
        raise CsvProblem("; ".join(problems) + ".")
    groups = list(dict.fromkeys(point.teacher for point in points))
    if not points:
        raise CsvProblem(f"{path.name} has no rows with an id, a time and a score.")
    if len(groups) < 2:
        raise CsvProblem(
            f"--id: the model compares groups and needs at least two, but column {id_column!r} "
            f"has only one ({groups[0]!r})."
        )
    return GrowthCsv(points=points, skipped=skipped)


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None
