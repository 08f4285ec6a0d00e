"""A campaign's printed material: its QR code (PNG, SVG) and a letter-size PDF flyer.

No Reflex here: the staff download routes (``camshare.api``) call these functions, which
take what they need as arguments and return bytes. Every text on the flyer comes from the
i18n catalogs (``flyer.*``), the agreement's summary, or the settings (agency, program,
colour, logo).
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import urlparse

import qrcode
import qrcode.constants
from fpdf import FPDF
from fpdf.enums import Align, MethodReturnValue, XPos, YPos
from qrcode.image.pil import PilImage
from qrcode.image.svg import SvgPathFillImage
from sqlalchemy import select
from sqlalchemy.orm import Session

from camshare.i18n import LANGUAGES, translate
from camshare.models import Campaign
from camshare.services import audit
from camshare.services.agreements.texts import AGREEMENTS_DIR, current_agreement
from camshare.services.errors import DomainError
from camshare.services.outreach.campaigns import FLYER_LANGUAGES, join_url, normalize_code
from camshare.services.permissions import Actor, authorize
from camshare.settings import PROJECT_DIR, Settings

log = logging.getLogger(__name__)

# H restores up to 30 % of the symbol (Q: 25 %). A flyer gets folded, taped to a pole,
# rained on, scuffed and photographed at an angle in bad light; the join URL is short, so
# the extra modules cost little (about 37 modules a side instead of 33) and each module
# still prints over 1.5 mm wide on the flyer.
ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_H
# The white margin scanners need around the symbol, in modules (ISO/IEC 18004 asks for 4).
QUIET_ZONE = 4
# Agreement summary points printed on the flyer (the first ones: the summary puts the
# points a resident must know first).
FLYER_POINTS = 4

ASSETS_DIR = PROJECT_DIR / "assets"

# US Letter, in points.
PAGE_WIDTH, PAGE_HEIGHT = 612.0, 792.0
MARGIN = 40.0
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
COLUMN_GAP = 24.0
LOGO_SIZE = 58.0
QR_MAX = 270.0
QR_MIN = 150.0
INK = (26, 26, 26)
GREY = (85, 85, 85)
DEFAULT_THEME = (29, 63, 115)


class HasCode(Protocol):
    """A campaign as the flyer needs it: its code."""

    code: str


# --- the QR code ------------------------------------------------------------------------------


def _qr(url: str, box_size: int = 10) -> qrcode.QRCode:
    qr = qrcode.QRCode(error_correction=ERROR_CORRECTION, border=QUIET_ZONE, box_size=box_size)
    qr.add_data(url)
    qr.make(fit=True)
    return qr


def qr_matrix(url: str) -> list[list[bool]]:
    """The QR code of ``url`` as rows of modules (True: dark), quiet zone included."""
    return [list(row) for row in _qr(url).get_matrix()]


def qr_png(url: str, *, box_size: int = 16) -> bytes:
    """The QR code of ``url`` as a black-on-white PNG, ``box_size`` pixels per module."""
    image = _qr(url, box_size).make_image(image_factory=PilImage)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def qr_svg(url: str) -> bytes:
    """The QR code of ``url`` as an SVG: one path on a white background (no seams between
    modules when scaled for print), 1 mm per module at its nominal size."""
    image = _qr(url).make_image(image_factory=SvgPathFillImage)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


# --- what the flyer says ----------------------------------------------------------------------


def bundled_points(language: str) -> list[str]:
    """The summary points of the newest agreement file shipped for ``language``."""
    files = sorted(AGREEMENTS_DIR.glob(f"*.{language}.json"))
    if not files:
        return []
    return list(json.loads(files[-1].read_text(encoding="utf-8"))["summary"])


def flyer_points(session: Session, languages: Sequence[str]) -> dict[str, list[str]]:
    """Per language, the summary points of the agreement in force (the bundled file's when
    none is published in that language: a Spanish flyer never shows English points)."""
    points = {}
    for language in languages:
        current = current_agreement(session, language)
        if current is not None and current.language == language:
            points[language] = list(current.summary)
        else:
            points[language] = bundled_points(language)
    return points


# Core PDF fonts are Latin-1: é ñ á í ó ú ü ¿ ¡ print as they are; typographic marks that
# settings or agreement texts may hold are replaced by their plain forms.
_PLAIN = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2011": "-",
        "\u2022": "\u00b7",
        "\u2026": "...",
        "\u202f": " ",
        "\u2009": " ",
    }
)


def _latin1(text: str) -> str:
    return text.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")


def _theme(colour: str) -> tuple[int, int, int]:
    value = (colour or "").strip().lstrip("#")
    if len(value) == 3:
        value = "".join(ch * 2 for ch in value)
    if not re.fullmatch(r"[0-9a-fA-F]{6}", value):
        return DEFAULT_THEME
    return tuple(int(value[i : i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]


def _readable(colour: tuple[int, int, int]) -> tuple[int, int, int]:
    """``colour`` for text on white paper, or dark ink when it is too light to read."""
    channels = [c / 255 for c in colour]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    # Contrast with white of at least 4.5:1 (WCAG AA): luminance below about 0.18.
    return colour if (1.05 / (luminance + 0.05)) >= 4.5 else INK


def local_logo(logo_url: str) -> Path | None:
    """The file under assets/ that ``logo_url`` (e.g. "/icon-192.png") serves, if any;
    None for a remote address or a missing file (the flyer then has no logo)."""
    parsed = urlparse(logo_url or "")
    if parsed.scheme or parsed.netloc or not parsed.path.strip("/"):
        return None
    root = ASSETS_DIR.resolve()
    path = (root / parsed.path.lstrip("/")).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path


# --- the PDF ----------------------------------------------------------------------------------


class _Flyer:
    """One page being laid out, with the settings' name, colours and logo."""

    def __init__(self, settings: Settings, url: str, code: str) -> None:
        self.settings = settings
        self.url = url
        self.code = code
        self.theme = _theme(settings.theme_color)
        self.heading = _readable(self.theme)
        self.pdf = FPDF(orientation="portrait", unit="pt", format="letter")
        self.pdf.set_auto_page_break(False)
        self.pdf.set_margins(MARGIN, MARGIN, MARGIN)
        self.pdf.c_margin = 0  # text flush with the rules and bullets
        self.pdf.set_creator("camshare")
        self.pdf.set_author(_latin1(settings.agency_name))

    # helpers

    def font(self, size: float, style: str = "", colour: tuple[int, int, int] = INK) -> None:
        self.pdf.set_font("Helvetica", style, size)
        self.pdf.set_text_color(*colour)

    def fitted(self, text: str, width: float, size: float, style: str, smallest: float) -> float:
        """The largest size up to ``size`` at which ``text`` fits on one line of ``width``."""
        self.pdf.set_font("Helvetica", style, size)
        while size > smallest and self.pdf.get_string_width(_latin1(text)) > width:
            size -= 0.5
            self.pdf.set_font("Helvetica", style, size)
        return size

    def text(
        self,
        x: float,
        y: float,
        width: float,
        text: str,
        size: float,
        style: str = "",
        colour: tuple[int, int, int] = INK,
        align: Align = Align.L,
        leading: float = 1.25,
        dry_run: bool = False,
    ) -> float:
        """Write (or only measure) wrapped text at (x, y); returns its height."""
        self.font(size, style, colour)
        self.pdf.set_xy(x, y)
        return self.pdf.multi_cell(
            width,
            size * leading,
            _latin1(text),
            align=align,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
            dry_run=dry_run,
            output=MethodReturnValue.HEIGHT,
        )

    def points(
        self,
        x: float,
        y: float,
        width: float,
        title: str,
        items: Sequence[str],
        size: float,
        dry_run: bool = False,
    ) -> float:
        """The agreement's key points under a title, with square bullets; returns the height."""
        top = y
        y += self.text(x, y, width, title, size + 2, "B", self.heading, dry_run=dry_run) + 4
        indent = size * 1.1
        for item in items:
            if not dry_run:
                self.pdf.set_fill_color(*self.theme)
                self.pdf.rect(x + 1, y + size * 0.45, size * 0.42, size * 0.42, style="F")
            y += self.text(x + indent, y, width - indent, item, size, dry_run=dry_run) + size * 0.4
        return y - top

    def sms(
        self, x: float, y: float, width: float, language: str, size: float, dry_run: bool = False
    ) -> float:
        """The SMS disclosure in ``language``; returns its height."""
        consent = translate(language, "flyer.sms_consent")
        height = self.text(x, y, width, consent, size, colour=GREY, dry_run=dry_run)
        line = translate(language, "flyer.sms")
        return height + self.text(x, y + height, width, line, size, "B", GREY, dry_run=dry_run)

    # blocks

    def header(self, languages: Sequence[str]) -> float:
        """Logo, program name(s) in the theme colour and the agency; returns the y below."""
        pdf, x, y = self.pdf, MARGIN, MARGIN
        logo = local_logo(self.settings.logo_url)
        if logo is not None:
            try:
                pdf.image(str(logo), x, y, LOGO_SIZE, LOGO_SIZE, keep_aspect_ratio=True)
                x += LOGO_SIZE + 14
            except Exception:  # a broken logo file must not stop the flyer
                log.warning("flyer: cannot embed the logo %s", logo, exc_info=True)
        width = PAGE_WIDTH - MARGIN - x
        line_y = y
        for index, language in enumerate(languages):
            name = self.settings.program(language)
            size = self.fitted(name, width, 22 if index == 0 else 16, "B", 11)
            line_y += self.text(x, line_y, width, name, size, "B", self.heading, leading=1.2)
        # The agency's name in each language of the flyer, once if they are the same.
        agency = " / ".join(dict.fromkeys(self.settings.agency(lang) for lang in languages))
        size = self.fitted(agency, width, 13, "", 9)
        line_y += self.text(x, line_y + 2, width, agency, size, colour=GREY) + 2
        bottom = max(line_y, y + (LOGO_SIZE if x > MARGIN else 0)) + 10
        pdf.set_draw_color(*self.theme)
        pdf.set_line_width(2.5)
        pdf.line(MARGIN, bottom, PAGE_WIDTH - MARGIN, bottom)
        return bottom + 16

    def pitch(self, x: float, y: float, width: float, language: str, big: bool) -> float:
        """Headline and pitch in ``language``; returns the height."""
        headline = translate(language, "flyer.headline")
        pitch = translate(language, "flyer.pitch", agency=self.settings.agency(language))
        height = self.text(x, y, width, headline, 24 if big else 15, "B", INK, leading=1.15)
        height += 6
        return height + self.text(x, y + height, width, pitch, 13 if big else 10, colour=INK)

    def qr_code(self, top: float, bottom: float, languages: Sequence[str]) -> None:
        """The biggest QR code that fits between ``top`` and ``bottom``, the URL and code under
        it in large type, a scan hint above; centred."""
        pdf = self.pdf
        scan = " / ".join(translate(lang, "flyer.scan") for lang in languages)
        or_open = " / ".join(translate(lang, "flyer.or_open") for lang in languages)
        code = "  ·  ".join(translate(lang, "flyer.code", code=self.code) for lang in languages)
        url_size = self.fitted(self.url, CONTENT_WIDTH, 22, "B", 11)
        # The symbol's quiet zone is the white space above and below it.
        below = 11 * 1.25 + url_size * 1.2 + 4 + 12 * 1.25
        scan_size = self.fitted(scan, CONTENT_WIDTH, 13, "B", 9)
        above = scan_size * 1.25
        matrix = qr_matrix(self.url)
        size = min(QR_MAX, bottom - top - above - below)
        log.debug("flyer: QR code %.0f pt wide", size)
        if size < QR_MIN:
            raise ValueError("the flyer's texts leave too little room for the QR code")
        # Whole modules at a tenth of a point: every module the same width when printed.
        module = int(size / len(matrix) * 10) / 10
        size = module * len(matrix)
        slack = bottom - top - above - below - size
        y = top + slack / 2
        self.text(MARGIN, y, CONTENT_WIDTH, scan, scan_size, "B", self.heading, Align.C)
        y += above
        x = (PAGE_WIDTH - size) / 2
        with pdf.new_path() as path:
            path.style.fill_color = "#000000"
            path.style.stroke_color = None
            for row, modules in enumerate(matrix):
                col = 0
                while col < len(modules):
                    if not modules[col]:
                        col += 1
                        continue
                    start = col
                    while col < len(modules) and modules[col]:
                        col += 1
                    path.rectangle(
                        x + start * module, y + row * module, (col - start) * module, module
                    )
        pdf.link(x, y, size, size, self.url)
        y += size
        y += self.text(MARGIN, y, CONTENT_WIDTH, or_open, 11, colour=GREY, align=Align.C)
        self.font(url_size, "B", INK)
        pdf.set_xy(MARGIN, y)
        pdf.cell(CONTENT_WIDTH, url_size * 1.2, _latin1(self.url), align=Align.C, link=self.url)
        y += url_size * 1.2 + 4
        self.text(MARGIN, y, CONTENT_WIDTH, code, 12, colour=GREY, align=Align.C)

    def footer_rule(self, y: float) -> None:
        self.pdf.set_draw_color(200, 200, 200)
        self.pdf.set_line_width(0.75)
        self.pdf.line(MARGIN, y, PAGE_WIDTH - MARGIN, y)

    # pages

    def single_page(self, language: str, points: Sequence[str]) -> None:
        """The whole flyer in one language, the QR code in the middle."""
        self.pdf.add_page()
        y = self.header([language])
        y += self.pitch(MARGIN, y, CONTENT_WIDTH, language, big=True)
        title = translate(language, "flyer.points_title")
        sms_height = self.sms(0, 0, CONTENT_WIDTH, language, 9.5, dry_run=True)
        points_height = self.points(0, 0, CONTENT_WIDTH, title, points, 11, dry_run=True)
        sms_top = PAGE_HEIGHT - MARGIN - sms_height
        points_top = sms_top - 14 - points_height
        self.qr_code(y + 10, points_top - 10, [language])
        self.points(MARGIN, points_top, CONTENT_WIDTH, title, points, 11)
        self.footer_rule(sms_top - 7)
        self.sms(MARGIN, sms_top, CONTENT_WIDTH, language, 9.5)

    def bilingual_page(self, languages: Sequence[str], points: Mapping[str, Sequence[str]]) -> None:
        """Both languages side by side around one QR code: one flyer for every household."""
        self.pdf.add_page()
        y = self.header(languages)
        width = (CONTENT_WIDTH - COLUMN_GAP) / len(languages)
        columns = [MARGIN + i * (width + COLUMN_GAP) for i in range(len(languages))]
        y += max(
            self.pitch(x, y, width, lang, big=False)
            for x, lang in zip(columns, languages, strict=True)
        )
        titles = {lang: translate(lang, "flyer.points_title") for lang in languages}
        sms_height = max(self.sms(0, 0, width, lang, 8, dry_run=True) for lang in languages)
        points_height = max(
            self.points(0, 0, width, titles[lang], points[lang], 9, dry_run=True)
            for lang in languages
        )
        sms_top = PAGE_HEIGHT - MARGIN - sms_height
        points_top = sms_top - 12 - points_height
        self.qr_code(y + 6, points_top - 8, languages)
        for x, lang in zip(columns, languages, strict=True):
            self.points(x, points_top, width, titles[lang], points[lang], 9)
            self.sms(x, sms_top, width, lang, 8)
        self.footer_rule(sms_top - 6)


