"""``sipas units``: import the official list of units, list them, record a merge, a split or a rename."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path

import click

from survey.cli.app import with_appcontext
from survey.cli.output import echo_table
from survey.domain.lineage import (
    LineageError,
    merge_units,
    rename_unit,
    split_unit,
    successor_for,
    unit_before,
)
from survey.domain.unit_import import import_units, kind_label, parse_kind
from survey.domain.units import find_unit, units_query
from survey.extensions import db
from survey.i18n import _, format_local_date
from survey.models import Unit


class Day(click.ParamType):
    """A day written dd/mm/yyyy or yyyy-mm-dd."""

    name = "DATE"

    def convert(self, value, param, ctx) -> date:
        if isinstance(value, date):
            return value
        for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
            try:
                return datetime.strptime(value.strip(), fmt).date()
            except ValueError:
                continue
        self.fail(_("%(value)s không phải là một ngày; hãy ghi dd/mm/yyyy hoặc yyyy-mm-dd.", value=value), param, ctx)


class Level(click.ParamType):
    name = "LEVEL"

    def convert(self, value, param, ctx):
        kind = parse_kind(value)
        if kind is None:
            self.fail(_("\"%(value)s\" không phải là một cấp đơn vị.", value=value), param, ctx)
        return kind


@click.group("units", help=_("Đơn vị hành chính: nhập danh mục, liệt kê, ghi nhận sáp nhập, chia tách, đổi tên."))
def units_group() -> None:
    pass


def _commit_or_fail(action) -> object:
    """Run a lineage change and commit it, or stop with its message (nothing is stored)."""
    try:
        result = action()
        db.session.commit()
    except LineageError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    except Exception:
        db.session.rollback()
        raise
    return result


@units_group.command("import", help=_(
    "Nhập danh mục đơn vị từ tệp CSV hoặc XLSX (Mã, Tên, Cấp, Mã cấp trên, Hiệu lực từ, Hiệu lực đến, "
    "Mã trước sắp xếp): kiểm tra mọi dòng, có lỗi thì không lưu gì; nhập lại cùng tệp không thay đổi gì."))
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--sheet", help=_("Tên trang tính trong tệp XLSX (mặc định: trang đầu tiên)."))
@click.option("--dry-run", is_flag=True, help=_("Chỉ kiểm tra, không lưu gì."))
@click.option("--basis", help=_("Căn cứ pháp lý của các liên kết sắp xếp (khi tệp không có cột này)."))
@with_appcontext
def import_command(file: Path, sheet: str | None, dry_run: bool, basis: str | None) -> None:
    name = str(file)
    report = import_units(db.session, file.read_bytes(), file.name, sheet=sheet, dry_run=dry_run, legal_basis=basis)
    if report.ok and not dry_run:
        db.session.commit()  # an exception leaves nothing: the app context's session is removed uncommitted
    for notice in report.notices:
        click.echo(notice.line(name))
    if not report.ok:
        for problem in report.problems:
            click.echo(problem.line(name), err=True)
        click.echo(_("%(n)d lỗi; không lưu gì.", n=len(report.problems)), err=True)
        sys.exit(1)
    counts = {"created": report.created, "updated": report.updated, "unchanged": report.unchanged,
              "links": report.links}
    if dry_run:
        click.echo(_("Kiểm tra xong, không lưu gì: sẽ tạo %(created)d, cập nhật %(updated)d, giữ nguyên "
                     "%(unchanged)d đơn vị; %(links)d liên kết sắp xếp mới.", **counts))
    else:
        click.echo(_("Đã tạo %(created)d, cập nhật %(updated)d, giữ nguyên %(unchanged)d đơn vị; "
                     "%(links)d liên kết sắp xếp mới.", **counts))


def _period(unit: Unit) -> str:
    start = format_local_date(unit.valid_from) if unit.valid_from else "…"
    end = format_local_date(unit.valid_to) if unit.valid_to else "…"
    return f"{start} – {end}"


@units_group.command("list", help=_("Liệt kê đơn vị có hiệu lực vào một ngày (mặc định: hôm nay)."))
@click.option("--level", "kind", type=Level(), help=_("Cấp: Tỉnh, Xã, Trung tâm phục vụ hành chính công, Quầy…"))
@click.option("--parent", "parent_code", help=_("Mã đơn vị cấp trên."))
@click.option("--on", "day", type=Day(), help=_("Ngày (dd/mm/yyyy hoặc yyyy-mm-dd)."))
@with_appcontext
def list_command(kind, parent_code: str | None, day: date | None) -> None:
    day = day or date.today()
    parent = None
    if parent_code:
        parent = find_unit(db.session, parent_code, day)
        if parent is None:
            raise click.ClickException(_("Không có đơn vị mã %(code)s có hiệu lực vào ngày %(day)s.",
                                         code=parent_code, day=format_local_date(day)))
    units = db.session.scalars(units_query(kind, parent, day)).all()
    if not units:
        click.echo(_("Không có đơn vị nào."))
        return
    rows = [(_("Mã"), _("Tên"), _("Cấp"), _("Cấp trên"), _("Hiệu lực"))]
    rows += [(u.code, u.name, kind_label(u.kind), u.parent.code if u.parent else "", _period(u)) for u in units]
    echo_table(rows)
    click.echo(_("%(n)d đơn vị.", n=len(units)))


def _unit_on(code: str, day: date) -> Unit:
    unit = find_unit(db.session, code, day)
    if unit is None:
        raise click.ClickException(_("Không có đơn vị mã %(code)s có hiệu lực vào ngày %(day)s.",
                                     code=code, day=format_local_date(day)))
    return unit


on_option = click.option("--on", "day", type=Day(), required=True,
                         help=_("Ngày bắt đầu hiệu lực của thay đổi (dd/mm/yyyy hoặc yyyy-mm-dd)."))
basis_option = click.option("--basis", help=_("Căn cứ pháp lý, ví dụ \"Nghị quyết 1656/NQ-UBTVQH15\"."))


@units_group.command("rename", help=_("Đổi tên một đơn vị từ một ngày; tên cũ vẫn đúng cho thời gian trước đó."))
@click.argument("code")
@click.option("--name", required=True, help=_("Tên mới."))
@on_option
@basis_option
@with_appcontext
def rename_command(code: str, name: str, day: date, basis: str | None) -> None:
    renamed = _commit_or_fail(lambda: rename_unit(db.session, unit_before(db.session, code, day), name, day, basis))
    click.echo(_("Từ %(day)s, %(code)s là %(name)s.", day=format_local_date(day), code=code, name=renamed.name))


@units_group.command("merge", help=_(
    "Sáp nhập các đơn vị vào một đơn vị có sẵn hoặc mới: sipas units merge CŨ1 CŨ2 --into MỚI --on NGÀY "
    "(đơn vị mới: --into MÃ=Tên hoặc --into MÃ --name Tên)."))
@click.argument("codes", nargs=-1, required=True)
@click.option("--into", "into", required=True, help=_("Mã đơn vị kế thừa."))
@click.option("--name", help=_("Tên đơn vị kế thừa khi là đơn vị mới."))
@click.option("--parent", "parent_code", help=_("Mã đơn vị cấp trên của đơn vị mới (khi không tự xác định được)."))
@on_option
@basis_option
@with_appcontext
def merge_command(codes: tuple[str, ...], into: str, name: str | None, parent_code: str | None, day: date,
                  basis: str | None) -> None:
    def merge() -> Unit:
        predecessors = [unit_before(db.session, code, day) for code in codes]
        successor = successor_for(db.session, into, day, predecessors, name)
        return merge_units(db.session, predecessors, day, successor, basis, parent=_parent(parent_code, day))

    unit = _commit_or_fail(merge)
    click.echo(_("Từ %(day)s, %(old)s thuộc %(code)s %(name)s.", day=format_local_date(day),
                 old=", ".join(codes), code=unit.code, name=unit.name))


def _parent(code: str | None, day: date) -> Unit | None:
    return _unit_on(code, day) if code else None


@units_group.command("split", help=_(
    "Chia tách một đơn vị: sipas units split CŨ --into MỚI1 MỚI2 --on NGÀY (đơn vị mới: MÃ=Tên)."))
@click.argument("code")
@click.argument("more", nargs=-1)
@click.option("--into", "into", multiple=True, required=True, help=_("Mã đơn vị kế thừa (MÃ=Tên nếu là đơn vị mới)."))
@click.option("--parent", "parent_code", help=_("Mã đơn vị cấp trên của các đơn vị mới."))
@on_option
@basis_option
@with_appcontext
def split_command(code: str, more: tuple[str, ...], into: tuple[str, ...], parent_code: str | None, day: date,
                  basis: str | None) -> None:
    def split() -> list[Unit]:
        unit = unit_before(db.session, code, day)
        successors = [successor_for(db.session, text, day) for text in (*into, *more)]
        return split_unit(db.session, unit, successors, day, basis, parent=_parent(parent_code, day))

    units = _commit_or_fail(split)
    click.echo(_("Từ %(day)s, %(code)s được chia thành: %(units)s.", day=format_local_date(day), code=code,
                 units="; ".join(f"{u.code} {u.name}" for u in units)))
