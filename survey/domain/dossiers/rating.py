"""Rating one dossier (Circular 01/2018/TT-VPCP form): its link, its form, the indices the system fills, the row.

A rating identifies a case, so it is stored only in ``dossier_ratings`` (never
as a response) and carries no address, user agent or free text.

Readings of ours (decision-766.md leaves them open):

- The link is ``/d/<token>``, the token the dossier id and the moment the link
  was made, signed (HMAC) with the application's secret (itsdangerous): nothing
  to store, nothing to guess, bound to one dossier; it expires
  ``DOSSIER_RATING_LINK_DAYS`` after it was made.
- Index 1 (total time against the legal limit) compares the local *day* the
  handling ended (``NgayKetThucXuLy``) with the due day (``NgayHenTra``):
  earlier 2, the same day 1, later 0; unfinished and past its due time 0,
  else blank.
- Index 5 (receipt, handling and return at the one-stop desk): every dossier
  SIPAS knows came through a one-stop-shop system, so a dossier whose result
  was returned through it (``NgayTra``) scores 2; before the return it is
  blank. The desk model records no bypass, so the system never gives 0.
- A province's own criteria (:func:`extra_criteria`) are stored as points 2, 1, 0 beside the indices,
  reported apart, never in the total of 18.
- One rating per dossier; within ``DOSSIER_RATING_CHANGE_HOURS`` of the first
  rating a new one replaces it (keeping the first time, so the window does not
  slide), later it is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis.decision766 import Definition
from survey.domain.dossiers.portal import DESK_LENGTH
from survey.domain.questionnaires import QuestionnaireDefinition, load_questionnaire
from survey.domain.questionnaires.definition import Item
from survey.domain.questionnaires.store import latest_version
from survey.domain.responses import questionnaire_for
from survey.i18n import _, local_time
from survey.models import Dossier, DossierRating, Questionnaire, utcnow

FORM_ID = "dossier-rating"  # the shipped form; a province publishes "dossier-rating-<its unit code>"
FORM_FILE = f"{FORM_ID}.yaml"
INDEX_PREFIX = "chi_so_"  # item chi_so_<n> answers index n; its option codes are the points
LEVEL_ITEM = "muc_do_hai_long"  # codes 2, 1, 0: the definition's levels from best to worst
COMPUTED_INDICES = ("1", "5")
NOT_KNOWN_FROM = 9  # option codes from 9 up ("Tôi không rõ") leave an index or a criterion blank
CHANNEL_LINK = "link"
CHANNEL_KIOSK = "kiosk"
_TOKEN_SALT = "sipas-dossier-rating"


class RatingLinkError(ValueError):
    """A rating link that is not one of ours, or too old."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key  # "invalid" | "expired" | "unknown_dossier"

    def message(self) -> str:
        messages = {
            "invalid": _("Đường dẫn đánh giá không đúng. Vui lòng quét lại mã QR trên phiếu hẹn trả kết quả."),
            "expired": _("Đường dẫn đánh giá này đã hết hạn."),
            "unknown_dossier": _("Không còn hồ sơ gắn với đường dẫn đánh giá này."),
        }
        return messages[self.key]


class RatingClosed(Exception):
    """The dossier was rated longer ago than the window for changing one's mind."""

    def __init__(self, rated_at: datetime):
        super().__init__("rating closed")
        self.rated_at = rated_at


class RatingInvalid(Exception):
    """Answers the form refuses: ``{item_code: problem}``."""

    def __init__(self, problems: dict[str, Any]):
        super().__init__("invalid answers")
        self.problems = problems


class RatingFormError(ValueError):
    """A rating form (questionnaire) SIPAS cannot score: the message names the item."""


# --- the link --------------------------------------------------------------------------


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=_TOKEN_SALT)


def rating_token(secret: str, dossier: Dossier, now: datetime | None = None) -> str:
    """A signed token bound to ``dossier``, made at ``now``."""
    issued = int((now or utcnow()).timestamp())
    return _serializer(secret).dumps([dossier.id, issued])


def dossier_for_token(session: Session, secret: str, token: str, max_age_days: int,
                      now: datetime | None = None) -> Dossier:
    """The dossier a valid, unexpired token is bound to; raises :class:`RatingLinkError`."""
    try:
        payload = _serializer(secret).loads(token[:200])
        dossier_id, issued = (int(value) for value in payload)
    except (BadSignature, TypeError, ValueError):
        raise RatingLinkError("invalid") from None
    age = (now or utcnow()).timestamp() - issued
    if age > max_age_days * 86400:
        raise RatingLinkError("expired")
    dossier = session.get(Dossier, dossier_id)
    if dossier is None:
        raise RatingLinkError("unknown_dossier")
    return dossier


