"""A request's footage on a page of its own, for staff added to it (a grant).

They see the files they were granted (view, or view and download), not the board's
owners and answers: that stays for the request's author and supervisors.
"""

from __future__ import annotations

import reflex as rx

from camshare.components.footage_panel import footage_panel
from camshare.components.staff_frame import staff_frame, staff_notice
from camshare.state.request_footage import RequestFootageState as F


def footage_page() -> rx.Component:
    """The footage panel alone."""
    return staff_frame(staff_notice(F), footage_panel(), state=F, title_key="custody.page_title")
