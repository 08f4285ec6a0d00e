"""Campaign codes are read off paper: no characters that are easily misread."""

from __future__ import annotations

from camshare.services.outreach import campaigns


def test_campaign_codes_avoid_characters_misread_on_paper():
    codes = {campaigns.new_campaign_code() for _ in range(2000)}

    assert len(codes) > 1990
    assert all(len(code) == campaigns.CODE_LENGTH for code in codes)
    used = set().union(*codes)
    assert used.isdisjoint(set("0O1IL"))
    assert used <= set(campaigns.CODE_ALPHABET)
