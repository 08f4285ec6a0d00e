"""Police pages: the requests list, a new request, and a request's live board."""

from __future__ import annotations

import reflex as rx

from camshare import routes
from camshare.components.fields import field_error, text_field
from camshare.components.footage_panel import footage_panel
from camshare.components.live_panel import live_panel
from camshare.components.pin_map import pin_map
from camshare.components.staff_frame import staff_frame, staff_notice
from camshare.components.table import data_table
from camshare.components.text import text
from camshare.components.ticker import ticker
from camshare.runtime import settings
from camshare.services.access import messages
from camshare.state.base import AppState
from camshare.state.request_board import BoardState as B
from camshare.state.request_board import RequestListState as L
from camshare.state.request_new import NewRequestState as N

T = AppState.t


# --- list ----------------------------------------------------------------------------------


def _request_item(row: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.el.a(
            rx.el.strong(row["case_number"]),
            " · ",
            row["incident"],
            rx.cond(
                row["emergency"] != "",
                rx.el.span(T["request.emergency"], class_name="badge urgent"),
            ),
            href=routes.path_prefix(routes.STAFF_REQUEST_BOARD) + row["id"],
        ),
        rx.el.p(
            row["status"],
            " · ",
            row["place"],
            " · ",
            row["created_by"],
            " · ",
            row["created_at"],
            class_name="muted",
        ),
        rx.el.p(
            T["request.recipients"],
            ": ",
            row["recipients"],
            " · ",
            T["recipient.approved"],
            ": ",
            row["approved"],
            class_name="muted",
        ),
        class_name="request-item",
        data_status=row["status_key"],
    )


def requests_page() -> rx.Component:
    """Requests the signed-in member may see."""
    return staff_frame(
        rx.cond(
            L.waiting > 0,
            rx.el.p(
                text(T, "request.waiting_count", n=L.waiting),
                class_name="notice info",
            ),
        ),
        rx.cond(
            L.can["request.create"],
            rx.el.a(
                T["staff.nav_new_request"],
                href=routes.STAFF_NEW_REQUEST,
                class_name="button primary",
            ),
        ),
        rx.cond(
            L.rows.length() > 0,
            rx.el.ul(rx.foreach(L.rows, _request_item), class_name="request-list"),
            rx.el.p(T["request.none"], class_name="muted"),
        ),
        state=L,
        title_key="request.list_title",
    )


# --- new request ---------------------------------------------------------------------------


def _incident_select() -> rx.Component:
    return rx.el.div(
        rx.el.label(T["request.incident_type"], html_for="f-incident_type"),
        rx.el.select(
            rx.el.option(T["cameras.choose"], value=""),
            rx.foreach(N.categories, lambda c: rx.el.option(c["label"], value=c["key"])),
            id="f-incident_type",
            name="incident_type",
            value=N.typed["incident_type"].to(str),
            on_change=N.choose_incident,
            aria_invalid=rx.cond(N.messages.contains("incident_type"), "true", "false"),
        ),
        field_error(N, "incident_type", "f-incident_type"),
        class_name="field",
    )


def _window() -> rx.Component:
    def moment(name: str, label_key: str) -> rx.Component:
        return rx.el.div(
            rx.el.label(T[label_key], html_for=f"f-{name}"),
            rx.el.input(
                id=f"f-{name}",
                name=name,
                type="datetime-local",
                max=N.now_local,
                default_value=N.typed[name].to(str),
                on_blur=lambda value: N.remember(name, value),
                on_change=lambda value: N.remember(name, value),
                aria_describedby="f-window-error",
            ),
            class_name="field",
        )

    return rx.el.fieldset(
        rx.el.legend(T["request.window"]),
        rx.el.p(
            text(T, "request.window_hint", hours=f"{settings().request_max_window_hours:g}"),
            class_name="hint",
        ),
        rx.el.div(
            moment("window_start", "request.window_start"),
            moment("window_end", "request.window_end"),
            class_name="row even",
        ),
        field_error(N, "window", "f-window"),
        class_name="field",
    )


def _select(field_id: str, label, options, value, on_change, invalid) -> rx.Component:
    return rx.el.div(
        rx.el.label(label, html_for=field_id),
        rx.el.select(
            rx.el.option(T["message.choose"], value=""),
            rx.foreach(options, lambda o: rx.el.option(o["label"], value=o["key"])),
            id=field_id,
            value=value,
            on_change=on_change,
            aria_invalid=rx.cond(invalid, "true", "false"),
        ),
        class_name="field",
    )


