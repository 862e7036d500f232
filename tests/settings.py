"""The suite's settings: config.settings, with the environment defaulting to the local services.

Tests run against the real local PostgreSQL and Redis unless the environment names others.
pytest-django creates and drops the test database (`test_<name>`); Redis database 15 is
the suite's own and is flushed at the start.
"""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/voces")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SIGN_RATE", "1000/min")
os.environ.setdefault("CELERY_BEAT_SCHEDULE_FILENAME", "/tmp/voces-tests-celerybeat-schedule")

from config.settings import *  # noqa: F403

# Every test client builds the middleware afresh, and WhiteNoise would index all ~1,200
# collected static files each time (a fifth of a second on a 2-core machine, hundreds of
# times a run). Looking each file up when asked serves the same files with the same headers.
WHITENOISE_AUTOREFRESH = True

# Django's advice for test suites: production's PBKDF2 (a million rounds, half a second a user
# here) would be most of the time of every test that makes a user. No test process checks a
# password made in another one.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
