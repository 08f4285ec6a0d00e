"""Use cases and adapters: plain Python, never Reflex. One package per part of the product.

registration  a resident's sign-up, step by step, to the new owner (``completion``)
owners        after sign-up: account, locations, links, standing, withdrawal,
              re-confirmation, re-consent, texts owners send us
access        police requests: search, guardrails, answers, the board
agreements    the owner agreement: texts, publishing a version, consent history
outreach      campaigns, flyers, sign-up figures
messaging     SMS: gateways, the outbox, delivery reports, number checks
staff         staff accounts: passwords, TOTP, sessions
audit         the audit log: writing and browsing it
public        the transparency figures
geography     geocoding and the jurisdiction

Beside them, what every part uses: ``permissions`` (the role table), ``errors``,
``tokens``, ``phones``, ``throttle`` (app-wide rate limits), ``session_handoff`` (the
sign-in hand-off for staff and owners) and ``retention`` (what is deleted when, in every
part's tables).
"""
