"""What OSDI clients write and read back: the identifiers other systems give people, what a
partner's system says of a signature it records, and a real `modified` on signatures.

`Signature.modified` is kept by the database: a trigger sets it on every UPDATE that changes
a column in `Signature.MODIFYING_FIELDS` (confirming, rejecting, restoring, erasing, a
replaced automatic rejection), whichever code runs it, and leaves it alone when only the
tally's bookkeeping changes. Rows confirmed or erased before this migration get that moment.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

# Frozen here as the trigger has it (Signature.MODIFYING_FIELDS names the same, by field).
COLUMNS = (
    "status",
    "rejected_reason",
    "name",
    "email",
    "email_normalised",
    "phone",
    "country",
    "region",
    "postal_code",
    "comment",
    "language",
    "source",
    "collector_id",
    "confirmed_at",
    "erased_at",
)

POSTGRES = f"""
CREATE OR REPLACE FUNCTION signatures_signature_touch() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.modified := now();
    RETURN NEW;
END
$$;
CREATE TRIGGER signature_modified BEFORE UPDATE ON signatures_signature FOR EACH ROW
WHEN (({", ".join(f"OLD.{c}" for c in COLUMNS)})
      IS DISTINCT FROM ({", ".join(f"NEW.{c}" for c in COLUMNS)}))
EXECUTE FUNCTION signatures_signature_touch();
UPDATE signatures_signature
   SET modified = GREATEST(confirmed_at, erased_at)
 WHERE confirmed_at > created OR erased_at IS NOT NULL;
"""
POSTGRES_DROP = """
DROP TRIGGER IF EXISTS signature_modified ON signatures_signature;
DROP FUNCTION IF EXISTS signatures_signature_touch();
"""
# SQLite (the embedded demo): the same rule, as an AFTER trigger that writes the column.
SQLITE = f"""
CREATE TRIGGER signature_modified AFTER UPDATE OF {", ".join(COLUMNS)} ON signatures_signature
FOR EACH ROW WHEN {" OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in COLUMNS)}
BEGIN
    UPDATE signatures_signature SET modified = strftime('%Y-%m-%d %H:%M:%f', 'now')
     WHERE id = NEW.id;
END;
"""
SQLITE_BACKFILL = """
UPDATE signatures_signature
   SET modified = max(coalesce(confirmed_at, created), coalesce(erased_at, created))
 WHERE confirmed_at > created OR erased_at IS NOT NULL
"""
SQLITE_DROP = "DROP TRIGGER IF EXISTS signature_modified"


def create_trigger(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES)
    elif connection.vendor == "sqlite":
        # Before the trigger: the backfill is not a modification of its own.
        schema_editor.execute(SQLITE_BACKFILL)
        schema_editor.execute(SQLITE)


def drop_trigger(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DROP)
    elif connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP)


class Migration(migrations.Migration):
    dependencies = [("signatures", "0013_consent_v2_phone")]

    operations = [
        migrations.CreateModel(
            name="SignatureOrigin",
            fields=[
                (
                    "signature",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="origin",
                        serialize=False,
                        to="signatures.signature",
                    ),
                ),
                ("action_date", models.DateTimeField(blank=True, null=True)),
                ("origin_system", models.CharField(blank=True, max_length=100)),
                ("source", models.CharField(blank=True, max_length=100)),
                ("referrer", models.CharField(blank=True, max_length=100)),
                ("website", models.CharField(blank=True, max_length=255)),
            ],
        ),
        migrations.AddField(
            model_name="signature",
            name="modified",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.CreateModel(
            name="PersonIdentifier",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("value", models.CharField(max_length=255)),
                ("created", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="campaigns.organisation",
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="identifiers",
                        to="signatures.person",
                    ),
                ),
            ],
            options={
                "ordering": ["id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organisation", "value"), name="person_identifier_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(create_trigger, drop_trigger),
    ]
