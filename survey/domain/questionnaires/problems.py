"""A problem in a questionnaire file (file:line, field path, message); the error listing them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Problem", "QuestionnaireError", "sorted_problems"]


@dataclass(frozen=True)
class Problem:
    """One problem in a questionnaire file; `line` is 1-based (None when unknown)."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class QuestionnaireError(Exception):
    """A questionnaire file with problems; `problems` lists all of them, in file order."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = list(problems)
        count = len(self.problems)
        header = f"{count} problem{'s' if count != 1 else ''} found"
        super().__init__("\n".join([header, *map(str, self.problems)]))


def sorted_problems(problems: list[Problem]) -> list[Problem]:
    """The problems once each, in file order (those without a line last)."""
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.line is None, p.line or 0))
