"""The shipped rubric files, and the precise errors a broken file gets."""

from pathlib import Path

import pytest

from server.config import ROOT
from server.rubrics import service as rubrics_service
from server.rubrics.schema import Rubric
from server.rubrics.service import RubricFileError, load_rubric_file
from tests.rubrics.builders import rubric_data, write_rubric

SHIPPED = sorted(rubrics_service.SHIPPED_DIR.glob("*.yaml"))


def shipped(rubric_id: str) -> Rubric:
    return load_rubric_file(rubrics_service.SHIPPED_DIR / f"{rubric_id}.yaml")


def line_of(path: Path, text: str, after: int = 0) -> int:
    """The 1-based number of the first line (past line `after`) holding `text`."""
    lines = path.read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if n > after and text in line)


def problems_of(path: Path) -> list[str]:
    with pytest.raises(RubricFileError) as caught:
        load_rubric_file(path)
    return [str(p) for p in caught.value.problems]


# The shipped files ---------------------------------------------------------------------------


def test_the_five_instruments_are_shipped() -> None:
    assert [p.name for p in SHIPPED] == [
        "iqa-math.yaml",
        "learning-culture.yaml",
        "nctm-practices.yaml",
        "student-engagement.yaml",
        "task-demand.yaml",
    ]


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_file_validates_and_is_named_by_its_id(path: Path) -> None:
    rubric = load_rubric_file(path)
    assert rubric.id == path.stem
    assert rubric.version == "2026.1"
    assert rubric.citation and rubric.license_note
    for citation in rubric.citation:
        assert citation.authors and citation.title and citation.source
    for dimension in rubric.dimensions:
        assert dimension.levels or dimension.items, dimension.id


def test_nctm_has_the_eight_practices_under_their_exact_names() -> None:
    rubric = shipped("nctm-practices")
    assert [d.name for d in rubric.dimensions] == [
        "Establish mathematics goals to focus learning",
        "Implement tasks that promote reasoning and problem solving",
        "Use and connect mathematical representations",
        "Facilitate meaningful mathematical discourse",
        "Pose purposeful questions",
        "Build procedural fluency from conceptual understanding",
        "Support productive struggle in learning mathematics",
        "Elicit and use evidence of student thinking",
    ]
    assert all(3 <= len(d.items) <= 4 for d in rubric.dimensions)
    assert sum(len(d.items) for d in rubric.dimensions) == 27
    assert all(d.student_look_fors for d in rubric.dimensions)
    (scale,) = rubric.scales
    assert scale.values == [1, 2, 3, 4, 5]
    assert (scale.levels[0].label, scale.levels[-1].label) == (
        "Did not do this",
        "Did this very well",
    )
    assert "mean of its items" in rubric.description
    assert rubric.citation[0].authors == ["National Council of Teachers of Mathematics"]
    assert rubric.citation[0].year == 2014
    assert "Principles to Actions" in rubric.citation[0].title


def test_iqa_has_nine_dimensions_in_two_groups() -> None:
    rubric = shipped("iqa-math")
    by_group = {g.name: [d.name for d in rubric.dimensions_in(g)] for g in rubric.groups}
    assert by_group == {
        "Academic Rigor": [
            "Potential of the task",
            "Implementation of the task",
            "Student discussion following the task",
            "Rigor of the teacher's questions",
        ],
        "Accountable Talk": [
            "Participation",
            "Teacher's linking",
            "Students' linking",
            "Teacher's press",
            "Students providing",
        ],
    }


def test_iqa_scales_read_levels_three_and_four_as_high_level() -> None:
    rubric = shipped("iqa-math")
    ranges = {d.id: (rubric.scale_for(d).min, rubric.scale_for(d).max) for d in rubric.dimensions}
    assert ranges.pop("task-potential") == (1, 4)
    assert set(ranges.values()) == {(0, 4)}
    for scale in rubric.scales:
        assert scale.high_level_min == 3
        assert [v for v in scale.values if scale.is_high_level(v)] == [3, 4]
    for dimension in rubric.dimensions:  # every level of every dimension is described
        assert [lv.value for lv in dimension.levels] == rubric.scale_for(dimension).values


