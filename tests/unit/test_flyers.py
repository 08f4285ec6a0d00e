"""A campaign's QR code (PNG, SVG) and printable flyer (PDF), read back as a phone or a
reader would: the QR codes decoded by zbar, the PDF's text extracted by pdfminer."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import pytest
from pdfminer.high_level import extract_text
from pdfminer.pdfpage import PDFPage
from PIL import Image, ImageDraw
from pyzbar.pyzbar import ZBarSymbol, decode

from camshare.i18n import catalog
from camshare.services.agreements.texts import AGREEMENTS_DIR
from camshare.services.outreach import flyers
from camshare.services.outreach.campaigns import CODE_ALPHABET, join_url
from camshare.settings import load_settings

BASE = "https://registry.example.gov"
CODE = "PARK25"
URL = f"{BASE}/join/{CODE}"
SMS_EN = "Msg & data rates may apply. Reply STOP to opt out, HELP for help."
SMS_ES = catalog("es")["flyer.sms"]
SVG_NS = "{http://www.w3.org/2000/svg}"


def make_settings(**extra: str):
    return load_settings({"CAMSHARE_PUBLIC_BASE_URL": BASE, **extra})


def campaign(code: str = CODE) -> SimpleNamespace:
    return SimpleNamespace(code=code)


def decoded(image: Image.Image) -> list[str]:
    return [symbol.data.decode() for symbol in decode(image, symbols=[ZBarSymbol.QRCODE])]


def png_image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image.convert("L")


def pdf_text(data: bytes) -> str:
    """The PDF's text with line breaks and runs of spaces as single spaces."""
    return " ".join(extract_text(io.BytesIO(data)).split())


def pdf_pages(data: bytes) -> list:
    return list(PDFPage.get_pages(io.BytesIO(data)))


# --- QR codes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        URL,
        join_url("http://192.168.1.20:3000/", "ABCDEFGHJKMNPQRS"),
        join_url("https://cameras.police.city-of-example.tx.us/registry", CODE_ALPHABET[:16]),
    ],
)
def test_the_png_decodes_to_exactly_the_campaign_url(url):
    assert decoded(png_image(flyers.qr_png(url))) == [url]


def test_the_png_has_a_white_quiet_zone_of_four_modules():
    box = 8
    image = png_image(flyers.qr_png(URL, box_size=box))
    modules = len(flyers.qr_matrix(URL))
    margin = flyers.QUIET_ZONE * box

    assert image.size == (modules * box, modules * box)
    for box_ in (
        (0, 0, image.width, margin),
        (0, image.height - margin, image.width, image.height),
        (0, 0, margin, image.height),
        (image.width - margin, 0, image.width, image.height),
    ):
        assert image.crop(box_).getextrema() == (255, 255)
    # The first dark module (the finder pattern's corner) comes right after the margin.
    assert image.getpixel((margin, margin)) == 0


def test_the_png_still_scans_with_part_of_it_scuffed_off():
    # High error correction: a flyer with a stain or a torn corner over the data still scans.
    box = 10
    image = png_image(flyers.qr_png(URL, box_size=box))
    modules = len(flyers.qr_matrix(URL))
    inner = modules - 2 * flyers.QUIET_ZONE
    stain = round(inner * 0.4) * box  # 40 % of the side, 16 % of the symbol: past Q, within H
    left = top = (image.width - stain) // 2
    ImageDraw.Draw(image).rectangle((left, top, left + stain, top + stain), fill=255)

    assert decoded(image) == [URL]


def test_the_qr_code_uses_high_error_correction():
    import qrcode.constants

    assert flyers.ERROR_CORRECTION == qrcode.constants.ERROR_CORRECT_H


