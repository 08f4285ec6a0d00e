"""Labelled form fields with their hint and error, wired for screen readers and autofill.

Fields are uncontrolled: their default value comes from the state's ``typed`` dict, and
the form's ``key`` changes when the server restores a draft, so they re-mount with it.
"""

from __future__ import annotations

import reflex as rx

from camshare.state.base import AppState


def field_error(state, name: str, input_id: str) -> rx.Component:
    """The field's error message, announced when it appears."""
    return rx.cond(
        state.messages.contains(name),
        rx.el.p(state.messages[name], id=f"{input_id}-error", class_name="field-error"),
    )


def described_by(state, name: str, input_id: str, hint: bool) -> rx.Var:
    """aria-describedby: the hint, and the error while there is one."""
    base = f"{input_id}-hint" if hint else ""
    return rx.cond(state.messages.contains(name), f"{base} {input_id}-error".strip(), base)


def labelled_input(
    state, name: str, label_key: str, *, hint_key: str | None = None, **input_props
) -> rx.Component:
    """A label, an optional hint, the input and its error, tied together for screen readers.

    ``state`` supplies ``messages`` (field -> error text); ``input_props`` go to the input.
    """
    input_id = f"f-{name}"
    return rx.el.div(
        rx.el.label(AppState.t[label_key], html_for=input_id),
        *(
            [rx.el.p(AppState.t[hint_key], id=f"{input_id}-hint", class_name="hint")]
            if hint_key
            else []
        ),
        rx.el.input(
            id=input_id,
            name=name,
            aria_invalid=rx.cond(state.messages.contains(name), "true", "false"),
            aria_describedby=described_by(state, name, input_id, hint_key is not None),
            **input_props,
        ),
        field_error(state, name, input_id),
        class_name="field",
    )


def text_field(
    state,
    name: str,
    label_key: str,
    *,
    type_: str = "text",
    autocomplete: str | None = None,
    input_mode: str | None = None,
    hint_key: str | None = None,
    required: bool = False,
    max_length: int = 200,
    default=None,
    **input_props,
) -> rx.Component:
    """A labelled input that keeps what was typed (``state.remember``) when it loses focus."""
    return labelled_input(
        state,
        name,
        label_key,
        hint_key=hint_key,
        type=type_,
        auto_complete=autocomplete,
        input_mode=input_mode,
        required=required,
        max_length=max_length,
        default_value=default if default is not None else state.typed[name].to(str),
        on_blur=lambda value: state.remember(name, value),
        **input_props,
    )


def choice_list(
    state, name: str, legend_key: str, options: list[tuple[str, str]], value, on_change=None
) -> rx.Component:
    """A radio group in a fieldset; ``options`` are (value, label key)."""
    return rx.el.fieldset(
        rx.el.legend(AppState.t[legend_key]),
        *[
            rx.el.label(
                rx.el.input(
                    type="radio",
                    name=name,
                    value=option,
                    default_checked=value == option,
                    on_change=on_change(option) if on_change else None,
                ),
                rx.el.span(AppState.t[label_key]),
                class_name="choice",
            )
            for option, label_key in options
        ],
        field_error(state, name, f"f-{name}"),
        class_name="field choices",
    )


def select_field(
    label: rx.Var,
    input_id: str,
    options: list[tuple[str, str]],
    value: rx.Var,
    on_change,
    error: rx.Var,
    placeholder_key: str | None = "cameras.choose",
) -> rx.Component:
    """A labelled, controlled select; ``options`` are (value, label key); ``error`` a text Var."""
    items = [rx.el.option(AppState.t[placeholder_key], value="")] if placeholder_key else []
    items += [rx.el.option(AppState.t[key], value=option) for option, key in options]
    return rx.el.div(
        rx.el.label(label, html_for=input_id),
        rx.el.select(
            *items,
            id=input_id,
            value=value,
            on_change=on_change,
            aria_invalid=rx.cond(error, "true", "false"),
            aria_describedby=rx.cond(error, f"{input_id}-error", ""),
        ),
        rx.cond(error, rx.el.p(error, id=f"{input_id}-error", class_name="field-error")),
        class_name="field",
    )
