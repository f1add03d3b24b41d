"""Paper import: checking every row against the round, then storing all responses or none."""

from __future__ import annotations

import uuid as uuid_module
from collections.abc import Mapping
from datetime import date, datetime, time
from pathlib import PurePath
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from survey.domain.paper_import.columns import _check_columns, map_columns, scale_notices
from survey.domain.paper_import.reading import file_sha256, read_table
from survey.domain.paper_import.report import (
    DATE,
    DESIGN_TARGETS,
    FORM,
    UNIT,
    WEIGHT,
    Column,
    ConcurrentImportError,
    FileLimits,
    ImportFileError,
    ImportProblem,
    ImportReport,
    Table,
    _format_number,
    _number,
    cell_text,
)
from survey.domain.paper_import.values import (
    _form_number,
    _option_codes_text,
    _row_uuid,
    _unit_code,
    _Units,
    _ValueProblem,
    paper_uuid,
    parse_answer,
    parse_day,
)
from survey.domain.questionnaires import QuestionnaireDefinition
from survey.domain.questionnaires.definition import EMPTY_FORM
from survey.domain.responses import (
    answer_problems,
    prepare_response,
    questionnaire_for,
    store_responses,
)
from survey.i18n import LOCAL_TZ, format_local_date
from survey.models import (
    Channel,
    ImportBatch,
    Response,
    ResponseDesign,
    RoundStatus,
    StaffUser,
    SurveyRound,
    Unit,
    utcnow,
)

# --- checking and importing ----------------------------------------------------------


def _reference_day(survey_round: SurveyRound) -> date:
    return min(max(date.today(), survey_round.starts_on), survey_round.ends_on)


def _fmt_day(day: date) -> str:
    return format_local_date(day, "vi")  # a message parameter: the same digits in every language


def check_import(
    session: Session,
    survey_round: SurveyRound,
    data: bytes,
    filename: str,
    *,
    mapping: Mapping[str, str] | None = None,
    sheet: str | None = None,
    max_bytes: int | None = None,
    max_rows: int | None = None,
    limits: FileLimits | None = None,
) -> ImportReport:
    """Read and validate a file without storing anything; the report says what is wrong."""
    sha256 = file_sha256(data)
    report = ImportReport(filename=filename, sha256=sha256, round_code=survey_round.code)
    if Channel.PAPER.value not in survey_round.channels:
        report.add(ImportProblem("round_no_paper", {"round": survey_round.code}))
        return report
    if survey_round.status != RoundStatus.OPEN:
        key = "round_closed" if survey_round.status == RoundStatus.CLOSED else "round_draft"
        report.add(ImportProblem(key, {"round": survey_round.code}))
        return report
    try:
        table = read_table(data, filename, sheet, max_bytes=max_bytes, max_rows=max_rows, limits=limits)
    except ImportFileError as exc:
        report.add(exc.problem)
        return report
    report.notices.extend(table.notices)
    report.rows = len(table.rows)
    questionnaire = questionnaire_for(survey_round.questionnaire_version)
    report.columns = map_columns(table.headers, questionnaire, mapping)
    previous = session.scalar(
        select(ImportBatch).where(ImportBatch.round_id == survey_round.id, ImportBatch.file_sha256 == sha256)
    )
    if previous is not None:
        report.already_imported = previous
        report.notices.append(ImportProblem(
            "already_imported", {"date": _fmt_day(previous.created_at), "batch": previous.id}
        ))
        return report
    _check_columns(report, table, questionnaire, mapping or {})
    report.notices.extend(scale_notices(report, table, questionnaire))
    _check_rows(session, report, survey_round, questionnaire, table)  # even after a column problem: one pass
    return report


def _check_rows(
    session: Session, report: ImportReport, survey_round: SurveyRound, questionnaire: QuestionnaireDefinition, table: Table
) -> None:
    checker = _RowChecker(session, report, survey_round, questionnaire, table)
    for row, cells in table.rows:
        problems, prepared, design = checker.check(row, cells)
        for problem in problems:
            report.add(problem)
        if report.ok and prepared is not None:  # all or nothing: stop preparing once something is wrong
            report.prepared.append(prepared)
            report.prepared_designs.append(design or None)
    if report.ok:
        _find_stored_duplicates(session, report)
    else:
        report.prepared.clear()
        report.prepared_designs.clear()


