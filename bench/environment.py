"""This bench run's environment: importing this module configures Django for the run.

The run has a database and a Redis of its own, named here (a database named after this
process, Redis on a free port), and Django reads its settings from the environment once, when
it is set up. So the first import of this module chooses them, puts the run's settings into
os.environ and calls `django.setup()`. Every module of the bench that uses models or project
code imports it before them (ruff's isort puts `bench.*` ahead of `campaigns.*`, `signatures.*`
and `tallies.*` in the first-party section), and bench/stack.py creates the database and starts
the Redis it names. Setting Django up reads settings and loads apps: nothing connects yet, so
neither has to exist before the import.

The processes the run starts (migrate, scripts/serve, bench/export_probe.py) are given ENV and
must not import this module, which would choose another database: export_probe.py sets Django
up from what it was given through bench/child_environment.py.
"""

import os
import secrets
import tempfile
from pathlib import Path

import django

from bench.processes import RedisServer, free_port

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
ADMIN_URL = os.environ.get(
    "BENCH_ADMIN_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)

DB_NAME = f"voces_bench_{os.getpid()}"
# Its port is chosen now, for the settings; bench/stack.py starts and stops it.
REDIS = RedisServer()
WEB_PORT = free_port()
TMP = Path(tempfile.mkdtemp(prefix="voces-bench-"))

os.environ.update(
    {
        # The project's settings, plus the signing baseline only a bench run serves.
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": f"{ADMIN_URL.rsplit('/', 1)[0]}/{DB_NAME}",
        "REDIS_URL": REDIS.url,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SIGN_RATE": "off",
        "BATCH_RATE": "100000/h",  # counted, as in production, but never reached
        "EMAIL_URL": "dummymail://",
        "GUNICORN_BIND": f"127.0.0.1:{WEB_PORT}",
        "CELERY_BEAT_SCHEDULE_FILENAME": str(TMP / "celerybeat-schedule"),
        "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ.get('PATH', '')}",
    }
)
# What every process the run starts is given: this process's own settings, all of them.
ENV = dict(os.environ)

django.setup()