def test_iqa_marks_the_unverified_points_in_one_place() -> None:
    rubric = shipped("iqa-math")
    about = {ref for point in rubric.unverified for ref in point.about}
    assert {"iqa-0-4", "iqa-1-4", "task-potential", "task-implementation"} <= about
    assert "LRDC" in rubric.license_note and "official" in rubric.license_note
    assert [t.id for t in rubric.tallies] == ["teacher-questions", "talk-turns"]
    questions = rubric.tallies[0]
    assert [c.id for c in questions.categories] == ["recall", "procedural", "probing", "connecting"]


def test_student_engagement_offers_a_time_sample() -> None:
    rubric = shipped("student-engagement")
    assert [d.name for d in rubric.dimensions] == [
        "Verbal participation",
        "Actions of participation",
        "Level of interest",
        "Dimensions of engagement",
    ]
    sample = next(t for t in rubric.tallies if t.mode == "interval")
    assert sample.interval_seconds == 120
    assert [c.id for c in sample.categories] == ["active-engaged", "passive-engaged", "off-task"]


def test_learning_culture_describes_the_two_ends_of_five_continua() -> None:
    rubric = shipped("learning-culture")
    assert len(rubric.dimensions) == 5
    for dimension in rubric.dimensions:
        assert rubric.scale_for(dimension).values == [1, 2, 3, 4, 5]
        assert [lv.value for lv in dimension.levels] == [1, 5]


def test_task_demand_uses_smith_and_steins_four_levels_twice() -> None:
    rubric = shipped("task-demand")
    (scale,) = rubric.scales
    assert [lv.label for lv in scale.levels] == [
        "Memorization",
        "Procedures without connections",
        "Procedures with connections",
        "Doing mathematics",
    ]
    assert scale.high_level_min == 3
    assert [d.name for d in rubric.dimensions] == ["Task as posed", "Task as enacted"]


# Broken files: every problem at its path inside the file -------------------------------------


def test_unknown_scale_and_group_are_reported_where_they_are(tmp_path: Path) -> None:
    data = rubric_data()
    data["dimensions"][1]["scale"] = "nope"
    data["dimensions"][0]["group"] = "other"
    path = write_rubric(tmp_path, data)
    group_line = line_of(path, "group: other")
    scale_line = line_of(path, "scale: nope")
    assert problems_of(path) == [
        f"{path}: dimensions[0].group: unknown group 'other' (groups: main) (line {group_line})",
        f"{path}: dimensions[1].scale: unknown scale 'nope' (scales: one-three) (line {scale_line})",
    ]


def test_duplicate_ids_point_at_the_repeat(tmp_path: Path) -> None:
    data = rubric_data()
    data["dimensions"][1]["id"] = "talk"
    data["groups"].append({"id": "main", "name": "Again"})
    problems = problems_of(write_rubric(tmp_path, data))
    assert any(
        ": groups[1].id: duplicate group id 'main' (also groups[0])" in p for p in problems
    ), problems
    assert any(
        ": dimensions[1].id: duplicate dimension id 'talk' (also dimensions[0])" in p
        for p in problems
    ), problems


def test_a_level_not_on_the_scale(tmp_path: Path) -> None:
    data = rubric_data()
    data["dimensions"][0]["levels"].append({"value": 4, "descriptor": "Off the scale."})
    (problem,) = problems_of(write_rubric(tmp_path, data))
    assert ": dimensions[0].levels[2].value: level 4 is not on scale 'one-three' (1, 2, 3)" in (
        problem
    )


def test_a_missing_field_and_an_unknown_field(tmp_path: Path) -> None:
    data = rubric_data()
    del data["dimensions"][1]["name"]
    data["scales"][0]["colour"] = "blue"
    path = write_rubric(tmp_path, data)
    problems = problems_of(path)
    line = line_of(path, "colour: blue")
    assert f"{path}: scales[0].colour: Extra inputs are not permitted (line {line})" in problems
    assert any(p.startswith(f"{path}: dimensions[1].name: Field required") for p in problems)


