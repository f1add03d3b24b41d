"""Levels of units: their names, which level may sit under which, and the kind of a lineage link."""

from __future__ import annotations

from survey.models import LineageKind, UnitKind


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated when shown."""
    return message


KIND_LABELS = {
    UnitKind.MINISTRY: N_("Bộ"),
    UnitKind.PROVINCE: N_("Tỉnh, thành phố"),
    UnitKind.DEPARTMENT: N_("Sở, ngành"),
    UnitKind.COMMUNE: N_("Xã, phường, đặc khu"),
    UnitKind.SERVICE_CENTRE: N_("Trung tâm phục vụ hành chính công"),
    UnitKind.COUNTER: N_("Quầy"),
}

# The levels a unit may sit under (none: it has no parent). A counter belongs to a
# service centre or a commune's one-stop shop; a service centre to a ministry,
# province, department or commune; communes and departments to a province (or a
# ministry for a department). Ministries and provinces stand at the top.
ALLOWED_PARENTS: dict[UnitKind, tuple[UnitKind, ...]] = {
    UnitKind.MINISTRY: (),
    UnitKind.PROVINCE: (),
    UnitKind.DEPARTMENT: (UnitKind.PROVINCE, UnitKind.MINISTRY),
    UnitKind.COMMUNE: (UnitKind.PROVINCE,),
    UnitKind.SERVICE_CENTRE: (UnitKind.PROVINCE, UnitKind.COMMUNE, UnitKind.MINISTRY, UnitKind.DEPARTMENT),
    UnitKind.COUNTER: (UnitKind.SERVICE_CENTRE, UnitKind.COMMUNE),
}


def lineage_kind(former_code: str, former_name: str, code: str, name: str, formers: int) -> LineageKind:
    """MERGE when the code differs; with the same code, RENAME for a lone renamed unit, else CONTINUE."""
    if former_code != code:
        return LineageKind.MERGE
    if former_name != name and formers == 1:
        return LineageKind.RENAME
    return LineageKind.CONTINUE
