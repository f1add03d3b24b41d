"""Read queries for the staff dashboard."""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.domain.units import descendant_ids
from survey.i18n import local_time
from survey.models import (
    QuestionnaireVersion,
    Release,
    ReleaseIndex,
    ReleaseStatus,
    Response,
    Role,
    StaffUser,
    SurveyRound,
    Unit,
)


def scope_unit_ids(session: Session, user: StaffUser) -> set[int] | None:
    """Unit ids a user may see; ``None`` means every unit (national scope).

    A manager always has a unit; one without (a data-entry slip) sees nothing.
    """
    if user.unit is None:
        return set() if user.role == Role.MANAGER else None
    return descendant_ids(session, user.unit)


def round_overview(session: Session, unit_ids: set[int] | None) -> list[dict]:
    """Per round: number of responses and units answering, within the user's scope."""
    query = (
        select(
            SurveyRound,
            func.count(Response.id),
            func.count(func.distinct(Response.unit_id)),
        )
        .outerjoin(Response, Response.round_id == SurveyRound.id)
        .group_by(SurveyRound.id)
        .order_by(SurveyRound.starts_on.desc(), SurveyRound.id)
    )
    if unit_ids is not None:
        query = query.where((Response.unit_id.in_(unit_ids)) | (Response.id.is_(None)))
    return [
        {"round": r, "responses": n, "units": u} for r, n, u in session.execute(query).all()
    ]


def responses_by_unit(session: Session, round_id: int, unit_ids: set[int] | None) -> list[tuple[Unit, int]]:
    query = (
        select(Unit, func.count(Response.id))
        .join(Response, Response.unit_id == Unit.id)
        .where(Response.round_id == round_id)
        .group_by(Unit.id)
        .order_by(func.count(Response.id).desc())
    )
    if unit_ids is not None:
        query = query.where(Unit.id.in_(unit_ids))
    return list(session.execute(query).all())


# --- release results (precomputed: a page view reads ReleaseIndex rows, never recomputes) ----

OVERALL = "overall"


@dataclass(frozen=True)
class IndexLabels:
    """Labels of a questionnaire version's indices: groups and items, in the page's language."""

    groups: dict[str, str]
    items: dict[str, str]
    group_order: list[str]
    expectation_groups: set[str]

    def label(self, code: str, level: str) -> str:
        if level == "overall":
            return _("Chỉ số hài lòng chung")
        table = self.groups if level == "group" else self.items
        return table.get(code, code)


def index_labels(version: QuestionnaireVersion, lang: str) -> IndexLabels:
    from survey.domain.responses import questionnaire_for

    questionnaire = questionnaire_for(version)
    groups, order, expectations = {}, [], set()
    for group in questionnaire.indices.get("groups", []):
        label = group.get("label") or {}
        groups[group["code"]] = label.get(lang) or label.get("vi") or group["code"]
        order.append(group["code"])
        if group.get("in_overall") is False:
            expectations.add(group["code"])
    items = {item.code: item.label(lang) for item in questionnaire.items}
    return IndexLabels(groups, items, order, expectations)


def published_releases(session: Session) -> list[Release]:
    """Published releases, newest round first, the latest correction of each round first."""
    return list(
        session.scalars(
            select(Release)
            .join(SurveyRound, Release.round_id == SurveyRound.id)
            .where(Release.status == ReleaseStatus.PUBLISHED)
            .order_by(SurveyRound.ends_on.desc(), Release.round_id, Release.number.desc())
        )
    )


def releases_for_staff(session: Session, drafts: bool) -> list[Release]:
    query = (
        select(Release)
        .join(SurveyRound, Release.round_id == SurveyRound.id)
        .order_by(SurveyRound.ends_on.desc(), Release.round_id, Release.number.desc())
    )
    if not drafts:
        query = query.where(Release.status == ReleaseStatus.PUBLISHED)
    return list(session.scalars(query))


def _unit_condition(unit_id: int | None):
    return ReleaseIndex.unit_id.is_(None) if unit_id is None else ReleaseIndex.unit_id == unit_id


