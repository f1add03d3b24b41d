"""The online form one section per page, without JavaScript.

Every page carries every answer in the one form (the other sections are only
``hidden``), so nothing is stored before the final "send", which goes through
the one response write path. "Next" checks the answers of the page on screen;
"back" checks nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from survey.domain.questionnaires import QuestionnaireDefinition

GO_NEXT, GO_BACK, GO_SEND = "next", "back", "send"
# Seconds a respondent needs per question, by type (reading and tapping on a phone).
SECONDS_PER_ITEM = {"text": 45, "number": 12, "multiple": 15}
SECONDS_PER_CHOICE = 9


@dataclass(frozen=True)
class PageState:
    """What the form shows: one section (``step``) or, after a refused send, all of them (``step`` None)."""

    step: str | None
    steps: tuple[str, ...]

    @property
    def number(self) -> int:
        return self.steps.index(self.step) + 1 if self.step in self.steps else 0

    @property
    def is_first(self) -> bool:
        return self.number <= 1

    @property
    def is_last(self) -> bool:
        return self.step is None or self.number == len(self.steps)


def applicable_steps(questionnaire: QuestionnaireDefinition, answers: dict[str, Any]) -> tuple[str, ...]:
    """The sections with at least one question that applies, given the answers so far."""
    relevance = questionnaire.relevance(answers)
    return tuple(s.code for s in questionnaire.sections if any(relevance[code] for code in s.items))


def first_page(questionnaire: QuestionnaireDefinition) -> PageState:
    steps = applicable_steps(questionnaire, {})
    return PageState(steps[0] if steps else None, steps)


def step_errors(
    questionnaire: QuestionnaireDefinition, answers: dict[str, Any], step: str
) -> dict[str, Any]:
    """The questionnaire's problems with the answers of one section."""
    codes = next((set(s.items) for s in questionnaire.sections if s.code == step), set())
    return {code: problem for code, problem in questionnaire.validate_answers(answers).items() if code in codes}


def move(
    questionnaire: QuestionnaireDefinition, answers: dict[str, Any], step: str | None, go: str
) -> tuple[PageState, dict[str, Any]]:
    """The page after "next" or "back" from ``step``, and the problems that keep the respondent on it."""
    steps = applicable_steps(questionnaire, answers)
    if step not in steps:  # a page that no longer applies (an earlier answer changed): its nearest earlier page
        order = [s.code for s in questionnaire.sections]
        before = [s for s in steps if step in order and order.index(s) < order.index(step)]
        step = before[-1] if before else (steps[0] if steps else None)
        return PageState(step, steps), {}
    index = steps.index(step)
    if go == GO_BACK:
        return PageState(steps[max(index - 1, 0)], steps), {}
    errors = step_errors(questionnaire, answers, step)
    if errors or index + 1 >= len(steps):
        return PageState(step, steps), errors
    return PageState(steps[index + 1], steps), {}


def review_page(questionnaire: QuestionnaireDefinition, answers: dict[str, Any]) -> PageState:
    """After a refused send every section is shown, so each error in the summary can be reached."""
    return PageState(None, applicable_steps(questionnaire, answers))


def minutes_needed(questionnaire: QuestionnaireDefinition) -> int:
    """An honest estimate of the time to answer every question, rounded up to whole minutes."""
    seconds = sum(SECONDS_PER_ITEM.get(item.type, SECONDS_PER_CHOICE) for item in questionnaire.items)
    return max(1, math.ceil(seconds / 60))
