"""Survey instrument files: the shipped ones load; a bad file names each problem and line."""

from pathlib import Path

import pytest

from server.surveys import instruments
from server.surveys.instruments import InstrumentFileError


def test_shipped_instruments_load() -> None:
    loaded, problems = instruments.load_folder()
    assert problems == []
    by_id = {i.id: i for i in loaded}
    assert set(by_id) == {"school-culture", "learning-organization", "student-engagement-survey"}
    assert by_id["student-engagement-survey"].audience == "students"
    assert by_id["learning-organization"].scale.not_applicable == "Not applicable"
    culture = by_id["school-culture"]
    assert [s.id for s in culture.subscales][:2] == ["shared-leadership", "shared-vision"]
    reversed_item = culture.item("sl5")
    assert reversed_item is not None and reversed_item.reverse
    assert culture.score(reversed_item, 5) == 1
    assert culture.score(reversed_item, None) is None


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    return path


GOOD_HEAD = """\
schema_version: 1
id: tiny
title: Tiny
version: "1"
audience: staff
instructions: Answer.
citation: [{authors: [A. Author], title: T, source: S}]
license_note: Ours.
scale:
  labels: [{value: 1, label: Disagree}, {value: 2, label: Agree}]
"""


def test_duplicate_item_ids_across_subscales_are_refused(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        GOOD_HEAD
        + """subscales:
  - {id: a, name: A, items: [{id: x, text: One}, {id: y, text: Two}]}
  - {id: b, name: B, items: [{id: x, text: Three}, {id: z, text: Four}]}
""",
    )
    with pytest.raises(InstrumentFileError) as caught:
        instruments.load_instrument_file(path)
    [problem] = caught.value.problems
    assert problem.where == "subscales[1].items[0].id"
    assert "duplicate item id 'x'" in problem.message
    assert problem.line == 13


def test_scale_must_ascend_and_audience_is_known(tmp_path: Path) -> None:
    text = GOOD_HEAD.replace("audience: staff", "audience: parents").replace(
        "{value: 2, label: Agree}", "{value: 1, label: Agree}"
    )
    path = _write(
        tmp_path,
        text + "subscales:\n  - {id: a, name: A, items: [{id: x, text: One}, {id: y, text: T}]}\n",
    )
    with pytest.raises(InstrumentFileError) as caught:
        instruments.load_instrument_file(path)
    wheres = {p.where for p in caught.value.problems}
    assert "audience" in wheres
    assert "scale.labels[1].value" in wheres


def test_content_hash_names_the_content() -> None:
    loaded, _ = instruments.load_folder()
    first = loaded[0]
    assert instruments.content_hash(first) == instruments.content_hash(
        type(first).model_validate(first.model_dump())
    )
    changed = first.model_copy(update={"title": first.title + " (edited)"})
    assert instruments.content_hash(changed) != instruments.content_hash(first)
