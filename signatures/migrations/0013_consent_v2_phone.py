"""The installation's consent text, version 2: it says what a phone number is used for.

Added in each language whose newest installation text is still the built-in version 1; a
wording an administrator wrote instead is theirs, and stays the current one.
"""

from django.db import migrations
from django.db.models import Max

from signatures.consent import CONSENT_V1, CONSENT_V2


def add_v2(apps, schema_editor):
    ConsentText = apps.get_model("signatures", "ConsentText")
    for language, text in CONSENT_V2.items():
        own = ConsentText.objects.filter(campaign__isnull=True, language=language)
        latest = own.order_by("-version").first()
        if latest is not None and latest.text != CONSENT_V1[language]:
            continue
        top = own.aggregate(top=Max("version"))["top"] or 0
        ConsentText.objects.create(campaign=None, version=max(top + 1, 2), language=language, text=text)


def remove_v2(apps, schema_editor):
    ConsentText = apps.get_model("signatures", "ConsentText")
    for language, text in CONSENT_V2.items():
        # Only while no signature points at it (PROTECT would refuse otherwise).
        ConsentText.objects.filter(campaign__isnull=True, language=language, text=text).delete()


class Migration(migrations.Migration):
    dependencies = [("signatures", "0012_phone_and_batches")]

    operations = [migrations.RunPython(add_v2, remove_v2)]
