"""Every page and email a signer sees exists in Spanish, English, Portuguese and French."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import translation
from django_countries import countries

ROOT = Path(__file__).resolve().parent.parent
TRANSLATED = ["es", "pt", "fr"]


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated(language):
    po = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        ["msgattrib", "--untranslated", "--no-obsolete", str(po)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "msgid" not in result.stdout, result.stdout[-2000:]
    fuzzy = subprocess.run(
        ["msgattrib", "--only-fuzzy", "--no-obsolete", str(po)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "msgid" not in fuzzy


@pytest.mark.parametrize("language", [*TRANSLATED, "en"])
def test_compiled_catalogs_match_their_sources(language, tmp_path):
    folder = ROOT / "locale" / language / "LC_MESSAGES"
    compiled = tmp_path / "django.mo"
    subprocess.run(
        [shutil.which("msgfmt"), "--check", "-o", str(compiled), str(folder / "django.po")],
        check=True,
    )
    assert compiled.read_bytes() == (folder / "django.mo").read_bytes(), (
        "run `make messages` and commit the .mo files"
    )


@pytest.mark.parametrize(
    ("language", "sign", "country"),
    [
        ("es", "Firmar", "Bolivia"),
        ("pt", "Assinar", "Bolívia"),
        ("fr", "Signer", "Bolivie"),
        ("en", "Sign", "Bolivia"),
    ],
)
def test_interface_and_country_names_are_translated(language, sign, country):
    with translation.override(language):
        assert translation.gettext("Sign") == sign
        assert countries.name("BO") == country
