"""The staff landing page at /staff: the sections the signed-in role opens."""

from __future__ import annotations

import reflex as rx

from camshare import routes
from camshare.components.staff_frame import staff_frame
from camshare.state.base import AppState
from camshare.state.staff_home import StaffHomeState

T = AppState.t


def _section(action: str, href: str, title_key: str, lead_key: str) -> rx.Component:
    return rx.cond(
        StaffHomeState.can[action],
        rx.el.li(
            rx.el.a(T[title_key], href=href, class_name="staff-section"),
            rx.el.p(T[lead_key], class_name="muted"),
        ),
    )


def staff_home_page() -> rx.Component:
    """Links to what the role may do."""
    return staff_frame(
        rx.el.ul(
            _section(
                "request.view", routes.STAFF_REQUESTS, "staff.nav_requests", "staff.requests_lead"
            ),
            _section(
                "request.create",
                routes.STAFF_NEW_REQUEST,
                "staff.nav_new_request",
                "staff.new_request_lead",
            ),
            _section(
                "campaign.manage",
                routes.STAFF_CAMPAIGNS,
                "staff.nav_campaigns",
                "staff.campaigns_lead",
            ),
            _section(
                "dashboard.view",
                routes.STAFF_DASHBOARD,
                "staff.nav_dashboard",
                "staff.dashboard_lead",
            ),
            _section(
                "footage.view",
                routes.STAFF_FOOTAGE_SHARED,
                "staff.nav_shared",
                "staff.shared_lead",
            ),
            _section("staff.manage", routes.STAFF_USERS, "staff.nav_users", "staff.users_lead"),
            _section("audit.view", routes.STAFF_AUDIT, "staff.nav_audit", "staff.audit_lead"),
            class_name="sections",
        ),
        state=StaffHomeState,
        title_key="staff.home_title",
    )
