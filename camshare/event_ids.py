"""Each Reflex event gets a request id of its own, so its log lines can be told apart.

Reflex's event middleware runs ``preprocess`` in the task that then runs the handler, so
the id set here is the one every log line of that handler carries.
"""

import logging

from reflex.middleware import Middleware

from camshare.logs import new_request_id, request_id

log = logging.getLogger("camshare.events")


class EventRequestIds(Middleware):
    """Sets ``logs.request_id`` to a fresh id for every event before its handler runs."""

    async def preprocess(self, app, state, event):
        """Give the event its id; change nothing about it."""
        request_id.set(f"ev-{new_request_id()[:16]}")
        # The handler's name only: an event's payload is what the user typed.
        log.debug("event %s", event.name)
        return None
