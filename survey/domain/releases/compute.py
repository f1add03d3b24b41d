"""Computing a release: indices by unit, comparisons with the parent and the previous round, stored rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from analysis import AnalysisError, IndexSpec, build_design, compute_indices
from analysis.compare import compare_records, compare_with_parent
from analysis.results import NOT_ESTIMABLE
from analysis.weighting import declare_calibration
from survey.domain.releases.data import (
    RoundData,
    UnitTree,
    domain_columns,
    load_round_data,
    weight_shares,
)
from survey.domain.releases.lifecycle import publish_release
from survey.domain.releases.spec import (
    DEFAULT_PARAMETERS,
    OTHER_ITEMS_GROUP,
    Progress,
    ReleaseError,
    check_parameters,
    design_conventions,
    no_progress,
    release_spec,
    software_version,
)
from survey.i18n import _
from survey.models import (
    AuditEntry,
    QuestionnaireVersion,
    Release,
    ReleaseIndex,
    ReleaseStatus,
    StaffUser,
    SurveyRound,
    Unit,
    WeightSet,
)

Key = tuple[int | None, str, str]  # (unit id or None, level, index code)


def _estimate_by_unit(
    data: RoundData,
    spec: IndexSpec,
    schemes: list[np.ndarray],
    parameters: Mapping[str, Any],
    *,
    with_deff: bool,
    progress: Progress,
    span: tuple[float, float],
) -> dict[Key, Any]:
    """Index records keyed by unit: the nation with scheme 0, each scheme's domains."""
    frame = data.frame(spec.items())
    try:
        sample = replace(data.design_spec(parameters["lonely_psu"]), **design_conventions(parameters))
        design = build_design(frame, sample)
        if data.calibration is not None:
            # weights raked to margins: the variance of R calibrate(), not fixed weights
            design = declare_calibration(design, *data.calibration)
    except AnalysisError as exc:
        raise ReleaseError(_("Thiết kế mẫu không hợp lệ: %(error)s", error=str(exc))) from exc
    records: dict[Key, Any] = {}
    steps = max(len(schemes), 1)
    for s in range(steps):
        by = None
        if schemes:
            by = f"_domain{s}"
            frame[by] = schemes[s]
        try:
            results = compute_indices(
                frame,
                spec,
                design,
                by=by,
                ci_method=parameters["ci_method"],
                level=parameters["level"],
                deff=with_deff,
                overall=s == 0,
            )
        except AnalysisError as exc:
            raise ReleaseError(_("Không tính được chỉ số: %(error)s", error=str(exc))) from exc
        for record in results.records:
            if record.level == "group" and record.index == OTHER_ITEMS_GROUP:
                continue
            unit = None if record.domain is None else int(next(iter(record.domain.values())))
            records[(unit, record.level, record.index)] = replace(record, domain=None if unit is None else {"unit": unit})
        if by is not None:
            del frame[by]
        progress(span[0] + (span[1] - span[0]) * (s + 1) / steps, _("Đang tính chỉ số theo đơn vị…"))
    return records


def _league(
    records: dict[Key, Any],
    tree: UnitTree,
    shares: dict[int | None, float],
    parameters: Mapping[str, Any],
) -> dict[Key, dict[str, Any]]:
    """Each unit against its parent (top level: the nation), Holm across siblings; rank intervals."""
    families: dict[tuple[int | None, str, str], list[int]] = {}
    for unit, level, index in records:
        if unit is None:
            continue
        parent = tree.parent.get(unit)
        if parent is not None and (parent, level, index) not in records:
            parent = None
        families.setdefault((parent, level, index), []).append(unit)
    rng = np.random.default_rng(int(parameters.get("seed", 0)))
    out: dict[Key, dict[str, Any]] = {}
    for (parent, level, index), units in sorted(families.items(), key=lambda kv: (kv[0][0] or 0, kv[0][1], kv[0][2])):
        units = sorted(units)
        reference = records[(parent, level, index)]
        siblings = [records[(u, level, index)] for u in units]
        comparison = compare_with_parent(
            [r.estimate for r in siblings],
            [r.se for r in siblings],
            [r.df for r in siblings],
            reference.estimate,
            reference.se,
            np.array([shares.get(u, 0.0) for u in units]) / shares[parent],
            alpha=float(parameters["alpha"]),
            rank_method=parameters["rank_method"],
            rng=rng,
        )
        for j, u in enumerate(units):
            if comparison.ranked[j]:
                out.setdefault((u, level, index), {}).update(
                    rank_low=int(comparison.rank_low[j]), rank_high=int(comparison.rank_high[j])
                )
            if comparison.tested[j]:
                out.setdefault((u, level, index), {}).update(
                    reference_difference=float(comparison.difference[j]),
                    reference_p_adjusted=float(comparison.p_adjusted[j]),
                    flag=str(comparison.flag[j]),
                )
            elif comparison.flag[j] == NOT_ESTIMABLE:
                # df <= 1 or SE 0: no rank, no comparison, said so in every output
                out.setdefault((u, level, index), {}).update(flag=NOT_ESTIMABLE)
    return out


