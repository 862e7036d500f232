"""The settings of a bench run's stack: the project's own, with one more URL module.

bench/environment.py names this module in DJANGO_SETTINGS_MODULE for the processes it starts,
so the stack it measures (gunicorn, Celery, beat, through `scripts/serve`) is the production
one plus the baseline endpoint of bench/urls.py. Nothing else differs: the middleware, the
database settings and the signing code are config.settings' own. Production never names this
module, so the baseline is never routed there (tests/test_bench.py checks it).
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
