"""Downloading a campaign's QR code and flyer over HTTP, on each database: only outreach
staff and admins signed in on the browser get them, and every download is audited."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest
from pdfminer.high_level import extract_text
from PIL import Image
from pyzbar.pyzbar import decode
from sqlalchemy import select

from camshare.i18n import catalog
from camshare.models import AuditEvent, Campaign, StaffUser, utcnow
from camshare.routes import campaign_file_path
from camshare.services.agreements.texts import publish_agreement
from camshare.services.outreach.campaigns import create_campaign
from tests.integration.conftest import PUBLIC_BASE, sign_in

FILES = ("qr.png", "qr.svg", "flyer.pdf")
DOWNLOADED = "campaign.flyer_downloaded"


def new_campaign(factory, code: str, flyer_language: str = "en", archived: bool = False) -> str:
    with factory() as session, session.begin():
        view = create_campaign(
            session, PUBLIC_BASE, f"Campaign {code}", code=code, flyer_language=flyer_language
        )
        if archived:
            session.get(Campaign, view.id).archived_at = utcnow()
    return f"{PUBLIC_BASE}/join/{code}"


def downloads(factory) -> list[tuple[str, str | None, dict]]:
    with factory() as session:
        return [
            (e.actor, e.subject, e.detail)
            for e in session.scalars(
                select(AuditEvent).where(AuditEvent.action == DOWNLOADED).order_by(AuditEvent.id)
            )
        ]


def text_of(pdf: bytes) -> str:
    return " ".join(extract_text(io.BytesIO(pdf)).split())


def assert_private(response) -> None:
    assert response.headers["cache-control"] == "private, no-store"


@pytest.mark.parametrize("role", ["outreach", "admin"])
def test_outreach_and_admins_download_each_file(client, factory, role):
    url = new_campaign(factory, "FEST26", flyer_language="es")
    token, username = sign_in(factory, role)
    client.cookies.set("camshare_staff", token)

    png = client.get(campaign_file_path("FEST26", "qr.png"))
    assert png.status_code == 200
    assert png.headers["content-type"] == "image/png"
    assert png.headers["content-disposition"] == 'attachment; filename="camshare-FEST26-qr.png"'
    assert_private(png)
    assert [s.data.decode() for s in decode(Image.open(io.BytesIO(png.content)))] == [url]

    svg = client.get(campaign_file_path("FEST26", "qr.svg"))
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.headers["content-disposition"] == 'attachment; filename="camshare-FEST26-qr.svg"'
    assert svg.headers["x-content-type-options"] == "nosniff"
    assert_private(svg)
    root = ET.fromstring(svg.content)  # noqa: S314 - our own output
    assert root.tag == "{http://www.w3.org/2000/svg}svg"

    # The campaign's own flyer language by default: Spanish here.
    pdf = client.get(campaign_file_path("FEST26", "flyer.pdf"))
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert (
        pdf.headers["content-disposition"] == 'attachment; filename="camshare-FEST26-flyer-es.pdf"'
    )
    assert_private(pdf)
    assert pdf.content.startswith(b"%PDF-")
    text = text_of(pdf.content)
    assert url in text
    assert catalog("es")["flyer.sms"] in text
    assert catalog("en")["flyer.sms"] not in text

    both = client.get(campaign_file_path("FEST26", "flyer.pdf") + "?lang=both")
    assert both.status_code == 200
    assert both.headers["content-disposition"].endswith('filename="camshare-FEST26-flyer-both.pdf"')
    text = text_of(both.content)
    assert url in text
    assert catalog("en")["flyer.headline"] in text
    assert catalog("es")["flyer.headline"] in text

    english = client.get(campaign_file_path("FEST26", "flyer.pdf") + "?lang=en")
    assert catalog("en")["flyer.sms"] in text_of(english.content)

    actor = f"staff:{username}"
    assert downloads(factory) == [
        (actor, "campaign:FEST26", {"file": "qr.png"}),
        (actor, "campaign:FEST26", {"file": "qr.svg"}),
        (actor, "campaign:FEST26", {"file": "flyer.pdf", "language": "es"}),
        (actor, "campaign:FEST26", {"file": "flyer.pdf", "language": "both"}),
        (actor, "campaign:FEST26", {"file": "flyer.pdf", "language": "en"}),
    ]


@pytest.mark.parametrize("role", ["police", "supervisor"])
def test_police_and_supervisors_are_refused(client, factory, role):
    new_campaign(factory, "FEST26")
    token, _ = sign_in(factory, role)
    client.cookies.set("camshare_staff", token)

    for name in FILES:
        response = client.get(campaign_file_path("FEST26", name))
        assert response.status_code == 403, name
        assert_private(response)
        assert not response.content.startswith((b"%PDF", b"\x89PNG", b"<?xml"))
    assert downloads(factory) == []


def test_without_a_signed_in_session_nothing_is_served(client, factory):
    new_campaign(factory, "FEST26")
    for name in FILES:
        assert client.get(campaign_file_path("FEST26", name)).status_code == 401, name

    client.cookies.set("camshare_staff", "not-a-session")
    assert client.get(campaign_file_path("FEST26", "qr.png")).status_code == 401

    # Password given but the code not yet: not signed in.
    half, _ = sign_in(factory, "outreach", signed_in=False)
    client.cookies.set("camshare_staff", half)
    assert client.get(campaign_file_path("FEST26", "qr.png")).status_code == 401

    # A disabled account's session ends at once.
    token, username = sign_in(factory, "outreach")
    with factory() as session, session.begin():
        user = session.scalar(select(StaffUser).where(StaffUser.username == username))
        user.disabled_at = utcnow()
    client.cookies.set("camshare_staff", token)
    assert client.get(campaign_file_path("FEST26", "flyer.pdf")).status_code == 401
    assert downloads(factory) == []


def test_unknown_codes_and_files_are_not_found_archived_campaigns_are(client, factory):
    url = new_campaign(factory, "PAST34", archived=True)
    token, _ = sign_in(factory, "outreach")
    client.cookies.set("camshare_staff", token)

    assert client.get(campaign_file_path("NOSUCH", "qr.png")).status_code == 404
    assert client.get(campaign_file_path("PAST34", "qr.gif")).status_code == 404
    assert client.get(campaign_file_path("PAST34", "flyer.pdf") + "?lang=fr").status_code == 400

    # An archived campaign's flyer can still be reprinted; a lower-case code is the same code.
    old = client.get(campaign_file_path("past34", "qr.png"))
    assert old.status_code == 200
    assert [s.data.decode() for s in decode(Image.open(io.BytesIO(old.content)))] == [url]
    assert [d[1] for d in downloads(factory)] == ["campaign:PAST34"]


def test_the_flyer_shows_the_agreement_in_force(client, factory):
    new_campaign(factory, "FEST26", flyer_language="es")
    with factory() as session, session.begin():
        publish_agreement(
            session,
            "2099-01",
            "es",
            "Acuerdo",
            ["Primer punto del acuerdo vigente.", "Segundo punto.", "Tercero.", "Cuarto."],
            ["Texto."],
        )
    token, _ = sign_in(factory, "outreach")
    client.cookies.set("camshare_staff", token)

    text = text_of(client.get(campaign_file_path("FEST26", "flyer.pdf")).content)
    assert "Primer punto del acuerdo vigente." in text
