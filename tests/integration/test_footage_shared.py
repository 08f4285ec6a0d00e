""" "Footage shared with you": a member sees the requests whose footage they were added to,
what the grant allows and how many files are there; nobody else's, and no other role."""

from __future__ import annotations

import pytest

from camshare.services.footage import shared
from camshare.services.permissions import Forbidden
from tests.support.custody_builders import MemoryStorage, footage_request, received_file


def test_each_member_sees_the_requests_shared_with_them_and_nothing_else(session, settings):
    cast = footage_request(session, settings)
    other = footage_request(session, settings)
    storage = MemoryStorage()
    received_file(session, storage, cast.request_id)
    received_file(session, storage, cast.request_id, status="accepted")
    received_file(session, storage, cast.request_id, status="deleted")
    received_file(session, storage, cast.request_id, status="refused")

    (entry,) = shared.shared_with(session, cast.viewer)
    assert (entry.request_id, entry.level, entry.files) == (cast.request_id, "view", 2)
    (entry,) = shared.shared_with(session, cast.downloader)
    assert (entry.request_id, entry.level) == (cast.request_id, "download")
    assert [e.request_id for e in shared.shared_with(session, other.viewer)] == [other.request_id]
    # The author and supervisors reach footage from the board; others were given nothing.
    for member in (cast.author, cast.supervisor, cast.other_police):
        assert shared.shared_with(session, member) == ()


@pytest.mark.parametrize("who", ["admin", "outreach"])
def test_roles_without_footage_are_refused(session, settings, who):
    cast = footage_request(session, settings)
    with pytest.raises(Forbidden):
        shared.shared_with(session, getattr(cast, who))
