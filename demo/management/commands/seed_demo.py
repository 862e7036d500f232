from django.conf import settings
from django.core.management.base import BaseCommand

from demo import data, seed


class Command(BaseCommand):
    help = "Load Voces' demo data (idempotent): organisations, people and campaigns from DOMAIN.md."

    def handle(self, *args, **options):
        campaigns = seed.seed()
        for slug in campaigns:
            self.stdout.write(f"campaign {slug}")
        if settings.DEBUG:
            self.stdout.write(
                f"demo logins (password {data.DEMO_PASSWORD!r}): " + ", ".join(data.PEOPLE)
            )
