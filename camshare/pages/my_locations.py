"""/my: the section to change a location's address, add another location or remove one."""

from __future__ import annotations

import reflex as rx

from camshare.components.confirm import confirm_in_place
from camshare.components.fields import labelled_input
from camshare.components.pin_map import pin_picker
from camshare.state.base import AppState
from camshare.state.owner import MyState as M
from camshare.state.owner_locations import OwnerLocationsState as L

T = AppState.t


def _address_input(name: str, label_key: str, autocomplete: str, max_length: int, **props):
    return labelled_input(
        M,
        name,
        label_key,
        type="text",
        auto_complete=autocomplete,
        max_length=max_length,
        default_value=L.loc_typed[name].to(str),
        on_blur=lambda value: L.remember_address(name, value),
        **props,
    )


def _address_form() -> rx.Component:
    """Street, unit, city, state and ZIP, labelled and autofilled as at sign-up."""
    return rx.el.form(
        _address_input("address_line", "location.street", "address-line1", 300),
        _address_input("unit", "location.unit", "address-line2", 50),
        rx.el.div(
            _address_input("city", "location.city", "address-level2", 100),
            _address_input("state", "location.state", "address-level1", 50),
            class_name="row",
        ),
        _address_input("zip_code", "location.zip", "postal-code", 10, input_mode="numeric"),
        rx.el.button(
            T["location.find"],
            type="submit",
            class_name="primary",
            disabled=L.loc_busy,
            id="location-find",
        ),
        rx.cond(L.loc_busy, rx.el.p(T["location.looking_up"], role="status")),
        on_submit=L.find_address,
        key=L.loc_version.to(str) + "-" + L.loc_target,
        no_validate=True,
    )


def _new_cameras() -> rx.Component:
    """The camera rows of the location being added (the /my camera row editor)."""
    from camshare.pages.my import _camera_row  # my.py imports this module

    return rx.cond(
        M.editing_site == "new",
        rx.el.fieldset(
            rx.el.legend(T["mylocations.cameras_here"]),
            rx.foreach(M.edit_rows, _camera_row),
            rx.cond(
                M.messages.contains("cameras"),
                rx.el.p(M.messages["cameras"], class_name="field-error"),
            ),
            rx.el.button(
                T["my.add_camera"], type="button", class_name="secondary", on_click=M.add_row
            ),
            class_name="camera-editor",
        ),
    )


def _pin_step() -> rx.Component:
    return rx.el.div(
        rx.el.p(L.loc_address_text, class_name="site-address", data_testid="location-found"),
        rx.el.p(L.loc_lead, class_name="lead", role="status"),
        pin_picker(
            L.loc_lat,
            L.loc_lon,
            L.loc_pin_text,
            L.move_location_pin,
            L.nudge_location_pin,
            "location-pin-coordinates",
        ),
        rx.cond(L.loc_target == "new", _new_cameras()),
        rx.el.button(
            T["mylocations.save"],
            type="button",
            class_name="primary",
            on_click=L.save_location,
            id="location-save",
        ),
        rx.el.button(
            T["mylocations.other_address"],
            type="button",
            class_name="secondary",
            on_click=L.back_to_address,
        ),
    )


def _location_form() -> rx.Component:
    """The open form: an address, then its pin."""
    return rx.el.div(
        rx.el.h3(
            rx.cond(
                L.loc_target == "new", T["mylocations.add_title"], T["mylocations.change_title"]
            ),
            id="location-form-heading",
        ),
        rx.cond(L.loc_step == "pin", _pin_step(), _address_form()),
        rx.el.button(
            T["my.cancel"], type="button", class_name="link-button", on_click=L.close_location
        ),
        class_name="location-editor",
        role="group",
        aria_labelledby="location-form-heading",
    )


def _site_actions(site: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.el.span(site["address"], " · ", site["zip"], class_name="site-address"),
        rx.el.button(
            T["mylocations.change"],
            type="button",
            class_name="secondary small",
            on_click=L.change_address(site["id"]),
        ),
        confirm_in_place(
            L.loc_remove == site["id"],
            "mylocations.remove_confirm",
            "mylocations.remove_yes",
            L.remove_location(site["id"]),
            L.keep_location,
            "mylocations.remove",
            L.ask_remove(site["id"]),
        ),
        rx.cond(L.loc_target == site["id"], _location_form()),
    )


def my_locations_section() -> rx.Component:
    """Change an address, remove a location, or add another."""
    return rx.el.div(
        rx.el.h3(T["mylocations.title"]),
        rx.el.ul(rx.foreach(M.sites, _site_actions), class_name="sites"),
        rx.cond(
            L.loc_target == "new",
            _location_form(),
            rx.el.button(
                T["mylocations.add"],
                type="button",
                class_name="secondary",
                on_click=L.add_location,
                id="location-add",
            ),
        ),
        class_name="my-locations",
    )
