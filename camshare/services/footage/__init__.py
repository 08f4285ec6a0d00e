"""Footage owners send for a request (issue 11).

Intake (the owner's side and the bytes): ``storage`` (where bytes live), ``links`` (the
owner's upload link), ``names`` (cleaning file names), ``identify`` (bytes -> kind or
refusal), ``probe`` (PyAV: container, codec, duration, thumbnail, preview), ``intake``
(the tus hooks: create, complete, clean-up), ``jobs`` (previews and receipt SMS the
worker makes later, durably), ``receipts`` (what the owner sees).

Custody (what police do, and what happens afterwards): ``access`` (who sees a request's
footage: the one check), ``viewing`` (signed play/download links), ``triage`` (accept,
decline, hold, grants), ``panel`` (the board's changes-only feed), ``export`` (the
case-file zip and its custody PDF), ``retention`` (the one writer of ``delete_after``,
deletions, withdrawal), ``afterwards`` (the owner's history, the public monthly counts).
"""
