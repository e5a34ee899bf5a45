"""What the achievement tests share: the NUMEFA certificate, a composite achievement that
requires five unit badges."""

from __future__ import annotations

from programmes_helpers import make_achievement


def _numefa(p, programme):
    units = [make_achievement(p.coordinator, programme, human_code=f"UE{i}",
                              name={"fr": f"NUMEFA – unité {i}"}) for i in range(1, 6)]
    certificate = make_achievement(
        p.coordinator, programme, achievement_type="Certificate", human_code="NUMEFA",
        name={"fr": "Certificat d'université NUMEFA", "en": "NUMEFA university certificate"},
        requires=[u.id for u in units])
    return units, certificate
