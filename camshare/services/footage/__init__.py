"""Footage owners send for a request (issue 11).

Intake (the owner's side and the bytes): ``storage`` (where bytes live), ``links`` (the
owner's upload link), ``names`` (cleaning file names), ``identify`` (bytes -> kind or
refusal), ``probe`` (PyAV: container, codec, duration, thumbnail, preview), ``intake``
(the tus hooks: create, complete, clean-up), ``receipts`` (what the owner sees).
"""
