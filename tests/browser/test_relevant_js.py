"""The browser's `relevant` evaluator (survey/static/js/relevant.js) agrees with the server's.

Thousands of conditions × answer sets are evaluated by
survey.domain.questionnaires.expressions in Python and by relevant.js in Chromium, and
the results compared one by one: a fixed seeded corpus, a Hypothesis search,
and whole-questionnaire relevance on the shipped questionnaires.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey.domain.questionnaires import Expression, load_questionnaire, parse_expression
from survey.domain.questionnaires.expressions import (
    And,
    Answered,
    Compare,
    Const,
    In,
    Not,
    Or,
    Selected,
    Var,
)

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
RELEVANT_JS = ROOT / "survey" / "static" / "js" / "relevant.js"
CODES = ["q1", "q2", "q3", "q4"]
LITERALS = [0, 1, 2, 3, -1, 5, 9, 1.0, 2.5, -0.5, 1e15, "", "1", "a", "other", "Có", "b c"]
ANSWER_VALUES = [
    0, 1, 2, 3, -1, 5, 9, 1.0, 2.5, -0.5, 1e15, 2**40, True, False,
    "", "1", "a", "other", "Có", "b c", None,
    [], [1], [1, 2], [2, 3, 9], ["other"], ["a", "other"], [1, "a"], [1.0], [[1]], {}, {"a": 1},
]
COMPARE_OPS = ["==", "!=", "<", "<=", ">", ">="]


@pytest.fixture(scope="module")
def js():
    """A Chromium page with relevant.js loaded; returns a function evaluating a batch."""
    from tests.browser import chromium

    browser = chromium.acquire()
    page = browser.new_page()
    page.set_content("<!doctype html><title>relevant.js</title>")
    page.add_script_tag(path=str(RELEVANT_JS))

    def evaluate(cases: list[tuple[dict, dict]]) -> list[bool]:
        return page.evaluate(
            "cases => cases.map(([ast, answers]) => SipasRelevant.evaluate(ast, answers))",
            [[ast, answers] for ast, answers in cases],
        )

    evaluate.page = page
    yield evaluate
    page.close()
    chromium.release()


# ------------------------------------------------------------ random expressions


def _operand(rng: random.Random):
    return Var(rng.choice(CODES)) if rng.random() < 0.6 else Const(rng.choice(LITERALS))


def _condition(rng: random.Random, depth: int):
    kind = rng.random()
    if depth > 0 and kind < 0.3:
        args = tuple(_condition(rng, depth - 1) for _ in range(rng.randint(2, 3)))
        return And(args) if rng.random() < 0.5 else Or(args)
    if depth > 0 and kind < 0.4:
        return Not(_condition(rng, depth - 1))
    kind = rng.random()
    if kind < 0.45:
        op = rng.choice(COMPARE_OPS)
        left, right = _operand(rng), _operand(rng)
        if op not in ("==", "!="):  # the parser refuses ordering against text constants
            left, right = (Var(x.name) if isinstance(x, Var) else Const(rng.choice([0, 1, 2.5, -1, 9]))
                           for x in (left, right))
        return Compare(op, left, right)
    if kind < 0.7:
        values = tuple(rng.choice(LITERALS) for _ in range(rng.randint(1, 4)))
        return In(_operand(rng), values, rng.random() < 0.5)
    if kind < 0.85:
        return Selected(rng.choice(CODES), rng.choice(LITERALS))
    return Answered(rng.choice(CODES))


def _answers(rng: random.Random) -> dict:
    return {code: rng.choice(ANSWER_VALUES) for code in CODES if rng.random() < 0.75}


def _python(ast: dict, answers: dict) -> bool:
    return Expression.from_dict(ast).evaluate(answers)


def _mismatches(js, cases):
    got = js(cases)
    return [(case, expected, actual) for case, expected, actual in
            zip(cases, (_python(*c) for c in cases), got) if expected != actual]


def test_fixed_corpus_gives_the_same_results_in_python_and_chromium(js):
    rng = random.Random(20260701)
    cases = []
    for _ in range(600):
        expression = Expression(_condition(rng, depth=3))
        # The tree survives the text form too: what an author writes is what the browser gets.
        assert parse_expression(expression.to_source()) == expression
        ast = json.loads(json.dumps(expression.to_dict()))
        cases.extend((ast, _answers(rng)) for _ in range(10))
    mismatches = _mismatches(js, cases)
    assert mismatches == [], f"{len(mismatches)} of {len(cases)} differ, e.g. {mismatches[:3]}"
    results = [_python(*c) for c in cases]
    assert 0.2 < sum(results) / len(results) < 0.8  # the corpus exercises both outcomes


def test_documented_semantics_in_chromium(js):
    cases = {
        "q1 != 1": ({}, False),  # a missing answer makes every comparison false
        "not q1 == 1": ({}, True),
        "q1 not in [1, 2]": ({"q1": ""}, False),
        "q1 == 1": ({"q1": 1.0}, True),
        "q1 == '1'": ({"q1": 1}, False),  # text and numbers are never equal
        "q1 != '1'": ({"q1": 1}, True),
        "q1 < 3": ({"q1": "2"}, False),  # nor ordered
        "selected(q2, 'other')": ({"q2": ["a", "other"]}, True),
        "selected(q2, 1)": ({"q2": [True]}, False),
        "answered(q2)": ({"q2": []}, False),
        "q1 in [1, 2] and not selected(q2, 'x')": ({"q1": 2, "q2": None}, True),
    }
    asts = [(parse_expression(src).to_dict(), answers) for src, (answers, _) in cases.items()]
    assert js(asts) == [expected for _, expected in cases.values()]


# --------------------------------------------------------------- Hypothesis

literal = st.one_of(st.integers(-5, 12), st.sampled_from([0.5, 1.0, -2.5]), st.sampled_from(["", "a", "1", "other"]))
answer = st.one_of(
    literal, st.none(), st.booleans(), st.lists(literal, max_size=3), st.just({}),
)
operand = st.one_of(st.sampled_from(CODES).map(Var), literal.map(Const))
number_operand = st.one_of(st.sampled_from(CODES).map(Var), st.integers(-5, 12).map(Const))
leaf = st.one_of(
    st.builds(Compare, st.sampled_from(["==", "!="]), operand, operand),
    st.builds(Compare, st.sampled_from(["<", "<=", ">", ">="]), number_operand, number_operand),
    st.builds(In, operand, st.lists(literal, min_size=1, max_size=3).map(tuple), st.booleans()),
    st.builds(Selected, st.sampled_from(CODES), literal),
    st.builds(Answered, st.sampled_from(CODES)),
)
node = st.recursive(
    leaf,
    lambda inner: st.one_of(
        st.builds(Not, inner),
        st.lists(inner, min_size=2, max_size=3).map(lambda args: And(tuple(args))),
        st.lists(inner, min_size=2, max_size=3).map(lambda args: Or(tuple(args))),
    ),
    max_leaves=6,
)
case = st.tuples(node.map(lambda n: Expression(n).to_dict()), st.dictionaries(st.sampled_from(CODES), answer))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(case, min_size=40, max_size=40))
def test_hypothesis_finds_no_difference(js, cases):
    assert _mismatches(js, cases) == []


# -------------------------------------------------- whole questionnaires in order


@pytest.mark.parametrize("name", ["sipas-service", "counter-quick"])
def test_questionnaire_relevance_matches(js, name):
    questionnaire = load_questionnaire(ROOT / "questionnaires" / f"{name}.yaml")
    items = [
        {"code": raw["code"], "relevant_ast": raw.get("relevant_ast")}
        for section in questionnaire.definition["sections"]
        for raw in section["items"]
    ]
    rng = random.Random(7)
    answer_sets = []
    for _ in range(300):
        answers = {}
        for item in questionnaire.items:
            if rng.random() < 0.2:
                continue
            if item.type == "multiple":
                answers[item.code] = rng.sample(item.option_codes, rng.randint(0, 2))
            elif item.option_codes:
                answers[item.code] = rng.choice(item.option_codes)
            elif item.type == "number":
                answers[item.code] = rng.choice([0, 1, 3.5])
            else:
                answers[item.code] = rng.choice(["", "ý kiến"])
        answer_sets.append(answers)
    got = js.page.evaluate(
        "([items, sets]) => sets.map(a => SipasRelevant.relevance(items, a))", [items, answer_sets]
    )
    expected = [questionnaire.relevance(answers) for answers in answer_sets]
    assert got == expected
    assert any(not all(r.values()) for r in expected) or name == "counter-quick"
