"""``sipas invitations``: personal one-use invitation links for a sample list."""

from __future__ import annotations

import os
from pathlib import Path

import click
from sqlalchemy import delete

from survey.cli.app import with_appcontext
from survey.cli.loaders import public_base_url, round_or_exit, unit_or_exit
from survey.i18n import _


@click.group("invitations", help=_("Thư mời cá nhân: đường dẫn dùng một lần cho danh sách mẫu."))
def invitations_group() -> None:
    pass


@invitations_group.command(
    "generate",
    help=_(
        "Tạo mã mời cho một đơn vị trong một đợt: tệp CSV để trộn thư và (tuỳ chọn) "
        "tệp PDF in thư mời có mã QR. Lỗi ở bất kỳ bước nào thì không lưu gì."
    ),
)
@click.option("--round", "round_code", required=True, help=_("Mã đợt khảo sát."))
@click.option("--unit", "unit_code", required=True, help=_("Mã đơn vị."))
@click.option("--count", required=True, type=click.IntRange(min=1), help=_("Số thư mời."))
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help=_("Tệp CSV (số thứ tự, đường dẫn) để trộn thư."))
@click.option("--letters", "letters_path", type=click.Path(dir_okay=False, path_type=Path),
              help=_("Tệp PDF thư mời để in (mỗi thư một trang)."))
@click.option("--base-url", help=_("Địa chỉ công khai của SIPAS, ví dụ https://sipas.example.gov.vn."))
@with_appcontext
def generate(round_code: str, unit_code: str, count: int, out_path: Path, letters_path: Path | None,
             base_url: str | None) -> None:
    from survey.domain.invitations import (
        InvitationError,
        invitation_url,
        issue_invitations,
        mail_merge_csv,
        staged_file,
        write_letters,
    )
    from survey.extensions import db
    from survey.models import Invitation, hash_token

    base = public_base_url(base_url)
    if letters_path is not None and letters_path.resolve() == out_path.resolve():
        raise click.UsageError(_("--out và --letters phải là hai tệp khác nhau."))
    survey_round = round_or_exit(round_code)
    unit = unit_or_exit(unit_code)

    staged: list[tuple[Path, Path]] = []
    try:
        # Files are written beside their targets first; the database commits only
        # when every file is complete, and the files take their names only then.
        tokens = issue_invitations(db.session, survey_round, unit, count)
        urls = [invitation_url(base, token) for token in tokens]
        with staged_file(out_path) as (fh, part):
            fh.write(mail_merge_csv(urls))
        staged.append((part, out_path))
        if letters_path is not None:
            with staged_file(letters_path) as (fh, part):
                write_letters(fh, unit, survey_round, urls)
            staged.append((part, letters_path))
        db.session.commit()
    except InvitationError as exc:
        db.session.rollback()
        raise click.ClickException(_(exc.message, **exc.params)) from exc
    except OSError as exc:
        db.session.rollback()
        for part, _target in staged:
            part.unlink(missing_ok=True)
        raise click.ClickException(str(exc)) from exc
    except BaseException:
        db.session.rollback()
        for part, _target in staged:
            part.unlink(missing_ok=True)
        raise
    renamed: list[Path] = []
    try:
        for part, target in staged:
            os.replace(part, target)
            renamed.append(target)
    except OSError as exc:
        # The tokens were never handed out: take them back so the sent count stays true.
        db.session.execute(delete(Invitation).where(Invitation.token_hash.in_([hash_token(t) for t in tokens])))
        db.session.commit()
        for part, _target in staged:
            part.unlink(missing_ok=True)
        for target in renamed:
            target.unlink(missing_ok=True)
        raise click.ClickException(str(exc)) from exc
    click.echo(
        _(
            "Đã tạo %(n)d thư mời cho %(unit)s trong đợt %(round)s: %(file)s.",
            n=count,
            unit=unit.name,
            round=survey_round.code,
            file=", ".join(str(target) for _part, target in staged),
        )
    )


@invitations_group.command("status", help=_("Tỉ lệ phản hồi theo đơn vị: số thư đã gửi và đã dùng."))
@click.option("--round", "round_code", required=True, help=_("Mã đợt khảo sát."))
@with_appcontext
def status(round_code: str) -> None:
    from survey.domain.invitations import response_rates
    from survey.extensions import db

    survey_round = round_or_exit(round_code)
    rows = response_rates(db.session, survey_round.id)
    if not rows:
        click.echo(_("Đợt %(code)s chưa có thư mời nào.", code=round_code))
        return
    for row in rows:
        rate = f"{row.rate:.1f} %" if row.rate is not None else "–"
        click.echo(f"{row.unit.code}\t{row.unit.name}\t{row.used}/{row.sent}\t{rate}")
