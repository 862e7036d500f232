# The partial unique index, in a migration of its own: PostgreSQL cannot build an index in the
# transaction that just rewrote the table's rows (their deferred foreign-key checks are pending).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("signatures", "0009_one_person_one_signature")]

    operations = [
        migrations.AddConstraint(
            model_name='signature',
            constraint=models.UniqueConstraint(condition=models.Q(('rejected_reason', 'duplicate'), _negated=True), fields=('campaign', 'email_normalised'), name='signature_one_per_person'),
        ),
    ]