def flyer_pdf(
    campaign: HasCode,
    settings: Settings,
    languages: tuple[str, ...],
    *,
    points: Mapping[str, Sequence[str]] | None = None,
) -> bytes:
    """The campaign's printable flyer, US Letter: one page in one language, or both languages
    side by side on one page. ``points`` are the agreement's summary points per language (the
    bundled agreement's when not given)."""
    languages = tuple(dict.fromkeys(languages))
    if not languages or any(lang not in LANGUAGES for lang in languages):
        raise ValueError(f"flyer languages must be among {LANGUAGES}: {languages}")
    points = dict(points or {})
    chosen = {
        lang: list(points.get(lang) or bundled_points(lang))[:FLYER_POINTS] for lang in languages
    }
    flyer = _Flyer(settings, join_url(settings.public_base_url, campaign.code), campaign.code)
    first = languages[0]
    flyer.pdf.set_title(
        _latin1(
            translate(
                first, "flyer.document_title", program=settings.program(first), code=campaign.code
            )
        )
    )
    flyer.pdf.set_lang(first)
    if len(languages) == 1:
        flyer.single_page(first, chosen[first])
    else:
        flyer.bilingual_page(languages, chosen)
    return bytes(flyer.pdf.output())


# --- the download use case --------------------------------------------------------------------

