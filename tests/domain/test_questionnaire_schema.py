"""Questionnaire YAML: the shipped files, every kind of broken file, and the answer checks."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from survey.domain.questionnaires import (
    Problem,
    QuestionnaireDefinition,
    QuestionnaireError,
    check_questionnaire,
    load_questionnaire,
    parse_questionnaire,
)

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "questionnaire_fixtures"
SIPAS = ROOT / "questionnaires" / "sipas-service.yaml"
COUNTER = ROOT / "questionnaires" / "counter-quick.yaml"
MINIMAL = (FIXTURES / "valid_minimal.yaml").read_text(encoding="utf-8")


def problems_of(text, filename="test.yaml"):
    with pytest.raises(QuestionnaireError) as info:
        parse_questionnaire(text, filename)
    return info.value.problems


# ------------------------------------------------------------- broken files

BROKEN = [
    # (fixture, line, path, message fragment)
    ("duplicate_key", 14, "sections[0].items[0].label", "duplicate key 'label' (first given on line 13)"),
    ("tabs", 12, "", "tab character in indentation (column 7)"),
    ("syntax_error", 19, "", "YAML syntax error: expected ',' or '}'"),
    ("unknown_field", 12, "sections[0].items[0].requried", "unknown field 'requried'; did you mean 'required'?"),
    ("missing_version", 2, "version", "missing required field 'version'"),
    ("missing_vietnamese", 18, "sections[0].items[1].label.vi", "Vietnamese text (vi) is missing"),
    ("missing_translation", 18, "sections[0].items[1].label.en", "has no 'en' translation"),
    ("no_vietnamese_language", 4, "languages", "Vietnamese (vi) is required in languages"),
    ("duplicate_item_code", 25, "sections[0].items[3].code", "duplicate item code 'q2' (first used at sections[0].items[1], line 14)"),
    ("invalid_item_code", 25, "sections[0].items[3].code", "invalid item code 'Q-4'"),
    ("unknown_item_type", 26, "sections[0].items[3].type", "unknown item type 'txt'; did you mean 'text'?"),
    ("unknown_scale", 16, "sections[0].items[1].scale", "unknown scale 'satisfaction_5'; did you mean 'satisfaction5'?"),
    ("relevant_syntax_error", 17, "sections[0].items[1].relevant", "syntax error in expression at column 4: unexpected character '='; use '==' to compare"),
    ("relevant_unknown_item", 17, "sections[0].items[1].relevant", "unknown item 'q9' in expression"),
    ("relevant_forward_reference", 17, "sections[0].items[1].relevant", "item 'q4' comes later (sections[0].items[3], line 25); a condition may only refer to earlier items"),
    ("selected_on_single_choice", 27, "sections[0].items[3].relevant", "selected() needs a multiple-choice item; 'q1' is of type 'yesno'"),
    ("option_not_in_item", 17, "sections[0].items[1].relevant", "3 is not an option code of 'q1' (codes: 1, 2)"),
    ("duplicate_option_code", 24, "sections[0].items[2].options[1].code", "duplicate option code 'online' (already used by sections[0].items[2].options[0])"),
    ("index_unknown_item", 33, "indices.groups[0].items[1]", "unknown item 'q5' in index group items"),
    ("index_non_numeric_item", 33, "indices.groups[0].items[1]", "item 'q4' is of type 'text'"),
    ("index_satisfied_outside_scale", 34, "indices.groups[0].satisfied", "satisfied code 6 is not on the scale of item 'q2'"),
    ("index_weights_length", 35, "indices.groups[0].weights", "expected 1 weight (one per item of the group), got 2"),
    ("empty", 1, "", "the file is empty"),
    ("not_a_mapping", 2, "", "must be a mapping (key: value), not a list"),
]


@pytest.mark.parametrize("name, line, path, message", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_fixture_reports_line_path_and_message(name, line, path, message):
    filename = str(FIXTURES / f"{name}.yaml")
    with pytest.raises(QuestionnaireError) as info:
        load_questionnaire(filename)
    problems = info.value.problems
    matching = [p for p in problems if p.line == line and p.path == path and message in p.message]
    assert matching, "\n".join(map(str, problems))
    assert all(p.file == filename for p in problems)
    assert str(matching[0]).startswith(f"{filename}:{line}: ")
    assert str(info.value).count("\n") == len(problems)  # header + one line per problem


def test_every_fixture_is_listed():
    listed = {b[0] for b in BROKEN} | {"valid_minimal"}
    assert {p.stem for p in FIXTURES.glob("*.yaml")} == listed


def test_the_base_fixture_is_valid():
    q = load_questionnaire(FIXTURES / "valid_minimal.yaml")
    assert q.version == "3"
    assert [i.code for i in q.items] == ["q1", "q2", "q3", "q4"]


def test_problem_str_format():
    problem = Problem(
        "questionnaires/x.yaml",
        12,
        "sections[1].items[0].relevant",
        "unknown item 'q99' in expression",
    )
    assert (
        str(problem)
        == "questionnaires/x.yaml:12: sections[1].items[0].relevant: unknown item 'q99' in expression"
    )
    assert str(Problem("x.yaml", None, "", "cannot read file")) == "x.yaml: cannot read file"


def test_all_problems_are_reported_in_line_order():
    text = MINIMAL.replace("version: 3\n", "").replace(
        "        required: true\n", "        requried: true\n"
    )
    text = text.replace('relevant: "q1 == 1"', 'relevant: "q8 == 1"').replace(
        "items: [q2]", "items: [q2, q4]"
    )
    problems = problems_of(text)
    assert [(p.line, p.path) for p in problems] == [
        (1, "version"),
        (10, "sections[0].items[0].requried"),
        (15, "sections[0].items[1].relevant"),
        (31, "indices.groups[0].items[1]"),
    ]


def test_duplicate_key_keeps_the_first_and_reports_it_even_at_top_level():
    problems = problems_of("id: a\nid: b\n" + MINIMAL.split("\n", 1)[1])
    assert [str(p) for p in problems] == [
        "test.yaml:2: id: duplicate key 'id' (first given on line 1); YAML would silently keep only the last one"
    ]


def test_alias_bombs_and_deep_nesting_are_clean_errors():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for level in "bcdefgh":
        previous = chr(ord(level) - 1)
        bomb += f"{level}: &{level} [" + ", ".join([f"*{previous}"] * 10) + "]\n"
    problems = problems_of(bomb)
    assert any("expands to more than" in p.message for p in problems)
    deep = "id: " + "[" * 200 + "]" * 200 + "\n"
    assert any("nested more than" in p.message for p in problems_of(deep))
    recursive = "id: &loop [*loop]\n"
    assert problems_of(recursive)


@pytest.mark.parametrize("text", ["~\n", "null\n", "--- \n", "just text\n", "42\n"])
def test_a_document_that_is_not_a_mapping(text):
    problems = problems_of(text)
    assert len(problems) == 1 and problems[0].line in (1, 2)  # "--- " points after its line
    assert "empty" in problems[0].message or "must be a mapping" in problems[0].message


def test_unreadable_and_missing_files(tmp_path):
    with pytest.raises(QuestionnaireError) as info:
        load_questionnaire(tmp_path / "nope.yaml")
    assert "cannot read file" in str(info.value)
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes(b'id: x\ntitle: {vi: "Ph\xe9p"}\n')
    assert [p.line for p in check_questionnaire(bad)] == [2]
    assert "not valid UTF-8" in check_questionnaire(bad)[0].message


# Smaller cases written inline: (replace old with new in the valid file) -> (path, message fragment)
INLINE = [
    ("version: 3", "version: [3]", "version", "version must be a number or text"),
    ("id: minimal", "id: Minimal Form", "id", "invalid questionnaire id 'Minimal Form'"),
    (
        "languages: [vi, en]",
        "languages: [vi, en, en]",
        "languages[2]",
        "language 'en' is listed twice",
    ),
    (
        'title: {vi: "Phiếu thử", en: "Test form"}',
        'title: {vi: "Phiếu thử", en: "Test form", fr: "Test"}',
        "title.fr",
        "language 'fr' is not declared in languages (vi, en)",
    ),
    (
        'title: {vi: "Phiếu thử", en: "Test form"}',
        'title: "Phiếu thử"',
        "title",
        'title must be a mapping of language to text, e.g. {vi: "...", en: "..."}',
    ),
    (
        'title: {vi: "Phiếu thử", en: "Test form"}',
        'title: {vi: "  ", en: "Test form"}',
        "title.vi",
        "title (vi) is empty",
    ),
    (
        "        required: true\n",
        "        required: sometimes\n",
        "sections[0].items[0].required",
        "'required' must be true or false, not 'sometimes'",
    ),
    (
        "        type: yesno\n",
        "        type: yesno\n        options: []\n",
        "sections[0].items[0].options",
        "field 'options' does not apply to items of type 'yesno'",
    ),
    ("  - code: main\n", "  - code: Main\n", "sections[0].code", "invalid section code 'Main'"),
    (
        "      - code: q1\n",
        "      - code: not\n",
        "sections[0].items[0].code",
        "item code 'not' is a reserved word",
    ),
    (
        'relevant: "q1 == 1"',
        "relevant: \"q1 == '1'\"",
        "sections[0].items[1].relevant",
        "'q1' has numeric answers; compare it with a number",
    ),
    (
        'relevant: "q1 == 1"',
        'relevant: "q2 == 1"',
        "sections[0].items[1].relevant",
        "the condition of item 'q2' refers to the item itself",
    ),
    (
        'relevant: "q1 == 1"',
        "relevant: 1",
        "sections[0].items[1].relevant",
        "relevant must be an expression in quotes",
    ),
    (
        "relevant: \"selected(q3, 'other')\"",
        'relevant: "q3 == 1"',
        "sections[0].items[3].relevant",
        "'q3' is a multiple-choice item; use selected(q3, <option code>)",
    ),
    (
        "relevant: \"selected(q3, 'other')\"",
        "relevant: \"selected(q3, 'else')\"",
        "sections[0].items[3].relevant",
        "'else' is not an option code of 'q3' (codes: 'online', 'other')",
    ),
    (
        "      - code: q4\n        type: text\n",
        "      - code: q4\n        type: number\n        min: 5\n        max: 1\n",
        "sections[0].items[3].min",
        "min (5) is larger than max (1)",
    ),
    (
        "          - {code: other,",
        "          - {code: 2,",
        "sections[0].items[2].options",
        "option codes of one item must be all numbers or all text codes",
    ),
    (
        "        type: multiple\n",
        "        type: single\n",
        "sections[0].items[2].options[0].code",
        "option code must be a whole number, not text ('online')",
    ),
    (
        "      items: [q2]\n",
        "      items: [q2]\n      aggregation: item\n",
        "indices.groups[0].general_item",
        "aggregation 'item' needs general_item",
    ),
    (
        "      items: [q2]\n",
        "      items: [q2]\n      general_item: q4\n",
        "indices.groups[0].general_item",
        "item 'q4' is of type 'text'",
    ),
    (
        "      items: [q2]\n",
        "      items: [q2]\n      weights: [1]\n",
        "indices.groups[0].weights",
        "weights are only used with aggregation: weighted (here: mean)",
    ),
    (
        "      items: [q2]\n",
        "      items: [q2]\n      aggregation: median\n",
        "indices.groups[0].aggregation",
        "unknown aggregation 'median' (one of: mean, weighted, pooled, item)",
    ),
    (
        "      items: [q2]\n",
        "      items: [q2]\n  overall: {aggregation: item}\n",
        "indices.overall.item",
        "aggregation 'item' needs item",
    ),
    (
        "      items: [q2]\n",
        "      items: [q2]\n  overall: {aggregation: weighted, weights: [1, 1]}\n",
        "indices.overall.weights",
        "expected 1 weight (one per group with in_overall: true), got 2",
    ),
    (
        "      items: [q2]\n",
        "      items: [q2]\n      in_overall: false\n",
        "indices.overall",
        "no index group has in_overall: true",
    ),
    (
        "indices:\n",
        "indices:\n  satisfied: [4, 5]\n  valid: [1, 2, 3, 4]\n",
        "indices.satisfied",
        "satisfied code 5 is not among the valid codes (1, 2, 3, 4)",
    ),
    (
        "indices:\n",
        "indices:\n  valid: [1, 2, 3, 4, 5, 6]\n",
        "indices.groups[0].items[0]",
        "valid code 6 is not on the scale of item 'q2' (codes: 1, 2, 3, 4, 5, 9) (inherited from indices.valid",
    ),
    (
        "        not_experienced: true\n",
        "        scale: yesno\n",
        "sections[0].items[1].scale",
        "items of type 'satisfaction' need a 5-point scale; scale 'yesno' has 2 options",
    ),
    (
        "indices:\n",
        'scales:\n  agree:\n    options:\n      - {code: 1, label: {vi: "Có"}}\nindices:\n',
        "scales.agree.options[0].label.en",
        "option label has no 'en' translation",
    ),
]


@pytest.mark.parametrize("old, new, path, message", INLINE, ids=[c[3][:40] for c in INLINE])
def test_inline_broken_variants(old, new, path, message):
    assert old in MINIMAL
    problems = problems_of(MINIMAL.replace(old, new, 1))
    assert any(p.path == path and message in p.message for p in problems), "\n".join(
        map(str, problems)
    )
    assert all(p.line is not None and p.line >= 1 for p in problems)


def test_a_scale4_group_must_override_the_default_valid_codes():
    text = MINIMAL.replace(
        "      - code: q3\n",
        "      - code: e1\n        type: scale4\n        scale: expectation4\n"
        '        label: {vi: "Mong đợi", en: "Expectation"}\n      - code: q3\n',
    ).replace(
        "      items: [q2]\n",
        '      items: [q2]\n    - code: exp\n      label: {vi: "Mong đợi", en: "E"}\n'
        "      items: [e1]\n      in_overall: false\n",
    )
    problems = problems_of(text)
    assert [p.path for p in problems] == ["indices.groups[1].items[0]"]
    assert "set valid: for this group" in problems[0].message
    fixed = text.replace(
        "      in_overall: false\n",
        "      in_overall: false\n      satisfied: [3, 4]\n      valid: [1, 2, 3, 4]\n",
    )
    q = parse_questionnaire(fixed)
    assert q.indices["groups"][1] == {
        "code": "exp",
        "label": {"vi": "Mong đợi", "en": "E"},
        "items": ["e1"],
        "aggregation": "mean",
        "satisfied": [3, 4],
        "valid": [1, 2, 3, 4],
        "in_overall": False,
    }


def test_yaml_booleans_in_labels_keep_their_text():
    # YAML 1.1 reads an unquoted Yes as true; a label means the text
    q = parse_questionnaire(
        MINIMAL.replace('en: "Have you ever completed a procedure?"', "en: Yes")
    )
    assert q.item("q1").label("en") == "Yes"


def test_version_keeps_the_written_text():
    assert parse_questionnaire(MINIMAL.replace("version: 3", "version: 1.10")).version == "1.10"
    assert (
        parse_questionnaire(MINIMAL.replace("version: 3", 'version: "2025.1"')).version == "2025.1"
    )
    assert (
        parse_questionnaire(MINIMAL.replace("version: 3", "version: 2025-07-01")).version
        == "2025-07-01"
    )


# ----------------------------------------------------------- shipped files


@pytest.mark.parametrize("path", [SIPAS, COUNTER], ids=["sipas-service", "counter-quick"])
def test_shipped_questionnaires_are_valid_and_bilingual(path):
    q = load_questionnaire(path)
    assert q.languages == ("vi", "en")
    assert q.title("vi") and q.title("en") != q.title("vi")
    for item in q.items:
        assert item.label("vi") and item.label("en"), item.code
        for code, label in item.options:
            assert label["vi"] and label["en"], (item.code, code)
    assert check_questionnaire(path) == []


def test_sipas_service_structure():
    q = load_questionnaire(SIPAS)
    assert q.id == "sipas-service" and q.version == "1"
    groups = {g["code"]: g for g in q.indices["groups"]}
    sizes = {code: len(g["items"]) for code, g in groups.items()}
    assert sizes == {
        "access": 3,
        "procedures": 4,
        "staff": 3,
        "results": 3,
        "feedback": 3,
        "expectations": 10,
    }
    for code in ("access", "procedures", "staff", "results", "feedback"):
        assert groups[code]["in_overall"] is True
        assert q.item(groups[code]["general_item"]).type == "satisfaction"
        assert all(q.item(c).type == "satisfaction" for c in groups[code]["items"])
    assert groups["expectations"]["in_overall"] is False
    assert {q.item(c).type for c in groups["expectations"]["items"]} == {"scale4"}
    assert q.indices["satisfied"] == [4, 5] and q.indices["overall"]["item"] == "overall"
    for code in ("gender", "ethnicity", "age_band", "education", "occupation"):
        assert q.item(code).type == "single" and q.item(code).required
    assert q.item("comment").type == "text"
    # the feedback group is asked only of those who gave feedback
    for code in ["f1", "f2", "f3", "f0"]:
        assert q.item(code).relevant == "gave_feedback == 1"
    # "not experienced" is offered on some items but never valid for the index
    a1 = q.item("a1")
    assert a1.option_codes[-1] == 9 and a1.option_label(9, "vi") == "Chưa trải qua"
    assert 9 not in q.indices["valid"]
    assert q.item("a1").option_label(1) == "Rất không hài lòng"
    assert q.item("a1").option_label(5, "en") == "Very satisfied"


def test_counter_quick_follow_up_only_for_low_ratings():
    q = load_questionnaire(COUNTER)
    assert q.numeric_items == ["rating"]
    for rating, asked in [(1, True), (3, True), (4, False), (5, False)]:
        assert q.is_relevant("problems", {"rating": rating}) is asked
    assert (
        q.validate_answers(
            {"rating": 2, "problems": ["waiting", "other"], "comment": "Chờ 2 tiếng"}
        )
        == {}
    )
    assert q.validate_answers({"rating": 5}) == {}
    assert set(q.validate_answers({"rating": 5, "problems": ["waiting"]})) == {"problems"}


# ----------------------------------------------------------- the API object


def test_definition_is_normalised_json_with_defaults():
    q = parse_questionnaire(MINIMAL)
    d = q.definition
    assert json.loads(q.canonical_json()) == d
    assert d["schema_version"] == 1 and d["version"] == "3"
    q1, q2, q3, q4 = d["sections"][0]["items"]
    assert q1["required"] is True and q1["relevant"] is None and q1["scale"] == "yesno"
    assert q2["relevant_ast"] == {
        "op": "==",
        "left": {"op": "var", "name": "q1"},
        "right": {"op": "const", "value": 1},
    }
    assert [o["code"] for o in q2["options"]] == [1, 2, 3, 4, 5, 9]
    assert q3["options"][1] == {
        "code": "other",
        "label": {"vi": "Khác", "en": "Other"},
        "exclusive": False,
    }
    assert q4["max_length"] == 2000 and q4["multiline"] is False
    assert set(d["scales"]) == {"satisfaction5", "yesno"}
    assert d["indices"] == {
        "satisfied": [4, 5],
        "valid": [1, 2, 3, 4, 5],
        "groups": [
            {
                "code": "main",
                "label": {"vi": "Chung", "en": "General"},
                "items": ["q2"],
                "aggregation": "mean",
                "satisfied": [4, 5],
                "valid": [1, 2, 3, 4, 5],
                "in_overall": True,
            }
        ],
        "overall": {"aggregation": "mean"},
    }


def test_canonical_json_and_hash_ignore_formatting_but_not_content():
    q = parse_questionnaire(MINIMAL)
    reformatted = parse_questionnaire(
        "# a comment\n"
        + MINIMAL.replace(
            '{vi: "Phiếu thử", en: "Test form"}', '\n  en: "Test form"\n  vi: "Phiếu thử"'
        )
    )
    assert reformatted.canonical_json() == q.canonical_json()
    assert reformatted.content_hash == q.content_hash
    assert len(q.content_hash) == 64
    changed = parse_questionnaire(MINIMAL.replace("Test form", "Test form 2"))
    assert changed.content_hash != q.content_hash
    assert '"Phiếu thử"' in q.canonical_json() and ", " not in q.canonical_json()[:200]


def test_from_definition_round_trip():
    q = load_questionnaire(SIPAS)
    again = QuestionnaireDefinition.from_definition(q.canonical_json())
    assert again.content_hash == q.content_hash
    assert [i.code for i in again.items] == [i.code for i in q.items]
    assert again.item("f1").expression == q.item("f1").expression
    assert again.validate_answers({"gender": 1}) == q.validate_answers({"gender": 1})


def test_languages_vi_first_and_title_fallback():
    q = parse_questionnaire(MINIMAL.replace("languages: [vi, en]", "languages: [en, vi]"))
    assert q.languages == ("vi", "en")
    assert q.title("en") == "Test form" and q.title("fr") == "Phiếu thử"
    assert q.item("q1").label("fr") == q.item("q1").label("vi")


def test_numeric_items_in_order():
    q = load_questionnaire(SIPAS)
    numeric = q.numeric_items
    assert numeric[:5] == ["gender", "ethnicity", "age_band", "education", "occupation"]
    assert "feedback_channels" not in numeric and "comment" not in numeric and "visits" in numeric
    assert numeric == [
        i.code for i in q.items if i.type in {"satisfaction", "scale4", "yesno", "single", "number"}
    ]


def test_item_lookup():
    q = parse_questionnaire(MINIMAL)
    assert q.item("q2").section == "main" and q.item("q2").relevant == "q1 == 1"
    with pytest.raises(KeyError, match="no item 'zz'"):
        q.item("zz")


# --------------------------------------------------------- answer checking


@pytest.fixture(scope="module")
def sipas():
    return load_questionnaire(SIPAS)


def complete_answers(**changes):
    answers = {
        "gender": 2,
        "ethnicity": 1,
        "age_band": 3,
        "education": 6,
        "occupation": 4,
        "channel": 1,
        "visits": 2,
        "obstructed": 2,
        "unofficial_payment": 2,
        "gave_feedback": 2,
    }
    for code in [
        "a1",
        "a2",
        "a3",
        "a0",
        "p1",
        "p2",
        "p3",
        "p4",
        "p0",
        "s1",
        "s2",
        "s3",
        "s0",
        "r1",
        "r2",
        "r3",
        "r0",
        "overall",
    ]:
        answers[code] = 4
    answers.update(changes)
    return {k: v for k, v in answers.items() if v is not None}


def test_complete_answers_are_valid(sipas):
    assert sipas.validate_answers(complete_answers()) == {}
    assert sipas.validate_answers(complete_answers(a1=9, p3=9, comment="Tốt", e1=4)) == {}


@pytest.mark.parametrize(
    "changes, code, key, fragment",
    [
        ({"zz": 1}, "zz", "unknown_item", "unknown item 'zz'"),
        ({"gender": None}, "gender", "required", "required"),
        ({"gender": "2"}, "gender", "wrong_type", "expected one option code"),
        ({"gender": True}, "gender", "wrong_type", "expected one option code"),
        (
            {"gender": 7},
            "gender",
            "unknown_option",
            "7 is not an option of this item (options: 1, 2, 3)",
        ),
        (
            {"r1": 9},
            "r1",
            "unknown_option",
            "9 is not an option",
        ),  # no "not experienced" on results
        ({"visits": 51}, "visits", "above_max", "at most 50"),
        ({"visits": -1}, "visits", "below_min", "at least 0"),
        ({"visits": 1.5}, "visits", "not_integer", "whole number"),
        ({"visits": float("nan")}, "visits", "wrong_type", "expected a number"),
        ({"comment": "x" * 2001}, "comment", "too_long", "2001 characters; at most 2000"),
        ({"comment": 5}, "comment", "wrong_type", "expected text"),
        ({"f1": 5}, "f1", "not_relevant", "does not apply (condition: gave_feedback == 1)"),
        ({"gave_feedback": 1}, "f1", "required", "required"),
        (
            {"gave_feedback": 1, "feedback_channels": "hotline"},
            "feedback_channels",
            "wrong_type",
            "list",
        ),
        (
            {"gave_feedback": 1, "feedback_channels": ["fax"]},
            "feedback_channels",
            "unknown_option",
            "'fax'",
        ),
        (
            {"gave_feedback": 1, "feedback_channels": ["hotline", "hotline"]},
            "feedback_channels",
            "duplicate_choice",
            "chosen twice",
        ),
        ({"e1": 5}, "e1", "unknown_option", "options: 1, 2, 3, 4"),
    ],
)
def test_answer_problems(sipas, changes, code, key, fragment):
    errors = sipas.validate_answers(complete_answers(**changes))
    assert code in errors, errors
    assert errors[code].key == key and fragment in errors[code]
    assert isinstance(errors[code], str)


def test_feedback_branch_complete(sipas):
    answers = complete_answers(
        gave_feedback=1, feedback_channels=["hotline", "portal"], f1=3, f2=4, f3=5, f0=4
    )
    assert sipas.validate_answers(answers) == {}


def test_answers_to_items_that_no_longer_apply_count_as_missing():
    text = MINIMAL.replace(
        "      - code: q3\n",
        '      - code: q2b\n        type: text\n        relevant: "q2 <= 2"\n'
        '        label: {vi: "Vì sao?", en: "Why?"}\n      - code: q3\n',
    )
    q = parse_questionnaire(text)
    assert q.is_relevant("q2b", {"q1": 1, "q2": 1})
    # q2 no longer applies once q1 is "no", so its stale answer cannot switch q2b on
    assert not q.is_relevant("q2b", {"q1": 2, "q2": 1})
    assert q.relevant_answers({"q1": 2, "q2": 1, "q2b": "x", "zz": 1}) == {"q1": 2}
    errors = q.validate_answers({"q1": 2, "q2": 1, "q2b": "x"})
    assert set(errors) == {"q2", "q2b"} and errors["q2"].key == "not_relevant"


def test_exclusive_and_choice_limits():
    text = MINIMAL.replace(
        '          - {code: other, label: {vi: "Khác", en: "Other"}}\n',
        '          - {code: other, label: {vi: "Khác", en: "Other"}}\n'
        '          - {code: none, exclusive: true, label: {vi: "Không có", en: "None"}}\n',
    ).replace("        type: multiple\n", "        type: multiple\n        max_choices: 2\n")
    q = parse_questionnaire(text)
    assert q.validate_answers({"q1": 2, "q3": ["none"]}) == {}
    assert q.validate_answers({"q1": 2, "q3": ["none", "online"]})["q3"].key == "exclusive_choice"
    assert (
        q.validate_answers({"q1": 2, "q3": ["online", "other", "none"]})["q3"].key
        == "too_many_choices"
    )


def test_validate_answers_rejects_non_mapping(sipas):
    with pytest.raises(TypeError):
        sipas.validate_answers([("gender", 1)])


def test_package_does_not_import_flask_or_the_database():
    # load the package without survey/__init__.py (the Flask app) to see what it pulls in by itself
    code = (
        "import sys, types; pkg = types.ModuleType('survey'); pkg.__path__ = ['survey']; "
        "sys.modules['survey'] = pkg; import survey.domain.questionnaires as q; "
        "q.load_questionnaire('questionnaires/sipas-service.yaml'); "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'flask_sqlalchemy', 'alembic')]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_the_example_in_schema_md_is_valid():
    text = (ROOT / "questionnaires" / "SCHEMA.md").read_text(encoding="utf-8")
    example = (
        text.split("## A small complete example", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    )
    q = parse_questionnaire(example, "SCHEMA.md")
    assert q.id == "example" and q.numeric_items == ["visited", "waiting_area"]
    assert q.is_relevant("why_none", {"channels": ["none"]})
    assert q.validate_answers(
        {"visited": 1, "waiting_area": 9, "channels": ["none", "online"]}
    ) == {"channels": "option 'none' cannot be combined with other options"}
    scales = (
        text.split("A file may declare its own", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    )
    with_scale = example.replace("sections:\n", scales + "\nsections:\n").replace(
        "        type: yesno\n", "        type: scale4\n        scale: agree4\n"
    )
    assert [c for c, _ in parse_questionnaire(with_scale).item("visited").options] == [1, 2, 3, 4]
