"""What the states know of the session cookies: how to read one, and how to hand one over.

The cookie is read from the event socket handshake's headers, which stay on the server
(Reflex never sends them to the browser); it is not a state var. Setting and clearing it
take an HTTP response, so a sign-in or sign-out ends with a full-page POST to
``camshare.api_sessions`` (which also gives the next page a handshake with the new cookie).
"""

from __future__ import annotations

import json

import reflex as rx

from camshare.session_cookies import read_cookie

# A form built by script: the code goes in the POST body, never in the URL or history.
_POST_SCRIPT = """(() => {
  const form = document.createElement("form");
  form.method = "POST";
  form.action = %s;
  for (const [name, value] of Object.entries(%s)) {
    const field = document.createElement("input");
    field.type = "hidden";
    field.name = name;
    field.value = value;
    form.appendChild(field);
  }
  document.body.appendChild(form);
  form.submit();
})()"""


def cookie_of(state: rx.State, name: str) -> str:
    """The value of session cookie ``name`` sent with this tab's event socket ("" if none)."""
    return read_cookie(state.router.headers.cookie, name)


def post_and_follow(action: str, fields: dict[str, str] | None = None):
    """The event that makes the page POST ``fields`` to ``action`` and follow the answer."""
    return rx.call_script(_POST_SCRIPT % (json.dumps(action), json.dumps(fields or {})))
