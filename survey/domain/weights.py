"""Sample frames and weights of a round.

A frame upload (CSV or XLSX) lists, per unit: its code, stratum, PSU, the
population (e.g. dossiers completed), and optionally how many people were
sampled or their selection probability. :func:`compute_weight_set` turns it
into one weight per response with ``analysis.weighting``: base weights
(1 / probability, else population / sampled, else population / answers),
nonresponse adjustment within units or strata when the number sampled is
known, optional raking to known margins and trimming, and stores them packed
with their diagnostics (range, CV, Kish design effect, effective n, raking
convergence).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis import AnalysisError
from analysis.weighting import (
    base_weights,
    nonresponse_adjust,
    rake,
    trim_weights,
    weight_diagnostics,
)
from survey.domain.paper_import.reading import read_table
from survey.domain.paper_import.report import FileLimits, ImportFileError
from survey.domain.releases import Progress, ReleaseError, UnitTree
from survey.domain.releases.data import margin_labels
from survey.i18n import _
from survey.models import AuditEntry, SampleFrame, StaffUser, SurveyRound, Unit, WeightSet

FRAME_COLUMNS: dict[str, tuple[str, ...]] = {
    "unit": ("unit", "unit_code", "code", "ma_don_vi", "ma_dv", "don_vi", "ma"),
    "stratum": ("stratum", "strata", "tang", "tang_mau"),
    "psu": ("psu", "cum", "cum_mau", "don_vi_mau_cap_1"),
    "population": ("population", "dossiers", "so_ho_so", "ho_so", "tong_the", "quy_mo", "n_population"),
    "sampled": ("sampled", "sample", "so_mau", "co_mau", "so_nguoi_duoc_chon", "n_sampled"),
    "probability": ("probability", "prob", "xac_suat", "xac_suat_chon"),
}
NONRESPONSE_CELLS = ("unit", "stratum")


class FrameError(ValueError):
    """A frame file cannot be used; ``problems`` lists every problem with its row and column."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


class WeightError(ValueError):
    """Weights cannot be computed; the message says why."""


