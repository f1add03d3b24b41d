"""Load a questionnaire YAML file and validate it, reporting every problem with line and path."""

from __future__ import annotations

from pathlib import Path

from .definition import QuestionnaireDefinition
from .problems import Problem, QuestionnaireError, sorted_problems
from .validation import Validator
from .yaml_reading import read_yaml

__all__ = [
    "Problem",
    "QuestionnaireError",
    "check_questionnaire",
    "load_questionnaire",
    "parse_questionnaire",
    "parse_questionnaire_bytes",
]


def parse_questionnaire(text: str, filename: str = "<string>") -> QuestionnaireDefinition:
    """Validate questionnaire YAML text; raise QuestionnaireError listing every problem found."""
    data, doc = read_yaml(text, filename)
    definition = None
    if data is not None or not doc.problems:
        definition = Validator(data, doc).run()
    if doc.problems or definition is None:
        raise QuestionnaireError(sorted_problems(doc.problems))
    return QuestionnaireDefinition(definition, filename=filename, source=text)


def load_questionnaire(path: str | Path) -> QuestionnaireDefinition:
    """Read and validate a questionnaire file; raise QuestionnaireError listing every problem found."""
    filename = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise QuestionnaireError(
            [Problem(filename, None, "", f"cannot read file: {exc.strerror or exc}")]
        ) from None
    return parse_questionnaire_bytes(raw, filename)


def parse_questionnaire_bytes(raw: bytes, filename: str) -> QuestionnaireDefinition:
    """Validate the bytes of a questionnaire file (an upload); raise QuestionnaireError listing every problem."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise QuestionnaireError(
            [Problem(filename, line, "", "the file is not valid UTF-8 text")]
        ) from None
    return parse_questionnaire(text, filename)


def check_questionnaire(path: str | Path) -> list[Problem]:
    """All problems of a questionnaire file; an empty list means it is valid."""
    try:
        load_questionnaire(path)
    except QuestionnaireError as exc:
        return exc.problems
    return []
