"""A published release's microdata is frozen at publication; a draft reads live; reasons in the release workbook."""

from __future__ import annotations

import hashlib
import io
from datetime import date

import numpy as np
import pytest
from sqlalchemy import select, text

from survey.domain.exports import ExportError, export_release
from survey.domain.releases import compute_release, current_release, publish_release
from survey.domain.releases.microdata import frozen_microdata, release_microdata_arrays
from survey.models import (
    ImmutableVersionError,
    Release,
    ReleaseMicrodata,
    Response,
    SurveyRound,
    Unit,
)


def _release(session, prefix: str) -> Release:
    code = f"{prefix}-{date.today().year}"
    return current_release(session, session.scalar(select(SurveyRound).where(SurveyRound.code == code)))


def _read(content: bytes, fmt: str, tmp_path):
    import pyreadstat

    path = tmp_path / f"read.{fmt}"
    path.write_bytes(content)
    return (pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta)(str(path))


def _change_the_round(session, release: Release) -> Unit:
    """After publication: a paper correction, a deleted answer, a unit renamed."""
    responses = list(session.scalars(
        select(Response).where(Response.round_id == release.round_id).order_by(Response.id).limit(2)))
    corrected = dict(responses[0].answers)
    corrected["a1"] = 1 if corrected.get("a1") != 1 else 5
    from survey.domain.responses import pack_scores

    responses[0].answers = corrected
    responses[0].scores = pack_scores(release.questionnaire_version.numeric_items, corrected)
    session.delete(responses[1])
    unit = session.get(Unit, responses[0].unit_id)
    unit.name = "Đơn vị đổi tên sau công bố"
    session.flush()
    return unit


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_published_microdata_stays_as_published_while_a_recomputed_draft_changes(demo, db_session, tmp_path, fmt):
    release = _release(db_session, "sipas")
    stored = frozen_microdata(db_session, release)
    assert stored is not None and stored.n_responses == release.n_responses
    assert stored.checksum == hashlib.sha256(stored.payload).hexdigest()
    before = export_release(db_session, release, fmt).getvalue()
    frame, meta = _read(before, fmt, tmp_path)
    assert len(frame) == release.n_responses
    assert {"unit_code", "unit_name", "province_code", "province_name", "weight", "a1"} <= set(frame.columns)

    renamed = _change_the_round(db_session, release)
    after = export_release(db_session, release, fmt).getvalue()
    frame_after, meta_after = _read(after, fmt, tmp_path)
    assert frame_after.equals(frame)  # values
    assert meta_after.variable_value_labels == meta.variable_value_labels  # labels
    assert meta_after.column_names_to_labels == meta.column_names_to_labels
    assert renamed.name not in set(frame_after["unit_name"])

    draft = compute_release(db_session, release.round, title="Tính lại sau khi sửa phiếu")
    assert draft.n_responses == release.n_responses - 1
    assert frozen_microdata(db_session, draft) is None
    frame_draft, _meta = _read(export_release(db_session, draft, fmt).getvalue(), fmt, tmp_path)
    assert len(frame_draft) == release.n_responses - 1
    assert renamed.name in set(frame_draft["unit_name"])


def test_the_frozen_copy_holds_the_arrays_the_release_was_computed_from(demo, db_session):
    from survey.domain.releases import load_round_data

    release = _release(db_session, "sipas")
    live = load_round_data(db_session, release.round, release.weight_set)
    frozen = release_microdata_arrays(db_session, release)
    assert frozen.source == "frozen"
    np.testing.assert_array_equal(frozen.data.unit_ids, live.unit_ids)
    np.testing.assert_array_equal(frozen.data.scores, live.scores)
    np.testing.assert_array_equal(frozen.data.weights, live.weights)
    np.testing.assert_array_equal(frozen.data.strata, live.strata)
    np.testing.assert_array_equal(frozen.data.psu, live.psu)
    assert frozen.data.items == live.items
    # no more than the export gives: no response ids, UUIDs, times or devices
    assert frozen.data.response_ids is None and frozen.data.uuids is None
    with np.load(io.BytesIO(frozen_microdata(db_session, release).payload), allow_pickle=False) as npz:
        assert not {"response_ids", "uuids", "submitted_at", "device_id"} & set(npz.files)


def test_the_frozen_copy_cannot_change_and_a_corrupt_one_is_refused(demo, db_session):
    release = _release(db_session, "sipas")
    stored = frozen_microdata(db_session, release)
    stored.payload = stored.payload[:-1]
    with pytest.raises(ImmutableVersionError):
        db_session.flush()
    db_session.rollback()
    with pytest.raises(Exception, match="immutable"):  # the database refuses it too
        db_session.execute(text("UPDATE release_microdata SET checksum = 'x'"))
    db_session.rollback()


def test_publishing_a_draft_whose_answers_changed_is_refused_and_nothing_is_stored(demo, db_session):
    survey_round = _release(db_session, "sipas").round
    draft = compute_release(db_session, survey_round, title="Bản nháp")
    first = db_session.scalar(select(Response).where(Response.round_id == survey_round.id).order_by(Response.id))
    db_session.delete(first)
    db_session.flush()
    from survey.domain.releases import ReleaseError

    with pytest.raises(ReleaseError, match="hãy tính lại trước khi công bố"):
        publish_release(db_session, draft, None)
    assert draft.status.value == "draft"
    assert db_session.get(ReleaseMicrodata, draft.id) is None
    with pytest.raises(ExportError, match="dấu vân tay khác"):
        export_release(db_session, draft, "sav")


