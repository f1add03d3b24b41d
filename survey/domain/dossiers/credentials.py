"""Integration credentials: one per one-stop-shop system, scoped to a unit and the units below it.

The secret is shown once when the credential is made and stored only as its
SHA-256 (a 256-bit random secret needs no slow hash). A revoked credential
authenticates nothing.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.domain.units import descendant_ids
from survey.i18n import _
from survey.models import IntegrationCredential, Unit, hash_token, utcnow
from survey.models.dossiers import SOURCE_LENGTH


class CredentialError(ValueError):
    """A credential cannot be made or revoked; the message says why."""


def add_credential(session: Session, system_name: str, unit: Unit) -> tuple[IntegrationCredential, str]:
    """A new credential for ``system_name`` over ``unit``; returns it and its secret (shown once)."""
    system_name = system_name.strip()
    if not system_name or len(system_name) > SOURCE_LENGTH:
        raise CredentialError(_("Tên hệ thống phải có từ 1 đến %(max)d ký tự.", max=SOURCE_LENGTH))
    if session.scalar(select(IntegrationCredential).where(IntegrationCredential.system_name == system_name)):
        raise CredentialError(_("Đã có thông tin kết nối cho hệ thống %(name)s; hãy thu hồi nó trước hoặc dùng "
                                "tên khác.", name=system_name))
    secret = "sipas-766-" + secrets.token_urlsafe(32)
    credential = IntegrationCredential(system_name=system_name, unit_id=unit.id, secret_hash=hash_token(secret),
                                       created_at=utcnow())
    session.add(credential)
    session.flush()
    return credential, secret


def authenticate(session: Session, secret: str) -> IntegrationCredential | None:
    """The active credential with this secret, marked as used; None for an unknown or revoked one."""
    credential = session.scalar(select(IntegrationCredential).where(
        IntegrationCredential.secret_hash == hash_token(secret)))
    if credential is None or credential.revoked_at is not None:
        return None
    credential.last_used_at = utcnow()
    return credential


def revoke_credential(session: Session, system_name: str) -> IntegrationCredential:
    credential = session.scalar(select(IntegrationCredential).where(
        IntegrationCredential.system_name == system_name))
    if credential is None:
        raise CredentialError(_("Không có thông tin kết nối nào của hệ thống %(name)s.", name=system_name))
    if credential.revoked_at is None:
        credential.revoked_at = utcnow()
    session.flush()
    return credential


def list_credentials(session: Session) -> list[IntegrationCredential]:
    return list(session.scalars(select(IntegrationCredential).order_by(IntegrationCredential.system_name)))


def credential_scope(session: Session, credential: IntegrationCredential) -> set[int]:
    """Ids of the units the system may post dossiers for: its unit and every unit below it."""
    return descendant_ids(session, credential.unit)