def find_dossiers(session: Session, code: str, source: str | None = None) -> list[Dossier]:
    """Dossiers with this MaHoSo (one per one-stop-shop system), of one system when ``source`` is given."""
    query = select(Dossier).where(Dossier.code == code.strip()[:64])
    if source:
        query = query.where(Dossier.source == source)
    return list(session.scalars(query.order_by(Dossier.id)))


# --- the form --------------------------------------------------------------------------


@cache
def _form_file(path: str, mtime: float) -> QuestionnaireDefinition:
    return load_questionnaire(path)


def rating_form(session: Session, dossier: Dossier, form_dir: Path) -> QuestionnaireDefinition:
    """The form for ``dossier``: its province's published one, else the published default, else the file."""
    codes, unit = [], dossier.unit
    while unit is not None:
        codes.append(f"{FORM_ID}-{unit.code.lower()}")
        unit = unit.parent
    for code in [*codes, FORM_ID]:
        version = latest_version(session, code)
        if version is not None:
            return questionnaire_for(version)
    path = form_dir / FORM_FILE
    return _form_file(str(path), path.stat().st_mtime)


def _as_utc(moment: datetime) -> datetime:
    return local_time(moment).astimezone(UTC)  # SQLite drops the zone (UTC)


def computed_indices(dossier: Dossier, now: datetime) -> dict[str, int | None]:
    """Indices 1 and 5 from the dossier's dates (see the module's readings); None where not yet known."""
    first: int | None = None
    if dossier.due_at is not None:
        due_day = local_time(dossier.due_at).date()
        if dossier.handled_at is not None:
            ended_day = local_time(dossier.handled_at).date()
            first = 2 if ended_day < due_day else 1 if ended_day == due_day else 0
        elif _as_utc(now) > _as_utc(dossier.due_at):
            first = 0
    fifth = 2 if (dossier.returned or dossier.returned_at is not None) else None
    return {"1": first, "5": fifth}


def index_scores(questionnaire: QuestionnaireDefinition, answers: dict[str, Any], computed: dict[str, int | None],
                 definition: Definition) -> dict[str, int | None]:
    """Points of every index "1".."n": computed ones from the dossier, the others from ``chi_so_<n>`` answers."""
    scores: dict[str, int | None] = {str(n): None for n in range(1, definition.n_indices + 1)}
    for item in questionnaire.items:
        number = item.code.removeprefix(INDEX_PREFIX)
        if item.code.startswith(INDEX_PREFIX) and number in scores and number not in computed:
            value = answers.get(item.code)
            if isinstance(value, int) and 0 <= value <= definition.index_max:
                scores[number] = value  # another code ("I do not know") leaves the index blank
    scores.update({key: value for key, value in computed.items() if key in scores})
    return scores


def extra_criteria(questionnaire: QuestionnaireDefinition, definition: Definition) -> list[Item]:
    """A province's own criteria that are stored and reported (not in the total): a single-choice item whose
    codes are the points 2, 1, 0 (and, optionally, codes from 9 up for "I do not know"), or a five-level
    satisfaction item the definition reports as its levels. Never an index or the overall level item."""
    points = set(range(definition.index_max + 1))
    found = []
    for item in questionnaire.items:
        number = item.code.removeprefix(INDEX_PREFIX)
        if item.code == LEVEL_ITEM or (item.code.startswith(INDEX_PREFIX) and number.isdigit()
                                       and 1 <= int(number) <= definition.n_indices):
            continue
        codes = set(item.option_codes)
        scored = item.type == "single" and points <= codes and all(
            isinstance(code, int) and (code in points or code >= NOT_KNOWN_FROM) for code in codes)
        five_levels = _five_levels(item, definition) and len(definition.level_names) == len(points)
        if scored or five_levels:
            found.append(item)
    return found


def extra_scores(questionnaire: QuestionnaireDefinition, answers: dict[str, Any],
                 definition: Definition) -> dict[str, int]:
    """Points of each answered extra criterion; a five-level answer as its level's points (best 2, worst 0)."""
    levels = definition.level_names
    scores = {}
    for item in extra_criteria(questionnaire, definition):
        value = answers.get(item.code)
        if item.type == "satisfaction" and value in definition.five_levels:
            scores[item.code] = len(levels) - 1 - levels.index(definition.five_levels[value])
        elif item.type == "single" and isinstance(value, int) and 0 <= value <= definition.index_max:
            scores[item.code] = value
    return scores


