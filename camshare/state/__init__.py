"""Reflex states: parse input, call a use case, set vars. No SQL, no business rules."""
