"""What a statistic returns instead of a number when it cannot honestly give one."""

from dataclasses import dataclass


@dataclass(frozen=True)
class NoEstimate:
    """No number: `reason` says why, in a sentence fit to show a coach or a principal."""

    reason: str

    def __str__(self) -> str:
        return self.reason


@dataclass(frozen=True)
class TooFewObservations(NoEstimate):
    """The data are too few (or too alike) for the statistic to mean anything."""


@dataclass(frozen=True)
class DidNotConverge(NoEstimate):
    """The model was fitted but its optimizer never settled: its numbers would be garbage."""


def count_words(n: int, singular: str, plural: str | None = None) -> str:
    """'1 teacher', '3 teachers', 'no teachers'."""
    many = plural if plural is not None else singular + "s"
    if n == 0:
        return f"no {many}"
    return f"{n} {singular if n == 1 else many}"
