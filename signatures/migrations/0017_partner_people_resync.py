# A coalition partner's people are now made of the signatures that came through it as well
# (signatures.people.held_by). Its sync watermark may be past them already: lower it to just
# before its first such signature, so the next sync makes them (creating a person is
# idempotent, so a lower watermark costs only reads).

from django.db import migrations
from django.db.models import Min


def resync_partners(apps, schema_editor):
    Signature = apps.get_model("signatures", "Signature")
    Organisation = apps.get_model("campaigns", "Organisation")
    firsts = (
        Signature.objects.filter(partner__isnull=False)
        .values("partner_id")
        .annotate(first=Min("id"))
        .order_by()
    )
    for row in firsts:
        floor = row["first"] - 1
        Organisation.objects.filter(id=row["partner_id"], people_synced_to__gt=floor).update(
            people_synced_to=floor
        )


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0010_partner_goal"),
        ("signatures", "0016_partner_attribution"),
    ]

    operations = [migrations.RunPython(resync_partners, migrations.RunPython.noop)]