class _RowChecker:
    """Checks one row at a time against the round, its units and its questionnaire."""

    def __init__(
        self, session: Session, report: ImportReport, survey_round: SurveyRound, questionnaire: QuestionnaireDefinition,
        table: Table,
    ):
        self.report = report
        self.round = survey_round
        self.questionnaire = questionnaire
        self.columns = {c.target: c for c in report.columns if c.target}
        unit_column = self.columns.get(UNIT)  # None: reported once for the file; the rows are still checked
        self.units = _Units(
            session, survey_round,
            (_unit_code(cells[unit_column.index]) for _, cells in table.rows
             if unit_column is not None and unit_column.index < len(cells)),
        )
        self.item_columns = [(questionnaire.item(t), c) for t, c in self.columns.items() if t in questionnaire]
        self.item_column = {item.code: c for item, c in self.item_columns}
        self.numeric_items = list(survey_round.questionnaire_version.numeric_items)
        self.reference_day = _reference_day(survey_round)
        self.today = date.today()
        self.now = utcnow()
        self.seen_forms: dict[tuple[str, str], int] = {}
        self.width = len(table.headers)
        # per row
        self.row = 0
        self.cells: list[Any] = []
        self.problems: list[ImportProblem] = []

    def cell(self, column: Column | None) -> Any:
        return self.cells[column.index] if column is not None and column.index < len(self.cells) else None

    def problem(self, key: str, column: Column | None, raw: Any = None, /, **params: Any) -> None:
        self.problems.append(ImportProblem(
            key, params, row=self.row,
            column=column.letter if column else None, header=column.header if column else None,
            value=cell_text(raw) if column is not None else None,
        ))

    def check(self, row: int, cells: list[Any]) -> tuple[list[ImportProblem], dict | None, dict[str, Any]]:
        """The row's problems, and the response row and design values when it has none."""
        self.row, self.cells, self.problems = row, cells, []
        if len(cells) > self.width and any(cell_text(c) for c in cells[self.width:]):
            self.problems.append(ImportProblem("ragged_row", {"cells": len(cells), "headers": self.width}, row=row))
        day = self.check_day()
        code = _unit_code(self.cell(self.columns.get(UNIT)))
        unit = self.check_unit(code, day)
        form = self.check_form(code)
        design = self.check_design()
        answers = self.check_answers()
        self.problems.sort(key=_column_order)  # as the operator reads the row: left to right, then the row's own
        if self.problems or unit is None:
            return self.problems, None, design
        response_uuid = (
            paper_uuid(self.round.id, code, form) if form else _row_uuid(self.round.id, self.report.sha256, row)
        )
        response = prepare_response(
            questionnaire=self.questionnaire,
            numeric_items=self.numeric_items,
            version_id=self.round.questionnaire_version_id,
            round_id=self.round.id,
            unit_id=unit.id,
            channel=Channel.PAPER,
            answers=answers,
            response_uuid=response_uuid,
            submitted_at=min(datetime.combine(day, time(12), LOCAL_TZ), self.now),
            now=self.now,
            answers_checked=True,  # check_answers reported every problem with its cell
        )
        prepared = {**response, "_row": row, "_form": form, "_unit_code": code}
        return [], prepared, design

    def check_day(self) -> date:
        column = self.columns.get(DATE)
        raw = self.cell(column)
        if column is None or not cell_text(raw):
            return self.reference_day
        try:
            day = parse_day(raw)
        except _ValueProblem as exc:
            self.problem(exc.key, column, raw, **exc.params)
            return self.reference_day
        if day > self.today:
            self.problem("date_in_future", column, raw, day=_fmt_day(day))
        elif not self.round.starts_on <= day <= self.round.ends_on:
            self.problem("date_outside_round", column, raw, day=_fmt_day(day),
                         start=_fmt_day(self.round.starts_on), end=_fmt_day(self.round.ends_on))
        return day

    def check_unit(self, code: str, day: date) -> Unit | None:
        column = self.columns.get(UNIT)
        if column is None:
            return None
        if not code:
            self.problem("unit_missing", column, "")
            return None
        if code not in self.units.by_code:
            suggestion = self.units.suggestion(code)
            if suggestion:
                self.problem("unit_unknown_zeros", column, code, code=code, suggestion=suggestion)
            else:
                self.problem("unit_unknown", column, code, code=code)
            return None
        valid = [u for u in self.units.by_code[code] if u.is_valid_on(day)]
        in_scope = [u for u in valid if u.id in self.units.scope]
        if not valid:
            self.problem("unit_not_valid", column, code, code=code, day=_fmt_day(day))
        elif not in_scope:
            self.problem("unit_out_of_scope", column, code, code=code, round=self.round.code)
        else:
            return max(in_scope, key=lambda u: u.valid_from or date.min)
        return None

    def check_form(self, code: str) -> str | None:
        column = self.columns.get(FORM)
        if column is None:
            return None
        form = _form_number(self.cell(column)) or None
        if form is not None and code:
            first = self.seen_forms.setdefault((code, form), self.row)
            if first != self.row:
                self.problem("form_repeated", column, self.cell(column), form=form, unit=code, row=first)
        return form

    def check_design(self) -> dict[str, Any]:
        design: dict[str, Any] = {}
        for target, attribute in DESIGN_TARGETS.items():
            column = self.columns.get(target)
            raw = self.cell(column)
            text = cell_text(raw)
            if column is None or not text:
                continue
            if target == WEIGHT:
                weight = _number(raw)
                if weight is None or weight <= 0:
                    self.problem("bad_weight", column, raw)
                design[attribute] = weight
            elif len(text) > 64:
                self.problem("too_long_design", column, raw, max=64)
            else:
                design[attribute] = text
        return design

    def check_answers(self) -> dict[str, Any]:
        answers: dict[str, Any] = {}
        unreadable: set[str] = set()
        for item, column in self.item_columns:
            raw = self.cell(column)
            try:
                value = parse_answer(item, raw)
            except _ValueProblem as exc:
                self.problem(exc.key, column, raw, **exc.params)
                unreadable.add(item.code)
                continue
            if value is not None:
                answers[item.code] = value
        for item_code, verdict in answer_problems(self.questionnaire, answers, Channel.PAPER).items():
            if item_code in unreadable or (item_code == EMPTY_FORM and unreadable):
                continue  # already reported; "required" or "empty" would only repeat it
            column = self.item_column.get(item_code)
            self.problem(getattr(verdict, "key", "wrong_type"), column, self.cell(column),
                         **_answer_params(self.questionnaire, item_code, verdict))
        return answers




