"""Provincial units and their lineage across the 1 July 2025 reorganisation."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from survey.domain.units import descendant_ids, find_unit, seed_provinces, units_on
from survey.models import LineageKind, Unit, UnitKind, UnitLineage


def test_seed_creates_63_former_and_34_current_provinces(db_session):
    created, links = seed_provinces(db_session)
    assert created == 97
    former = db_session.scalar(select(func.count()).where(Unit.valid_to == date(2025, 6, 30)))
    current = db_session.scalar(select(func.count()).where(Unit.valid_from == date(2025, 7, 1)))
    assert (former, current) == (63, 34)
    assert links == 63  # every former province goes into exactly one current one
    assert seed_provinces(db_session) == (0, 0)  # idempotent


def test_ha_giang_and_tuyen_quang_form_todays_tuyen_quang(db_session):
    seed_provinces(db_session)
    tuyen_quang = find_unit(db_session, "08", date(2026, 5, 1))
    assert tuyen_quang.name == "Tỉnh Tuyên Quang"
    assert tuyen_quang.valid_from == date(2025, 7, 1)
    before = units_on(tuyen_quang, date(2024, 6, 1))
    assert [(u.code, u.name) for u in before] == [("02", "Tỉnh Hà Giang"), ("08", "Tỉnh Tuyên Quang")]
    kinds = {link.predecessor.code: link.kind for link in tuyen_quang.predecessor_links}
    assert kinds == {"02": LineageKind.MERGE, "08": LineageKind.CONTINUE}


def test_a_2024_unit_finds_its_2026_successor(db_session):
    seed_provinces(db_session)
    ha_giang = find_unit(db_session, "02", date(2024, 6, 1))
    assert ha_giang.name == "Tỉnh Hà Giang"
    assert find_unit(db_session, "02", date(2026, 1, 1)) is None  # code no longer in use
    assert [(u.code, u.name) for u in units_on(ha_giang, date(2026, 1, 1))] == [("08", "Tỉnh Tuyên Quang")]


def test_three_way_merge_and_rename(db_session):
    seed_provinces(db_session)
    hcmc = find_unit(db_session, "79", date(2026, 1, 1))
    assert [u.code for u in units_on(hcmc, date(2024, 1, 1))] == ["74", "77", "79"]
    hue = find_unit(db_session, "46", date(2026, 1, 1))
    assert hue.name == "Thành phố Huế"
    (link,) = hue.predecessor_links
    assert (link.predecessor.name, link.kind) == ("Tỉnh Thừa Thiên Huế", LineageKind.RENAME)


def test_every_current_province_has_predecessors_and_every_former_one_a_successor(db_session):
    seed_provinces(db_session)
    units = db_session.scalars(select(Unit).where(Unit.kind == UnitKind.PROVINCE)).all()
    for unit in units:
        if unit.valid_from:
            assert unit.predecessors, unit
        else:
            assert len(unit.successors) == 1, unit
    assert db_session.scalar(select(func.count()).select_from(UnitLineage)) == 63


def test_scope_covers_sub_units(db_session, make_unit):
    seed_provinces(db_session)
    hanoi = find_unit(db_session, "01")
    ward = make_unit("00004", "Phường Ba Đình", parent=hanoi)
    centre = make_unit("01-TT", "Trung tâm", kind=UnitKind.SERVICE_CENTRE, parent=hanoi)
    counter = make_unit("01-TT-Q1", "Quầy 1", kind=UnitKind.COUNTER, parent=centre)
    other = make_unit("20194", "Phường Hải Châu", parent=find_unit(db_session, "48"))
    scope = descendant_ids(db_session, hanoi)
    assert {ward.id, centre.id, counter.id, hanoi.id} <= scope
    assert other.id not in scope


def test_a_rename_carries_staff_tablets_and_running_rounds_to_the_new_name(api, db_session):
    """After a rename the ward's manager, tablets and open round go on with it; old answers stay in scope."""
    from datetime import timedelta

    from survey.domain.lineage import rename_unit
    from survey.models import Device, Response, Role, StaffUser, SurveyRound

    ward = db_session.get(Unit, api.unit_id)
    manager = StaffUser(login="quanly-badinh", password_hash="-", role=Role.MANAGER, unit=ward)
    db_session.add(manager)
    survey_round = db_session.get(SurveyRound, api.round_id)
    survey_round.units.append(ward)
    db_session.commit()
    assert api.post(api.payload(answers={"rating": 5})).status_code == 201  # before the rename
    ward, survey_round = db_session.get(Unit, api.unit_id), db_session.get(SurveyRound, api.round_id)

    today = date.today()
    renamed = rename_unit(db_session, ward, "Phường Ba Đình mới", today, legal_basis="NQ 1656/NQ-UBTVQH15")
    db_session.commit()

    assert ward.valid_to == today - timedelta(days=1)
    assert db_session.scalar(select(StaffUser.unit_id).where(StaffUser.login == "quanly-badinh")) == renamed.id
    assert {d.unit_id for d in db_session.scalars(select(Device))} == {renamed.id}
    assert {u.id for u in survey_round.units} >= {ward.id, renamed.id}
    ward_id, renamed_id = ward.id, renamed.id
    response = api.post(api.payload(answers={"rating": 4}, device_token=api.tokens[1]))  # the day of the rename
    assert response.status_code == 201, response.get_json()
    units = db_session.scalars(select(Response.unit_id).order_by(Response.id)).all()
    assert units == [ward_id, renamed_id]
    ward, renamed = db_session.get(Unit, ward_id), db_session.get(Unit, renamed_id)
    assert {ward_id, renamed_id} <= descendant_ids(db_session, renamed)  # the manager still sees the old answers
    assert {ward_id, renamed_id} <= descendant_ids(db_session, ward)
