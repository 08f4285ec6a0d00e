"""The bundled jurisdiction is Dallas."""

from __future__ import annotations

from tests.unit.builders import (
    MARILLA_POINT,
    dallas,
)


def test_jurisdiction_is_dallas(settings):
    area = dallas(settings)

    assert area.contains(*MARILLA_POINT)
    assert not area.contains(32.7555, -97.3308)
