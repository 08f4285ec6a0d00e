"""The sign-up flow at /join/<campaign-code>: one screen per step, phone first."""

from __future__ import annotations

import reflex as rx

from camshare.components.agreement import accept_box, agreement_text
from camshare.components.connection import waiting_button
from camshare.components.fields import choice_list, field_error, select_field, text_field
from camshare.components.layout import page_frame
from camshare.components.pin_map import pin_picker
from camshare.components.text import text
from camshare.runtime import settings
from camshare.services.registration import (
    CAMERA_FACES,
    CAMERA_KINDS,
    DIRECTIONS,
    MAX_NAME,
    RECORDING_MODES,
)
from camshare.state.base import AppState
from camshare.state.join import HISTORY_INPUT_ID, JoinState
from camshare.state.join_cameras import JoinCamerasState
from camshare.state.join_location import JoinLocationState

S = JoinState
L = JoinLocationState
C = JoinCamerasState
T = AppState.t


def notice() -> rx.Component:
    """The message above the form: an error summary, announced to screen readers."""
    return rx.cond(S.notice_text != "", rx.el.p(S.notice_text, role="alert", class_name="notice"))


def outside_area_help() -> rx.Component:
    """After "outside the area": who to contact instead."""
    return rx.cond(
        S.outside_area_help != "",
        rx.el.p(S.outside_area_help, class_name="notice info", data_testid="outside-area-help"),
    )


def submit_button(label_key: str, **props) -> rx.Component:
    """The step's main button; shows that work is under way.

    Disabled until the page is live: pressed in the prerendered page (slow 3G), the browser
    would submit the form itself and put what was typed, name and phone, in the address.
    """
    return waiting_button(
        rx.cond(S.busy, T["app.working"], T[label_key]),
        type="submit",
        disabled=S.busy | ~S.is_hydrated,
        **props,
    )


def back_button(step: str, label_key: str = "app.back") -> rx.Component:
    """Go back to an earlier step."""
    return waiting_button(T[label_key], class_name="link-button", on_click=S.go_to(step))


def progress() -> rx.Component:
    """'Step n of 5' and a bar, for orientation on a small screen."""
    return rx.cond(
        S.step_number > 0,
        rx.el.div(
            rx.el.p(
                text(T, "app.step_of", n=S.step_number.to_string(), total=S.step_total.to_string())
            ),
            rx.el.progress(value=S.step_number, max=S.step_total, aria_hidden="true"),
            class_name="progress",
        ),
    )


def contact_step() -> rx.Component:
    """Name, mobile phone, e-mail, resident or business."""
    return rx.el.form(
        rx.el.h1(T["step.contact"], id="step-heading", tab_index=-1),
        rx.el.p(T["contact.lead"], class_name="lead"),
        notice(),
        text_field(
            S,
            "full_name",
            "contact.full_name",
            autocomplete="name",
            required=True,
            max_length=MAX_NAME,
        ),
        text_field(
            S,
            "phone",
            "contact.phone",
            type_="tel",
            autocomplete="tel",
            input_mode="tel",
            hint_key="contact.phone_hint",
            required=True,
            max_length=40,
        ),
        text_field(
            S, "email", "contact.email", type_="email", autocomplete="email", max_length=254
        ),
        choice_list(
            S,
            "owner_kind",
            "contact.owner_kind",
            [("resident", "contact.resident"), ("business", "contact.business")],
            S.owner_kind,
            on_change=S.choose_owner_kind,
        ),
        rx.cond(
            S.owner_kind == "business",
            text_field(
                S,
                "business_name",
                "contact.business_name",
                autocomplete="organization",
                max_length=MAX_NAME,
            ),
        ),
        submit_button("app.continue"),
        on_submit=S.submit_contact,
        key=S.form_version.to_string() + "-contact",
        no_validate=True,
    )


def address_fields() -> list[rx.Component]:
    """Street, unit, city, state and ZIP, with autofill hints."""
    return [
        text_field(
            S, "address_line", "location.street", autocomplete="address-line1", max_length=300
        ),
        text_field(S, "unit", "location.unit", autocomplete="address-line2", max_length=50),
        rx.el.div(
            text_field(S, "city", "location.city", autocomplete="address-level2", max_length=100),
            text_field(S, "state", "location.state", autocomplete="address-level1", max_length=50),
            class_name="row",
        ),
        text_field(
            S,
            "zip_code",
            "location.zip",
            autocomplete="postal-code",
            input_mode="numeric",
            max_length=10,
        ),
    ]


def which_location() -> rx.Component:
    """'Location 2' while adding another one, so the resident knows where they are."""
    return rx.cond(
        S.sites.length() > 0,
        rx.el.p(
            text(T, "pin.location_n", n=(S.sites.length() + 1).to_string()), class_name="muted"
        ),
    )