def _previous_territories(
    session: Session, unit_ids: Sequence[int], previous_round: SurveyRound
) -> dict[int, set[int]]:
    """For each current domain unit, the ids of the units that made up its territory then."""
    from survey.domain.units import units_on

    units = {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(list(unit_ids))))}
    days = {previous_round.starts_on, previous_round.ends_on}
    out: dict[int, set[int]] = {}
    for uid, unit in units.items():
        territory = {uid}
        for day in days:
            territory.update(u.id for u in units_on(unit, day))
        out[uid] = territory
    return out


def _previous_schemes(
    previous: RoundData, territories: dict[int, set[int]], tree: UnitTree
) -> list[np.ndarray]:
    """Domain columns over the previous round's rows, one per set of non-overlapping domains.

    A current unit's domain holds the previous answers from units (or their
    sub-units) in its territory. Domains that share answers (a province and
    its communes, or the successors of a split unit) go to different columns.
    """
    by_member: dict[int, list[int]] = {}
    for uid, territory in territories.items():
        for t in territory:
            by_member.setdefault(t, []).append(uid)
    uniq, inverse = np.unique(previous.unit_ids, return_inverse=True)
    members: dict[int, set[int]] = {}
    for x in uniq:
        for ancestor in tree.chain(int(x)):
            for uid in by_member.get(ancestor, ()):
                members.setdefault(uid, set()).add(int(x))
    schemes: list[tuple[set[int], dict[int, int]]] = []
    for uid in sorted(members, key=lambda u: (len(tree.chain(u)), u)):
        for taken, assign in schemes:
            if taken.isdisjoint(members[uid]):
                break
        else:
            taken, assign = set(), {}
            schemes.append((taken, assign))
        taken.update(members[uid])
        assign.update({x: uid for x in members[uid]})
    columns = []
    for _taken, assign in schemes:
        lookup = np.array([assign.get(int(x), np.nan) for x in uniq], dtype=np.float64)
        columns.append(lookup[inverse])
    return columns


def previous_published_release(session: Session, survey_round: SurveyRound) -> Release | None:
    """The latest published release of the latest earlier round of the same questionnaire."""
    questionnaire_id = survey_round.questionnaire_version.questionnaire_id
    return session.scalar(
        select(Release)
        .join(SurveyRound, Release.round_id == SurveyRound.id)
        .join(QuestionnaireVersion, SurveyRound.questionnaire_version_id == QuestionnaireVersion.id)
        .where(
            QuestionnaireVersion.questionnaire_id == questionnaire_id,
            SurveyRound.ends_on < survey_round.starts_on,
            Release.status == ReleaseStatus.PUBLISHED,
        )
        .order_by(SurveyRound.ends_on.desc(), Release.number.desc())
        .limit(1)
    )


def _changes(
    session: Session,
    records: dict[Key, Any],
    previous_release: Release,
    tree: UnitTree,
    parameters: Mapping[str, Any],
    progress: Progress,
) -> tuple[dict[Key, tuple[float, Any]], dict[str, Any]]:
    """Previous estimates on the current territories and the changes (compare_rounds)."""
    previous_round = previous_release.round
    previous_parameters = {**DEFAULT_PARAMETERS, **(previous_release.parameters or {})}
    previous = load_round_data(session, previous_round, previous_release.weight_set)
    spec, _extra = release_spec(previous_release.questionnaire_version)
    domain_units = sorted({unit for unit, _level, _index in records if unit is not None})
    territories = _previous_territories(session, domain_units, previous_round)
    schemes = _previous_schemes(previous, territories, tree)
    estimation = {**previous_parameters, "ci_method": parameters["ci_method"], "level": parameters["level"]}
    before = _estimate_by_unit(
        previous, spec, schemes, estimation, with_deff=False, progress=progress, span=(0.75, 0.85)
    )
    comparisons = compare_records(records, before, level=parameters["level"])
    out = {key: (before[key].estimate, c) for key, c in comparisons.items()}
    merged = {
        str(uid): sorted(t - {uid}) for uid, t in territories.items() if len(t - {uid}) > 1
    }
    info = {
        "release_id": previous_release.id,
        "round": previous_round.code,
        "fingerprint_matches": previous.fingerprint() == previous_release.data_fingerprint,
        "method": "previous answers re-estimated on the current units' territories (unit lineage)",
        "merged_territories": merged,
    }
    return out, info


