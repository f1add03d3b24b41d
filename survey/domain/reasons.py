"""Reasons behind low ratings: which "what went wrong" answers the low ratings cite.

A questionnaire asks for reasons with a ``multiple`` item whose ``relevant``
condition refers to its rating (the first ``satisfaction`` item), e.g.
``problems`` with ``relevant: "rating <= 3"`` in counter-quick. A *low rating*
is a response for which that follow-up applied, whether or not a reason was
chosen; the share of a reason is the low ratings citing it over all low
ratings (HappyOrNot's way: several reasons per answer, so shares add up to more
than 100 %). Raw counts of what citizens pressed, not survey estimates.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.domain.handover import _, export_language  # the current language, or an export's
from survey.domain.questionnaires.definition import Item, QuestionnaireDefinition
from survey.domain.responses import questionnaire_for
from survey.domain.spreadsheet_cells import append_row, csv_cell
from survey.i18n import LOCAL_TZ, format_local_date, local_time
from survey.models import Device, QuestionnaireVersion, Response, Unit

Grouping = Literal["total", "unit", "counter", "week", "month"]
GROUPINGS: tuple[Grouping, ...] = ("total", "unit", "counter", "week", "month")


def reason_items(questionnaire: QuestionnaireDefinition) -> tuple[Item, Item] | None:
    """``(rating, reasons)`` items of a questionnaire, or None when it asks no reasons for its rating."""
    rating = next((item for item in questionnaire.items if item.type == "satisfaction"), None)
    if rating is None:
        return None
    for item in questionnaire.items:
        if item.type == "multiple" and item.expression is not None and rating.code in item.expression.references:
            return rating, item
    return None


@dataclass(frozen=True)
class Reason:
    """One option of the reasons item, with its labels."""

    code: str
    labels: dict[str, str]

    def label(self, lang: str = "vi") -> str:
        return self.labels.get(lang) or self.labels.get("vi") or self.code


@dataclass
class ReasonGroup:
    """Low ratings of one unit, counter or period (or of everything) and the reasons they cite."""

    unit_name: str = ""
    counter: str = ""
    period_start: date | None = None
    low: int = 0  # low ratings: the follow-up question applied
    explained: int = 0  # low ratings that chose at least one reason
    counts: Counter[str] = field(default_factory=Counter)

    def share(self, code: str) -> float | None:
        """Percent of the low ratings citing ``code``; None without low ratings."""
        return 100.0 * self.counts[code] / self.low if self.low else None

    def add(self, chosen: list[str]) -> None:
        self.low += 1
        self.explained += bool(chosen)
        self.counts.update(set(chosen))


@dataclass
class ReasonBreakdown:
    reasons: list[Reason]
    total: ReasonGroup
    groups: list[ReasonGroup]
    by: Grouping
    start: date
    end: date  # inclusive, local days

    @property
    def ranked_reasons(self) -> list[Reason]:
        """Reasons most cited first (ties in the questionnaire's order)."""
        order = {r.code: i for i, r in enumerate(self.reasons)}
        return sorted(self.reasons, key=lambda r: (-self.total.counts[r.code], order[r.code]))


def _period_start(day: date, by: Grouping) -> date | None:
    if by == "week":
        return day - timedelta(days=day.weekday())
    if by == "month":
        return day.replace(day=1)
    return None


def _version_reasons(session: Session) -> dict[int, tuple[QuestionnaireDefinition, Item]]:
    """Questionnaire versions that ask reasons for low ratings (a small table: responses are not read)."""
    found = {}
    for version in session.scalars(select(QuestionnaireVersion)):
        questionnaire = questionnaire_for(version)
        items = reason_items(questionnaire)
        if items is not None:
            found[version.id] = (questionnaire, items[1])
    return found


def reason_breakdown(
    session: Session,
    unit_ids: set[int] | None,
    start: date,
    end: date,
    by: Grouping = "total",
    counter_id: int | None = None,
) -> ReasonBreakdown:
    """Reasons cited by the low ratings given from ``start`` to ``end`` (local days, inclusive) in the scope.

    ``unit_ids`` None means every unit; ``counter_id`` keeps one counter's tablet only. Only the
    responses of questionnaire versions that ask reasons are read (not a survey round's answers).
    """
    if by not in GROUPINGS:
        raise ValueError(f"unknown grouping {by!r}; use one of {', '.join(GROUPINGS)}")
    since = datetime.combine(start, time.min, LOCAL_TZ).astimezone(UTC)
    until = datetime.combine(end + timedelta(days=1), time.min, LOCAL_TZ).astimezone(UTC)
    query = (
        select(Response.unit_id, Response.device_id, Response.submitted_at, Response.answers,
               Response.questionnaire_version_id)
        .where(Response.submitted_at >= since, Response.submitted_at < until)
        .execution_options(yield_per=5000)
    )
    if unit_ids is not None:
        query = query.where(Response.unit_id.in_(unit_ids))
    if counter_id is not None:
        query = query.where(Response.device_id == counter_id)
    versions = _version_reasons(session)
    reasons: dict[str, Reason] = {}
    for _questionnaire, item in versions.values():
        for code, labels in item.options:
            reasons.setdefault(str(code), Reason(str(code), dict(labels)))
    total = ReasonGroup()
    groups: dict[tuple, ReasonGroup] = {}
    units: dict[int, str] = {}
    devices: dict[int, str] = {}
    if versions:
        query = query.where(Response.questionnaire_version_id.in_(versions))
        for row in session.execute(query):
            questionnaire, item = versions[row.questionnaire_version_id]
            answers = row.answers or {}
            if not questionnaire.relevance(answers).get(item.code):
                continue
            chosen = answers.get(item.code)
            chosen = [str(c) for c in chosen] if isinstance(chosen, list) else []
            total.add(chosen)
            if by == "total":
                continue
            key, group = _group_of(session, row, by, units, devices)
            groups.setdefault(key, group).add(chosen)
    return ReasonBreakdown(
        reasons=list(reasons.values()),
        total=total,
        groups=sorted(groups.values(), key=lambda g: (g.period_start or date.min, g.unit_name, g.counter)),
        by=by,
        start=start,
        end=end,
    )


def _group_of(session: Session, row, by: Grouping, units: dict[int, str], devices: dict[int, str]):
    if by in ("unit", "counter") and row.unit_id not in units:
        units[row.unit_id] = session.get(Unit, row.unit_id).name
    if by == "unit":
        return ("u", row.unit_id), ReasonGroup(unit_name=units[row.unit_id])
    if by == "counter":
        if row.device_id is not None and row.device_id not in devices:
            devices[row.device_id] = session.get(Device, row.device_id).counter_label
        label = devices.get(row.device_id, "") if row.device_id is not None else _("(không qua quầy)")
        return ("c", row.unit_id, row.device_id), ReasonGroup(unit_name=units[row.unit_id], counter=label)
    period = _period_start(local_time(row.submitted_at).date(), by)
    return ("p", period), ReasonGroup(period_start=period)


# --- the download: one table, in CSV or Excel -------------------------------------------------


def breakdown_table(breakdown: ReasonBreakdown, lang: str = "vi") -> tuple[list[str], list[list]]:
    """Header and rows of the breakdown: a group per row, low ratings, then count and share per reason."""
    with export_language(lang):  # headers in ``lang``, whatever the process language
        return _breakdown_table(breakdown, lang)


def _breakdown_table(breakdown: ReasonBreakdown, lang: str) -> tuple[list[str], list[list]]:
    group_headers = {
        "total": [],
        "unit": [_("Đơn vị")],
        "counter": [_("Đơn vị"), _("Quầy")],
        "week": [_("Tuần từ ngày")],
        "month": [_("Tháng từ ngày")],
    }[breakdown.by]
    header = [*group_headers, _("Lượt đánh giá thấp"), _("Có nêu lý do")]
    for reason in breakdown.reasons:
        header += [_("%(reason)s: số lượt", reason=reason.label(lang)), _("%(reason)s: %% lượt đánh giá thấp",
                                                                          reason=reason.label(lang))]
    rows = []
    for group in [*breakdown.groups, breakdown.total]:
        is_total = group is breakdown.total
        if breakdown.by in ("unit", "counter"):
            first = [_("Tổng cộng") if is_total else group.unit_name]
            if breakdown.by == "counter":
                first.append("" if is_total else group.counter)
        elif breakdown.by in ("week", "month"):
            first = [_("Tổng cộng") if is_total else format_local_date(group.period_start, lang)]
        else:
            first = []
        row = [*first, group.low, group.explained]
        for reason in breakdown.reasons:
            share = group.share(reason.code)
            row += [group.counts[reason.code], None if share is None else round(share, 2)]
        rows.append(row)
    return header, rows


def breakdown_csv(breakdown: ReasonBreakdown, lang: str = "vi", decimal_comma: bool = False) -> bytes:
    """The table as UTF-8 CSV with a BOM (Excel reads the diacritics); Vietnamese Excel: ``;`` and 90,5."""
    header, rows = breakdown_table(breakdown, lang)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if decimal_comma else ",", lineterminator="\r\n")
    writer.writerow([csv_cell(h) for h in header])
    for row in rows:
        writer.writerow([_csv_value(v, decimal_comma) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_value(value, decimal_comma: bool):
    if value is None:
        return ""
    if isinstance(value, float):
        text = f"{value:.2f}"
        return text.replace(".", ",") if decimal_comma else text
    return csv_cell(value)


def breakdown_xlsx(breakdown: ReasonBreakdown, lang: str = "vi") -> bytes:
    """The table as an Excel workbook: numbers as numbers, shares with two decimals."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    header, rows = breakdown_table(breakdown, lang)
    book = Workbook()
    sheet = book.active
    sheet.title = _("Lý do")[:31]
    append_row(sheet, [_("Lý do của các đánh giá thấp, từ %(start)s đến %(end)s",
                         start=format_local_date(breakdown.start, lang), end=format_local_date(breakdown.end, lang))])
    append_row(sheet, header)
    for row in rows:
        append_row(sheet, row)
    first_share = len(header) - 2 * len(breakdown.reasons) + 2  # 1-based: count, share, count, share…
    share_columns = range(first_share, len(header) + 1, 2)
    for column in share_columns:
        for (cell,) in sheet.iter_rows(min_row=3, min_col=column, max_col=column):
            cell.number_format = "0.00"
    for i, text in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = min(40, max(10, len(text) + 2))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
