"""The Reflex app: head (PWA), pages, API routes and the in-process worker. Nothing else."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from concurrent.futures import ThreadPoolExecutor

import reflex as rx

from camshare import routes
from camshare.api import create_api
from camshare.components.connection import CONNECTION_SCRIPT, connection_notice
from camshare.components.document_language import page_title
from camshare.components.staff_frame import staff_brand_name
from camshare.event_ids import EventRequestIds
from camshare.join_shell import SCRIPT as JOIN_SHELL_SCRIPT
from camshare.join_shell import serve_join_shell
from camshare.logs import RequestIdMiddleware, configure_logging
from camshare.metrics import MetricsMiddleware, start_metrics_server
from camshare.pages.first_paint import first_paint
from camshare.pages.footage_upload import footage_upload_page
from camshare.pages.home import home_page
from camshare.pages.join import join_page
from camshare.pages.my import manage_link_page, my_page, owner_sign_in_page
from camshare.pages.outbox import outbox_page
from camshare.pages.owner_answer import owner_answer_page
from camshare.pages.reconfirm import reconfirm_page
from camshare.pages.reconsent import reconsent_page
from camshare.pages.staff_agreements import staff_agreements_page
from camshare.pages.staff_audit import staff_audit_page
from camshare.pages.staff_campaigns import campaigns_page
from camshare.pages.staff_dashboard import dashboard_page
from camshare.pages.staff_footage import footage_page
from camshare.pages.staff_footage_shared import footage_shared_page
from camshare.pages.staff_home import staff_home_page
from camshare.pages.staff_requests import board_page, new_request_page, requests_page
from camshare.pages.staff_sign_in import staff_sign_in_page
from camshare.pages.staff_users import staff_users_page
from camshare.pages.transparency import transparency_page
from camshare.security_headers import with_security_headers
from camshare.settings import settings_or_exit
from camshare.state.base import AppState
from camshare.state.campaigns import CampaignsState
from camshare.state.dashboard import DashboardState
from camshare.state.footage_shared import SharedFootageState
from camshare.state.footage_upload import FootageUploadState
from camshare.state.join import JoinState
from camshare.state.outbox import OutboxState
from camshare.state.owner import ManageLinkState, MyState, OwnerSignInState
from camshare.state.owner_answer import OwnerAnswerState
from camshare.state.page_words import App
from camshare.state.reconfirm import ReconfirmState
from camshare.state.reconsent import ReconsentState
from camshare.state.request_board import BoardState, RequestListState
from camshare.state.request_footage import RequestFootageState
from camshare.state.request_new import NewRequestState
from camshare.state.staff_agreements import StaffAgreementsState
from camshare.state.staff_audit import StaffAuditState
from camshare.state.staff_home import StaffHomeState
from camshare.state.staff_sign_in import SignInState
from camshare.state.staff_users import StaffUsersState
from camshare.state.transparency import TransparencyState
from camshare.unhandled import log_backend_error

log = logging.getLogger(__name__)
settings = settings_or_exit()
configure_logging(settings)


async def run_worker_in_process() -> None:
    """Send the outbox from the web process when no separate worker runs.

    It gets a thread of its own: on the shared pool a long queue would starve the page
    handlers' database calls.
    """
    from camshare.worker import Worker

    worker = Worker()
    loop = asyncio.get_running_loop()
    with (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="camshare-worker") as thread,
        contextlib.suppress(asyncio.CancelledError),
    ):
        while True:
            try:
                await loop.run_in_executor(thread, worker.tick)
            except Exception:
                log.exception("in-process worker tick failed; retrying")
                worker.backlog = False
            # While a backlog drains, the next turn comes at once (the jobs had theirs).
            await asyncio.sleep(0 if worker.backlog else 1.0)
    worker.close()


async def serve_metrics() -> None:
    """Prometheus metrics on CAMSHARE_METRICS_PORT, from the process that serves pages."""
    from camshare.runtime import session_factory

    await asyncio.to_thread(start_metrics_server, settings, session_factory())


# page_words.App is rx.App that also records each page, to send only its words.
app = App(
    stylesheets=["/camshare.css"],
    head_components=[
        # Before React starts (a plain <script>, in the prerendered HTML; rx.script is added
        # by the page later): a flyer's /join/<code> was answered with the /join page, and
        # no form is submitted the browser's way before React starts (camshare/join_shell.py).
        rx.el.script(JOIN_SHELL_SCRIPT),
        rx.el.link(rel="manifest", href="/manifest.webmanifest"),
        rx.el.meta(name="theme-color", content=settings.theme_color),
        rx.el.link(rel="apple-touch-icon", href="/apple-touch-icon.png"),
        rx.el.meta(name="description", content=settings.program_name),
        rx.script(src="/sw-register.js", defer=True),
        rx.script(src=CONNECTION_SCRIPT, defer=True),
    ],
    # Our routes beside Reflex's, then the security headers around all of it (pages,
    # assets, /api and the event socket alike), then a request id for every log line.
    api_transformer=[
        create_api(),
        serve_join_shell,
        with_security_headers(settings),
        MetricsMiddleware,
        RequestIdMiddleware,
    ],
    hydrate_fallback=first_paint,
    toaster=None,
    backend_exception_handler=log_backend_error,
)
# Our own connection notice instead of Reflex's toast-based overlay (see the component).
app.app_wraps[(5, "Overlay")] = lambda stateful: connection_notice() if stateful else None
# Each page's title says what it is, then whose it is, in the visitor's language (a Var:
# React puts the <title> in the head), so a phone's history and tabs tell pages apart.
PUBLIC_PAGES = [
    (home_page, routes.HOME, AppState.pick_initial_language, "title.home"),
    (join_page, routes.JOIN, JoinState.load, "title.join"),
    (join_page, routes.JOIN_CAMPAIGN, JoinState.load, "title.join"),
    (manage_link_page, routes.MANAGE, ManageLinkState.load, "title.manage"),
    (owner_sign_in_page, routes.MY_SIGN_IN, OwnerSignInState.load, "title.my_sign_in"),
    (my_page, routes.MY, MyState.load, "title.my"),
    (outbox_page, routes.OUTBOX, OutboxState.load, "title.outbox"),
    (reconsent_page, routes.RECONSENT, ReconsentState.load, "title.reconsent"),
    (reconfirm_page, routes.RECONFIRM, ReconfirmState.load, "title.reconfirm"),
    (transparency_page, routes.TRANSPARENCY, TransparencyState.load, "title.transparency"),
    (owner_answer_page, routes.OWNER_ANSWER, OwnerAnswerState.load, "title.owner_answer"),
    (footage_upload_page, routes.FOOTAGE_UPLOAD, FootageUploadState.load, "title.footage_upload"),
]
for page, route, on_load, title_key in PUBLIC_PAGES:
    title = page_title(AppState.lang, title_key, settings.program)
    app.add_page(page, route=route, title=title, on_load=on_load)
# Staff pages: each page's on_load checks the session and role on the server.
STAFF_PAGES = [
    (staff_sign_in_page, routes.STAFF_SIGN_IN, SignInState.load, "signin.title"),
    (staff_home_page, routes.STAFF_HOME, StaffHomeState.load, "staff.home_title"),
    (requests_page, routes.STAFF_REQUESTS, RequestListState.load, "request.list_title"),
    (new_request_page, routes.STAFF_NEW_REQUEST, NewRequestState.load, "request.new_title"),
    (board_page, routes.STAFF_REQUEST_BOARD, BoardState.load, "board.title"),
    (
        footage_page,
        routes.STAFF_REQUEST_FOOTAGE,
        RequestFootageState.open_page,
        "custody.page_title",
    ),
    (footage_shared_page, routes.STAFF_FOOTAGE_SHARED, SharedFootageState.load, "shared.title"),
    (staff_users_page, routes.STAFF_USERS, StaffUsersState.load, "users.title"),
    (staff_audit_page, routes.STAFF_AUDIT, StaffAuditState.load, "audit.title"),
    (campaigns_page, routes.STAFF_CAMPAIGNS, CampaignsState.load, "campaigns.title"),
    (dashboard_page, routes.STAFF_DASHBOARD, DashboardState.load, "dashboard.title"),
    (staff_agreements_page, routes.STAFF_AGREEMENTS, StaffAgreementsState.load, "agreements.title"),
]
for page, route, on_load, title_key in STAFF_PAGES:
    app.add_page(
        page,
        route=route,
        title=page_title(AppState.lang, title_key, staff_brand_name),
        on_load=on_load,
    )
app.add_middleware(EventRequestIds())
app.register_lifespan_task(serve_metrics)
if settings.sms_dispatcher == "inprocess":
    app.register_lifespan_task(run_worker_in_process)