def test_bad_yaml_gives_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("id: x\ntitle: [unclosed\nversion: '1'\n", encoding="utf-8")
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}: not valid YAML: ")
    assert "(line" in problem


def test_a_duplicate_key_is_not_silently_dropped(tmp_path: Path) -> None:
    path = tmp_path / "twice.yaml"
    path.write_text("id: x\ntitle: One\ntitle: Two\n", encoding="utf-8")
    assert problems_of(path) == [f"{path}: title: duplicate key (line 3)"]


def test_an_unquoted_version_gets_a_hint(tmp_path: Path) -> None:
    path = write_rubric(tmp_path, rubric_data())
    path.write_text(path.read_text().replace("version: '1'", "version: 2026.1"))
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}: version: Input should be a valid string (put the value")


def test_empty_and_missing_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    assert problems_of(empty) == [f"{empty}: the file is empty"]
    assert problems_of(tmp_path / "absent.yaml")[0].startswith(
        f"{tmp_path}/absent.yaml: cannot read"
    )


def test_tally_modes_are_checked(tmp_path: Path) -> None:
    data = rubric_data(
        tallies=[
            {"id": "sample", "name": "Sample", "mode": "interval", "categories": [
                {"id": "on", "label": "On"}, {"id": "on", "label": "Again"}]},
            {"id": "count", "name": "Count", "interval_seconds": 60, "categories": [
                {"id": "a", "label": "A"}]},
        ],
    )  # fmt: skip
    problems = [p.split(": ", 1)[1] for p in problems_of(write_rubric(tmp_path, data))]
    assert [p.rsplit(" (line", 1)[0] for p in problems] == [
        "tallies[0].categories[1].id: duplicate category id 'on' (also categories[0])",
        "tallies[0].interval_seconds: required when mode is 'interval'",
        "tallies[1].interval_seconds: only allowed when mode is 'interval'",
    ]


def test_unverified_points_refer_to_real_ids(tmp_path: Path) -> None:
    data = rubric_data(unverified=[{"about": ["talk", "nothing"], "note": "Check this."}])
    (problem,) = problems_of(write_rubric(tmp_path, data))
    assert ": unverified[0].about[1]: 'nothing' is not a scale, group or dimension id" in problem


# Differences ---------------------------------------------------------------------------------


def test_describe_changes_names_paths_in_the_new_file() -> None:
    old = Rubric.model_validate(rubric_data())
    new_data = rubric_data(title="Renamed")
    new_data["dimensions"][0]["levels"][1]["descriptor"] = "Changed."
    new_data["dimensions"].insert(
        0, {"id": "x", "name": "X", "group": "main", "scale": "one-three"}
    )
    new_data["dimensions"] = [d for d in new_data["dimensions"] if d["id"] != "tasks"]
    new_data["scales"][0]["levels"][2]["label"] = "Top"
    assert rubrics_service.describe_changes(old=old, new=Rubric.model_validate(new_data)) == [
        "title changed",
        "scales[0].levels[2].label changed",
        "dimension 'x' added",
        "dimensions[1].levels[1].descriptor changed",
        "dimension 'tasks' removed",
    ]
    assert rubrics_service.describe_changes(old=old, new=old) == []


def test_the_hash_ignores_how_defaults_are_spelled() -> None:
    plain = Rubric.model_validate(rubric_data())
    explicit = rubric_data(tallies=[], description="")
    explicit["dimensions"][0]["required"] = True
    assert rubrics_service.content_hash(plain) == rubrics_service.content_hash(
        Rubric.model_validate(explicit)
    )
    assert rubrics_service.content_hash(plain) != rubrics_service.content_hash(
        Rubric.model_validate(rubric_data(title="Other"))
    )


def test_the_example_in_the_docs_is_a_valid_rubric(tmp_path: Path) -> None:
    docs = (ROOT / "docs" / "rubrics.md").read_text()
    example = docs.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "maple-walkthrough.yaml"
    path.write_text(example)
    rubric = load_rubric_file(path)
    assert (rubric.id, rubric.version) == ("maple-walkthrough", "2027.1")
