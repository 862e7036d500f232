# The webhook endpoints and deliveries were made by the campaigns app; their tables stay where
# they are (campaigns 0002) and only Django's idea of which app owns them moves here.

import django.db.models.deletion
from django.db import migrations, models

MOVED = ("webhookendpoint", "webhookdelivery")


def move_content_types(apps, schema_editor, source="campaigns", target="webhooks"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not ContentType.objects.filter(app_label=target, model=model).exists():
            ContentType.objects.filter(app_label=source, model=model).update(app_label=target)


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, source="webhooks", target="campaigns")


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
                    name="WebhookEndpoint",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("url", models.URLField(max_length=500)),
                        ("secret", models.CharField(help_text="Deliveries are signed with HMAC-SHA256 of this secret.", max_length=200)),
                        ("events", models.JSONField(default=list)),
                        ("active", models.BooleanField(default=True)),
                        ("created", models.DateTimeField(auto_now_add=True)),
                        ("organisation", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="webhooks", to="campaigns.organisation")),
                    ],
                    options={"db_table": "campaigns_webhookendpoint"},
                ),
                migrations.CreateModel(
                    name="WebhookDelivery",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("event", models.CharField(max_length=40)),
                        ("idempotency_key", models.CharField(max_length=80, unique=True)),
                        ("payload", models.JSONField()),
                        ("state", models.CharField(choices=[("pending", "Pending"), ("delivered", "Delivered"), ("failed", "Gave up")], default="pending", max_length=10)),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        ("next_attempt_at", models.DateTimeField()),
                        ("last_status", models.PositiveSmallIntegerField(blank=True, null=True)),
                        ("last_error", models.CharField(blank=True, max_length=300)),
                        ("delivered_at", models.DateTimeField(blank=True, null=True)),
                        ("created", models.DateTimeField(auto_now_add=True)),
                        ("endpoint", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="deliveries", to="webhooks.webhookendpoint")),
                    ],
                    options={
                        "db_table": "campaigns_webhookdelivery",
                        "verbose_name_plural": "webhook deliveries",
                        "ordering": ["-created"],
                        "indexes": [models.Index(condition=models.Q(("state", "pending")), fields=["next_attempt_at"], name="webhook_delivery_due")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