def _message_fields() -> rx.Component:
    """A template in every language, its blanks from lists, then (if allowed) own words."""
    blanks = [
        rx.cond(
            N.needed_blanks.contains(name),
            _select(
                f"f-blank_{name}",
                T[f"message.blank.{name}"],
                N.blank_choices[name],
                N.typed[f"blank_{name}"].to(str),
                lambda value, name=name: N.remember(f"blank_{name}", value),
                N.messages.contains("message"),
            ),
        )
        for name in messages.BLANK_CHOICES
    ]
    own_words = rx.el.div(
        rx.el.label(T["request.own_words"], html_for="f-own_words"),
        rx.el.p(
            text(T, "request.own_words_hint", max=settings().request_message_max),
            id="f-own_words-hint",
            class_name="hint",
        ),
        rx.el.textarea(
            id="f-own_words",
            name="own_words",
            rows=3,
            max_length=settings().request_message_max,
            default_value=N.typed["message"].to(str),
            on_blur=lambda value: N.remember("message", value),
            aria_describedby="f-own_words-hint",
        ),
        field_error(N, "own_words", "f-own_words"),
        class_name="field",
    )
    return rx.el.fieldset(
        rx.el.legend(T["request.template"]),
        rx.el.p(T["request.template_hint"], class_name="hint"),
        _select(
            "f-message",
            T["request.template_choice"],
            N.templates,
            N.typed["message_template"].to(str),
            lambda value: N.remember("message_template", value),
            N.messages.contains("message"),
        ),
        *blanks,
        field_error(N, "message", "f-message"),
        rx.cond(
            N.message_preview != "",
            rx.el.div(
                rx.el.p(T["request.preview"], class_name="hint"),
                rx.el.blockquote(
                    N.message_preview, class_name="officer-message", data_testid="preview"
                ),
            ),
        ),
        own_words if settings().request_own_words else rx.fragment(),
        class_name="field",
    )


def _candidate(site: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.el.label(
            rx.el.input(
                type="checkbox",
                checked=~N.excluded.contains(site["site_id"]),
                on_change=lambda _checked: N.toggle_site(site["site_id"]),
            ),
            rx.el.span(
                rx.el.strong(site["distance"], " m"),
                " · ",
                site["zip_code"],
                rx.el.br(),
                rx.el.span(site["cameras"], class_name="muted"),
            ),
            class_name="choice",
        ),
        data_testid="candidate",
    )


def new_request_page() -> rx.Component:
    """The new-request form: incident, place, window, radius, message; then the locations."""
    return staff_frame(
        staff_notice(N),
        rx.el.div(
            text_field(
                N,
                "case_number",
                "request.case_number",
                required=True,
                max_length=40,
                autocomplete="off",
            ),
            _incident_select(),
            rx.el.div(
                text_field(
                    N,
                    "address",
                    "request.address",
                    hint_key="request.address_hint",
                    max_length=300,
                    autocomplete="off",
                ),
                rx.el.button(
                    rx.cond(N.busy, T["app.working"], T["request.look_up"]),
                    type="button",
                    class_name="secondary",
                    on_click=N.look_up_address,
                    disabled=N.busy,
                ),
                field_error(N, "location", "f-location"),
                class_name="field",
            ),
            rx.el.div(
                pin_map(
                    lat=N.lat,
                    lon=N.lon,
                    zoom=16,
                    tile_url=settings().map_tile_url,
                    attribution=settings().map_attribution,
                    label=T["request.map_label"],
                    zoom_in_label=T["pin.zoom_in"],
                    zoom_out_label=T["pin.zoom_out"],
                    radius=N.typed["radius_m"].to(int),
                    points=N.candidates,
                    on_move=N.point_moved,
                ),
                class_name="map-frame",
            ),
            rx.cond(
                N.has_point,
                rx.cond(
                    N.block_names_a_street,
                    rx.el.p(
                        T["request.place_told"],
                        " ",
                        rx.el.strong(N.block),
                        class_name="muted",
                        data_testid="incident-block",
                    ),
                    rx.el.p(
                        T["request.place_relative"],
                        class_name="muted",
                        data_testid="incident-block",
                    ),
                ),
                # The map shows its pin at the map's centre before any point is chosen.
                rx.el.p(T["request.place_pin_unset"], class_name="muted", data_testid="no-point"),
            ),
            _window(),
            text_field(
                N,
                "radius_m",
                "request.radius",
                type_="number",
                input_mode="numeric",
                hint_key="request.radius_hint",
                max_length=4,
            ),
            _message_fields(),
            rx.el.button(
                T["request.find"],
                type="button",
                class_name="primary",
                on_click=N.find_cameras,
                id="find-cameras",
            ),
            key=N.form_version.to(str),
        ),
        rx.cond(
            N.searched,
            rx.el.section(
                rx.el.h2(text(T, "request.found", n=N.candidates.length())),
                rx.el.p(T["request.found_hint"], class_name="hint"),
                rx.el.ul(rx.foreach(N.candidates, _candidate), class_name="sites candidates"),
                rx.el.button(
                    text(T, "request.send", n=N.chosen),
                    type="button",
                    class_name="primary",
                    on_click=N.submit,
                    id="send-request",
                    disabled=N.chosen == 0,
                ),
                aria_live="polite",
            ),
        ),
        state=N,
        title_key="request.new_title",
    )


# --- board ---------------------------------------------------------------------------------


