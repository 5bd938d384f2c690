"""Small rubric files for tests: a valid minimum to break one piece at a time."""

from copy import deepcopy
from pathlib import Path
from typing import Any

import yaml

MINIMAL: dict[str, Any] = {
    "id": "tiny",
    "title": "Tiny rubric",
    "version": "1",
    "citation": [{"authors": ["A. Author"], "year": 2020, "title": "A title", "source": "A journal"}],
    "license_note": "Ours.",
    "scales": [
        {"id": "one-three", "name": "1-3", "levels": [
            {"value": 1, "label": "Low"}, {"value": 2, "label": "Mid"}, {"value": 3, "label": "High"},
        ]},
    ],
    "groups": [{"id": "main", "name": "Main"}],
    "dimensions": [
        {"id": "talk", "name": "Talk", "group": "main", "scale": "one-three", "levels": [
            {"value": 1, "descriptor": "Little talk."}, {"value": 3, "descriptor": "Lots of talk."},
        ]},
        {"id": "tasks", "name": "Tasks", "group": "main", "scale": "one-three"},
    ],
}  # fmt: skip


def rubric_data(**overrides: Any) -> dict[str, Any]:
    data = deepcopy(MINIMAL)
    data.update(overrides)
    return data


def write_rubric(folder: Path, data: dict[str, Any], name: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or f"{data.get('id', 'rubric')}.yaml")
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path
