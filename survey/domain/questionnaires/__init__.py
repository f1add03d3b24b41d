"""Questionnaire definitions: YAML loading, validation and the `relevant` expression language.

Pure Python + PyYAML; no Flask and no database, so the CLI, the models and the tests can all use it.
"""

from .definition import AnswerProblem, Item, QuestionnaireDefinition, Section
from .expressions import Expression, ExpressionError, parse_expression
from .loading import (
    Problem,
    QuestionnaireError,
    check_questionnaire,
    load_questionnaire,
    parse_questionnaire,
    parse_questionnaire_bytes,
)

__all__ = [
    "AnswerProblem",
    "Expression",
    "ExpressionError",
    "Item",
    "Problem",
    "QuestionnaireDefinition",
    "QuestionnaireError",
    "Section",
    "check_questionnaire",
    "load_questionnaire",
    "parse_expression",
    "parse_questionnaire",
    "parse_questionnaire_bytes",
]
