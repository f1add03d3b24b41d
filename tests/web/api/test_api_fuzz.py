"""Fuzzing the submission API: malformed and hostile payloads never cause a 500 or store anything invalid.

One database per test (no reset per example): every example posts to the same
API, and at the end the stored rows must be exactly the acknowledged ones, each
valid for the round's questionnaire version.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey.domain.questionnaires import load_questionnaire
from survey.domain.responses import questionnaire_for
from tests.submission_fixtures import COUNTER

ALLOWED = {200, 201, 400, 403, 409, 413, 422, 429}
SETTINGS = {"deadline": None, "suppress_health_check": list(HealthCheck), "derandomize": True, "database": None}

hostile_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from([
        "", " ", "\x00", "\ud800", "a\udfffb", "'; DROP TABLE responses; --", "<script>alert(1)</script>",
        "../../etc/passwd", "%(n)s %s {0}", "counter-quick\x00", "Phường Ba Đình", "𝕊𝕀ℙ𝔸𝕊", "١٢٣", "x" * 5000,
    ]),
)
json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True), hostile_text,
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(hostile_text, children, max_size=5),
    max_leaves=20,
)
item_codes = st.sampled_from(["rating", "problems", "comment", "Rating", "rating ", "", "__proto__"]) | hostile_text
answer_values = st.one_of(
    st.integers(min_value=-3, max_value=12),
    st.lists(st.sampled_from(["waiting", "attitude", "guidance", "other", "nope", 1, None, True]), max_size=8),
    st.text(max_size=600),
    json_values,
)
answers_strategy = st.one_of(
    st.dictionaries(item_codes, answer_values, max_size=6),
    st.fixed_dictionaries({"rating": st.integers(1, 5)}, optional={"problems": answer_values, "comment": answer_values}),
    json_values,
)


def _time(offset: int) -> str:
    return (datetime.now(UTC) - timedelta(days=1) + timedelta(seconds=offset)).isoformat()


def _field_values(api) -> dict[str, Any]:
    missing = st.just("<missing>")
    return {
        "uuid": st.one_of(st.uuids().map(str), missing, json_values, st.just("0" * 32), st.uuids().map(lambda u: u.hex.upper())),
        "questionnaire": st.one_of(st.just("counter-quick"), missing, json_values),
        "version": st.one_of(st.just("1"), st.just(1), missing, json_values, st.just("2")),
        "device_token": st.one_of(st.sampled_from(api.tokens), missing, hostile_text, json_values),
        "unit": st.one_of(missing, st.just("00004"), st.just("01"), hostile_text, json_values),
        "channel": st.one_of(missing, st.sampled_from(["counter", "online", "paper", "phone"]), json_values),
        "submitted_at": st.one_of(missing, st.integers(0, 10**6).map(_time), hostile_text, json_values,
                                  st.just("2025-07-01T09:30:00"), st.just("9999-12-31T23:59:59+14:00")),
        "answers": answers_strategy,
    }


class Ledger:
    """What the API acknowledged: uuid → the payload it stored."""

    def __init__(self, api):
        self.api = api
        self.created: dict[str, dict] = {}

    def post(self, body: Any, raw: bool = False):
        if raw:
            response = self.api.post(body)
        else:
            response = self.api.client.post(
                "/api/v1/responses", data=json.dumps(body, allow_nan=True), content_type="application/json",
                headers={"Accept-Language": "en", **self.api.staff_headers},
            )
        assert response.status_code in ALLOWED, (response.status_code, body)
        result = response.get_json()
        assert isinstance(result, dict), response.data
        if response.status_code >= 400:
            assert result["errors"], result
            for error in result["errors"]:
                assert set(error) == {"field", "message", "code"}
                assert all(isinstance(v, str) for v in error.values()) and error["message"]
        else:
            assert result["status"] == ("created" if response.status_code == 201 else "duplicate")
            key = str(uuid.UUID(result["uuid"]))
            if response.status_code == 201:
                assert key not in self.created
                self.created[key] = json.loads(body) if raw else body
            else:
                assert key in self.created
        return response

    def check_stored(self, stored) -> None:
        rows = stored()
        assert {str(r.uuid) for r in rows} == set(self.created)
        for row in rows:
            body = self.created[str(row.uuid)]
            assert row.round_id == self.api.round_id
            if body.get("device_token") is not None:  # the API reads a null token as no token
                assert row.unit_id == self.api.unit_id
                assert row.device_id == self.api.device_ids[self.api.tokens.index(body["device_token"])]
            else:
                assert row.unit.code == body["unit"] and row.device_id is None
            questionnaire = questionnaire_for(row.questionnaire_version)
            assert questionnaire.validate_answers(row.answers) == {}
            assert row.answers == self.created[str(row.uuid)]["answers"]
            assert len(row.scores) == 4 * len(row.questionnaire_version.numeric_items)


def test_fuzz_structured_payloads(api, stored):
    """A valid tablet or system payload with a few fields removed, replaced by hostile values, or added."""
    ledger = Ledger(api)
    fields = _field_values(api)
    counter = iter(range(10**9))

    @settings(max_examples=700, **SETTINGS)
    @given(st.sampled_from(["device", "unit"]), st.sets(st.sampled_from(sorted(fields)), max_size=3),
           st.dictionaries(hostile_text, json_values, max_size=2), st.data())
    def run(source, mutated, extra, data):
        body = api.payload(submitted_at=_time(10 * next(counter)))
        if source == "unit":
            body = api.payload(device_token=None, unit="00004", channel="phone")
        for name in sorted(mutated):
            value = data.draw(fields[name], label=name)
            if value == "<missing>":
                body.pop(name, None)
            else:
                body[name] = value
        if data.draw(st.booleans(), label="add extra fields"):
            body.update(extra)
        response = ledger.post(body)
        if response.status_code in (200, 201):  # an accepted body is accepted again, as a duplicate
            assert ledger.post(body).status_code == 200

    run()
    assert len(ledger.created) > 50, "the fuzzer produced too few valid submissions"
    ledger.check_stored(stored)


def test_fuzz_answers_of_valid_envelopes(api, stored):
    ledger = Ledger(api)
    counter = iter(range(10**9))

    @settings(max_examples=500, **SETTINGS)
    @given(answers_strategy, st.sampled_from(["device", "unit"]))
    def run(answers, source):
        body = api.payload(answers=answers, submitted_at=_time(10 * next(counter)))
        if source == "unit":
            body = api.payload(answers=answers, device_token=None, unit="00004", channel="online")
        ledger.post(body)

    run()
    ledger.check_stored(stored)


def _valid_answers() -> st.SearchStrategy[dict[str, Any]]:
    """Answer sets counter-quick accepts: a rating, the problems only when it is 3 or lower, any comment."""
    items = {item.code: item for item in load_questionnaire(COUNTER).items}
    ratings = sorted(items["rating"].option_codes)
    problems = st.lists(st.sampled_from(sorted(items["problems"].option_codes)), unique=True, max_size=7)
    # NUL and lone surrogates are refused by design (no database keeps them); everything else is text.
    comments = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                       max_size=items["comment"].max_length)

    def for_rating(rating: int) -> st.SearchStrategy[dict[str, Any]]:
        optional = {"comment": comments} | ({"problems": problems} if rating <= 3 else {})
        return st.fixed_dictionaries({"rating": st.just(rating)}, optional=optional)

    return st.sampled_from(ratings).flatmap(for_rating)


def test_every_valid_answer_set_is_accepted(api, stored):
    """The positive property: whatever valid answers a tablet or a system sends are stored (201)."""
    ledger = Ledger(api)
    counter = iter(range(10**9))
    questionnaire = load_questionnaire(COUNTER)

    @settings(max_examples=200, **SETTINGS)
    @given(_valid_answers(), st.sampled_from(["device", "unit"]))
    def run(answers, source):
        assert questionnaire.validate_answers(answers) == {}, answers  # the generator itself is right
        body = api.payload(answers=answers, submitted_at=_time(10 * next(counter)))
        if source == "unit":
            body = api.payload(answers=answers, device_token=None, unit="00004", channel="online",
                               submitted_at=_time(10 * next(counter)))
        response = ledger.post(body)
        assert response.status_code == 201, (response.get_json(), body)

    run()
    assert len(ledger.created) > 100, "hypothesis ran too few examples"
    ledger.check_stored(stored)


def test_fuzz_raw_bodies(api, stored):
    ledger = Ledger(api)
    valid = json.dumps(api.payload()).encode()

    @settings(max_examples=300, **SETTINGS)
    @given(st.one_of(
        st.binary(max_size=300),
        st.builds(lambda cut: valid[:cut], st.integers(0, len(valid))),
        st.builds(lambda depth: b"[" * depth + b"]" * depth, st.integers(500, 50_000)),
        st.builds(lambda depth: b'{"answers":' * depth + b"1" + b"}" * depth, st.integers(500, 20_000)),
        st.builds(lambda n: b'{"uuid":"' + b"9" * n + b'"}', st.integers(4000, 20_000)),
        json_values.map(lambda v: json.dumps(v, allow_nan=True).encode()),
        st.just(b"\xef\xbb\xbf" + valid), st.just(valid.decode().encode("utf-16")),
    ))
    def run(raw):
        ledger.post(raw, raw=True)

    run()
    ledger.check_stored(stored)
