"""The Decision 766 page of the demo: the month's score beside the unit's SIPAS index."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from survey.models import Release, ReleaseIndex, ReleaseStatus, SurveyRound, Unit


def test_the_managers_page_shows_the_month_and_the_units_sipas_index_beside_it(demo, db_session, client, login_as):
    """Issue 20: the month's score beside the SIPAS index of the same unit (its latest published survey release)."""
    hanoi = db_session.scalar(select(Unit).where(Unit.code == "01", Unit.valid_from.is_not(None)))
    index = db_session.scalar(
        select(ReleaseIndex).join(Release, Release.id == ReleaseIndex.release_id)
        .join(SurveyRound, SurveyRound.id == Release.round_id)
        .where(Release.status == ReleaseStatus.PUBLISHED, ReleaseIndex.unit_id == hanoi.id,
               ReleaseIndex.level == "overall", ReleaseIndex.statistic == "index",
               SurveyRound.code == f"sipas-{date.today().year}"))
    login_as("quanly.hanoi")
    page = client.get("/staff/decision766/01").get_data(as_text=True)
    card = page[page.index('id="kpi-sipas"'):]
    card = card[:card.index("</div>\n  </div>") if "</div>\n  </div>" in card else 600]
    expected = f"{index.estimate:.2f}".replace(".", ",")
    assert re.search(rf'class="value">{expected}\s?%', card), card