def releases_with_unit(session: Session, unit_id: int | None) -> list[Release]:
    """Published releases with results for the unit (or the nation), the one to show first first.

    Survey rounds come before counter-only rounds (those have their live page),
    then the newest round, then the latest correction.
    """
    releases = session.scalars(
        select(Release)
        .join(SurveyRound, Release.round_id == SurveyRound.id)
        .where(
            Release.status == ReleaseStatus.PUBLISHED,
            select(ReleaseIndex.id)
            .where(ReleaseIndex.release_id == Release.id, _unit_condition(unit_id))
            .exists(),
        )
    ).all()
    return sorted(
        releases,
        key=lambda r: (r.round.channels != ["counter"], r.round.ends_on, r.number),
        reverse=True,
    )


def current_release_for(session: Session, unit_id: int | None) -> Release | None:
    """The release a unit's dashboard shows by default."""
    releases = releases_with_unit(session, unit_id)
    return releases[0] if releases else None


def unit_indices(session: Session, release_id: int, unit_id: int | None) -> list[ReleaseIndex]:
    """Every index of one unit (or the nation) in a release."""
    return list(
        session.scalars(
            select(ReleaseIndex)
            .where(
                ReleaseIndex.release_id == release_id,
                _unit_condition(unit_id),
                ReleaseIndex.statistic == "index",
            )
            .order_by(ReleaseIndex.id)
        )
    )


def league_rows(
    session: Session, release_id: int, parent_id: int | None, index_code: str = OVERALL
) -> list[tuple[Unit, ReleaseIndex]]:
    """The overall index of every child of ``parent_id`` (top-level units for the nation), best first."""
    parent = Unit.parent_id.is_(None) if parent_id is None else Unit.parent_id == parent_id
    rows = session.execute(
        select(Unit, ReleaseIndex)
        .join(ReleaseIndex, ReleaseIndex.unit_id == Unit.id)
        .where(
            ReleaseIndex.release_id == release_id,
            ReleaseIndex.index_code == index_code,
            ReleaseIndex.level == ("overall" if index_code == OVERALL else "group"),
            ReleaseIndex.statistic == "index",
            parent,
        )
    ).all()
    return sorted(rows, key=lambda r: (-(r[1].estimate if r[1].estimate is not None else -1), r[0].code))


def trend_rows(
    session: Session, unit_id: int | None, questionnaire_id: int
) -> list[tuple[Release, ReleaseIndex]]:
    """The unit's overall index in the latest published release of each round of a questionnaire."""
    releases = session.scalars(
        select(Release)
        .join(SurveyRound, Release.round_id == SurveyRound.id)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Release.questionnaire_version_id)
        .where(Release.status == ReleaseStatus.PUBLISHED, QuestionnaireVersion.questionnaire_id == questionnaire_id)
    ).all()
    by_id = {r.id: r for r in releases}
    # release_id first, so the (release_id, unit_id) index answers it
    rows = session.scalars(
        select(ReleaseIndex).where(
            ReleaseIndex.release_id.in_(by_id),
            _unit_condition(unit_id),
            ReleaseIndex.level == "overall",
            ReleaseIndex.index_code == OVERALL,
            ReleaseIndex.statistic == "index",
        )
    ).all()
    latest: dict[int, tuple[Release, ReleaseIndex]] = {}
    for row in sorted(rows, key=lambda r: (by_id[r.release_id].round.ends_on, by_id[r.release_id].number)):
        release = by_id[row.release_id]
        latest[release.round_id] = (release, row)  # later numbers overwrite earlier ones
    return sorted(latest.values(), key=lambda pair: pair[0].round.ends_on)


@dataclass(frozen=True)
class CommentRule:
    """When a comment may be shown: old enough, and followed by enough other responses of its unit."""

    min_age: timedelta  # COMMENTS_MIN_AGE_HOURS
    min_later_responses: int  # COMMENTS_MIN_LATER_RESPONSES
    key: bytes  # orders a day's comments (the app's secret key): the same order on every view, no time in it


