"""The English and Spanish catalogs: the same messages, the same placeholders, every key used."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import pytest

import camshare
from camshare.i18n import catalog, catalog_files, pick_language, plural, translate

I18N_DIR = Path(camshare.__file__).resolve().parent / "i18n"
SOURCE_DIR = Path(camshare.__file__).resolve().parent
# Keys built at run time: registration.contact._check_name's f"error.{field_name}_required".
DYNAMIC_ERROR_KEYS = {"error.full_name_required", "error.business_name_required"}


def load(language: str) -> dict[str, str]:
    return catalog.__wrapped__(language)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def absent(key: str, messages: dict[str, str]) -> bool:
    """Neither the message nor its two plural forms (``key_one``, ``key_other``) exist."""
    return key not in messages and not {f"{key}_one", f"{key}_other"} <= messages.keys()


def error_keys_in_source() -> set[str]:
    keys = set()
    for path in SOURCE_DIR.rglob("*.py"):
        keys |= set(re.findall(r"""["'](error\.[a-z0-9_]+)["']""", path.read_text("utf-8")))
    return keys


def test_both_catalogs_have_exactly_the_same_keys():
    english, spanish = load("en"), load("es")

    assert sorted(set(english) - set(spanish)) == []
    assert sorted(set(spanish) - set(english)) == []


def test_no_key_is_written_twice_in_a_catalog():
    for language in ("en", "es"):
        names = []
        for path in catalog_files(language):
            pairs = json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=lambda i: i)
            names += [name for name, _ in pairs]
        assert len(names) == len(set(names)), language


def test_each_area_file_has_its_counterpart_in_every_language():
    english = {path.name.removeprefix("en") for path in catalog_files("en")}
    spanish = {path.name.removeprefix("es") for path in catalog_files("es")}
    assert english == spanish


def test_every_message_has_the_same_placeholders_in_both_languages():
    english, spanish = load("en"), load("es")

    different = {
        key: (placeholders(english[key]), placeholders(spanish[key]))
        for key in english.keys() & spanish.keys()
        if placeholders(english[key]) != placeholders(spanish[key])
    }
    assert different == {}


def test_no_message_is_empty_and_every_one_formats():
    for language in ("en", "es"):
        for key, text in load(language).items():
            assert text.strip(), (language, key)
            text.format(**dict.fromkeys(placeholders(text), "x"))


def test_the_source_uses_error_keys_that_the_test_finds():
    used = error_keys_in_source()

    # A check on the check: the scan sees keys from several modules.
    assert {"error.phone_not_mobile", "error.code_resend_wait", "error.campaign_code"} <= used
    assert any('f"error.{' in p.read_text("utf-8") for p in SOURCE_DIR.rglob("*.py"))


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_error_key_used_in_the_source_is_in_the_catalog(language):
    messages = load(language)

    missing = sorted(k for k in error_keys_in_source() | DYNAMIC_ERROR_KEYS if absent(k, messages))
    assert missing == []


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_sms_messages_are_in_the_catalog(language):
    messages = load(language)

    assert placeholders(messages["sms.code"]) == {"program", "code", "minutes"}
    assert placeholders(messages["sms.receipt"]) == {
        "program",
        "version",
        "sites",
        "cameras",
        "link",
    }
    assert "STOP" in messages["sms.code"]
    assert "STOP" in messages["sms.receipt"]


def test_translate_fills_placeholders_and_falls_back_to_english():
    assert translate("es", "error.code_format") == catalog("es")["error.code_format"]
    assert "3" in translate("es", "error.code_wrong", left=3)
    assert translate("fr", "error.code_format") == catalog("en")["error.code_format"]
    assert translate("es", "no.such.key") == "no.such.key"


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_count_picks_the_plural_form_of_a_message(language):
    messages = catalog(language)

    assert translate(language, "error.code_wrong", left=1) == messages[
        "error.code_wrong_one"
    ].format(left=1)
    for left in (0, 2, 4):
        assert translate(language, "error.code_wrong", left=left) == messages[
            "error.code_wrong_other"
        ].format(left=left)
    assert translate(language, "error.code_resend_wait", seconds=1) == messages[
        "error.code_resend_wait_one"
    ].format(seconds=1)
    assert plural(language, "sms.cameras", 1) == messages["sms.cameras_one"].format(n=1)
    assert "tries" not in translate("en", "error.code_wrong", left=1)


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("es-MX,es;q=0.9,en;q=0.8", "es"),
        ("fr-FR", "en"),
        ("fr-FR,fr;q=0.9,es;q=0.5", "es"),
        ("en-US,en;q=0.9,es;q=0.8", "en"),
        ("en;q=0.3,es;q=0.8", "es"),
        ("ES", "es"),
        ("", "en"),
        (None, "en"),
        ("*", "en"),
        ("es;q=abc,en", "en"),
    ],
)
def test_pick_language(header, language):
    assert pick_language(header) == language


# Where the source names a message: the page's catalog, a translation, an error raised or
# a field's error, a function returning a key.
KEY_USES = (
    r"""\bT\[\s*"([a-z0-9_.]+)"\s*\]""",
    r"""\.t\[\s*"([a-z0-9_.]+)"\s*\]""",
    r"""\btranslate\(\s*[\w.]+,\s*"([a-z0-9_.]+)\"""",
    r"""\bDomainError\(\s*"([a-z0-9_.]+)\"""",
    r"""errors\[[^\]]+\]\s*=\s*"([a-z0-9_.]+)\"""",
    r"""\breturn\s+"([a-z]+\.[a-z0-9_.]+)\"""",
    r"""_key\s*=\s*"([a-z]+\.[a-z0-9_.]+)\"""",
)


def message_keys_in_source() -> set[str]:
    keys = set()
    for path in SOURCE_DIR.rglob("*.py"):
        text = path.read_text("utf-8")
        for pattern in KEY_USES:
            keys |= set(re.findall(pattern, text))
        # plural() picks "<key>_one" or "<key>_other".
        for base in re.findall(r"""\bplural\(\s*[\w.]+,\s*"([a-z0-9_.]+)\"""", text):
            keys |= {f"{base}_one", f"{base}_other"}
    return keys


def test_the_scan_finds_keys_of_every_kind():
    used = message_keys_in_source()

    assert {
        "request.find",
        "signin.failed",
        "request.error.no_locations",
        "sms.cameras_one",
    } <= used


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_message_key_named_in_the_source_is_in_the_catalog(language):
    messages = load(language)
    missing = sorted(key for key in message_keys_in_source() if absent(key, messages))
    assert missing == []