def _clean(value: Any) -> Any:
    if value is None:
        return None
    value = float(value)
    return value if np.isfinite(value) else None


def _index_rows(
    records: dict[Key, Any],
    league: dict[Key, dict[str, Any]],
    changes: dict[Key, tuple[float, Any]],
) -> list[dict[str, Any]]:
    rows = []
    for key, r in records.items():
        unit, level, index = key
        extra = league.get(key, {})
        change = changes.get(key)
        rows.append(
            {
                "unit_id": unit,
                "level": level,
                "index_code": index,
                "statistic": r.statistic,
                "estimate": _clean(r.estimate),
                "se": _clean(r.se),
                "ci_low": _clean(r.ci_low),
                "ci_high": _clean(r.ci_high),
                "df": _clean(r.df),
                "n": int(r.n),
                "deff": _clean(r.deff),
                "ci_method": r.ci_method,
                "reference_difference": _clean(extra.get("reference_difference")),
                "reference_p_adjusted": _clean(extra.get("reference_p_adjusted")),
                "flag": extra.get("flag"),
                "rank_low": extra.get("rank_low"),
                "rank_high": extra.get("rank_high"),
                "previous_estimate": None if change is None else _clean(change[0]),
                "change": None if change is None else _clean(change[1].difference),
                "change_se": None if change is None else _clean(change[1].se),
                "change_p": None if change is None else _clean(change[1].p_value),
            }
        )
    return rows


def compute_release_from_data(
    session: Session,
    survey_round: SurveyRound,
    data: RoundData,
    *,
    weight_set: WeightSet | None = None,
    parameters: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
    created_by: StaffUser | None = None,
    supersedes: Release | None = None,
    previous_release: Release | None | bool = True,
    title: str | None = None,
) -> Release:
    """Compute and store a draft release from arrays (the path behind :func:`compute_release`).

    ``previous_release``: a published release to compare with, ``True`` to find
    the previous round's (default) or ``None``/``False`` for no comparison.
    Only ``flush()``es; the caller commits.
    """
    progress = progress or no_progress
    params = check_parameters(parameters)
    version = survey_round.questionnaire_version
    if list(data.items) != list(version.numeric_items):
        raise ReleaseError(_("Dữ liệu không khớp với danh sách câu hỏi của phiên bản bảng hỏi."))
    spec, extra = release_spec(version)
    progress(0.1, _("Đang dựng thiết kế mẫu…"))
    tree = UnitTree(session)
    schemes = domain_columns(data.unit_ids, tree)
    records = _estimate_by_unit(data, spec, schemes, params, with_deff=True, progress=progress, span=(0.1, 0.6))
    progress(0.6, _("Đang so sánh các đơn vị (bảng xếp hạng)…"))
    league = _league(records, tree, weight_shares(data.unit_ids, data.weights, tree), params)
    if previous_release is True:
        previous_release = previous_published_release(session, survey_round)
    elif previous_release is False:
        previous_release = None
    changes: dict[Key, tuple[float, Any]] = {}
    previous_info = None
    if previous_release is not None:
        if previous_release.status != ReleaseStatus.PUBLISHED:
            raise ReleaseError(_("Chỉ so sánh được với một kết quả đã công bố."))
        progress(0.75, _("Đang tính thay đổi so với kỳ trước…"))
        changes, previous_info = _changes(session, records, previous_release, tree, params, progress)
    progress(0.9, _("Đang lưu kết quả…"))
    number = (session.scalar(select(func.max(Release.number)).where(Release.round_id == survey_round.id)) or 0) + 1
    stored_parameters = {
        **params,
        "spec": dict(version.definition["indices"]),
        "extra_items": extra,
        "design": data.design,
        "domains": "each unit with answers and its ancestors; estimated on the full design",
        "league": "unit vs parent (top level vs nation), Holm across siblings, Cov = share * Var(unit)",
        "previous": previous_info,
        # the responses of the release: the round's up to this id (answers only ever arrive after it)
        "snapshot": {"last_response_id": None if data.response_ids is None else int(data.response_ids.max())},
    }
    release = Release(
        round_id=survey_round.id,
        number=number,
        title=title or f"{survey_round.name} – bản {number}",
        status=ReleaseStatus.DRAFT,
        questionnaire_version_id=version.id,
        weight_set_id=None if weight_set is None else weight_set.id,
        previous_release_id=None if previous_release is None else previous_release.id,
        supersedes_id=None if supersedes is None else supersedes.id,
        data_fingerprint=data.fingerprint(),
        parameters=stored_parameters,
        software_version=software_version(),
        n_responses=data.n,
        created_by_id=None if created_by is None else created_by.id,
    )
    session.add(release)
    session.flush()
    rows = _index_rows(records, league, changes)
    for row in rows:
        row["release_id"] = release.id
    for start in range(0, len(rows), 20_000):
        session.execute(insert(ReleaseIndex), rows[start : start + 20_000])
    session.add(
        AuditEntry(
            user_id=release.created_by_id,
            action="release.compute",
            target=f"release:{release.id}",
            details={"round": survey_round.code, "number": number, "rows": len(rows), "n": data.n},
        )
    )
    session.flush()
    progress(1.0, _("Đã tính xong."))
    return release