# Each file a campaign offers, and its media type.
CAMPAIGN_FILES = {
    "qr.png": "image/png",
    "qr.svg": "image/svg+xml",
    "flyer.pdf": "application/pdf",
}


@dataclass(frozen=True)
class CampaignFile:
    """A file to send: its bytes, media type and the name to save it under."""

    content: bytes
    media_type: str
    filename: str


def flyer_languages(choice: str) -> tuple[str, ...]:
    """The languages of a flyer chosen as "en", "es" or "both"."""
    return ("en", "es") if choice == "both" else (choice,)


def campaign_file(
    session: Session,
    actor: Actor | None,
    code: str,
    name: str,
    settings: Settings,
    language: str | None = None,
) -> CampaignFile:
    """One of a campaign's files (``CAMPAIGN_FILES``) for outreach staff; audited.

    ``language`` ("en", "es" or "both") picks the flyer's languages, the campaign's own
    choice by default. Archived campaigns keep their files (a reprint of an old flyer).
    Raises Forbidden, or DomainError("error.campaign_not_found") for an unknown code or file.
    """
    authorize(actor, "campaign.manage")
    campaign = session.scalar(select(Campaign).where(Campaign.code == normalize_code(code)))
    if campaign is None or name not in CAMPAIGN_FILES:
        raise DomainError("error.campaign_not_found")
    url = join_url(settings.public_base_url, campaign.code)
    detail: dict[str, str] = {"file": name}
    if name == "qr.png":
        content, filename = qr_png(url), f"camshare-{campaign.code}-qr.png"
    elif name == "qr.svg":
        content, filename = qr_svg(url), f"camshare-{campaign.code}-qr.svg"
    else:
        choice = language or campaign.flyer_language
        if choice not in FLYER_LANGUAGES:
            choice = "en"
        languages = flyer_languages(choice)
        points = flyer_points(session, languages)
        content = flyer_pdf(campaign, settings, languages, points=points)
        filename = f"camshare-{campaign.code}-flyer-{choice}.pdf"
        detail["language"] = choice
    audit.record(
        session,
        actor.audit_name,
        "campaign.flyer_downloaded",
        f"campaign:{campaign.code}",
        actor.ip_address,
        **detail,
    )
    return CampaignFile(content, CAMPAIGN_FILES[name], filename)