def _recipient(row: rx.Var) -> rx.Component:
    contact = B.contacts[row["id"]]
    return rx.el.tr(
        rx.el.td(rx.el.span(row["state_label"], class_name="state", data_state=row["state"])),
        rx.el.td(row["distance"], " m"),
        rx.el.td(row["cameras"]),
        rx.el.td(
            rx.cond(
                row["state"] == "approved",
                rx.cond(
                    B.contacts.contains(row["id"]),
                    rx.el.div(
                        rx.el.strong(contact["name"]),
                        rx.el.br(),
                        rx.el.a(contact["phone_display"], href="tel:" + contact["phone"]),
                        rx.cond(
                            contact["note"] != "", rx.el.p(contact["note"], class_name="muted")
                        ),
                        data_testid="owner-contact",
                    ),
                    rx.el.button(
                        T["board.reveal"],
                        type="button",
                        class_name="secondary small",
                        on_click=B.reveal(row["id"]),
                    ),
                ),
            ),
        ),
        data_testid="recipient",
        data_state=row["state"],
    )


def _decision() -> rx.Component:
    return rx.el.section(
        rx.el.h2(T["board.decision"]),
        rx.el.button(
            T["board.approve"],
            type="button",
            class_name="primary",
            on_click=B.approve,
            id="approve-request",
        ),
        rx.el.div(
            rx.el.label(T["board.reject_reason"], html_for="f-decision_note"),
            rx.el.input(
                id="f-decision_note", type="text", max_length=500, on_blur=B.set_decision_note
            ),
            field_error(B, "decision_note", "f-decision_note"),
            class_name="field",
        ),
        rx.el.button(T["board.reject"], type="button", class_name="secondary", on_click=B.reject),
        class_name="decision",
    )


def _pages() -> rx.Component:
    """Nearer and farther pages of recipients, when there is more than one."""
    return rx.cond(
        B.pages > 1,
        rx.el.nav(
            rx.el.button(
                T["board.previous"],
                type="button",
                class_name="secondary small",
                on_click=B.show_page(B.page - 1),
                disabled=B.page == 0,
                id="board-previous",
            ),
            rx.el.span(
                text(T, "board.page", page=B.page + 1, pages=B.pages), data_testid="board-page"
            ),
            rx.el.button(
                T["board.next"],
                type="button",
                class_name="secondary small",
                on_click=B.show_page(B.page + 1),
                disabled=B.page + 1 >= B.pages,
                id="board-next",
            ),
            aria_label=T["board.pages_label"],
            class_name="pager",
        ),
    )


def board_page() -> rx.Component:
    """A request's details and each recipient's state, refreshed every second."""
    info = B.info
    return staff_frame(
        ticker(every=1000, on_tick=B.tick),
        staff_notice(B),
        rx.el.dl(
            rx.el.dt(T["request.case_number"]),
            rx.el.dd(info["case_number"]),
            rx.el.dt(T["request.incident_type"]),
            rx.el.dd(
                info["incident"],
                rx.cond(
                    info["emergency"] != "",
                    rx.el.span(T["request.emergency"], class_name="badge urgent"),
                ),
            ),
            rx.el.dt(T["board.status"]),
            rx.el.dd(info["status"], data_testid="request-status"),
            rx.el.dt(T["request.place"]),
            rx.el.dd(info["place"], " · ", info["radius_m"], " m"),
            rx.el.dt(T["request.window"]),
            rx.el.dd(info["window"]),
            # A request waiting for approval has no closing time yet.
            rx.cond(info["expires_at"] != "", rx.el.dt(T["board.expires"])),
            rx.cond(info["expires_at"] != "", rx.el.dd(info["expires_at"])),
            rx.el.dt(T["board.reply_code"]),
            rx.el.dd(info["reply_code"]),
            rx.el.dt(T["request.message"]),
            rx.el.dd(info["message"], data_testid="request-message"),
            rx.cond(info["own_words"] != "", rx.el.dt(T["board.own_words"])),
            rx.cond(info["own_words"] != "", rx.el.dd(info["own_words"])),
            class_name="facts",
        ),
        rx.cond(
            info["decision_note"] != "",
            rx.el.p(T["board.rejected_because"], " ", info["decision_note"]),
        ),
        rx.cond(B.can_approve, _decision()),
        rx.el.h2(T["board.recipients"]),
        rx.el.p(
            T["recipient.approved"],
            ": ",
            rx.el.strong(B.counts["approved"].to(str), data_testid="count-approved"),
            " · ",
            T["recipient.declined"],
            ": ",
            B.counts["declined"].to(str),
            " · ",
            T["recipient.opened"],
            ": ",
            rx.el.span(B.counts["opened"].to(str), data_testid="count-opened"),
            class_name="muted",
            aria_live="polite",
        ),
        data_table(
            ["board.state", "board.distance", "board.cameras", "board.contact"], B.rows, _recipient
        ),
        _pages(),
        live_panel(),
        footage_panel(),
        rx.cond(
            B.can_close,
            rx.el.button(
                T["board.close"],
                type="button",
                class_name="secondary",
                on_click=B.close,
                id="close-request",
            ),
        ),
        state=B,
        title_key="board.title",
    )
