# The tallies and milestones were made by the campaigns app; their tables stay where they are
# (campaigns 0002) and only Django's idea of which app owns them moves here.

import django.db.models.deletion
from django.db import migrations, models

MOVED = ("campaigntally", "milestone")


def move_content_types(apps, schema_editor, source="campaigns", target="tallies"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not ContentType.objects.filter(app_label=target, model=model).exists():
            ContentType.objects.filter(app_label=source, model=model).update(app_label=target)


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, source="tallies", target="campaigns")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("campaigns", "0004_people"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CampaignTally",
                    fields=[
                        ("campaign", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name="tally", serialize=False, to="campaigns.campaign")),
                        ("confirmed", models.BigIntegerField(default=0)),
                        ("pending", models.BigIntegerField(default=0)),
                        ("rejected", models.BigIntegerField(default=0)),
                        ("by_country", models.JSONField(default=dict)),
                        ("by_day", models.JSONField(default=dict)),
                        ("by_source", models.JSONField(default=dict)),
                        ("by_collector", models.JSONField(default=dict)),
                        ("reach", models.JSONField(default=dict)),
                        ("decision_makers", models.JSONField(default=dict)),
                        ("countries", models.JSONField(default=list)),
                        ("signatures_tallied_at", models.DateTimeField(blank=True, null=True)),
                        ("records_tallied_at", models.DateTimeField(blank=True, null=True)),
                        ("reconciled_at", models.DateTimeField(blank=True, null=True)),
                        ("version", models.BigIntegerField(default=0)),
                        ("modified", models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        "db_table": "campaigns_campaigntally",
                        "verbose_name_plural": "campaign tallies",
                    },
                ),
                migrations.CreateModel(
                    name="Milestone",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("kind", models.CharField(choices=[("goal_percent", "Share of the goal"), ("signatures", "Signatures"), ("country", "Country ratified")], max_length=12)),
                        ("key", models.CharField(max_length=20)),
                        ("value", models.BigIntegerField(default=0, help_text="The count when it was reached.")),
                        ("reached_at", models.DateTimeField()),
                        ("announced_at", models.DateTimeField(blank=True, null=True)),
                        ("campaign", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="milestones", to="campaigns.campaign")),
                    ],
                    options={
                        "db_table": "campaigns_milestone",
                        "ordering": ["reached_at", "id"],
                        "constraints": [models.UniqueConstraint(fields=("campaign", "kind", "key"), name="milestone_recorded_once")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
