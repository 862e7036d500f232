"""New signatures are counted without writing them again: the tally keeps which rows it holds
by id (`counted_through`, `counted_beyond`) instead of marking each new row.

Every row that exists now is either counted (its `counted` is set) or waits for the tally
with `counted` empty, which the tally still finds row by row below `counted_through`: so the
existing tallies start at the newest id, and nothing is counted twice or missed.
"""

from django.db import migrations, models
from django.db.models import Max


def start_at_the_newest_row(apps, schema_editor):
    Signature = apps.get_model("signatures", "Signature")
    CampaignTally = apps.get_model("tallies", "CampaignTally")
    newest = Signature.objects.aggregate(top=Max("id"))["top"] or 0
    CampaignTally.objects.update(counted_through=newest)


class Migration(migrations.Migration):
    dependencies = [
        ("tallies", "0002_announcement_lease"),
        ("signatures", "0014_osdi_writes"),
    ]

    operations = [
        migrations.AddField(
            model_name="campaigntally",
            name="counted_through",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="campaigntally",
            name="counted_beyond",
            field=models.JSONField(default=list),
        ),
        migrations.AddField(
            model_name="campaigntally",
            name="horizon",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="campaigntally",
            name="horizon_writers",
            field=models.JSONField(default=list),
        ),
        migrations.RunPython(start_at_the_newest_row, migrations.RunPython.noop),
    ]