def _column_order(problem: ImportProblem) -> tuple[bool, int, str]:
    letter = problem.column or ""
    return not letter, len(letter), letter


def _answer_params(questionnaire: QuestionnaireDefinition, item_code: str, verdict: Any) -> dict[str, Any]:
    params = {k: _format_number(v) for k, v in getattr(verdict, "params", {}).items()}
    params["item"] = item_code
    if item_code in questionnaire:
        item = questionnaire.item(item_code)
        params["options"] = _option_codes_text(item)
        params["condition"] = item.relevant or ""
    params.setdefault("value", "")
    for key in ("min", "max", "length", "max_length"):
        params.setdefault(key, "")
    return params


def _find_stored_duplicates(session: Session, report: ImportReport) -> None:
    """Forms stored before (from another file): the same answers are skipped, others are errors."""
    by_uuid = {row["uuid"]: i for i, row in enumerate(report.prepared)}
    uuids = list(by_uuid)
    stored: dict[uuid_module.UUID, dict] = {}
    for start in range(0, len(uuids), 500):
        for uuid_value, answers in session.execute(
            select(Response.uuid, Response.answers).where(Response.uuid.in_(uuids[start:start + 500]))
        ):
            stored[uuid_value] = answers
    if not stored:
        return
    skip = set()
    for uuid_value, answers in stored.items():
        i = by_uuid[uuid_value]
        row = report.prepared[i]
        params = {"form": row["_form"], "unit": row["_unit_code"]}
        if answers == row["answers"]:
            report.duplicates.append(ImportProblem("duplicate_form", params, row=row["_row"]))
            skip.add(i)
        else:
            report.add(ImportProblem("form_conflict", params, row=row["_row"]))
    report.duplicates.sort(key=lambda p: p.row or 0)
    if not report.ok:
        report.prepared.clear()
        report.prepared_designs.clear()
        return
    report.prepared = [r for i, r in enumerate(report.prepared) if i not in skip]
    report.prepared_designs = [d for i, d in enumerate(report.prepared_designs) if i not in skip]


def run_import(
    session: Session, survey_round: SurveyRound, data: bytes, filename: str, *,
    user: StaffUser | None = None, dry_run: bool = False, **options: Any,
) -> ImportReport:
    """Check a file and, when nothing is wrong, store all its responses (flush only).

    ``options``: those of :func:`check_import` (mapping, sheet, max_bytes,
    max_rows, limits). Stores nothing when any row has a problem, when the file was imported into
    this round before, or with ``dry_run``. The caller commits.
    """
    report = check_import(session, survey_round, data, filename, **options)
    if not report.ok or report.already_imported is not None or dry_run:
        return report
    batch = ImportBatch(
        round_id=survey_round.id,
        user_id=user.id if user is not None else None,
        filename=PurePath(filename).name[:255] or "-",
        file_sha256=report.sha256,
        mapping=report.mapping,
        rows=report.rows,
    )
    try:
        with session.begin_nested():
            session.add(batch)
    except IntegrityError:
        # Another import of the same file won the race.
        previous = session.scalar(
            select(ImportBatch).where(ImportBatch.round_id == survey_round.id, ImportBatch.file_sha256 == report.sha256)
        )
        if previous is None:
            raise
        report.already_imported = previous
        report.notices.append(ImportProblem(
            "already_imported", {"date": _fmt_day(previous.created_at), "batch": previous.id}
        ))
        return report
    ids = store_responses(session, report.prepared)
    if None in ids:
        # A form checked as new was stored meanwhile (another import of it): all or nothing.
        raise ConcurrentImportError(report.prepared[ids.index(None)]["_row"])
    designs = [{"response_id": i, **d} for i, d in zip(ids, report.prepared_designs) if d]
    if designs:
        session.execute(insert(ResponseDesign), designs)
    session.flush()
    report.batch = batch
    report.created = len(ids)
    report.designs = len(designs)
    report.prepared = []
    report.prepared_designs = []
    return report