def test_a_release_published_before_copies_were_kept_rereads_the_round(demo, db_session, tmp_path):
    release = _release(db_session, "counter")
    db_session.execute(text("DELETE FROM release_microdata WHERE release_id = :id"), {"id": release.id})
    db_session.expire_all()
    assert release_microdata_arrays(db_session, release).source == "reread"
    frame, _meta = _read(export_release(db_session, release, "sav").getvalue(), "sav", tmp_path)
    assert len(frame) == release.n_responses
    first = db_session.scalar(select(Response).where(Response.round_id == release.round_id).order_by(Response.id))
    db_session.delete(first)
    db_session.flush()
    with pytest.raises(ExportError, match="dấu vân tay khác"):
        export_release(db_session, release, "sav")


def test_release_workbook_has_the_reasons_of_low_ratings_from_the_frozen_copy(demo, db_session):
    from openpyxl import load_workbook

    from survey.domain.reasons import reason_items
    from survey.domain.responses import questionnaire_for

    release = _release(db_session, "counter")
    questionnaire = questionnaire_for(release.questionnaire_version)
    _rating, item = reason_items(questionnaire)
    answers = [r.answers for r in db_session.scalars(select(Response).where(Response.round_id == release.round_id))]
    low = [a for a in answers if questionnaire.relevance(a).get(item.code)]
    code, labels = item.options[0]
    citing = sum(1 for a in low if code in (a.get(item.code) or []) or str(code) in map(str, a.get(item.code) or []))

    def totals(content: bytes, lang: str = "vi") -> tuple[list, list]:
        book = load_workbook(io.BytesIO(content))
        sheet = book["Lý do đánh giá thấp" if lang == "vi" else "Reasons for low ratings"]
        rows = [[c.value for c in row] for row in sheet.iter_rows()]
        assert sheet.cell(len(rows), 2).number_format == "#,##0" and sheet.cell(len(rows), 5).number_format == "0.00"
        return rows[0], rows[-1]

    header, total = totals(export_release(db_session, release, "xlsx").getvalue())
    assert header[:3] == ["Đơn vị", "Lượt đánh giá thấp", "Có nêu lý do"]
    assert total[0] == "Tổng cộng" and total[1] == len(low) > 0
    assert total[3] == citing and total[4] == pytest.approx(round(100 * citing / len(low), 2))
    assert header[3].startswith(labels["vi"])
    unit_rows = [r for r in load_workbook(io.BytesIO(export_release(db_session, release, "xlsx").getvalue()))[
        "Lý do đánh giá thấp"].iter_rows(min_row=2, values_only=True)][:-1]
    assert sum(r[1] for r in unit_rows) == len(low) and len(unit_rows) >= 2

    # a manager's scope: that unit's low ratings only
    unit_of = {r.id: r.unit_id for r in db_session.scalars(select(Response).where(Response.round_id == release.round_id))}
    some_unit = db_session.get(Unit, unit_of[next(iter(unit_of))])
    in_unit = [r for r in db_session.scalars(select(Response).where(Response.round_id == release.round_id,
                                                                    Response.unit_id == some_unit.id))
               if questionnaire.relevance(r.answers).get(item.code)]
    scoped = load_workbook(io.BytesIO(export_release(db_session, release, "xlsx", unit_ids={some_unit.id}).getvalue()))
    scoped_rows = list(scoped["Lý do đánh giá thấp"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in scoped_rows] == [some_unit.name, "Tổng cộng"] and scoped_rows[-1][1] == len(in_unit)

    # answers withdrawn after publication change nothing in the published workbook
    for response in db_session.scalars(select(Response).where(Response.round_id == release.round_id).limit(50)):
        db_session.delete(response)
    db_session.flush()
    _header, again = totals(export_release(db_session, release, "xlsx").getvalue())
    assert again == total
    english, _total = totals(export_release(db_session, release, "xlsx", lang="en").getvalue(), "en")
    assert english[:3] == ["Unit", "Low ratings", "With a reason"]
    assert "Lý do đánh giá thấp" not in load_workbook(
        io.BytesIO(export_release(db_session, _release(db_session, "sipas"), "xlsx").getvalue())).sheetnames


def test_weights_given_after_publication_change_a_draft_not_the_published_microdata(demo, db_session, tmp_path):
    from survey.models import ResponseDesign

    release = _release(db_session, "sipas")
    before, _meta = _read(export_release(db_session, release, "sav").getvalue(), "sav", tmp_path)
    ids = db_session.scalars(select(Response.id).where(Response.round_id == release.round_id)).all()
    db_session.add_all(ResponseDesign(response_id=i, base_weight=2.0 + i % 3, stratum="S", psu=f"P{i % 7}")
                       for i in ids)
    db_session.flush()
    after, _meta = _read(export_release(db_session, release, "sav").getvalue(), "sav", tmp_path)
    assert after.equals(before) and set(after["weight"]) == set(before["weight"])
    draft = compute_release(db_session, release.round, title="Có trọng số")
    weighted, _meta = _read(export_release(db_session, draft, "sav").getvalue(), "sav", tmp_path)
    assert set(weighted["weight"]) == {2.0, 3.0, 4.0} and set(weighted["stratum"]) == {"S"}
    assert set(before["weight"]) != {2.0, 3.0, 4.0}
