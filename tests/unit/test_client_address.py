"""The one client-address rule: the entry ``hops`` from the end of X-Forwarded-For."""

from __future__ import annotations

import pytest

from camshare.client_address import client_ip


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "hops", "expected"),
    [
        ("10.0.0.1", "1.2.3.4", 0, "10.0.0.1"),
        ("10.0.0.1", "9.9.9.9, 1.2.3.4", 1, "1.2.3.4"),
        ("10.0.0.1", "9.9.9.9,1.2.3.4, 10.0.0.2", 2, "1.2.3.4"),
        # Fewer entries than proxies: it did not come through them; the peer is all we know.
        ("10.0.0.1", "1.2.3.4", 2, "10.0.0.1"),
        ("10.0.0.1", None, 1, "10.0.0.1"),
        (None, None, 0, None),
    ],
)
def test_only_what_our_own_proxies_appended_is_believed(peer, forwarded_for, hops, expected):
    assert client_ip(peer, forwarded_for, hops) == expected
