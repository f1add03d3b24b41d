"""Importing the official list of administrative units (CSV or XLSX), all or nothing.

Columns (English or Vietnamese headers, case and diacritics ignored): code (Mã),
name (Tên), level (Cấp/Loại), parent_code (Mã cấp trên), valid_from (Hiệu lực
từ), valid_to (Hiệu lực đến), optionally former_codes (Mã trước sắp xếp, codes
separated by ``;``) and legal_basis (Căn cứ pháp lý). Dates are dd/mm/yyyy,
yyyy-mm-dd or Excel dates; an empty valid_from means "since before SIPAS".

A row is keyed by (code, valid_from): a stored unit with that key is updated
(name, parent, valid_to), otherwise a unit is created. Former codes become
lineage links effective on the row's valid_from (MERGE when the code differs,
RENAME or CONTINUE when it is the same, as the 2025 provincial list needs).
Every problem of the file is reported in one pass; with any problem nothing is
stored. Nothing here commits: :func:`import_units` flushes, the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.domain.file_problems import FileProblem
from survey.domain.paper_import import MESSAGES as FILE_MESSAGES
from survey.domain.paper_import import (
    FileLimits,
    ImportFileError,
    cell_text,
    column_letter,
    fold,
    parse_day,
    read_table,
)
from survey.domain.unit_kinds import ALLOWED_PARENTS, KIND_LABELS, N_, lineage_kind
from survey.i18n import _, format_local_date
from survey.models import AuditEntry, StaffUser, Unit, UnitKind, UnitLineage

REQUIRED_FIELDS = ("code", "name", "kind")
FIELD_LABELS = {
    "code": N_("Mã"), "name": N_("Tên"), "kind": N_("Cấp"), "parent_code": N_("Mã cấp trên"),
    "valid_from": N_("Hiệu lực từ"), "valid_to": N_("Hiệu lực đến"),
    "former_codes": N_("Mã trước sắp xếp"), "legal_basis": N_("Căn cứ pháp lý"),
    "former_names": N_("Tên trước sắp xếp"),
}
# Folded headers (lower case, no diacritics, "_" as a space) of each column.
HEADERS = {
    "code": {"code", "ma", "ma don vi", "unit code", "ma dvhc", "ma so"},
    "name": {"name", "ten", "ten don vi", "unit name", "ten dvhc"},
    "kind": {"level", "kind", "type", "cap", "loai", "cap/loai", "cap hanh chinh", "loai don vi"},
    "parent_code": {"parent code", "parent", "ma cap tren", "ma don vi cap tren", "cap tren"},
    "valid_from": {"valid from", "hieu luc tu", "tu ngay", "ngay hieu luc"},
    "valid_to": {"valid to", "hieu luc den", "den ngay", "het hieu luc"},
    "former_codes": {"former codes", "ma truoc sap xep", "ma cu", "ma truoc"},
    "legal_basis": {"legal basis", "can cu", "can cu phap ly"},
    "former_names": {"former names", "ten truoc sap xep", "ten cu"},  # for the reader; not checked
}
# Folded words for each level, besides the UnitKind values themselves.
KIND_WORDS = {
    UnitKind.MINISTRY: {"bo", "ministry"},
    UnitKind.PROVINCE: {"tinh", "thanh pho", "thanh pho truc thuoc trung uong", "tp truc thuoc trung uong",
                        "cap tinh", "tinh/thanh pho", "province", "city"},
    UnitKind.DEPARTMENT: {"so", "so, nganh", "department"},
    UnitKind.COMMUNE: {"xa", "phuong", "dac khu", "cap xa", "xa/phuong/dac khu", "commune", "ward",
                       "special zone"},
    UnitKind.SERVICE_CENTRE: {"trung tam phuc vu hanh chinh cong", "trung tam", "bo phan mot cua",
                              "service centre", "service center", "service_centre"},
    UnitKind.COUNTER: {"quay", "counter"},
}
# Usual width of numeric codes (Excel drops the leading zeros of "01" and "00004").
CODE_WIDTH = {UnitKind.PROVINCE: 2, UnitKind.COMMUNE: 5}

MESSAGES = {
    "no_rows": N_("Tệp chỉ có dòng tiêu đề, không có đơn vị nào."),
    "missing_column": N_("Tệp không có cột %(label)s (bắt buộc)."),
    "duplicate_column": N_("Cột %(label)s có ở cả cột %(first)s và cột %(second)s."),
    "ignored_column": N_("Cột \"%(header)s\" không được dùng; bỏ qua."),
    "empty": N_("Thiếu %(label)s."),
    "too_long": N_("Quá dài (tối đa %(max)s ký tự)."),
    "bad_kind": N_(
        "\"%(value)s\" không phải là một cấp đơn vị; hãy ghi Bộ, Tỉnh, Thành phố, Sở, Xã, Phường, Đặc khu, "
        "Trung tâm phục vụ hành chính công hoặc Quầy."
    ),
    "bad_date": N_("Ngày \"%(value)s\" không hợp lệ; hãy ghi theo dạng ngày/tháng/năm, ví dụ 01/07/2025."),
    "period": N_("Ngày hết hiệu lực %(to)s trước ngày bắt đầu hiệu lực %(from)s."),
    "duplicate": N_("Mã %(code)s với cùng ngày hiệu lực đã có ở dòng %(first)s."),
    "zeros": N_(
        "Mã %(code)s thiếu số 0 ở đầu; có phải là %(suggestion)s? Excel bỏ số 0 ở đầu khi ô là kiểu số: "
        "hãy định dạng cột là Văn bản."
    ),
    "unknown_code_zeros": N_(
        "Không có đơn vị nào mang mã %(code)s; có phải là %(suggestion)s? Excel bỏ số 0 ở đầu khi ô là "
        "kiểu số: hãy định dạng cột là Văn bản."
    ),
    "unknown_parent": N_("Không có đơn vị cấp trên nào mang mã %(code)s (trong tệp hay đã lưu)."),
    "parent_not_valid": N_("Đơn vị cấp trên %(code)s không có hiệu lực vào ngày %(day)s."),
    "parent_level": N_("%(kind)s không thể trực thuộc %(parent_kind)s %(code)s; cấp trên phải là: %(allowed)s."),
    "parent_needed": N_("%(kind)s phải có mã cấp trên (%(allowed)s)."),
    "no_parent_allowed": N_("%(kind)s không có cấp trên; hãy để trống ô này."),
    "kind_changed": N_("Đơn vị %(code)s đã được lưu là %(stored)s, không thể đổi thành %(kind)s."),
    "overlap": N_("Thời gian hiệu lực của mã %(code)s trùng với một thời kỳ khác của mã này (%(other)s)."),
    "former_needs_date": N_("Có mã trước sắp xếp thì phải có ngày hiệu lực từ."),
    "unknown_former": N_("Không có đơn vị nào mang mã %(code)s kết thúc hiệu lực trước ngày %(day)s."),
    "former_still_valid": N_(
        "Đơn vị cũ %(code)s vẫn còn hiệu lực vào ngày %(day)s; hãy ghi ngày hết hiệu lực của nó (%(last)s)."
    ),
    "nothing_changed": N_("Tệp giống hệt dữ liệu đã lưu: không có gì thay đổi."),
}


@dataclass
class UnitImportReport:
    """What an import found and did (or, in a dry run, would do)."""

    filename: str
    dry_run: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    links: int = 0
    problems: list[FileProblem] = field(default_factory=list)
    notices: list[FileProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.links)


@dataclass
class _Row:
    number: int
    cells: dict[str, str]
    raw: dict[str, Any]
    code: str = ""
    name: str = ""
    kind: UnitKind | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    former: list[str] = field(default_factory=list)
    unit: Unit | None = None  # stored (or to be created)
    parent: Unit | _Row | None = None
    predecessors: list[Unit | _Row] = field(default_factory=list)

    def covers(self, day: date | None) -> bool:
        return _covers(self.valid_from, self.valid_to, day)


def _covers(valid_from: date | None, valid_to: date | None, day: date | None) -> bool:
    """Valid on ``day``; ``None`` means "from the beginning"."""
    if day is None:
        return valid_from is None
    return (valid_from is None or valid_from <= day) and (valid_to is None or day <= valid_to)


def _day_text(day: date | None) -> str:
    return format_local_date(day) if day else "…"


def parse_kind(text: str) -> UnitKind | None:
    """A level written as a UnitKind value or a Vietnamese word (Tỉnh, Xã, Quầy…)."""
    folded = fold(text).replace("_", " ").strip(" .")
    for kind, words in KIND_WORDS.items():
        if folded == kind.value.replace("_", " ") or folded in words:
            return kind
    return None


# --- the import -----------------------------------------------------------------------


class _Importer:
    def __init__(self, session: Session, report: UnitImportReport, legal_basis: str | None):
        self.session = session
        self.report = report
        self.legal_basis = legal_basis
        self.columns: dict[str, int] = {}
        self.rows: list[_Row] = []
        self.stored: dict[str, list[Unit]] = {}

    def problem(self, key: str, row: _Row | None = None, column: str | None = None, **params: Any) -> None:
        index = self.columns.get(column) if column else None
        self.report.problems.append(FileProblem(
            key, MESSAGES[key], params, row=row.number if row else None,
            column=column_letter(index) if index is not None else None,
            header=_(FIELD_LABELS[column]) if column else None,
        ))

    # the header row
    def map_headers(self, headers: list[str]) -> None:
        for index, header in enumerate(headers):
            folded = fold(header).replace("_", " ").rstrip(" .:*")
            target = next((name for name, names in HEADERS.items() if folded in names or folded == name), None)
            if target is None:
                if header:
                    self.report.notices.append(FileProblem("ignored_column", MESSAGES["ignored_column"],
                                                           {"header": header}, column=column_letter(index)))
            elif target in self.columns:
                self.problem("duplicate_column", label=header,
                             first=column_letter(self.columns[target]), second=column_letter(index))
            else:
                self.columns[target] = index
        for name in REQUIRED_FIELDS:
            if name not in self.columns:
                self.problem("missing_column", label=_(FIELD_LABELS[name]))

    # each row on its own
    def read_row(self, number: int, cells: list[Any]) -> _Row:
        raw = {name: cells[i] if i < len(cells) else None for name, i in self.columns.items()}
        row = _Row(number, {name: cell_text(value) for name, value in raw.items()}, raw)
        row.code, row.name = row.cells.get("code", ""), row.cells.get("name", "")
        for name, value, limit in (("code", row.code, 32), ("name", row.name, 255)):
            if not value:
                self.problem("empty", row, name, label=_(FIELD_LABELS[name]).lower())
            elif len(value) > limit:
                self.problem("too_long", row, name, max=limit)
        kind_text = row.cells.get("kind", "")
        row.kind = parse_kind(kind_text) if kind_text else None
        if not kind_text:
            self.problem("empty", row, "kind", label=_(FIELD_LABELS["kind"]).lower())
        elif row.kind is None:
            self.problem("bad_kind", row, "kind", value=kind_text)
        width = CODE_WIDTH.get(row.kind) if row.kind else None
        if width and row.code.isdigit() and len(row.code) < width:
            self.problem("zeros", row, "code", code=row.code, suggestion=row.code.zfill(width))
        row.valid_from = self.read_day(row, "valid_from")
        row.valid_to = self.read_day(row, "valid_to")
        if row.valid_from and row.valid_to and row.valid_to < row.valid_from:
            self.problem("period", row, "valid_to", to=_day_text(row.valid_to), **{"from": _day_text(row.valid_from)})
        row.former = [c.strip() for c in row.cells.get("former_codes", "").split(";") if c.strip()]
        if row.former and not row.cells.get("valid_from"):
            self.problem("former_needs_date", row, "former_codes")
        return row

    def read_day(self, row: _Row, column: str) -> date | None:
        if not row.cells.get(column):
            return None
        try:
            return parse_day(row.raw[column])
        except ValueError:
            self.problem("bad_date", row, column, value=row.cells[column])
            return None

    # the rows together and with what is stored
    def load_stored(self) -> None:
        codes = {r.code for r in self.rows} | {r.cells.get("parent_code", "") for r in self.rows}
        codes |= {c for r in self.rows for c in r.former}
        codes |= {c.zfill(w) for c in codes if c.isdigit() for w in (2, 5)}
        for unit in units_with_codes(self.session, codes - {""}):
            self.stored.setdefault(unit.code, []).append(unit)

    def periods(self, code: str) -> list[Unit | _Row]:
        """Every period of a code: the file's rows, and stored units the file does not name."""
        in_file = [r for r in self.rows if r.code == code]
        keys = {r.valid_from for r in in_file}
        return [*in_file, *(u for u in self.stored.get(code, []) if u.valid_from not in keys)]

    def suggestion(self, code: str) -> str | None:
        if not code.isdigit():
            return None
        for width in (2, 5):
            padded = code.zfill(width)
            if padded != code and self.periods(padded):
                return padded
        return None

    def unknown(self, key: str, row: _Row, column: str, code: str, **params: Any) -> None:
        suggestion = self.suggestion(code)
        if suggestion:
            self.problem("unknown_code_zeros", row, column, code=code, suggestion=suggestion)
        else:
            self.problem(key, row, column, code=code, **params)

    def check_rows(self) -> None:
        first: dict[tuple[str, date | None], _Row] = {}
        for row in self.rows:
            key = (row.code, row.valid_from)
            if row.code and key in first:
                self.problem("duplicate", row, "code", code=row.code, first=first[key].number)
            first.setdefault(key, row)
            stored = next((u for u in self.stored.get(row.code, []) if u.valid_from == row.valid_from), None)
            row.unit = stored
            if stored is not None and row.kind is not None and stored.kind != row.kind:
                self.problem("kind_changed", row, "kind", code=row.code, stored=kind_label(stored.kind),
                             kind=kind_label(row.kind))
        for row in self.rows:
            if row.code and first.get((row.code, row.valid_from)) is row:
                self.check_overlap(row)
            if row.kind is not None:
                self.check_parent(row)
            self.check_former(row)

    def check_overlap(self, row: _Row) -> None:
        for other in self.periods(row.code):
            if other is row or other is row.unit:
                continue
            starts_after = row.valid_from is not None and other.valid_to is not None and row.valid_from > other.valid_to
            ends_before = row.valid_to is not None and other.valid_from is not None and row.valid_to < other.valid_from
            if not (starts_after or ends_before):
                self.problem("overlap", row, "valid_from", code=row.code,
                             other=f"{_day_text(other.valid_from)} – {_day_text(other.valid_to)}")
                return

    def check_parent(self, row: _Row) -> None:
        allowed = ALLOWED_PARENTS[row.kind]
        allowed_text = ", ".join(kind_label(k) for k in allowed)
        code = row.cells.get("parent_code", "")
        if not code:
            if allowed:
                self.problem("parent_needed", row, "parent_code" if "parent_code" in self.columns else None,
                             kind=kind_label(row.kind), allowed=allowed_text)
            return
        if not allowed:
            self.problem("no_parent_allowed", row, "parent_code", kind=kind_label(row.kind))
            return
        candidates = self.periods(code)
        if not candidates:
            self.unknown("unknown_parent", row, "parent_code", code)
            return
        day = row.valid_from or row.valid_to or date.today()
        valid = [p for p in candidates if _covers(p.valid_from, p.valid_to, day)]
        if not valid:
            self.problem("parent_not_valid", row, "parent_code", code=code, day=_day_text(day))
            return
        parent = max(valid, key=lambda p: p.valid_from or date.min)
        if parent.kind is not None and parent.kind not in allowed:
            self.problem("parent_level", row, "parent_code", kind=kind_label(row.kind),
                         parent_kind=kind_label(parent.kind).lower(), code=code, allowed=allowed_text)
            return
        row.parent = parent

    def check_former(self, row: _Row) -> None:
        if row.valid_from is None:
            return
        last = row.valid_from - timedelta(days=1)
        for code in row.former:
            earlier = [p for p in self.periods(code) if p.valid_from is None or p.valid_from < row.valid_from]
            if not earlier:
                self.unknown("unknown_former", row, "former_codes", code, day=_day_text(row.valid_from))
                continue
            former = max(earlier, key=lambda p: p.valid_from or date.min)
            if former.valid_to is None or former.valid_to > last:
                self.problem("former_still_valid", row, "former_codes", code=code,
                             day=_day_text(row.valid_from), last=_day_text(last))
                continue
            row.predecessors.append(former)

    # storing
    def differs(self, row: _Row) -> bool:
        unit = row.unit
        parent_is_new = isinstance(row.parent, _Row) and row.parent.unit is None
        return (unit.name != row.name or unit.valid_to != row.valid_to or parent_is_new
                or unit.parent is not _stored(row.parent))

    def new_links(self) -> list[tuple[_Row, Unit | _Row]]:
        ids = [r.unit.id for r in self.rows if r.unit is not None]
        query = select(UnitLineage.predecessor_id, UnitLineage.successor_id).where(UnitLineage.successor_id.in_(ids))
        stored_pairs = {(pair[0], pair[1]) for pair in self.session.execute(query)} if ids else set()
        links = []
        for row in self.rows:
            for former in row.predecessors:
                predecessor = _stored(former)
                if row.unit is None or predecessor is None or (predecessor.id, row.unit.id) not in stored_pairs:
                    links.append((row, former))
        return links

    def store(self, dry_run: bool) -> None:
        for row in self.rows:
            if row.unit is None:
                self.report.created += 1
            elif self.differs(row):
                self.report.updated += 1
            else:
                self.report.unchanged += 1
        links = self.new_links()
        self.report.links = len(links)
        if dry_run:
            return
        for row in self.rows:
            if row.unit is None:
                row.unit = Unit(code=row.code, name=row.name, kind=row.kind, valid_from=row.valid_from,
                                valid_to=row.valid_to)
                self.session.add(row.unit)
            else:
                row.unit.name, row.unit.valid_to = row.name, row.valid_to
        for row in self.rows:
            row.unit.parent = _stored(row.parent)
        for row, former in links:
            self.session.add(UnitLineage(
                predecessor=_stored(former), successor=row.unit, effective_on=row.valid_from,
                kind=lineage_kind(former.code, former.name, row.code, row.name, len(row.former)),
                legal_basis=row.cells.get("legal_basis") or self.legal_basis or None,
            ))
        self.session.flush()


