"""Decision 766 satisfaction group and Circular 01 reports: a month computed by hand from the rules."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from analysis.decision766 import (
    DefinitionError,
    Period,
    add_working_days,
    circular01_report,
    definition_from_mapping,
    group_score,
    load_definition,
    score_complaints,
    score_dossiers,
    working_days_between,
)

DEFINITION_FILE = Path(__file__).resolve().parents[2] / "survey/data/decision766/766-2022.json"
NOVEMBER = Period.month(2026, 11)
NAT = "NaT"


@pytest.fixture(scope="module")
def definition():
    return load_definition(DEFINITION_FILE)


def t(text: str) -> np.datetime64:
    return np.datetime64(text, "s")


# unit, received, due, handled, complained, disliked, why (5.4, November 2026, judged at 01/12 00:00)
UNIT0 = [
    (0, "2026-11-02T08:00", "2026-11-05T17:00", "2026-11-05T16:00", 0, 0),  # on time: satisfied
    (0, "2026-11-03T08:00", "2026-11-06T17:00", "2026-11-06T17:00", 0, 0),  # handled at the due time: satisfied
    (0, "2026-11-04T08:00", "2026-11-10T17:00", "2026-11-10T17:30", 0, 0),  # 30 minutes late: not
    (0, "2026-11-05T08:00", "2026-11-20T17:00", "2026-11-18T09:00", 1, 0),  # drew a PAKN: not
    (0, "2026-11-06T08:00", "2026-11-25T17:00", "2026-11-20T09:00", 0, 1),  # rated "not satisfied": not
    (0, "2026-11-25T08:00", "2026-12-03T17:00", NAT, 0, 0),  # open, due after the month: satisfied
    (0, "2026-11-20T08:00", "2026-11-27T17:00", NAT, 0, 0),  # open at the month's end, due passed: not
    (0, "2026-11-10T08:00", "2026-11-13T17:00", "2026-12-02T09:00", 0, 0),  # handled after the month, late: not
    (0, "2026-10-31T23:59", "2026-11-03T17:00", "2026-11-02T09:00", 0, 0),  # received in October: not counted
    (0, "2026-12-01T00:00", "2026-12-03T17:00", NAT, 0, 0),  # received in December: not counted
    (0, "2026-11-30T23:59:59", "2026-12-05T17:00", NAT, 0, 0),  # last second of November: satisfied
    (0, "2026-11-12T08:00", NAT, NAT, 0, 0),  # no due date: never overdue, satisfied
]


def _dossiers():
    rows = list(UNIT0)
    rows += [(1, "2026-11-15T08:00", "2026-11-20T17:00", "2026-11-19T10:00", 0, 0)] * 1843
    rows += [(1, "2026-11-15T08:00", "2026-11-20T17:00", "2026-11-21T10:00", 0, 0)] * 657
    # unit 2 received nothing in November
    rows += [(3, "2026-11-16T08:00", "2026-11-20T17:00", "2026-11-19T10:00", 0, 0)] * 19
    rows += [(3, "2026-11-16T08:00", "2026-11-20T17:00", "2026-11-19T10:00", 1, 0)]
    unit, received, due, handled, complained, disliked = zip(*rows)
    return {"unit": np.array(unit), "received": np.array(received, dtype="datetime64[s]"),
                "due": np.array(due, dtype="datetime64[s]"), "handled": np.array(handled, dtype="datetime64[s]"),
                "complained": np.array(complained, dtype=bool), "disliked": np.array(disliked, dtype=bool)}


def test_indicator_5_4_for_a_month_computed_by_hand(definition):
    result = score_dossiers(**_dossiers(), n_units=4, period=NOVEMBER, definition=definition)
    # unit 0: 10 received in November, 5 satisfied -> 50 % -> 6 * 0.50 / 0.90 = 3.333 -> 3.33
    # unit 1: 1843 of 2500 -> 73.72 % -> 6 * 0.7372 / 0.90 = 4.9147 -> 4.91 (decision-766.md's example)
    # unit 2: nothing received -> not applicable; unit 3: 19 of 20 = 95 % > 90 % -> 6.00
    assert_array_equal(result.numerator, [5, 1843, 0, 19])
    assert_array_equal(result.denominator, [10, 2500, 0, 20])
    assert_array_equal(result.percent[[0, 1, 3]], [50.0, 73.72, 95.0])
    assert_array_equal(result.points[[0, 1, 3]], [3.33, 4.91, 6.0])
    assert np.isnan(result.points[2]) and np.isnan(result.percent[2])
    records = result.to_dict(["H26.1", "H26.2", "H26.3", "H26.4"])
    assert records[2] == {"unit": "H26.3", "indicator": "5.4", "period": "2026-11", "numerator": 0,
                          "denominator": 0, "percent": None, "points": None, "max_points": 6.0}


def test_judged_earlier_in_the_month_an_open_dossier_is_not_yet_overdue(definition):
    # On 26/11 the dossier due 27/11 is still in time; the one handled on 02/12 is still open, and late.
    result = score_dossiers(**_dossiers(), n_units=4, period=NOVEMBER, definition=definition,
                            as_of=t("2026-11-26T00:00"))
    assert result.numerator[0] == 6


# unit, received, handled, likes, dislikes, follow-up (PAKN; deadline 15 working days)
COMPLAINTS = [
    (0, "2026-11-06T09:00", "2026-11-27T10:00", 3, 1, 0),  # deadline Fri 27/11: on time, satisfied
    (0, "2026-11-06T09:00", "2026-11-30T10:00", 0, 0, 0),  # a working day late: neither
    (0, "2026-11-07T09:00", "2026-11-30T10:00", 2, 5, 0),  # Saturday -> Mon 09/11 + 15 = 30/11: on time; disliked
    (0, "2026-11-10T09:00", "2026-11-12T10:00", 0, 0, 1),  # on time, but a follow-up complaint
    (0, "2026-11-20T09:00", NAT, 0, 0, 0),  # open, deadline 11/12 not passed: on time, satisfied
    (0, "2026-11-02T09:00", NAT, 0, 0, 0),  # open, deadline 23/11 passed: neither
    (1, "2026-10-20T09:00", "2026-10-21T10:00", 1, 0, 0),  # October: not counted
]


def _complaints():
    unit, received, handled, likes, dislikes, follow_up = zip(*COMPLAINTS)
    return {"unit": np.array(unit), "received": np.array(received, dtype="datetime64[s]"),
                "handled": np.array(handled, dtype="datetime64[s]"), "likes": np.array(likes),
                "dislikes": np.array(dislikes), "follow_up": np.array(follow_up, dtype=bool)}


def test_indicators_5_2_and_5_3_by_hand(definition):
    on_time, satisfied = score_complaints(**_complaints(), n_units=4, period=NOVEMBER, definition=definition)
    assert_array_equal(on_time.numerator, [4, 0, 0, 0])
    assert_array_equal(on_time.denominator, [6, 0, 0, 0])
    assert on_time.points[0] == 4.0  # 6 * 4/6
    assert satisfied.numerator[0] == 2 and satisfied.points[0] == 2.0  # 6 * 2/6
    assert np.isnan(on_time.points[1:]).all()


def test_the_satisfaction_group_sums_what_applies(definition):
    on_time, satisfied = score_complaints(**_complaints(), n_units=4, period=NOVEMBER, definition=definition)
    dossiers = score_dossiers(**_dossiers(), n_units=4, period=NOVEMBER, definition=definition)
    group = group_score("MDHL", [on_time, satisfied, dossiers], definition)
    assert group.points[0] == 9.33  # 4.00 + 2.00 + 3.33
    assert group.points[1] == 4.91 and group.points[3] == 6.0
    assert np.isnan(group.points[2])
    assert_array_equal(group.applicable_max, [18, 6, 0, 6])
    assert group.max_points == 18


def test_working_days_skip_weekends_and_the_tet_holidays(definition):
    # Fri 13/02/2026 + 15 working days: 16-20/02 is Tết, so 23/02 is the first -> 13/03 (not 06/03)
    assert add_working_days(np.array(["2026-02-13"], dtype="datetime64[D]"), 15, definition)[0] == \
        np.datetime64("2026-03-13")
    assert working_days_between(np.array(["2026-04-27"], dtype="datetime64[D]"),
                                np.array(["2026-05-04"], dtype="datetime64[D]"), definition)[0] == 2  # 28, 29/04


def test_thresholds_and_maxima_come_from_the_definition_file(definition):
    data = json.loads(DEFINITION_FILE.read_text(encoding="utf-8"))
    changed = copy.deepcopy(data)
    changed["indicators"]["5.4"]["threshold"] = 0.8
    changed["indicators"]["5.4"]["max_points"] = 8
    result = score_dossiers(**_dossiers(), n_units=4, period=NOVEMBER, definition=definition_from_mapping(changed))
    assert result.points[0] == 5.0  # 8 * 0.50 / 0.80
    del changed["indicators"]["5.4"]["threshold"]
    with pytest.raises(DefinitionError, match=r"indicators\.5\.4: missing key 'threshold'"):
        definition_from_mapping(changed)


def test_circular01_averages_totals_levels_and_bands(definition):
    nan = np.nan
    scores = np.array([[2, 2, 2, 2, 2, 2, 2, 2, 2], [1, 0, 2, 1, 2, nan, 2, 2, 2], [0, 0, 1, 1, 1, 1, 1, 1, 1]])
    report = circular01_report(np.array([0, 0, 1]), scores, np.array([0, 2, 1]), n_units=3, definition=definition)
    assert_array_equal(report.ratings, [2, 1, 0])
    assert_array_equal(report.index_mean[0], [1.5, 1.0, 2.0, 1.5, 2.0, 2.0, 2.0, 2.0, 2.0])
    assert_array_equal(report.total_mean[:2], [15.0, 7.0])  # (18 + 12) / 2; 7
    assert report.band == ("Tốt", "Chưa đạt", None)
    assert_array_equal(report.level_share[0], [0.5, 0.0, 0.5])
    assert np.isnan(report.total_mean[2]) and report.max_total == 18


def test_no_ratings_and_no_dossiers_give_empty_results(definition):
    empty = np.array([], dtype=np.int64)
    report = circular01_report(empty, np.empty((0, 9)), empty, n_units=0, definition=definition)
    assert report.index_mean.shape == (0, 9) and report.band == ()
    never = np.array([], dtype="datetime64[s]")
    result = score_dossiers(empty, never, never, never, empty.astype(bool), empty.astype(bool), n_units=1,
                            period=NOVEMBER, definition=definition)
    assert result.denominator.tolist() == [0] and np.isnan(result.points[0])


def test_names_are_in_english_where_the_file_gives_them_and_vietnamese_otherwise(definition):
    assert definition.text(definition.rule("5.4").name, "en") == "Satisfaction with receiving and handling dossiers"
    assert definition.text(definition.rule("5.4").name, "vi") == "Mức độ hài lòng trong tiếp nhận, giải quyết hồ sơ"
    assert definition.text(definition.level_labels["very_satisfied"], "en") == "Very satisfied"
    assert definition.text("Tốt", "en") == "Good"
    raw = json.loads(DEFINITION_FILE.read_text(encoding="utf-8"))
    province = copy.deepcopy(raw)  # a province's own file without English names still works
    for spec in province["indicators"].values():
        spec.pop("name_en", None)
    province["circular01"].pop("levels_en")
    own = definition_from_mapping(province)
    assert own.text(own.rule("5.4").name, "en") == "Mức độ hài lòng trong tiếp nhận, giải quyết hồ sơ"
    assert own.text("Rất hài lòng", "en") == "Rất hài lòng" and own.text("Tốt", "en") == "Good"
