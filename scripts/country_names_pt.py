"""Give plain "pt" the Brazilian Portuguese country names of django-countries.

django-countries ships pt_BR and pt_PT catalogs but none for "pt", the code Voces uses, so
without this the country list would be in English on Portuguese pages. Run after upgrading
django-countries; the result (locale_countries/pt) is committed.
"""

import shutil
import subprocess
from pathlib import Path

import django_countries

ROOT = Path(__file__).resolve().parent.parent
SOURCE = Path(django_countries.__file__).parent / "locale" / "pt_BR" / "LC_MESSAGES" / "django.po"
TARGET = ROOT / "locale_countries" / "pt" / "LC_MESSAGES"


def main() -> None:
    TARGET.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SOURCE, TARGET / "django.po")
    subprocess.run(  # noqa: S603
        ["msgfmt", "-o", str(TARGET / "django.mo"), str(TARGET / "django.po")],  # noqa: S607
        check=True,
    )


if __name__ == "__main__":
    main()