@dataclass(frozen=True)
class CommentFilter:
    """What the manager asked for on the comments page; None means any."""

    start: date | None = None  # local days of arrival, inclusive
    end: date | None = None
    rating: int | None = None
    reason: str | None = None
    counter_id: int | None = None

    def keeps(self, day: date, rating: Any, reasons: list[str], device_id: int | None) -> bool:
        return (
            (self.end is None or day <= self.end)
            and (self.rating is None or rating == self.rating)
            and (self.reason is None or self.reason in reasons)
            and (self.counter_id is None or device_id == self.counter_id)
        )


@dataclass(frozen=True)
class Comment:
    day: date  # the local day it arrived; never its time
    unit_name: str
    text: str
    rating: int | None = None  # the rating given with it, when the questionnaire has one with reasons
    reasons: tuple[str, ...] = ()  # reason codes chosen with it


def comments(
    session: Session,
    round_id: int,
    unit_ids: set[int] | None,
    rule: CommentRule,
    search: str = "",
    limit: int = 200,
    now: datetime | None = None,
    only: CommentFilter = CommentFilter(),
) -> list[Comment]:
    """Free-text answers of a round within the scope, newest day first; within a day in a keyed-hash order.

    At a commune with one counter, a comment shown at once and newest first
    names the citizen just served. So a comment is shown only once it is
    ``rule.min_age`` old and ``rule.min_later_responses`` other responses of its
    unit arrived after it; only its day is given, and the comments of a day
    are ordered by a keyed hash, not by time. Only the day, the unit and the
    text are returned: no response id, device or time. ``only`` filters by day,
    rating, reason and counter after that rule is applied, so filtering never
    shows a comment earlier.
    """
    from survey.domain.reasons import reason_items
    from survey.domain.responses import questionnaire_for

    survey_round = session.get(SurveyRound, round_id)
    if survey_round is None:
        return []
    questionnaire = questionnaire_for(survey_round.questionnaire_version)
    text_items = [item.code for item in questionnaire.items if item.type == "text"]
    if not text_items:
        return []
    rated = reason_items(questionnaire)
    rating_code, reasons_code = (rated[0].code, rated[1].code) if rated else (None, None)
    query = (
        select(Response.unit_id, Response.received_at, Response.uuid, Unit.name, Response.answers, Response.device_id)
        .join(Unit, Unit.id == Response.unit_id)
        .where(Response.round_id == round_id)
        .order_by(Response.received_at.desc(), Response.id.desc())
        .execution_options(yield_per=2000)
    )
    if unit_ids is not None:
        query = query.where(Response.unit_id.in_(unit_ids))
    needle = search.casefold().strip()
    cutoff = (now or datetime.now(UTC)) - rule.min_age
    arrived_after: Counter[int] = Counter()  # per unit: responses that arrived after the current row
    found: list[tuple[date, str, Comment]] = []
    result = session.execute(query)
    try:  # the loop may stop early: the server-side cursor (yield_per) is closed in any case
        for unit_id, received_at, response_uuid, unit_name, answers, device_id in result:
            later = arrived_after[unit_id]
            arrived_after[unit_id] += 1
            if later < rule.min_later_responses or local_time(received_at) > cutoff:
                continue
            day = local_time(received_at).date()
            if (len(found) >= limit and day < found[-1][2].day) or (only.start is not None and day < only.start):
                break  # the days already found are complete, or the period is over
            answers = answers or {}
            rating = answers.get(rating_code) if rating_code else None
            chosen = answers.get(reasons_code) if reasons_code else None
            reasons = [str(c) for c in chosen] if isinstance(chosen, list) else []
            if not only.keeps(day, rating, reasons, device_id):
                continue
            for code in text_items:
                text = answers.get(code)
                if isinstance(text, str) and text.strip() and (not needle or needle in text.casefold()):
                    order = hmac.new(rule.key, f"{response_uuid}:{code}".encode(), hashlib.sha256).hexdigest()
                    found.append((day, order, Comment(day, unit_name, text.strip(),
                                                      rating if isinstance(rating, int) else None, tuple(reasons))))
    finally:
        result.close()
    found.sort(key=lambda entry: (-entry[0].toordinal(), entry[1]))
    return [comment for _day, _order, comment in found[:limit]]
