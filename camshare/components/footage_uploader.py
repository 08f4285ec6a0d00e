"""The file picker and per-file tus uploads of the owner's upload page (tus-js-client).

A local React component, loaded only on that page. It reads the link's token from the
page's address (never from state), sends it in the ``Footage-Link`` header, resumes a
dropped or reloaded upload from where the server says it stopped, and shows each file's
progress, then its receipt (the server's SHA-256) or why it was refused.
"""

from __future__ import annotations

import reflex as rx

from camshare.i18n import DEFAULT_LANGUAGE, catalog
from camshare.state.base import AppState

# Every word the uploader shows or the server may answer an upload with (its refusals),
# named here: a page receives only the words its code names (``state/page_words.py``),
# and ``AppState.t[key]`` carries the English text for English pages, which receive none.
WORDS = (
    *sorted(key for key in catalog(DEFAULT_LANGUAGE) if key.startswith("footage.")),
    "staff.forbidden",
    "custody.error.pickup_not_approved",
)


class FootageUploader(rx.NoSSRComponent):
    """Pick files, caption them, send them; ``on_done`` fires when a file is finished."""

    library = "$/public" + rx.asset("footage_uploader.jsx", shared=True)
    lib_dependencies: list[str] = ["tus-js-client@4.3.1"]
    tag = "FootageUploader"

    endpoint: rx.Var[str]
    # The page's messages in its language (the catalog), for labels and refusals.
    messages: rx.Var[dict[str, str]]
    max_bytes: rx.Var[str]
    # "<request id>:<recipient id>" for an officer's pickup upload (staff session), else unset.
    pickup: rx.Var[str]

    on_done: rx.EventHandler[lambda upload_id: [upload_id]]


def footage_uploader(**props) -> rx.Component:
    """The uploader, with its words (labels and refusals) in the page's language."""
    return FootageUploader.create(messages={key: AppState.t[key] for key in WORDS}, **props)