def svg_modules(svg: bytes) -> tuple[set[tuple[int, int]], int]:
    """The dark modules an SVG from qr_svg draws, and its side in modules.

    qrcode writes one path of unit squares "M{x},{y}H{x+1}V{y+1}H{x}z" in module units;
    the whole path must be made of them, so a change of format fails here loudly.
    """
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    assert root.tag == f"{SVG_NS}svg"
    _, _, width, height = (float(v) for v in root.get("viewBox").split())
    assert width == height
    paths = list(root.iter(f"{SVG_NS}path"))
    assert len(paths) == 1
    # A white background below the path (SvgPathFillImage): prints as intended on any paper.
    backgrounds = [r for r in root.iter(f"{SVG_NS}rect") if r.get("fill") == "white"]
    assert backgrounds
    square = re.compile(r"M(\d+),(\d+)H(\d+)V(\d+)H(\d+)z")
    data = paths[0].get("d")
    assert square.sub("", data).strip() == ""
    dark = set()
    for x, y, x2, y2, x3 in square.findall(data):
        x, y, x2, y2, x3 = map(int, (x, y, x2, y2, x3))
        assert (x2, y2, x3) == (x + 1, y + 1, x)
        dark.add((x, y))
    return dark, int(width)


def test_the_svg_is_valid_and_draws_the_same_modules_as_the_png():
    svg = flyers.qr_svg(URL)
    dark, side = svg_modules(svg)
    matrix = flyers.qr_matrix(URL)

    assert side == len(matrix)
    assert dark == {(x, y) for y, row in enumerate(matrix) for x, on in enumerate(row) if on}


def test_the_svg_decodes_to_exactly_the_campaign_url():
    # Rendered here by drawing its squares (no SVG renderer needed), then scanned by zbar.
    dark, side = svg_modules(flyers.qr_svg(URL))
    scale = 8
    image = Image.new("L", (side * scale, side * scale), 255)
    draw = ImageDraw.Draw(image)
    for x, y in dark:
        draw.rectangle((x * scale, y * scale, (x + 1) * scale - 1, (y + 1) * scale - 1), fill=0)

    assert decoded(image) == [URL]


# --- the PDF flyer ----------------------------------------------------------------------------


@pytest.mark.parametrize("languages", [("en",), ("es",), ("en", "es")])
def test_the_flyer_is_one_letter_size_page(languages):
    pages = pdf_pages(flyers.flyer_pdf(campaign(), make_settings(), languages))

    assert len(pages) == 1
    assert [round(v) for v in pages[0].mediabox] == [0, 0, 612, 792]


def test_the_english_flyer_has_the_url_the_pitch_the_points_and_the_sms_line():
    settings = make_settings()
    text = pdf_text(flyers.flyer_pdf(campaign(), settings, ("en",)))
    en = catalog("en")

    assert URL in text
    assert f"Campaign code: {CODE}" in text
    assert SMS_EN in text
    assert en["flyer.headline"] in text
    assert en["flyer.pitch"].format(agency=settings.agency_name) in text
    assert settings.program_name in text
    assert settings.agency_name in text
    for point in flyers.bundled_points("en")[: flyers.FLYER_POINTS]:
        assert point in text
    # Spanish is not there.
    assert catalog("es")["flyer.headline"] not in text
    assert SMS_ES not in text


def test_the_spanish_flyer_is_in_spanish_only_with_its_accents():
    settings = make_settings()
    text = pdf_text(flyers.flyer_pdf(campaign(), settings, ("es",)))
    es = catalog("es")

    assert URL in text
    assert es["flyer.headline"] in text  # ¿Tiene una cámara...? with its ¿ and á
    assert es["flyer.code"].format(code=CODE) in text  # Código de campaña
    assert SMS_ES in text
    assert settings.program_name_es in text  # Cámaras
    for point in flyers.bundled_points("es")[: flyers.FLYER_POINTS]:
        assert point in text
    assert catalog("en")["flyer.headline"] not in text
    assert SMS_EN not in text
    assert settings.program_name not in text


def test_the_bilingual_flyer_has_both_languages_on_one_page():
    settings = make_settings()
    data = flyers.flyer_pdf(campaign(), settings, ("en", "es"))
    text = pdf_text(data)

    assert len(pdf_pages(data)) == 1
    assert text.count(URL) == 1  # one QR code and one URL for every household
    for language in ("en", "es"):
        messages = catalog(language)
        assert messages["flyer.headline"] in text, language
        # The agency's name in the flyer's language: "el Departamento de Policía de Dallas".
        assert messages["flyer.pitch"].format(agency=settings.agency(language)) in text, language
        assert messages["flyer.points_title"] in text, language
        assert messages["flyer.sms"] in text, language
        assert settings.program(language) in text, language
        assert flyers.bundled_points(language)[0] in text, language


