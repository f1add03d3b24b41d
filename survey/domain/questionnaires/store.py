"""Publishing questionnaire definitions as immutable versions."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from survey.domain.questionnaires import QuestionnaireDefinition
from survey.models import Questionnaire as QuestionnaireRow
from survey.models import QuestionnaireVersion, SurveyRound


class PublishError(ValueError):
    """A questionnaire version cannot be published (e.g. its number is taken)."""


def publish(session: Session, questionnaire: QuestionnaireDefinition, source: str) -> tuple[QuestionnaireVersion, bool]:
    """Store ``questionnaire`` as a new immutable version.

    Publishing identical content again is a no-op that returns the stored
    version; the same version number with other content is refused.
    """
    row = session.scalar(select(QuestionnaireRow).where(QuestionnaireRow.code == questionnaire.id))
    if row is None:
        row = QuestionnaireRow(code=questionnaire.id, title=questionnaire.title("vi"))
        session.add(row)
        session.flush()
    for version in row.versions:
        if version.version == questionnaire.version:
            if version.content_hash == questionnaire.content_hash:
                return version, False
            raise PublishError(
                f"{questionnaire.id} phiên bản {questionnaire.version} đã được công bố với nội dung khác; "
                f"hãy tăng số phiên bản / version {questionnaire.version} of {questionnaire.id} is already "
                "published with different content; increase the version number"
            )
        if version.content_hash == questionnaire.content_hash:
            raise PublishError(
                f"nội dung này đã được công bố là phiên bản {version.version} / "
                f"this content is already published as version {version.version}"
            )
    version = QuestionnaireVersion(
        questionnaire=row,
        version=questionnaire.version,
        content_hash=questionnaire.content_hash,
        definition=questionnaire.definition,
        source=source,
        numeric_items=list(questionnaire.numeric_items),
    )
    session.add(version)
    session.flush()
    return version, True


def latest_version(session: Session, code: str) -> QuestionnaireVersion | None:
    return session.scalar(
        select(QuestionnaireVersion)
        .join(QuestionnaireRow)
        .where(QuestionnaireRow.code == code)
        .order_by(QuestionnaireVersion.id.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class PublishedVersion:
    """A published version with its size and the codes of the rounds that use it."""

    version: QuestionnaireVersion
    sections: int
    items: int
    rounds: tuple[str, ...]


def published_versions(session: Session) -> list[PublishedVersion]:
    """Every published version, by questionnaire code and then in publishing order."""
    versions = session.scalars(
        select(QuestionnaireVersion)
        .join(QuestionnaireRow)
        .options(selectinload(QuestionnaireVersion.questionnaire))
        .order_by(QuestionnaireRow.code, QuestionnaireVersion.id)
    ).all()
    rounds: dict[int, list[str]] = {}
    for version_id, code in session.execute(
        select(SurveyRound.questionnaire_version_id, SurveyRound.code).order_by(SurveyRound.code)
    ):
        rounds.setdefault(version_id, []).append(code)
    return [
        PublishedVersion(
            version=v,
            sections=len(v.definition["sections"]),
            items=sum(len(section["items"]) for section in v.definition["sections"]),
            rounds=tuple(rounds.get(v.id, ())),
        )
        for v in versions
    ]
