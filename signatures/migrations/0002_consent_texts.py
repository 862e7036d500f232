from django.db import migrations

from signatures.consent import CONSENT_V1


def create(apps, schema_editor):
    ConsentText = apps.get_model("signatures", "ConsentText")
    for language, text in CONSENT_V1.items():
        ConsentText.objects.get_or_create(version=1, language=language, defaults={"text": text})


class Migration(migrations.Migration):
    dependencies = [("signatures", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
