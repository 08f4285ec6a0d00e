"""Addresses written for people: one way to put an address on a line, everywhere."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

ADDRESS_FIELDS = ("address_line", "unit", "city", "state", "zip_code")
# Longer than any field's cleaned limit: what is kept as typed stays bounded.
TYPED_LIMIT = 300


@dataclass(frozen=True)
class TypedAddress:
    """An address as a person typed it in one of the address forms, before it is cleaned."""

    address_line: str = ""
    unit: str = ""
    city: str = ""
    state: str = ""
    zip_code: str = ""

    @classmethod
    def from_form(cls, form: Mapping[str, object]) -> TypedAddress:
        """The five address fields of a submitted form (missing ones empty)."""
        return cls(**{name: str(form.get(name) or "")[:TYPED_LIMIT] for name in ADDRESS_FIELDS})

    def as_dict(self) -> dict[str, str]:
        """The fields by name, as a form shows them again."""
        return asdict(self)


def postal_address(line: str, city: str | None, state: str | None) -> str:
    """An address with its city and state: "1500 Marilla St, Dallas, TX" (never twice)."""
    parts = [part.strip() for part in (line or "").split(",") if part.strip()]
    written = {part.lower() for part in parts[1:]} | {
        part.split()[0].lower() for part in parts[1:] if part.split()
    }
    for extra in (city, state):
        if extra and extra.strip() and extra.strip().lower() not in written:
            parts.append(extra.strip())
    return ", ".join(parts)


def one_line_address(site: dict) -> str:
    """An address on one line: "1500 Marilla St Apt 2, Dallas, TX 75201"."""
    unit = f" {site['unit']}" if site.get("unit") else ""
    line = postal_address(f"{site['address_line']}{unit}", site.get("city"), site.get("state"))
    return f"{line} {site['zip_code']}" if site.get("zip_code") else line
