"""Release API: published results as JSON, for personal API tokens within their owner's scope.

``GET /api/v1/releases`` lists the releases the token may see;
``GET /api/v1/releases/<id>/indices?unit=&level=`` returns one unit's indices
in the record shape of ``sipas indices`` (index, level, domain, estimate, se,
ci_low, ci_high, df, n, deff, ci_method) plus the stored comparisons.
"""

from __future__ import annotations

import json
import math

from flask import current_app, request
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound

from survey.extensions import db
from survey.models import Release, ReleaseIndex, Unit
from survey.web.api.blueprint import bp
from survey.web.auth import token_required
from survey.web.errors import error_response, refusal
from survey.web.loaders import get_release_or_404, get_unit_or_404, may_see_drafts, scope_of, viewer
from survey.web.staff.queries import releases_for_staff, unit_indices

LEVELS = ("item", "group", "overall")


def _json(body: object, status: int = 200):
    response = current_app.response_class(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")), status=status, mimetype="application/json"
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _number(value: float | None) -> float | int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def release_record(release: Release, national: bool) -> dict:
    record = {
        "id": release.id,
        "round": {"code": release.round.code, "name": release.round.name},
        "number": release.number,
        "title": release.title,
        "status": release.status.value,
        "questionnaire": {
            "code": release.questionnaire_version.code,
            "version": release.questionnaire_version.version,
        },
        "published_at": release.published_at.isoformat() if release.published_at else None,
        "created_at": release.created_at.isoformat() if release.created_at else None,
        "previous_release_id": release.previous_release_id,
        "supersedes_id": release.supersedes_id,
        "software_version": release.software_version,
    }
    if national:  # the nationwide count is not a scoped manager's business
        record["n_responses"] = release.n_responses
    return record


def index_record(row: ReleaseIndex, unit: Unit | None) -> dict:
    df = _number(row.df)
    if isinstance(df, float) and df.is_integer():
        df = int(df)
    return {
        "index": row.index_code,
        "level": row.level,
        "domain": {"unit": unit.code} if unit is not None else None,
        "estimate": _number(row.estimate),
        "se": _number(row.se),
        "ci_low": _number(row.ci_low),
        "ci_high": _number(row.ci_high),
        "df": df,
        "n": row.n,
        "deff": _number(row.deff),
        "ci_method": row.ci_method,
        "unit_name": unit.name if unit is not None else None,
        "flag": row.flag,
        "reference_difference": _number(row.reference_difference),
        "reference_p_adjusted": _number(row.reference_p_adjusted),
        "rank_low": row.rank_low,
        "rank_high": row.rank_high,
        "previous_estimate": _number(row.previous_estimate),
        "change": _number(row.change),
        "change_se": _number(row.change_se),
        "change_p": _number(row.change_p),
    }


def _not_found():
    return error_response(refusal(404, "not_found", _("Không tìm thấy (hoặc ngoài phạm vi của bạn).")))


@bp.get("/releases")
@token_required()
def list_releases():
    national = scope_of() is None
    releases = releases_for_staff(db.session, drafts=may_see_drafts())
    return _json({"releases": [release_record(r, national) for r in releases]})


@bp.get("/releases/<int:release_id>/indices")
@token_required()
def release_indices(release_id: int):
    level = request.args.get("level")
    if level is not None and level not in LEVELS:
        message = _("Tham số level phải là một trong: %(levels)s.", levels=", ".join(LEVELS))
        return error_response(refusal(400, "invalid", message, field="level"))
    try:
        release = get_release_or_404(release_id)
        code = request.args.get("unit", "").strip()
        user = viewer()
        if code:
            unit: Unit | None = get_unit_or_404(code)
        elif user.unit is not None:
            unit = user.unit
        elif scope_of() is None:
            unit = None  # the nation
        else:
            raise NotFound()
    except NotFound:
        return _not_found()
    rows = unit_indices(db.session, release.id, unit.id if unit else None)
    if level:
        rows = [r for r in rows if r.level == level]
    return _json(
        {
            "release": release_record(release, scope_of() is None),
            "unit": {"code": unit.code, "name": unit.name} if unit else None,
            "indices": [index_record(r, unit) for r in rows],
        }
    )