def _plain_name(text: str) -> str:
    """Header text without diacritics, lower case, words joined by ``_`` ("Mã đơn vị" → "ma_don_vi")."""
    text = unicodedata.normalize("NFD", str(text).strip().lower().replace("đ", "d"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return "_".join(text.replace("-", " ").replace(".", " ").split())


def _read_table(content: bytes, filename: str, limits: FileLimits | None) -> list[list[Any]]:
    """The rows of a CSV or XLSX frame file, header first, read by the one bounded reader within ``limits``."""
    try:
        read = read_table(content, filename, limits=limits)
    except ImportFileError as exc:
        if exc.problem.key in ("empty_file", "no_rows"):
            return []  # parse_frame says so in the frame's words
        message = exc.problem.message(_)  # the bounds' messages on XLSX name the file already
        if filename not in message:
            message = _("Không đọc được tệp %(file)s: %(error)s", file=filename, error=message)
        raise FrameError([message]) from None
    by_number = dict(read.rows)  # blank rows keep their place: problems name the file's row numbers
    return [read.headers] + [by_number.get(n, []) for n in range(2, max(by_number, default=1) + 1)]


def _number(value: Any) -> float | None:
    """A number from a cell: 1234, "1234", "1.234" (thousands) or "0,25" (decimal comma)."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip().replace(" ", "").replace("\u00a0", "")
    if text == "":
        return None
    if "," in text and "." in text:
        text = text.replace(".", "").replace(",", ".")
    elif "," in text:
        text = text.replace(",", ".")
    elif text.count(".") > 1 or (text.count(".") == 1 and len(text.split(".")[1]) == 3 and not text.startswith("0")):
        text = text.replace(".", "")  # Vietnamese thousands separator: 1.234
    return float(text)


def parse_frame(content: bytes, filename: str, limits: FileLimits | None = None) -> list[dict[str, Any]]:
    """Rows of a frame file, checked; raises :class:`FrameError` listing every problem.

    Columns (Vietnamese or English names, any case, with or without
    diacritics): unit code (required), stratum, PSU, population, sampled,
    probability; population or probability is required. The file is bounded by
    ``limits`` (the app's IMPORT_MAX_* and XLSX_MAX_* settings; the defaults without).
    """
    table = _read_table(content, filename, limits)
    while table and all(v in (None, "") for v in table[-1]):
        table.pop()
    if not table:
        raise FrameError([_("Tệp %(file)s không có dữ liệu.", file=filename)])
    header = [_plain_name(h) if h is not None else "" for h in table[0]]
    position: dict[str, int] = {}
    for field_name, aliases in FRAME_COLUMNS.items():
        for j, name in enumerate(header):
            if name in aliases and field_name not in position:
                position[field_name] = j
    problems = []
    if "unit" not in position:
        problems.append(_("Dòng 1: thiếu cột mã đơn vị (unit hoặc ma_don_vi)."))
    if "population" not in position and "probability" not in position:
        problems.append(_("Dòng 1: cần cột quy mô tổng thể (population hoặc so_ho_so) hoặc xác suất chọn (probability)."))
    if problems:
        raise FrameError(problems)
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for line, raw in enumerate(table[1:], start=2):
        if all(v in (None, "") for v in raw):
            continue
        cells = {f: raw[j] if j < len(raw) else None for f, j in position.items()}
        column = {f: table[0][j] for f, j in position.items()}
        code = "" if cells["unit"] is None else str(cells["unit"]).strip()
        if isinstance(cells["unit"], float) and cells["unit"].is_integer():
            code = str(int(cells["unit"]))
        if not code:
            problems.append(_("Dòng %(line)d, cột '%(column)s': thiếu mã đơn vị.", line=line, column=column["unit"]))
            continue
        if code in seen:
            problems.append(
                _("Dòng %(line)d: đơn vị %(code)s đã có ở dòng %(first)d.", line=line, code=code, first=seen[code])
            )
            continue
        seen[code] = line
        row: dict[str, Any] = {"line": line, "unit": code}
        problems_before = len(problems)
        for name in ("stratum", "psu"):
            if name in cells and cells[name] not in (None, ""):
                value = cells[name]
                row[name] = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value).strip()
        for name in ("population", "sampled", "probability"):
            if name not in cells:
                continue
            try:
                value = _number(cells[name])
            except ValueError:
                problems.append(
                    _("Dòng %(line)d, cột '%(column)s': '%(value)s' không phải là số.",
                      line=line, column=column[name], value=cells[name])
                )
                continue
            if value is None:
                continue
            if name == "probability" and not 0 < value <= 1:
                problems.append(
                    _("Dòng %(line)d, cột '%(column)s': xác suất chọn phải lớn hơn 0 và không quá 1 (có %(value)s).",
                      line=line, column=column[name], value=cells[name])
                )
                continue
            if name != "probability" and value <= 0:
                problems.append(
                    _("Dòng %(line)d, cột '%(column)s': phải là số dương (có %(value)s).",
                      line=line, column=column[name], value=cells[name])
                )
                continue
            row[name] = value
        if "population" not in row and "probability" not in row and len(problems) == problems_before:
            problems.append(
                _("Dòng %(line)d: cần quy mô tổng thể hoặc xác suất chọn của đơn vị %(code)s.", line=line, code=code)
            )
        if "sampled" in row and "population" in row and row["sampled"] > row["population"]:
            problems.append(
                _("Dòng %(line)d: số người được chọn (%(sampled)g) lớn hơn tổng thể (%(population)g).",
                  line=line, sampled=row["sampled"], population=row["population"])
            )
        rows.append(row)
    if problems:
        raise FrameError(problems)
    if not rows:
        raise FrameError([_("Tệp %(file)s không có dòng dữ liệu nào.", file=filename)])
    return rows


def _unit_for_code(units: list[Unit], days: tuple[date, date]) -> Unit | None:
    for day in days:
        for unit in units:
            if unit.is_valid_on(day):
                return unit
    return units[0] if len(units) == 1 else None


def import_frame(
    session: Session,
    survey_round: SurveyRound,
    content: bytes,
    filename: str,
    *,
    name: str | None = None,
    user: StaffUser | None = None,
    limits: FileLimits | None = None,
) -> SampleFrame:
    """Parse a frame file within ``limits``, find its units (valid during the round) and store it (flush only)."""
    rows = parse_frame(content, filename, limits)
    codes = sorted({row["unit"] for row in rows})
    by_code: dict[str, list[Unit]] = {}
    for unit in session.scalars(select(Unit).where(Unit.code.in_(codes))):
        by_code.setdefault(unit.code, []).append(unit)
    problems = []
    for row in rows:
        unit = _unit_for_code(by_code.get(row["unit"], []), (survey_round.ends_on, survey_round.starts_on))
        if unit is None:
            problems.append(
                _("Dòng %(line)d: không có đơn vị mã %(code)s trong thời gian của đợt %(round)s.",
                  line=row["line"], code=row["unit"], round=survey_round.code)
            )
            continue
        row["unit_id"] = unit.id
    if problems:
        raise FrameError(problems)
    frame = SampleFrame(round_id=survey_round.id, name=name or filename, rows=rows)
    session.add(frame)
    session.flush()
    session.add(
        AuditEntry(
            user_id=None if user is None else user.id,
            action="frame.import",
            target=f"frame:{frame.id}",
            details={"round": survey_round.code, "file": filename, "rows": len(rows)},
        )
    )
    session.flush()
    return frame


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def compute_weight_set(
    session: Session,
    survey_round: SurveyRound,
    frame: SampleFrame,
    *,
    nonresponse_cells: str = "unit",
    margins: Mapping[str, Mapping[str, float]] | None = None,
    rake_bounds: tuple[float, float] | None = None,
    trim_median_multiple: float | None = None,
    progress: Progress | None = None,
    user: StaffUser | None = None,
) -> WeightSet:
    """Weights of every response of the round from a frame (flush only).

    Each response takes the frame row of its unit or of the unit's nearest
    ancestor in the frame. ``margins``: ``{variable: {category: population
    total}}`` with variables ``stratum``, ``province`` or a numeric item code
    (categories as text: ``{"gender": {"1": 480000, "2": 520000}}``).
    """
    from survey.domain.responses import load_response_arrays

    progress = progress or (lambda fraction, message: None)
    if frame.round_id != survey_round.id:
        raise WeightError(_("Khung mẫu #%(id)d không thuộc đợt khảo sát này.", id=frame.id))
    if nonresponse_cells not in NONRESPONSE_CELLS:
        raise WeightError(_("Ô điều chỉnh không trả lời phải là unit hoặc stratum."))
    progress(0.05, _("Đang đọc dữ liệu…"))
    response_ids, _uuids, unit_ids, scores, items = load_response_arrays(session, survey_round.id)
    if len(response_ids) == 0:
        raise WeightError(_("Đợt khảo sát %(code)s chưa có phiếu trả lời nào.", code=survey_round.code))
    tree = UnitTree(session)
    frame_rows = {int(row["unit_id"]): row for row in frame.rows}
    uniq, inverse = np.unique(unit_ids, return_inverse=True)
    owner = []
    missing = []
    for u in uniq:
        found = next((a for a in reversed(tree.chain(int(u))) if a in frame_rows), None)
        owner.append(found)
        if found is None:
            missing.append(int(u))
    if missing:
        codes = dict(session.execute(select(Unit.id, Unit.code).where(Unit.id.in_(missing[:5]))).all())
        raise WeightError(
            _("%(n)d đơn vị có phiếu trả lời nhưng không có trong khung mẫu (ví dụ %(codes)s).",
              n=len(missing), codes=", ".join(codes.get(m, str(m)) for m in missing[:5]))
        )
    frame_unit = np.array(owner, dtype=np.int64)[inverse]  # frame row of each response
    keys = sorted(frame_rows)
    key_index = {k: i for i, k in enumerate(keys)}
    row_of = np.array([key_index[int(k)] for k in frame_unit], dtype=np.int64)
    answered = np.bincount(row_of, minlength=len(keys))
    rows = [frame_rows[k] for k in keys]
    population = np.array([row.get("population", np.nan) for row in rows], dtype=np.float64)
    sampled = np.array([row.get("sampled", np.nan) for row in rows], dtype=np.float64)
    probability = np.array([row.get("probability", np.nan) for row in rows], dtype=np.float64)
    strata_of_row = np.array([str(row.get("stratum", "")) or row["unit"] for row in rows], dtype=object)
    province_of_row = np.array(
        [str(tree.chain(int(k))[0]) for k in keys], dtype=object
    )
    method: dict[str, Any] = {"frame": frame.id, "nonresponse_cells": nonresponse_cells}
    diagnostics: dict[str, Any] = {
        "units": {
            "in_frame": len(keys),
            "with_answers": int((answered > 0).sum()),
            "without_answers": [rows[i]["unit"] for i in np.flatnonzero(answered == 0)][:50],
        }
    }
    progress(0.2, _("Đang tính trọng số cơ sở…"))
    has_probability = ~np.isnan(probability)
    has_sampled = ~np.isnan(sampled)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_row_base = np.where(
            has_probability,
            1.0 / probability,
            np.where(has_sampled, population / sampled, population / answered),
        )
    bad = (answered > 0) & ~np.isfinite(per_row_base)
    if bad.any():
        raise WeightError(
            _("Đơn vị %(code)s (dòng %(line)s) thiếu số liệu để tính trọng số cơ sở.",
              code=rows[int(np.flatnonzero(bad)[0])]["unit"], line=rows[int(np.flatnonzero(bad)[0])]["line"])
        )
    try:
        base = base_weights(1.0 / per_row_base[row_of])
    except AnalysisError:
        base = per_row_base[row_of]  # weights below 1 (population smaller than sampled) are allowed
    method["base"] = "1/probability, else population/sampled, else population/answers (per frame unit)"
    diagnostics["base"] = weight_diagnostics(base).to_dict()

    weights = base
    # nonresponse: nonrespondents are known by count only (sampled - answered)
    known = (has_sampled | has_probability) & (answered > 0)
    sampled_count = np.where(has_sampled, sampled, np.where(has_probability, population * probability, np.nan))
    nonrespondents = np.where(known & np.isfinite(sampled_count), np.round(sampled_count) - answered, 0)
    if (nonrespondents < 0).any():
        i = int(np.flatnonzero(nonrespondents < 0)[0])
        raise WeightError(
            _("Đơn vị %(code)s có %(answers)d phiếu, nhiều hơn số người được chọn (%(sampled)g).",
              code=rows[i]["unit"], answers=int(answered[i]), sampled=sampled_count[i])
        )
    if nonrespondents.sum() > 0:
        progress(0.4, _("Đang điều chỉnh không trả lời…"))
        cells_of_row = np.array([row["unit"] for row in rows], dtype=object) if nonresponse_cells == "unit" else strata_of_row
        extra_rows = np.repeat(np.arange(len(keys)), nonrespondents.astype(np.int64))
        all_weights = np.concatenate([weights, per_row_base[extra_rows]])
        responded = np.concatenate([np.ones(len(weights), dtype=bool), np.zeros(len(extra_rows), dtype=bool)])
        cells = np.concatenate([cells_of_row[row_of], cells_of_row[extra_rows]])
        try:
            adjustment = nonresponse_adjust(all_weights, responded, cells)
        except AnalysisError as exc:
            raise WeightError(_("Không điều chỉnh được không trả lời: %(error)s", error=str(exc))) from exc
        weights = np.asarray(adjustment.weights[: len(weights)])
        rates = np.asarray(adjustment.response_rate)
        diagnostics["nonresponse"] = {
            "cells": len(rates),
            "response_rate_min": float(rates.min()),
            "response_rate_max": float(rates.max()),
            "sampled": len(all_weights),
            "responded": len(weights),
        }
        method["nonresponse"] = f"weighting classes by {nonresponse_cells}"

    if margins:
        progress(0.6, _("Đang cân chỉnh theo tổng biên (raking)…"))
        try:
            variables = {
                name: margin_labels(name, items, scores, strata_of_row[row_of], province_of_row[row_of])
                for name in margins
            }
        except ReleaseError as exc:
            raise WeightError(str(exc)) from exc
        totals = {name: {str(k): float(v) for k, v in margins[name].items()} for name in margins}
        try:
            raked = rake(weights, variables, totals, bounds=rake_bounds)
        except AnalysisError as exc:
            raise WeightError(_("Không cân chỉnh được theo tổng biên: %(error)s", error=str(exc))) from exc
        weights = np.asarray(raked.weights)
        report = raked.to_dict()
        report.pop("weights")
        diagnostics["raking"] = report
        method["raking"] = {"margins": totals, "bounds": None if rake_bounds is None else list(rake_bounds)}

    if trim_median_multiple is not None:
        progress(0.8, _("Đang cắt trọng số lớn…"))
        try:
            trimmed = trim_weights(weights, median_multiple=trim_median_multiple)
        except AnalysisError as exc:
            raise WeightError(_("Không cắt được trọng số: %(error)s", error=str(exc))) from exc
        weights = np.asarray(trimmed.weights)
        diagnostics["trimming"] = {"cap": trimmed.cap, "n_trimmed": trimmed.n_trimmed, "scale": trimmed.scale}
        method["trimming"] = {"median_multiple": trim_median_multiple}

    diagnostics["weights"] = weight_diagnostics(weights).to_dict()
    progress(0.95, _("Đang lưu trọng số…"))
    weight_set = WeightSet(
        round_id=survey_round.id,
        frame_id=frame.id,
        method=_plain(method),
        diagnostics=_plain(diagnostics),
        response_ids=np.asarray(response_ids, dtype="<i8").tobytes(),
        weights=np.asarray(weights, dtype="<f8").tobytes(),
    )
    session.add(weight_set)
    session.flush()
    session.add(
        AuditEntry(
            user_id=None if user is None else user.id,
            action="weights.compute",
            target=f"weight_set:{weight_set.id}",
            details={"round": survey_round.code, "frame": frame.id, "n": len(weights)},
        )
    )
    session.flush()
    progress(1.0, _("Đã tính xong trọng số."))
    return weight_set


def compute_weights_job(
    session: Session,
    progress: Progress,
    *,
    round_id: int,
    frame_id: int,
    nonresponse_cells: str = "unit",
    margins: Mapping[str, Mapping[str, float]] | None = None,
    rake_bounds: list[float] | None = None,
    trim_median_multiple: float | None = None,
    user_id: int | None = None,
) -> dict[str, Any]:
    """The ``compute_weights`` background job (see :func:`survey.serving.queue.start_job`)."""
    survey_round = session.get(SurveyRound, round_id)
    frame = session.get(SampleFrame, frame_id)
    if survey_round is None or frame is None:
        raise WeightError(_("Không có đợt khảo sát hoặc khung mẫu đã chọn."))
    weight_set = compute_weight_set(
        session,
        survey_round,
        frame,
        nonresponse_cells=nonresponse_cells,
        margins=margins,
        rake_bounds=None if rake_bounds is None else (float(rake_bounds[0]), float(rake_bounds[1])),
        trim_median_multiple=trim_median_multiple,
        progress=progress,
        user=None if user_id is None else session.get(StaffUser, user_id),
    )
    return {"weight_set_id": weight_set.id, "diagnostics": weight_set.diagnostics.get("weights")}


def diagnostics_summary(weight_set: WeightSet) -> list[str]:
    """The weight set's diagnostics as lines of text (Vietnamese, or the CLI's language)."""
    d = weight_set.diagnostics or {}
    w = d.get("weights", {})
    lines = [
        _("Bộ trọng số #%(id)d của đợt #%(round)d (khung mẫu #%(frame)s)",
          id=weight_set.id, round=weight_set.round_id, frame=weight_set.frame_id),
        _("Số phiếu: %(n)d; tổng trọng số: %(total).6g", n=w.get("n", 0), total=w.get("total", 0.0)),
        _("Khoảng trọng số: %(min).4g – %(max).4g (tỉ số %(ratio).4g)",
          min=w.get("min", 0.0), max=w.get("max", 0.0), ratio=w.get("ratio", 0.0)),
        _("Hệ số biến thiên (CV): %(cv).4f; hiệu ứng thiết kế do trọng số (Kish): %(deff).4f; cỡ mẫu hiệu dụng: %(neff).1f",
          cv=w.get("cv", 0.0), deff=w.get("deff", 0.0), neff=w.get("n_effective", 0.0)),
    ]
    if "nonresponse" in d:
        nr = d["nonresponse"]
        lines.append(
            _("Điều chỉnh không trả lời: %(cells)d ô, tỉ lệ trả lời %(low).1f–%(high).1f %%",
              cells=nr["cells"], low=100 * nr["response_rate_min"], high=100 * nr["response_rate_max"])
        )
    if "raking" in d:
        r = d["raking"]
        status = _("hội tụ") if r.get("converged") else _("KHÔNG hội tụ")
        lines.append(
            _("Cân chỉnh (raking): %(status)s sau %(it)d vòng, sai số tương đối lớn nhất %(err).2g",
              status=status, it=r.get("iterations", 0), err=r.get("max_rel_error") or 0.0)
        )
    if "trimming" in d:
        t = d["trimming"]
        lines.append(_("Cắt trọng số tại %(cap).6g: %(n)d trọng số", cap=t["cap"], n=t["n_trimmed"]))
    units = d.get("units", {})
    if units.get("without_answers"):
        lines.append(
            _("Đơn vị trong khung mẫu chưa có phiếu: %(codes)s", codes=", ".join(units["without_answers"][:10]))
        )
    return lines
