# Tallies, milestones and webhooks now belong to the tallies and webhooks apps (their 0001
# migrations); the tables stay as they are, only this app's idea of them goes.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0004_people"),
        ("tallies", "0001_initial"),
        ("webhooks", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="WebhookDelivery"),
                migrations.DeleteModel(name="WebhookEndpoint"),
                migrations.DeleteModel(name="Milestone"),
                migrations.DeleteModel(name="CampaignTally"),
            ],
            database_operations=[],
        ),
    ]
