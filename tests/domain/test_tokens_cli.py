"""`sipas tokens`: a staff member's API token made, listed and revoked from the command line."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from survey.cli import main
from survey.domain.api_tokens import TokenError, parse_expiry
from survey.models import ApiToken, AuditEntry, Role, StaffUser


def invoke(app, *args):
    return CliRunner().invoke(main, list(args), obj=app, catch_exceptions=False)


@pytest.fixture
def owner(db_session):
    user = StaffUser(login="thongke", password_hash="-", role=Role.STATISTICIAN)
    db_session.add(user)
    db_session.commit()
    return user


def _secret(output: str) -> str:
    return next(line for line in output.splitlines() if line.startswith("sipas_"))


def test_create_prints_the_secret_once_and_the_token_reads_the_api(app, client, db_session, owner):
    result = invoke(app, "tokens", "create", "--user", "thongke", "--name", "cổng một cửa", "--expires", "90d")
    assert result.exit_code == 0, result.output
    secret = _secret(result.output)
    assert "cổng một cửa" in result.output and "thongke" in result.output
    response = client.get("/api/v1/releases", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200 and response.get_json() == {"releases": []}
    token = db_session.scalars(select(ApiToken)).one()
    expires = token.expires_at.replace(tzinfo=token.expires_at.tzinfo or UTC)
    assert timedelta(days=89, hours=23) < expires - datetime.now(UTC) <= timedelta(days=90)
    assert secret not in token.token_hash
    entry = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "api_token.create")).one()
    assert entry.target == "cổng một cửa" and entry.details["owner"] == "thongke"
    listing = invoke(app, "tokens", "list")
    assert "cổng một cửa" in listing.output and "Đang dùng" in listing.output
    assert secret not in listing.output  # shown once, at creation only


def test_revoke_ends_the_token_and_is_audited(app, client, db_session, owner):
    secret = _secret(invoke(app, "tokens", "create", "--user", "thongke", "--name", "script").output)
    token_id = db_session.scalars(select(ApiToken.id)).one()
    result = invoke(app, "tokens", "revoke", str(token_id))
    assert result.exit_code == 0 and "script" in result.output
    assert client.get("/api/v1/releases", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert "Đã thu hồi" in invoke(app, "tokens", "list", "--user", "thongke").output
    again = invoke(app, "tokens", "revoke", str(token_id))
    assert again.exit_code == 0 and "từ trước" in again.output
    revokes = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "api_token.revoke")).all()
    assert len(revokes) == 1
    missing = invoke(app, "tokens", "revoke", "999")
    assert missing.exit_code == 1 and "999" in missing.output


def test_an_expired_token_is_listed_as_expired_and_refused(app, client, db_session, owner):
    secret = _secret(invoke(app, "tokens", "create", "--user", "thongke", "--name", "cũ", "--expires", "1d").output)
    token = db_session.scalars(select(ApiToken)).one()
    token.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    db_session.commit()
    assert client.get("/api/v1/releases", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert "Đã hết hạn" in invoke(app, "tokens", "list").output


@pytest.mark.parametrize("args, message", [
    (["--user", "nobody", "--name", "x"], "nobody"),
    (["--user", "thongke", "--name", "   "], "Cần đặt tên"),
    (["--user", "thongke", "--name", "x", "--expires", "2001-01-01"], "đã qua"),
    (["--user", "thongke", "--name", "x", "--expires", "soon"], "soon"),
    (["--user", "thongke", "--name", "x", "--expires", "0d"], "từ 1 đến"),
])
def test_bad_input_is_refused_with_a_message_and_nothing_stored(app, db_session, owner, args, message):
    result = invoke(app, "tokens", "create", *args)
    assert result.exit_code == 1 and message in result.output
    assert db_session.scalars(select(ApiToken)).all() == []


def test_an_expiry_day_ends_at_midnight_vietnam_time():
    end = parse_expiry("2030-12-31", today=date(2030, 1, 1))
    assert end == datetime(2030, 12, 31, 17, 0, tzinfo=UTC)  # 01/01/2031 00:00 +07:00
    assert parse_expiry("") is None
    with pytest.raises(TokenError):
        parse_expiry("2041-01-01", today=date(2030, 1, 1))
