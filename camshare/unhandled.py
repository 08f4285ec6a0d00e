"""What happens to an error no event handler caught.

Reflex's default shows a toast, or a blocking English alert() without the toast library
(which camshare leaves out). Handlers here turn the errors users can cause into
messages in their language, so what reaches this is a bug: log it, bother nobody.

No ``from __future__ import annotations`` here: Reflex inspects these annotations.
"""

import logging

from reflex.event import EventSpec

log = logging.getLogger("camshare")


def log_backend_error(exception: Exception) -> EventSpec | None:
    """Log an uncaught error from an event handler; the page shows nothing."""
    log.error("uncaught error in an event handler", exc_info=exception)
    return None
