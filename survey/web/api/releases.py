"""Release API: published results as JSON, for personal API tokens within their owner's scope.

``GET /api/v1/releases`` lists the releases the token may see;
``GET /api/v1/releases/<id>/indices?unit=&level=`` returns one unit's indices
in the record shape of ``sipas indices`` (index, level, domain, estimate, se,
ci_low, ci_high, df, n, deff, ci_method) plus the stored comparisons.
"""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound

from survey.domain.releases.records import CHANGE_FIELDS, COMPARISON_FIELDS, ESTIMATE_FIELDS
from survey.domain.releases.records import index_record as stored_index_record
from survey.extensions import db
from survey.models import Release, ReleaseIndex, Unit
from survey.web.api.blueprint import bp
from survey.web.api.serialize import api_json, api_time
from survey.web.auth import token_required
from survey.web.errors import error_response, refusal
from survey.web.loaders import get_release_or_404, get_unit_or_404, may_see_drafts, scope_of, viewer
from survey.web.staff.queries import releases_for_staff, unit_indices

LEVELS = ("item", "group", "overall")


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
        "published_at": api_time(release.published_at),
        "created_at": api_time(release.created_at),
        "previous_release_id": release.previous_release_id,
        "supersedes_id": release.supersedes_id,
        "software_version": release.software_version,
    }
    if national:  # the nationwide count is not a scoped manager's business
        record["n_responses"] = release.n_responses
    return record


def index_record(row: ReleaseIndex, unit: Unit | None) -> dict:
    """An index of a release as the API shows it: the stored record with its unit."""
    record = stored_index_record(row)
    return {
        "index": record["index_code"],
        "level": record["level"],
        "domain": {"unit": unit.code} if unit is not None else None,
        **{name: record[name] for name in ESTIMATE_FIELDS},
        "unit_name": unit.name if unit is not None else None,
        **{name: record[name] for name in COMPARISON_FIELDS + CHANGE_FIELDS},
    }


def _not_found():
    return error_response(refusal(404, "not_found", _("Không tìm thấy (hoặc ngoài phạm vi của bạn).")))


@bp.get("/releases")
@token_required()
def list_releases():
    national = scope_of() is None
    releases = releases_for_staff(db.session, drafts=may_see_drafts())
    return api_json({"releases": [release_record(r, national) for r in releases]}, private=True)


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
    return api_json(
        {
            "release": release_record(release, scope_of() is None),
            "unit": {"code": unit.code, "name": unit.name} if unit else None,
            "indices": [index_record(r, unit) for r in rows],
        },
        private=True,
    )
