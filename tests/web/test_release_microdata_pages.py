"""The release page says where the microdata comes from; its download is the frozen copy."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, text

from survey.domain.releases import current_release
from survey.models import Response, SurveyRound

FROZEN = "Dữ liệu gốc (SAV, DTA) là bản sao lưu lúc công bố"
REREAD = "Bản này được công bố trước khi hệ thống lưu bản sao dữ liệu gốc"


def _release(db_session, prefix: str):
    code = f"{prefix}-{date.today().year}"
    return current_release(db_session, db_session.scalar(select(SurveyRound).where(SurveyRound.code == code)))


def test_published_release_page_and_download_use_the_frozen_copy(demo, db_session, client, login_as):
    release = _release(db_session, "sipas")
    login_as("thongke")
    page = client.get(f"/staff/releases/{release.id}").get_data(as_text=True)
    assert FROZEN in page and REREAD not in page
    before = client.get(f"/staff/releases/{release.id}/export.dta")
    assert before.status_code == 200
    first = db_session.scalar(select(Response).where(Response.round_id == release.round_id).order_by(Response.id))
    db_session.delete(first)
    db_session.commit()
    after = client.get(f"/staff/releases/{release.id}/export.dta")
    assert after.status_code == 200 and after.data == before.data


def test_a_release_published_without_a_copy_says_its_microdata_is_reread(demo, db_session, client, login_as):
    release = _release(db_session, "counter")
    db_session.execute(text("DELETE FROM release_microdata WHERE release_id = :id"), {"id": release.id})
    db_session.commit()
    login_as("thongke")
    page = client.get(f"/staff/releases/{release.id}").get_data(as_text=True)
    assert REREAD in page and FROZEN not in page
    english = client.get(f"/staff/releases/{release.id}?lang=en").get_data(as_text=True)
    assert "published before microdata copies were kept" in english
    assert client.get(f"/staff/releases/{release.id}/export.sav").status_code == 200
    first = db_session.scalar(select(Response).where(Response.round_id == release.round_id).order_by(Response.id))
    db_session.delete(first)
    db_session.commit()
    refused = client.get(f"/staff/releases/{release.id}/export.sav?lang=vi")
    assert refused.status_code == 404 and "dấu vân tay khác" in refused.get_data(as_text=True)
