"""Units of the dossier tests: a province (portal H26), a commune under it (H26.189), another province (H27)."""

from __future__ import annotations

from survey.models import PortalUnitCode, UnitKind


def portal_units(session, make_unit) -> dict:
    """The three units and their portal codes (H27 is outside a system scoped to the province)."""
    province = make_unit("26", "Tỉnh Mẫu", UnitKind.PROVINCE)
    commune = make_unit("00189", "Xã Một", parent=province)
    other = make_unit("27", "Tỉnh Khác", UnitKind.PROVINCE)
    session.add_all([PortalUnitCode(portal_code="H26", unit_id=province.id),
                     PortalUnitCode(portal_code="H26.189", unit_id=commune.id),
                     PortalUnitCode(portal_code="H27", unit_id=other.id)])
    session.flush()
    return {"province": province, "commune": commune, "other": other}
