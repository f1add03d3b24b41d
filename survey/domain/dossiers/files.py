"""CSV/XLSX imports of dossier events, of the procedure (TTHC) catalogue and of the portal's unit codes.

Each import is all or nothing: every problem of the file is reported as
``FILE:ROW:COLUMN: message`` (row 1 is the header, as in Excel), and with any
problem nothing is stored. Headers are the portal's field names (``MaHoSo``,
``NgayTiepNhan`` …), case and diacritics ignored, or the Vietnamese names
given in :data:`PROCEDURE_HEADERS` and :data:`UNIT_MAP_HEADERS`. Importing the
same file again changes nothing. Nothing here commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from survey.domain.dossiers.intake import REFUSED, BatchTooLarge, intake_events
from survey.domain.dossiers.portal import (
    COMPLAINT_ATTRIBUTES,
    COMPLAINT_CODE,
    DOSSIER,
    DOSSIER_ATTRIBUTES,
    KIND,
    SYNC,
    TIME,
    UNIT,
)
from survey.domain.file_problems import FileProblem
from survey.domain.paper_import import MESSAGES as FILE_MESSAGES
from survey.domain.paper_import import (
    ImportFileError,
    Table,
    cell_text,
    column_letter,
    fold,
    read_table,
)
from survey.domain.unit_kinds import N_
from survey.models import PortalUnitCode, Procedure, Unit
from survey.models.dossiers import CODE_LENGTH

EVENT_HEADERS = {name: {fold(name)} for name in
                 (KIND, TIME, DOSSIER, UNIT, COMPLAINT_CODE, *DOSSIER_ATTRIBUTES, *COMPLAINT_ATTRIBUTES)}
PROCEDURE_HEADERS = {
    "code": {"matthc", "ma tthc", "ma thu tuc", "procedure code"},
    "name": {"tentthc", "ten tthc", "ten thu tuc", "procedure name"},
    "field_code": {"malinhvuc", "ma linh vuc", "field code"},
    "field_name": {"tenlinhvuc", "ten linh vuc", "field name"},
}
UNIT_MAP_HEADERS = {
    "portal_code": {"madonvicong", "ma don vi cong", "ma don vi tren cong", "donvixuly", "portal code"},
    "unit_code": {"madonvi", "ma don vi", "ma don vi sipas", "unit code"},
}
MESSAGES = {
    "missing_column": N_("Tệp không có cột %(label)s (bắt buộc)."),
    "duplicate_column": N_("Cột %(label)s có hai lần (cột %(first)s và %(second)s)."),
    "no_rows": N_("Tệp chỉ có dòng tiêu đề, không có dòng dữ liệu nào."),
    "empty": N_("Thiếu %(label)s."),
    "too_long": N_("%(label)s dài quá %(max)s ký tự."),
    "repeated": N_("%(label)s %(value)s đã có ở dòng %(first)s."),
    "unknown_unit": N_("Không có đơn vị SIPAS nào mang mã %(value)s đang hoạt động."),
}


def _problem(key: str, row: int | None, column: str | None, **params: Any) -> FileProblem:
    return FileProblem(key, MESSAGES[key], params, row=row, column=column)


@dataclass
class FileReport:
    filename: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    problems: list[FileProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _columns(headers: list[str], spec: dict[str, set[str]], required: tuple[str, ...],
             report: FileReport) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, header in enumerate(headers):
        folded = fold(header).replace("_", " ")
        target = next((name for name, names in spec.items() if folded in names or folded.replace(" ", "") in names),
                      None)
        if target in columns:
            report.problems.append(_problem("duplicate_column", 1, column_letter(index), label=header,
                                            first=column_letter(columns[target]), second=column_letter(index)))
        elif target:
            columns[target] = index
    for name in required:
        if name not in columns:
            report.problems.append(_problem("missing_column", 1, None, label=name))
    return columns


def _read(data: bytes, filename: str, sheet: str | None, report: FileReport, max_rows: int | None
          ) -> Table | None:
    try:
        table = read_table(data, filename, sheet, **({"max_rows": max_rows} if max_rows else {}))
    except ImportFileError as error:
        key = error.problem.key
        report.problems.append(FileProblem(key, FILE_MESSAGES[key], error.problem.params, row=error.problem.row))
        return None
    report.rows = len(table.rows)
    if not table.rows:
        report.problems.append(_problem("no_rows", None, None))
    return table


def import_event_file(session: Session, data: bytes, filename: str, *, source: str, sheet: str | None = None,
                      dry_run: bool = False, now: datetime | None = None, max_rows: int | None = None
                      ) -> FileReport:
    """Dossier events from a file, one per row (``LoaiSuKien`` defaults to DongBoHoSoMC)."""
    report = FileReport(filename)
    table = _read(data, filename, sheet, report, max_rows)
    if table is None:
        return report
    rows = table.rows
    columns = _columns(table.headers, EVENT_HEADERS, (TIME, UNIT), report)
    if DOSSIER not in columns and COMPLAINT_CODE not in columns:
        report.problems.append(_problem("missing_column", 1, None, label=DOSSIER))
    if not report.ok:
        return report
    events = [{name: cells[i] for name, i in columns.items() if i < len(cells) and cell_text(cells[i])}
              for _number, cells in rows]
    try:
        with session.begin_nested() as savepoint:
            intake = intake_events(session, events, source=source, now=now, default_kind=SYNC,
                                   max_events=len(events))
            if intake.refused or dry_run:
                savepoint.rollback()
    except BatchTooLarge as error:
        report.problems.append(FileProblem("too_many", str(error)))
        return report
    for result in intake.results:
        if result.status != REFUSED:
            continue
        for error in result.errors:
            index = columns.get(error.field) if error.field else None
            report.problems.append(FileProblem(
                error.key, "%(field)s: %(problem)s" if error.field else "%(problem)s",
                {"field": error.field, "problem": error.problem()}, row=rows[result.index][0],
                column=column_letter(index) if index is not None else None))
    report.created = 0 if intake.refused else intake.stored
    report.duplicates = intake.duplicates
    return report


def _rows_and_columns(data: bytes, filename: str, sheet: str | None, report: FileReport,
                      spec: dict[str, set[str]], required: tuple[str, ...]
                      ) -> tuple[list[tuple[int, list[Any]]], dict[str, int]]:
    """The data rows and the column of each field; problems go to ``report``."""
    table = _read(data, filename, sheet, report, None)
    if table is None:
        return [], {}
    return table.rows, _columns(table.headers, spec, required, report)


def _cell(cells: list[Any], columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    return cell_text(cells[index]) if index is not None and index < len(cells) else ""


def _checked_text(report: FileReport, number: int, columns: dict[str, int], cells: list[Any], name: str,
                  label: str, limit: int, required: bool) -> str:
    value = _cell(cells, columns, name)
    letter = column_letter(columns[name]) if name in columns else None
    if not value and required:
        report.problems.append(_problem("empty", number, letter, label=label))
    elif len(value) > limit:
        report.problems.append(_problem("too_long", number, letter, label=label, max=limit))
    return value


def _first_seen(report: FileReport, seen: dict[str, int], value: str, number: int, letter: str, label: str
                ) -> bool:
    if value in seen:
        report.problems.append(_problem("repeated", number, letter, label=label, value=value, first=seen[value]))
        return False
    seen[value] = number
    return True


def import_procedures(session: Session, data: bytes, filename: str, *, sheet: str | None = None,
                      dry_run: bool = False) -> FileReport:
    """The procedure catalogue: MaTTHC, TenTTHC, MaLinhVuc, TenLinhVuc; a stored code is updated."""
    report = FileReport(filename)
    rows, columns = _rows_and_columns(data, filename, sheet, report, PROCEDURE_HEADERS, ("code", "name"))
    if not report.ok:
        return report
    entries: dict[str, tuple[str, str | None, str | None]] = {}
    seen: dict[str, int] = {}
    for number, cells in rows:
        code = _checked_text(report, number, columns, cells, "code", "MaTTHC", CODE_LENGTH, True)
        name = _checked_text(report, number, columns, cells, "name", "TenTTHC", 1000, True)
        field_code = _checked_text(report, number, columns, cells, "field_code", "MaLinhVuc", CODE_LENGTH, False)
        field_name = _checked_text(report, number, columns, cells, "field_name", "TenLinhVuc", 500, False)
        if code and _first_seen(report, seen, code, number, column_letter(columns["code"]), "MaTTHC"):
            entries[code] = (name, field_code or None, field_name or None)
    if not report.ok:
        return report
    stored = {p.code: p for p in session.scalars(select(Procedure).where(Procedure.code.in_(list(entries))))}
    for code, (name, field_code, field_name) in entries.items():
        procedure = stored.get(code)
        if procedure is None:
            report.created += 1
            if not dry_run:
                session.add(Procedure(code=code, name=name, field_code=field_code, field_name=field_name))
        elif (procedure.name, procedure.field_code, procedure.field_name) == (name, field_code, field_name):
            report.unchanged += 1
        else:
            report.updated += 1
            if not dry_run:
                procedure.name, procedure.field_code, procedure.field_name = name, field_code, field_name
    session.flush()
    return report


def import_unit_map(session: Session, data: bytes, filename: str, *, sheet: str | None = None,
                    dry_run: bool = False) -> FileReport:
    """Portal unit codes (``H26``, ``H26.189``) → SIPAS unit codes; a stored portal code is re-pointed."""
    report = FileReport(filename)
    rows, columns = _rows_and_columns(data, filename, sheet, report, UNIT_MAP_HEADERS, ("portal_code", "unit_code"))
    if not report.ok:
        return report
    pairs: dict[str, tuple[int, str]] = {}
    seen: dict[str, int] = {}
    for number, cells in rows:
        portal = _checked_text(report, number, columns, cells, "portal_code", "MaDonViCong", CODE_LENGTH, True)
        unit_code = _checked_text(report, number, columns, cells, "unit_code", "MaDonVi", 32, True)
        if portal and unit_code and _first_seen(report, seen, portal, number,
                                                column_letter(columns["portal_code"]), "MaDonViCong"):
            pairs[portal] = (number, unit_code)
    today = datetime.now().date()
    units = {u.code: u for u in session.scalars(select(Unit).where(
        Unit.code.in_([code for _n, code in pairs.values()]), or_(Unit.valid_to.is_(None), Unit.valid_to >= today)))}
    for number, unit_code in pairs.values():
        if unit_code not in units:
            report.problems.append(_problem("unknown_unit", number, column_letter(columns["unit_code"]),
                                            value=unit_code))
    if not report.ok:
        return report
    stored = {m.portal_code: m for m in session.scalars(select(PortalUnitCode).where(
        PortalUnitCode.portal_code.in_(list(pairs))))}
    for portal, (_number, unit_code) in pairs.items():
        mapping, unit = stored.get(portal), units[unit_code]
        if mapping is None:
            report.created += 1
            if not dry_run:
                session.add(PortalUnitCode(portal_code=portal, unit_id=unit.id))
        elif mapping.unit_id == unit.id:
            report.unchanged += 1
        else:
            report.updated += 1
            if not dry_run:
                mapping.unit_id = unit.id
    session.flush()
    return report
