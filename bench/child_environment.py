"""Importing this module configures Django from the environment this process was given.

For a process the bench run starts with the run's environment (`Services.env`:
DJANGO_SETTINGS_MODULE, DATABASE_URL, REDIS_URL...), such as bench/export_probe.py. Unlike
bench/environment.py it chooses nothing: choosing again would name a database that does not
exist. Modules that use models import it before them (ruff's isort puts `bench.*` first).
"""

import django

django.setup()
