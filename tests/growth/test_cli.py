"""`cadence growth fit` on lme4's sleepstudy, and on bad input."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from server.cli import app

runner = CliRunner()
SLEEPSTUDY = Path(__file__).parent / "data" / "sleepstudy.csv"


def fit(path: Path, *options: str) -> Result:
    return runner.invoke(app, ["growth", "fit", str(path), *options])


def error_of(result: Result) -> str:
    assert result.exit_code != 0
    assert result.stdout == ""
    return " ".join(result.stderr.split())


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scores.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_sleepstudy_reproduces_lme4() -> None:
    """tests/growth/data/sleepstudy.csv is lme4's `sleepstudy` (Belenky et al. 2003, J. Sleep
    Res. 12:1-12) as exported by the Rdatasets project (csv/lme4/sleepstudy.csv). Published
    REML fit of lmer(Reaction ~ Days + (Days | Subject)) (the lme4 sleepstudy example, printed
    by summary(fm1); Bates, Maechler, Bolker & Walker 2015, J. Stat. Softw. 67(1)): REML
    criterion 1743.6; fixed (Intercept) 251.405 (SE 6.825), Days 10.467 (SE 1.546); random SD
    (Intercept) 24.741 (24.740 in older lme4 releases: the optimum, 24.7406, sits on the
    rounding edge), SD Days 5.922, Corr 0.07; residual SD 25.592; 180 observations, 18
    subjects. "Within rounding" is within 0.001 of the printed figure."""
    result = fit(SLEEPSTUDY, "--id", "Subject", "--time", "Days", "--score", "Reaction")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert set(out) == {"n_obs", "n_groups", "fixed", "random", "residual_sd", "groups"}
    assert (out["n_obs"], out["n_groups"]) == (180, 18)
    fixed, random = out["fixed"], out["random"]
    rounding = 1e-3
    assert fixed["intercept"]["estimate"] == pytest.approx(251.405, abs=rounding)
    assert fixed["intercept"]["se"] == pytest.approx(6.825, abs=rounding)
    assert fixed["slope"]["estimate"] == pytest.approx(10.467, abs=rounding)
    assert fixed["slope"]["se"] == pytest.approx(1.546, abs=rounding)
    assert random["sd_intercept"] == pytest.approx(24.741, abs=rounding)
    assert random["sd_slope"] == pytest.approx(5.922, abs=rounding)
    assert round(random["corr"], 2) == 0.07
    assert out["residual_sd"] == pytest.approx(25.592, abs=rounding)
    assert len(out["groups"]) == 18
    # coef(fm1)$Subject for subject 308 as lme4 prints it: 253.6637, 19.6662617.
    assert out["groups"]["308"]["intercept"] == pytest.approx(253.6637, abs=rounding)
    assert out["groups"]["308"]["slope"] == pytest.approx(19.6662617, abs=rounding)
    assert set(out["groups"]["308"]) == {"intercept", "slope"}


def test_empty_and_na_cells_are_left_out_with_a_note(tmp_path: Path) -> None:
    lines = SLEEPSTUDY.read_text().splitlines()
    lines.insert(5, "x,NA,3,308")
    lines.insert(9, "y,300,,309")
    result = fit(write(tmp_path, "\n".join(lines)), "--id", "Subject", "--time", "Days", "--score", "Reaction")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["n_obs"] == 180
    assert "2 row(s) with an empty or NA id, time or score were left out" in result.stderr


def test_a_missing_column_is_named() -> None:
    result = fit(SLEEPSTUDY, "--id", "Subjct", "--time", "Days", "--score", "Reaction")
    assert error_of(result) == (
        "error: --id: no column 'Subjct' in sleepstudy.csv. "
        "Its columns are: rownames, Reaction, Days, Subject."
    )


def test_non_numeric_values_are_named_by_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "teacher,year,score\nA,0,2\nA,one,3\nB,0,2.5\nB,1,high\nB,2,3.5\nA,2,inf\n",
    )
    message = error_of(fit(path, "--id", "teacher", "--time", "year", "--score", "score"))
    assert message == (
        "error: --time: column 'year' has values that are not numbers (line 3: 'one'); "
        "--score: column 'score' has values that are not numbers (line 5: 'high', "
        "line 7: 'inf')."
    )


def test_fewer_than_two_groups(tmp_path: Path) -> None:
    path = write(tmp_path, "teacher,year,score\nA,0,2\nA,1,3\nA,2,3.5\nA,3,3.4\n")
    message = error_of(fit(path, "--id", "teacher", "--time", "year", "--score", "score"))
    assert message == (
        "error: --id: the model compares groups and needs at least two, but column 'teacher' "
        "has only one ('A')."
    )


def test_too_few_observations_to_fit(tmp_path: Path) -> None:
    path = write(tmp_path, "teacher,year,score\nA,0,2\nA,1,3\nB,0,2.5\nB,1,2.9\nC,0,3\nC,1,3.1\n")
    message = error_of(fit(path, "--id", "teacher", "--time", "year", "--score", "score"))
    assert message == (
        "error: Growth needs at least one group with three or more observations over two or "
        "more different times, to tell a group's growth apart from lesson-to-lesson "
        "variation; there is none."
    )


@pytest.mark.parametrize("name", ["absent.csv", "."])
def test_a_file_that_is_not_there(tmp_path: Path, name: str) -> None:
    result = fit(tmp_path / name, "--id", "a", "--time", "b", "--score", "c")
    assert result.exit_code == 2
    assert "Invalid value for 'CSV'" in result.stderr


def test_a_file_that_is_not_a_csv(tmp_path: Path) -> None:
    path = tmp_path / "scores.csv"
    path.write_bytes(b"\xff\xfe\x00binary")
    message = error_of(fit(path, "--id", "a", "--time", "b", "--score", "c"))
    assert message.startswith("error: scores.csv is not UTF-8 text")