def location_step() -> rx.Component:
    """The phone's position, or a typed address."""
    return rx.el.div(
        rx.el.h1(T["step.location"], id="step-heading", tab_index=-1),
        which_location(),
        notice(),
        outside_area_help(),
        waiting_button(
            T["location.use_device"],
            class_name="secondary",
            on_click=L.use_device_location,
            disabled=S.busy,
        ),
        rx.el.form(
            rx.el.h2(T["location.or_address"]),
            *address_fields(),
            submit_button("location.find"),
            rx.cond(S.busy, rx.el.p(T["location.looking_up"], role="status")),
            on_submit=L.submit_address,
            key=S.form_version.to_string() + "-location",
            no_validate=True,
        ),
        back_button("contact"),
    )


def pin_step() -> rx.Component:
    """Confirm or move the pin; fix the address on the same screen if needed."""
    lead = rx.match(
        S.geocode_status,
        ("no_match", T["pin.lead_no_match"]),
        ("unavailable", T["pin.lead_unavailable"]),
        ("device", T["pin.lead_device"]),
        T["pin.lead_ok"],
    )
    return rx.el.form(
        rx.el.h1(T["step.pin"], id="step-heading", tab_index=-1),
        which_location(),
        rx.el.p(lead, class_name="lead", role="status"),
        notice(),
        outside_area_help(),
        pin_picker(S.pin_lat, S.pin_lon, S.pin_text, L.move_pin, L.nudge_pin, "pin-coordinates"),
        *address_fields(),
        submit_button("pin.confirm"),
        back_button("location"),
        on_submit=L.submit_pin,
        key=S.form_version.to_string() + "-pin",
        no_validate=True,
    )


def camera_row(row: rx.Var, index: rx.Var) -> rx.Component:
    """One group of identical cameras."""
    number = (index + 1).to_string()
    prefix = "cameras." + index.to_string() + "."

    def error(name: str) -> rx.Var:
        return S.messages[prefix + name].to(str)

    def input_id(name: str) -> rx.Var:
        return "cam-" + index.to_string() + "-" + name

    def number_input(name: str, label_key: str, low: int, high: int) -> rx.Component:
        return rx.el.div(
            rx.el.label(T[label_key], html_for=input_id(name)),
            rx.el.input(
                id=input_id(name),
                # Text with a numeric keypad: a number input turns an emptied field into
                # a value the resident did not type.
                type="text",
                input_mode="numeric",
                pattern="[0-9]*",
                max_length=len(str(high)),
                value=row[name].to(str),
                on_change=lambda value: C.set_camera_field(index, name, value),
                aria_invalid=rx.cond(error(name), "true", "false"),
            ),
            rx.cond(error(name), rx.el.p(error(name), class_name="field-error")),
            class_name="field",
        )

    def select(name: str, label_key: str, options, placeholder: str | None = "cameras.choose"):
        return select_field(
            T[label_key],
            input_id(name),
            options,
            row[name].to(str),
            lambda value: C.set_camera_field(index, name, value),
            error(name),
            placeholder_key=placeholder,
        )

    return rx.el.fieldset(
        rx.el.legend(text(T, "cameras.group", n=number)),
        select("camera_kind", "cameras.kind", [(k, f"cameras.kind.{k}") for k in CAMERA_KINDS]),
        number_input("count", "cameras.count", 1, 99),
        select("faces", "cameras.faces", [(f, f"cameras.faces.{f}") for f in CAMERA_FACES]),
        select(
            "direction",
            "cameras.direction",
            [(d, f"cameras.direction.{d}") for d in DIRECTIONS if d],
            placeholder="cameras.direction.none",
        ),
        select(
            "recording",
            "cameras.recording",
            [(m, f"cameras.recording.{m}") for m in RECORDING_MODES],
        ),
        number_input("retention_days", "cameras.retention", 0, 365),
        rx.cond(
            S.cameras.length() > 1,
            waiting_button(
                text(T, "cameras.remove", n=number),
                class_name="link-button",
                on_click=C.remove_camera(index),
            ),
        ),
        class_name="camera-group",
    )


def cameras_step() -> rx.Component:
    """What cameras are at this location."""
    return rx.el.form(
        rx.el.h1(T["step.cameras"], id="step-heading", tab_index=-1),
        rx.el.p(text(T, "cameras.lead", address=S.site_address), class_name="lead"),
        notice(),
        field_error(S, "cameras", "f-cameras"),
        rx.foreach(S.cameras, camera_row),
        waiting_button(T["cameras.add"], class_name="secondary", on_click=C.add_camera),
        submit_button("app.continue"),
        back_button("pin"),
        on_submit=lambda _form: C.submit_cameras(),
        no_validate=True,
    )


def site_item(site: rx.Var, index: rx.Var) -> rx.Component:
    """A location in the review list."""
    return rx.el.li(
        rx.el.span(site["address"], class_name="site-address"),
        rx.el.span(text(T, "agreement.cameras", count=site["cameras"].to(str)), class_name="muted"),
        waiting_button(
            T["agreement.remove_location"],
            class_name="link-button",
            on_click=C.remove_location(index),
        ),
    )


