"""Cadence's YAML documents (rubrics, surveys): parse with every problem at its path and line,
and list what differs between two versions of a document."""

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

MAX_LISTED_CHANGES = 12
M = TypeVar("M", bound=BaseModel)
_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class FileProblem:
    """One problem in a file: `where` is the path inside the file (e.g. dimensions[2].id)."""

    file: str
    where: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        message = f"{self.message} (line {self.line})" if self.line else self.message
        return f"{self.file}: {self.where}: {message}" if self.where else f"{self.file}: {message}"


class FileProblemsError(ValueError):
    def __init__(self, problems: list[FileProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


class DocumentError(Exception):
    """Problems found in a file's text, before the file's name is known to the message."""

    def __init__(self, problems: list[tuple[str, str, int | None]]) -> None:
        super().__init__(problems)
        self.problems = problems


def _where(loc: Iterable[int | str]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _line_of(root: yaml.Node | None, loc: Iterable[int | str]) -> int | None:
    """The 1-based line of the deepest node on `loc` that exists in the file."""
    node, line = root, None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == part), None)
            if pair is None:
                break
            line, node = pair[0].start_mark.line + 1, pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if not 0 <= part < len(node.value):
                break
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    if line is None and root is not None:
        line = root.start_mark.line + 1
    return line


def _duplicate_keys(
    node: yaml.Node, loc: tuple[int | str, ...] = ()
) -> list[tuple[str, str, int | None]]:
    """PyYAML keeps the last of two equal keys silently; a Cadence file may not have any."""
    found: list[tuple[str, str, int | None]] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = str(key.value)
            if name in seen:
                found.append((_where((*loc, name)), "duplicate key", key.start_mark.line + 1))
            seen.add(name)
            found += _duplicate_keys(value, (*loc, name))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            found += _duplicate_keys(item, (*loc, index))
    return found


def _message(error: Any) -> str:
    message = str(error["msg"])
    if error["type"] == "string_type" and isinstance(error.get("input"), int | float | bool):
        message += ' (put the value in quotes, e.g. version: "2026.1")'
    return message


def parse(raw: bytes, model: type[M]) -> M:
    """Parse a file's bytes and validate them as `model`; DocumentError lists every problem."""
    try:
        loader = _YamlLoader(raw.decode("utf-8"))
        try:
            root = loader.get_single_node()
            data = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except UnicodeDecodeError as exc:
        raise DocumentError([("", f"not UTF-8 text: {exc}", None)]) from exc
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        problem = " ".join(p for p in (exc.context, exc.problem) if p) or str(exc)
        raise DocumentError([("", f"not valid YAML: {problem}", line)]) from exc
    except yaml.YAMLError as exc:
        raise DocumentError([("", f"not valid YAML: {exc}", None)]) from exc
    if root is None:
        raise DocumentError([("", "the file is empty", None)])
    duplicates = _duplicate_keys(root)
    if duplicates:
        raise DocumentError(duplicates)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise DocumentError(
            [(_where(e["loc"]), _message(e), _line_of(root, e["loc"])) for e in exc.errors()]
        ) from exc


def load_file(path: Path, parse_bytes: Callable[[bytes], M], error: type[FileProblemsError]) -> M:
    """Read and parse one file; `error` (a FileProblemsError) lists every problem found."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise error([FileProblem(str(path), "", f"cannot read: {exc}")]) from exc
    try:
        return parse_bytes(raw)
    except DocumentError as exc:
        raise error(
            [FileProblem(str(path), where, message, line) for where, message, line in exc.problems]
        ) from exc


def content_hash(document: BaseModel) -> str:
    """sha256 of the content without default values, so adding an optional field to a schema
    later does not change the hash of files that do not use it."""
    canonical = document.model_dump(mode="json", exclude_defaults=True)
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# Lists whose entries have an id (or a level value): matched by it, so a change reads
# "dimension 'x' added" rather than as every later index changing.
_KEYED = {
    "scales": ("scale", "id"),
    "groups": ("group", "id"),
    "dimensions": ("dimension", "id"),
    "tallies": ("tally", "id"),
    "items": ("item", "id"),
    "categories": ("category", "id"),
    "levels": ("level", "value"),
    "subscales": ("subscale", "id"),
    "labels": ("label", "value"),
}


def _keyed(field_name: str, old: list[Any], new: list[Any]) -> tuple[str, str] | None:
    kind = _KEYED.get(field_name)
    if kind is None:
        return None
    entries = old + new
    if all(isinstance(e, dict) and kind[1] in e for e in entries):
        keys_old = [e[kind[1]] for e in old]
        keys_new = [e[kind[1]] for e in new]
        if len(set(keys_old)) == len(keys_old) and len(set(keys_new)) == len(keys_new):
            return kind
    return None


def _diff(old: Any, new: Any, path: str, field_name: str, out: list[str]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in new:
            sub = f"{path}.{key}" if path else str(key)
            if key not in old:
                out.append(f"{sub} added")
            else:
                _diff(old[key], new[key], sub, str(key), out)
        out += [
            f"{path}.{key} removed" if path else f"{key} removed" for key in old if key not in new
        ]
    elif isinstance(old, list) and isinstance(new, list):
        keyed = _keyed(field_name, old, new)
        if keyed is None:
            for index in range(max(len(old), len(new))):
                if index >= len(old):
                    out.append(f"{path}[{index}] added")
                elif index >= len(new):
                    out.append(f"{path}[{index}] removed")
                else:
                    _diff(old[index], new[index], f"{path}[{index}]", "", out)
            return
        kind, key_name = keyed
        prefix = "" if "." not in path and "[" not in path else f"{path}: "
        old_by_key = {e[key_name]: e for e in old}
        new_keys = [e[key_name] for e in new]
        for index, entry in enumerate(new):
            key = entry[key_name]
            if key not in old_by_key:
                out.append(f"{prefix}{kind} {key!r} added")
            else:
                _diff(old_by_key[key], entry, f"{path}[{index}]", "", out)
        out += [f"{prefix}{kind} {key!r} removed" for key in old_by_key if key not in new_keys]
        common_old = [e[key_name] for e in old if e[key_name] in new_keys]
        if common_old != [k for k in new_keys if k in old_by_key]:
            out.append(f"{path} reordered")
    elif old != new or type(old) is not type(new):
        out.append(f"{path} changed")


def differences(old: Any, new: Any) -> list[str]:
    """What differs from old to new (plain JSON content), as paths in the new document:
    'dimensions[2].levels[1].descriptor changed', "dimension 'x' added"."""
    out: list[str] = []
    _diff(old, new, "", "", out)
    return out


def summarize(changes: list[str]) -> str:
    shown = "; ".join(changes[:MAX_LISTED_CHANGES])
    more = len(changes) - MAX_LISTED_CHANGES
    return f"{shown}; and {more} more" if more > 0 else shown