def test_the_flyer_prints_the_agreement_points_it_is_given_four_at_most():
    points = {"es": [f"Punto número {n}." for n in range(1, 7)]}
    text = pdf_text(flyers.flyer_pdf(campaign(), make_settings(), ("es",), points=points))

    assert "Punto número 4." in text
    assert "Punto número 5." not in text
    assert flyers.bundled_points("es")[0] not in text


def test_the_bundled_points_are_the_newest_agreement_files_summary():
    import json

    newest = sorted(AGREEMENTS_DIR.glob("*.es.json"))[-1]
    assert flyers.bundled_points("es") == json.loads(newest.read_text("utf-8"))["summary"]
    assert flyers.bundled_points("xx") == []


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils (pdftoppm) not installed")
@pytest.mark.parametrize("languages", [("en",), ("es",), ("en", "es")])
def test_the_printed_qr_code_scans(languages, tmp_path):
    # The PDF drawn at a modest printer's resolution, then scanned like the PNG.
    pdf = tmp_path / "flyer.pdf"
    pdf.write_bytes(flyers.flyer_pdf(campaign(), make_settings(), languages))
    subprocess.run(
        ["pdftoppm", "-r", "100", "-gray", "-png", "-singlefile", pdf, tmp_path / "page"],
        check=True,
    )
    assert decoded(Image.open(tmp_path / "page.png")) == [URL]


def test_settings_make_the_flyer_theirs():
    settings = make_settings(
        CAMSHARE_AGENCY_NAME="Springfield Police Department \u2013 Community Unit",
        CAMSHARE_PROGRAM_NAME="Springfield\u2019s Camera Map",
        CAMSHARE_THEME_COLOR="#a00",
        CAMSHARE_LOGO_URL="https://cdn.example.org/logo.png",
    )
    text = pdf_text(flyers.flyer_pdf(campaign("SPRING"), settings, ("en",)))

    # Typographic marks outside the PDF fonts' Latin-1 print as their plain forms.
    assert "Springfield Police Department - Community Unit" in text
    assert "Springfield's Camera Map" in text
    assert f"{BASE}/join/SPRING" in text


def test_the_logo_is_embedded_only_from_a_local_asset():
    assert flyers.local_logo("/icon-192.png") == flyers.ASSETS_DIR.resolve() / "icon-192.png"
    assert flyers.local_logo("icon-192.png?v=2") == flyers.ASSETS_DIR.resolve() / "icon-192.png"
    assert flyers.local_logo("https://cdn.example.org/icon-192.png") is None
    assert flyers.local_logo("//cdn.example.org/icon-192.png") is None
    assert flyers.local_logo("/../pyproject.toml") is None
    assert flyers.local_logo("/no-such-logo.png") is None
    assert flyers.local_logo("") is None

    with_logo = flyers.flyer_pdf(campaign(), make_settings(), ("en",))
    without = flyers.flyer_pdf(
        campaign(), make_settings(CAMSHARE_LOGO_URL="/no-such-logo.png"), ("en",)
    )
    assert b"/Subtype /Image" in with_logo
    assert b"/Subtype /Image" not in without


@pytest.mark.parametrize(
    ("colour", "expected"),
    [("#1d3f73", (29, 63, 115)), ("a00", (170, 0, 0)), ("not a colour", flyers.DEFAULT_THEME)],
)
def test_the_theme_colour_is_read_from_settings(colour, expected):
    assert flyers._theme(colour) == expected


def test_a_theme_colour_too_light_to_read_leaves_headings_in_dark_ink():
    assert flyers._readable((29, 63, 115)) == (29, 63, 115)
    assert flyers._readable((255, 221, 0)) == flyers.INK


def test_flyer_languages_are_checked():
    with pytest.raises(ValueError, match="flyer languages"):
        flyers.flyer_pdf(campaign(), make_settings(), ("fr",))
    with pytest.raises(ValueError, match="flyer languages"):
        flyers.flyer_pdf(campaign(), make_settings(), ())
    assert flyers.flyer_languages("both") == ("en", "es")
    assert flyers.flyer_languages("es") == ("es",)