def compute_release(
    session: Session,
    survey_round: SurveyRound,
    *,
    weight_set: WeightSet | None = None,
    parameters: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
    created_by: StaffUser | None = None,
    supersedes: Release | None = None,
    previous_release: Release | None | bool = True,
    title: str | None = None,
    publish: bool = False,
) -> Release:
    """Compute a round's indices and store them as a draft release (flush only).

    ``parameters``: ``ci_method`` (logit, wald, beta, wilson), ``level``,
    ``alpha`` (league flags), ``rank_method`` (kww, simulation), ``lonely_psu``,
    ``domain_df`` (domain, design), ``adjust_domain_lonely``,
    ``seed``. ``progress(fraction, message)`` is called as the work advances.
    ``supersedes``: the release this one corrects. ``publish``: publish it at
    once (by ``created_by``), its microdata frozen from the arrays just computed
    from rather than read a second time.
    """
    progress = progress or no_progress
    if weight_set is not None and weight_set.round_id != survey_round.id:
        raise ReleaseError(_("Bộ trọng số #%(id)d không thuộc đợt khảo sát này.", id=weight_set.id))
    if supersedes is not None and supersedes.round_id != survey_round.id:
        raise ReleaseError(_("Kết quả được thay thế phải thuộc cùng đợt khảo sát."))
    progress(0.0, _("Đang đọc dữ liệu…"))
    data = load_round_data(session, survey_round, weight_set)
    release = compute_release_from_data(
        session,
        survey_round,
        data,
        weight_set=weight_set,
        parameters=parameters,
        progress=progress,
        created_by=created_by,
        supersedes=supersedes,
        previous_release=previous_release,
        title=title,
    )
    if publish:
        publish_release(session, release, created_by, data)
    return release


def compute_release_job(
    session: Session,
    progress: Progress,
    *,
    round_id: int,
    title: str | None = None,
    weight_set_id: int | None = None,
    parameters: Mapping[str, Any] | None = None,
    supersedes_id: int | None = None,
    publish: bool = False,
    user_id: int | None = None,
) -> dict[str, Any]:
    """The ``compute_release`` background job (see :func:`survey.serving.queue.start_job`)."""
    survey_round = session.get(SurveyRound, round_id)
    if survey_round is None:
        raise ReleaseError(_("Không có đợt khảo sát #%(id)d.", id=round_id))
    weight_set = None if weight_set_id is None else session.get(WeightSet, weight_set_id)
    if weight_set_id is not None and weight_set is None:
        raise ReleaseError(_("Không có bộ trọng số #%(id)d.", id=weight_set_id))
    supersedes = None if supersedes_id is None else session.get(Release, supersedes_id)
    user = None if user_id is None else session.get(StaffUser, user_id)
    release = compute_release(
        session,
        survey_round,
        weight_set=weight_set,
        parameters=parameters,
        progress=progress,
        created_by=user,
        supersedes=supersedes,
        title=title or None,
        publish=publish,
    )
    return {"release_id": release.id, "number": release.number, "n_responses": release.n_responses}
