"""Roster import: the plan (what to write), its problems, and strict CSV reading."""

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from email_validator import EmailNotValidError, validate_email

from server.accounts.models import Role
from server.roster.models import SchoolLevel

# Column names for problems that concern a whole file or a whole row rather than one cell.
FILE = "(file)"
ROW = "(row)"


@dataclass(frozen=True)
class SourceFile:
    """One uploaded or on-disk file: its display name and raw bytes."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located by file, 1-based line and column."""

    file: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column}: {self.message}"


class ImportRejected(Exception):
    """The input (or the database) refused the import; nothing was written."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line))
        super().__init__(f"{len(self.problems)} problem(s) in the roster")


@dataclass(frozen=True)
class Origin:
    """Where a planned row came from, so database-time problems can point at it."""

    file: str
    line: int

    def problem(self, column: str, message: str) -> Problem:
        return Problem(self.file, self.line, column, message)


@dataclass(frozen=True)
class Row:
    """One data row: values keyed by canonical column name, already stripped."""

    file: str
    line: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "")

    @property
    def origin(self) -> Origin:
        return Origin(self.file, self.line)


class Problems:
    """Collects every problem so the whole file is checked before anyone sees a result."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, file: str, line: int, column: str, message: str) -> None:
        self.items.append(Problem(file, line, column, message))

    def at(self, row: Row, column: str, message: str) -> None:
        self.add(row.file, row.line, column, message)

    def raise_if_any(self) -> None:
        if self.items:
            raise ImportRejected(self.items)


@dataclass(frozen=True)
class DistrictPlan:
    key: str
    name: str | None  # None: the only district there is (Cadence CSV without --district)
    source_id: str | None
    origin: Origin


@dataclass(frozen=True)
class SchoolPlan:
    key: str
    district_key: str
    name: str
    level: SchoolLevel | None  # None: guessed from the name when created, then left alone
    source_id: str | None
    origin: Origin


@dataclass(frozen=True)
class YearPlan:
    name: str
    source_id: str | None
    dates: tuple[date, date] | None  # None: the year must already exist
    overwrite: bool  # OneRoster rows own their dates; Cadence cohorts only fill a gap
    origin: Origin
    column: str


@dataclass(frozen=True)
class RolePlan:
    role: Role
    district_key: str
    school_key: str | None


@dataclass(frozen=True)
class PersonPlan:
    """Someone who gets a User (sign-in without a password yet) and roles."""

    source_id: str
    name: str
    email: str | None
    active: bool
    only_existing: bool  # tobedeleted: deactivate if present, never create
    roles: tuple[RolePlan, ...]
    origin: Origin


@dataclass(frozen=True)
class TeacherPlan:
    source_id: str
    name: str
    email: str | None
    district_key: str | None  # None only for only_existing rows: any district in the plan
    school_key: str | None
    active: bool
    only_existing: bool
    cohort: str | None
    coach_email: str | None
    origin: Origin


@dataclass
class ImportPlan:
    format: str
    districts: list[DistrictPlan] = field(default_factory=list)
    schools: list[SchoolPlan] = field(default_factory=list)
    years: list[YearPlan] = field(default_factory=list)
    people: list[PersonPlan] = field(default_factory=list)
    teachers: list[TeacherPlan] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    ignored_files: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        """Steps when applying, for a progress bar."""
        return len(self.schools) + len(self.years) + len(self.people) + len(self.teachers)

    def skip(self, kind: str) -> None:
        self.skipped[kind] = self.skipped.get(kind, 0) + 1


_LEVEL_WORDS = [
    (SchoolLevel.elementary, re.compile(r"\belementary\b", re.I)),
    (SchoolLevel.middle, re.compile(r"\bmiddle\b", re.I)),
    (SchoolLevel.high, re.compile(r"\bhigh\b", re.I)),
]


def guess_level(name: str) -> SchoolLevel:
    """Neither OneRoster orgs nor our CSV must carry a level, so the name is the best hint."""
    for level, pattern in _LEVEL_WORDS:
        if pattern.search(name):
            return level
    return SchoolLevel.other


def email_problem(value: str) -> str | None:
    """A message when `value` is not a usable email address, else None."""
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        return f"{value!r} is not an email address ({exc})"
    return None


def _decode(source: SourceFile, problems: Problems) -> str | None:
    try:
        return source.data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = source.data[: exc.start].count(b"\n") + 1
        problems.add(source.name, line, FILE, "not UTF-8 text: save the file as 'CSV UTF-8'")
        return None


def read_csv(
    *,
    source: SourceFile,
    required: Sequence[str],
    optional: Sequence[str] = (),
    problems: Problems,
) -> list[Row]:
    """Rows of a CSV with a header; header names match case-insensitively, extras are ignored."""
    text = _decode(source, problems)
    if text is None:
        return []
    reader = csv.reader(io.StringIO(text, newline=""))
    known = {name.lower(): name for name in [*required, *optional]}
    try:
        header = next(reader, None)
        if header is None:
            problems.add(source.name, 1, FILE, "the file is empty; it needs a header line")
            return []
        columns = [known.get(name.strip().lower()) for name in header]
        bad_header = False
        for name in {c for c in columns if c and columns.count(c) > 1}:
            problems.add(source.name, 1, name, "this column appears more than once")
            bad_header = True
        for name in required:
            if name not in columns:
                problems.add(source.name, 1, name, "required column is missing from the header")
                bad_header = True
        if bad_header:
            return []
        rows: list[Row] = []
        while True:
            # A quoted value may span lines: a row starts on the line after the last one read.
            line = reader.line_num + 1
            values = next(reader, None)
            if values is None:
                return rows
            if not any(v.strip() for v in values):
                continue
            if len(values) > len(header):
                problems.add(
                    source.name,
                    line,
                    ROW,
                    f"{len(values)} values but the header has {len(header)} columns",
                )
                continue
            cells = {c: v.strip() for c, v in zip(columns, values, strict=False) if c}
            rows.append(Row(source.name, line, cells))
    except csv.Error as exc:
        problems.add(source.name, reader.line_num or 1, FILE, f"not readable as CSV ({exc})")
        return []


def check_length(*, row: Row, column: str, limit: int, problems: Problems) -> None:
    """Lengths the database columns allow, caught here rather than as a database error."""
    if len(row.get(column)) > limit:
        problems.at(row, column, f"at most {limit} characters")


def find_duplicates(*, rows: Sequence[Row], column: str, problems: Problems) -> None:
    """Report every repeat of a value that must be unique within the file."""
    first: dict[str, int] = {}
    for row in rows:
        value = row.get(column)
        if not value:
            continue
        key = value.lower() if column.lower().endswith("email") else value
        if key in first:
            problems.at(row, column, f"{value!r} is also on line {first[key]}")
        else:
            first[key] = row.line
