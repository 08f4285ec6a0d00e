"""Replies by SMS are read whatever their case, accents and punctuation."""

from __future__ import annotations

from camshare.services.owners.inbound_sms import normalize


def test_normalize_folds_case_accents_and_punctuation():
    assert normalize("  Sí,  k7p3! ") == "SI K7P3"