def agreement_step() -> rx.Component:
    """The locations, the agreement's summary and full text, and the signature."""
    return rx.el.div(
        rx.el.h1(T["step.agreement"], id="step-heading", tab_index=-1),
        notice(),
        rx.el.section(
            rx.el.h2(T["agreement.locations"]),
            rx.el.ul(rx.foreach(S.sites, site_item), class_name="sites"),
            waiting_button(
                T["agreement.add_location"], class_name="secondary", on_click=C.add_location
            ),
        ),
        agreement_text(
            S.agreement_title,
            S.agreement_summary,
            S.agreement_body,
            T["agreement.in_short"],
            T["agreement.read_full"],
            rx.el.p(text(T, "agreement.version", version=S.agreement_version), class_name="muted"),
        ),
        rx.el.form(
            accept_box(S, T["agreement.accept"]),
            text_field(
                S, "typed_name", "agreement.typed_name", autocomplete="name", max_length=MAX_NAME
            ),
            submit_button("agreement.sign"),
            on_submit=S.submit_agreement,
            key=S.form_version.to_string() + "-agreement",
            no_validate=True,
        ),
        back_button("cameras"),
    )


def verify_step() -> rx.Component:
    """The SMS terms, then the code."""
    return rx.el.div(
        rx.el.h1(T["step.verify"], id="step-heading", tab_index=-1),
        notice(),
        rx.cond(
            ~S.code_sent,
            rx.el.p(text(T, "verify.lead", phone=S.phone_display), class_name="lead"),
        ),
        rx.el.p(T["verify.sms_terms"], class_name="terms"),
        rx.cond(
            S.code_sent,
            rx.el.form(
                rx.el.p(
                    text(
                        T,
                        "verify.sent",
                        phone=S.phone_display,
                        minutes=str(settings().otp_ttl_minutes),
                    ),
                    role="status",
                ),
                text_field(
                    S,
                    "code",
                    "verify.code",
                    autocomplete="one-time-code",
                    input_mode="numeric",
                    max_length=8,
                    default="",
                ),
                submit_button("verify.submit"),
                waiting_button(T["verify.resend"], class_name="secondary", on_click=S.send_code),
                on_submit=S.submit_code,
                reset_on_submit=False,
                no_validate=True,
            ),
            waiting_button(T["verify.send"], on_click=S.send_code),
        ),
        back_button("contact", "verify.change_phone"),
    )


def done_step() -> rx.Component:
    """The confirmation."""
    return rx.el.div(
        rx.el.h1(T["step.done"], id="step-heading", tab_index=-1),
        rx.el.p(
            rx.cond(
                S.done_updated,
                text(T, "done.updated", version=S.done_version),
                text(T, "done.lead", version=S.done_version),
            ),
            class_name="lead",
            role="status",
        ),
        rx.match(
            S.done_status,
            (
                "paused",
                rx.el.p(
                    rx.cond(
                        S.done_paused_until != "",
                        text(T, "done.still_paused_until", until=S.done_paused_until),
                        T["done.still_paused"],
                    ),
                    class_name="notice still-on-hold",
                ),
            ),
            (
                "reconsent",
                rx.el.p(T["done.still_reconsent"], class_name="notice still-on-hold"),
            ),
            rx.fragment(),
        ),
        rx.el.ul(rx.foreach(S.done_sites, lambda s, i: site_summary(s)), class_name="sites"),
        rx.el.p(T["done.receipt"]),
        rx.el.p(T["done.install"], class_name="tip"),
        waiting_button(T["done.another"], class_name="secondary", on_click=S.start_over),
        class_name="done",
    )


def site_summary(site: rx.Var) -> rx.Component:
    """A registered location and its camera count."""
    return rx.el.li(
        rx.el.span(site["address"], class_name="site-address"),
        rx.el.span(text(T, "agreement.cameras", count=site["cameras"].to(str)), class_name="muted"),
    )


def join_page() -> rx.Component:
    """The whole flow; the step decides which screen shows."""
    return page_frame(
        progress(),
        # data-step tells the browser tests (and styles) which screen is live after loading.
        rx.el.div(data_step=rx.cond(S.loaded, S.step, "loading"), id="join-step", hidden=True),
        # The phone's Back and Forward put a step here (see JoinState.follow_history).
        rx.el.input(
            id=HISTORY_INPUT_ID,
            type="text",
            hidden=True,
            aria_hidden="true",
            tab_index=-1,
            default_value="",
            on_change=S.follow_history,
        ),
        # No swap on load: the first screen rendered at build time stays the same nodes
        # after hydration, so the browser paints it once (this is the page's LCP).
        rx.match(
            S.step,
            ("location", location_step()),
            ("pin", pin_step()),
            ("cameras", cameras_step()),
            ("agreement", agreement_step()),
            ("verify", verify_step()),
            ("done", done_step()),
            contact_step(),
        ),
        on_switch=S.change_language,
    )
