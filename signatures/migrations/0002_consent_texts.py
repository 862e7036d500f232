from django.db import migrations

from signatures.consent import CONSENT_TEXTS, CONSENT_VERSION


def create(apps, schema_editor):
    ConsentText = apps.get_model("signatures", "ConsentText")
    for language, text in CONSENT_TEXTS.items():
        ConsentText.objects.get_or_create(
            version=CONSENT_VERSION, language=language, defaults={"text": text}
        )


class Migration(migrations.Migration):
    dependencies = [("signatures", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