def _stored(target: Unit | _Row | None) -> Unit | None:
    return target.unit if isinstance(target, _Row) else target


def kind_label(kind: UnitKind) -> str:
    return _(KIND_LABELS[kind])


def units_with_codes(session: Session, codes: set[str]) -> list[Unit]:
    """Every stored period of these codes (in chunks, for SQLite's limit on parameters)."""
    ordered = sorted(codes)
    units: list[Unit] = []
    for start in range(0, len(ordered), 500):
        units += session.scalars(select(Unit).where(Unit.code.in_(ordered[start:start + 500]))).all()
    return units


def import_units(
    session: Session,
    data: bytes,
    filename: str,
    *,
    sheet: str | None = None,
    dry_run: bool = False,
    legal_basis: str | None = None,
    user: StaffUser | None = None,
    limits: FileLimits | None = None,
) -> UnitImportReport:
    """Check a list of units and, when nothing is wrong and it is no dry run, store it (flushes only)."""
    report = UnitImportReport(filename=filename, dry_run=dry_run)
    try:
        table = read_table(data, filename, sheet, limits=limits)
    except ImportFileError as exc:
        key = exc.problem.key
        report.problems.append(FileProblem(key, MESSAGES.get(key) or FILE_MESSAGES[key], exc.problem.params,
                                           row=exc.problem.row))
        return report
    report.notices += [FileProblem(n.key, FILE_MESSAGES[n.key], n.params) for n in table.notices]
    importer = _Importer(session, report, legal_basis)
    importer.map_headers(table.headers)
    if report.problems:
        return report
    importer.rows = [importer.read_row(number, cells) for number, cells in table.rows]
    report.rows = len(importer.rows)
    importer.load_stored()
    importer.check_rows()
    if report.problems:
        return report
    importer.store(dry_run)
    if not report.changed:
        report.notices.append(FileProblem("nothing_changed", MESSAGES["nothing_changed"]))
    elif not dry_run:
        session.add(AuditEntry(
            user_id=user.id if user else None, action="units.import", target=filename[:255],
            details={"created": report.created, "updated": report.updated, "links": report.links},
        ))
        session.flush()
    return report