def criterion_labels(session: Session, codes: list[str], lang: str) -> dict[str, str]:
    """The question of each extra criterion code in the published rating forms (the first form that asks it),
    else the code itself."""
    labels: dict[str, str] = {}
    forms = session.scalars(select(Questionnaire.code).where(Questionnaire.code.like(f"{FORM_ID}%"))
                            .order_by(Questionnaire.code))
    for form in list(forms):
        version = latest_version(session, form)
        for item in questionnaire_for(version).items if version is not None else ():
            if item.code in codes:
                labels.setdefault(item.code, item.label(lang))
    return {code: labels.get(code, code) for code in codes}


def _five_levels(item, definition: Definition) -> bool:
    """Whether the level item is a five-level satisfaction question the definition reports as its levels."""
    return item.type == "satisfaction" and bool(definition.five_levels)


def rating_level(answers: dict[str, Any], definition: Definition,
                 questionnaire: QuestionnaireDefinition | None = None) -> str:
    """The definition's level of the overall answer.

    Three levels: code 0 is the worst level, the highest code the best. A five-level satisfaction
    item (codes 1..5, a province's own form) is reported through the definition's ``five_levels``.
    """
    levels = definition.level_names
    value = answers.get(LEVEL_ITEM)
    if questionnaire is not None and _five_levels(questionnaire.item(LEVEL_ITEM), definition):
        if value not in definition.five_levels:
            raise RatingFormError(f"item {LEVEL_ITEM}: answer {value!r} is not a level code 1..5")
        return definition.five_levels[value]
    if not isinstance(value, int) or not 0 <= value < len(levels):
        raise RatingFormError(f"item {LEVEL_ITEM}: answer {value!r} is not a level code 0..{len(levels) - 1}")
    return levels[len(levels) - 1 - value]


def check_rating_form(questionnaire: QuestionnaireDefinition, definition: Definition) -> None:
    """Refuse a form SIPAS cannot turn into a rating (no required level item with the definition's codes)."""
    codes = {item.code: item for item in questionnaire.items}
    level_item = codes.get(LEVEL_ITEM)
    expected = set(range(len(definition.level_names)))
    if level_item is None or not level_item.required or level_item.relevant:
        raise RatingFormError(f"{questionnaire.id}: needs an always-asked, required item '{LEVEL_ITEM}'")
    if _five_levels(level_item, definition):
        expected = set(definition.five_levels)
    if {code for code, _labels in level_item.options} != expected:
        raise RatingFormError(f"{questionnaire.id}: item '{LEVEL_ITEM}' must have the codes "
                              f"{sorted(expected)} (the definition's levels, worst first, or a five-level "
                              f"satisfaction item)")


# --- the rating ------------------------------------------------------------------------


@dataclass(frozen=True)
class RatingOutcome:
    rating: DossierRating
    replaced: bool


def existing_rating(session: Session, dossier: Dossier) -> DossierRating | None:
    return session.scalar(select(DossierRating).where(DossierRating.dossier_id == dossier.id))


def may_rate(rating: DossierRating | None, change_hours: float, now: datetime) -> bool:
    """No rating yet, or the first one is recent enough to be replaced."""
    return rating is None or _as_utc(now) - _as_utc(rating.rated_at) < timedelta(hours=change_hours)


def save_rating(session: Session, dossier: Dossier, questionnaire: QuestionnaireDefinition,
                answers: dict[str, Any], *, channel: str, definition: Definition, change_hours: float,
                now: datetime | None = None) -> RatingOutcome:
    """Store (or, within the window, replace) the dossier's one rating; flushes, never commits."""
    now = now or utcnow()
    problems = questionnaire.validate_answers(answers)
    if problems:
        raise RatingInvalid(problems)
    check_rating_form(questionnaire, definition)
    scores = index_scores(questionnaire, answers, computed_indices(dossier, now), definition)
    level = rating_level(answers, definition, questionnaire)
    rating = existing_rating(session, dossier)
    if not may_rate(rating, change_hours, now):
        raise RatingClosed(rating.rated_at)
    replaced = rating is not None
    if rating is None:
        rating = DossierRating(dossier_id=dossier.id, rated_at=now)
        session.add(rating)
    rating.index_scores, rating.level, rating.channel = scores, level, channel
    rating.extra_scores = extra_scores(questionnaire, answers, definition) or None
    session.flush()
    return RatingOutcome(rating, replaced)


def note_return_desk(dossier: Dossier, desk: str | None) -> None:
    """Remember the return desk where the officer started the rating, unless the system already gave a desk.

    A desk (``MaQuay``) posted later by the one-stop-shop system still replaces it (that is the desk
    that received the dossier; the event's field time wins over a desk with no time).
    """
    if desk and dossier.desk_code is None:
        dossier.desk_code = desk[:DESK_LENGTH]
