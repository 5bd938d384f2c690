"""`cadence agreement CSV`: any long table of ratings, agreement as JSON."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from server.cli import app
from server.observations.agreement import long_table_agreement, pair_agreement

RATINGS = """rater,lesson,dimension,score
ana,L1,talk,3
ben,L1,talk,3
ana,L1,task,2
ben,L1,task,1
ana,L2,talk,4
ben,L2,talk,not observed
ana,L2,task,1
ben,L2,task,2
ana,L3,talk,2
ben,L3,talk,2
"""


@pytest.fixture
def table(tmp_path: Path) -> Path:
    path = tmp_path / "ratings.csv"
    path.write_text(RATINGS)
    return path


def test_it_prints_the_agreement_of_the_table_as_json(table: Path) -> None:
    result = CliRunner().invoke(
        app, ["agreement", str(table), "--rater", "rater", "--item", "lesson", "--item",
              "dimension", "--score", "score", "--levels", "1,2,3,4"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    [pair] = printed["pairs"]
    expected = pair_agreement([3, 2, 1, 2], [3, 1, 2, 2], levels=[1, 2, 3, 4])
    assert pair["raters"] == ["ana", "ben"] and pair["n"] == expected.n == 4
    assert pair["exact"] == expected.exact and pair["kappa_quadratic"] == expected.kappa_quadratic
    assert pair["one_not_observed"] == 1
    assert printed["items"] == 5 and printed["items_scored_by_every_rater"] == 4
    rows = [("ana", "a", 3.0), ("ben", "a", 3.0), ("ana", "b", 2.0), ("ben", "b", 1.0),
            ("ana", "c", 1.0), ("ben", "c", 2.0), ("ana", "d", 2.0), ("ben", "d", 2.0)]  # fmt: skip
    reference = long_table_agreement(rows)["icc"]
    assert [x["value"] for x in printed["icc"]] == [x["value"] for x in reference]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--item", "lessn"], "no column 'lessn'"),
        (
            ["--item", "lesson", "--score", "dimension"],
            "row 2, column 'dimension': 'talk' is not a score",
        ),
    ],
)
def test_a_wrong_column_or_score_is_named(table: Path, arguments: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["agreement", str(table), *arguments])
    assert result.exit_code == 1
    assert message in result.output
