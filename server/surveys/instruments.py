"""Survey instrument files (docs/surveys.md): the shipped `surveys/` folder, loaded and checked.

A wave (not yet built) will keep a frozen copy of the content it was opened with, so a file's
(id, version) names one content for good; `content_hash` is what the copies are compared by.
"""

from pathlib import Path

from server import yamldoc
from server.config import ROOT
from server.surveys.schema import Instrument

SHIPPED_DIR = ROOT / "surveys"
SUFFIXES = (".yaml", ".yml")


InstrumentProblem = yamldoc.FileProblem


class InstrumentFileError(yamldoc.FileProblemsError):
    """Every problem found in one survey file."""


def load_instrument_file(path: Path) -> Instrument:
    """Parse and validate one file; InstrumentFileError lists every problem found."""
    return yamldoc.load_file(path, _parse, InstrumentFileError)


def _parse(raw: bytes) -> Instrument:
    return yamldoc.parse(raw, Instrument)


def content_hash(instrument: Instrument) -> str:
    return yamldoc.content_hash(instrument)


def load_folder(folder: Path = SHIPPED_DIR) -> tuple[list[Instrument], list[InstrumentProblem]]:
    """Every instrument file in a folder, by file name; two files may not share id and version."""
    loaded: dict[tuple[str, str], Instrument] = {}
    problems: list[InstrumentProblem] = []
    for path in sorted(p for p in folder.iterdir() if p.suffix in SUFFIXES and p.is_file()):
        try:
            instrument = load_instrument_file(path)
        except InstrumentFileError as exc:
            problems += exc.problems
            continue
        key = (instrument.id, instrument.version)
        if key in loaded:
            problems.append(
                InstrumentProblem(str(path), "version", f"{key[0]} {key[1]} is defined twice")
            )
        else:
            loaded[key] = instrument
    return list(loaded.values()), problems
