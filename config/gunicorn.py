"""gunicorn settings for `make serve` and the container. Each can be overridden by environment."""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Processes (about one per core: each runs Python on one core at a time) of threads. Threads
# let one process's signing requests share a commit (signatures.writer: group commit); with
# the `sync` class (one request at a time) set SIGN_GROUP_COMMIT=false. README, Performance.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "16"))
# Requests are short; a slow client is buffered by the reverse proxy in production.
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
# Emails in request lines (a signer looked up with ?email=) are masked in the access log.
logger_class = "config.gunicorn_logging.MaskingLogger"
errorlog = "-"
# Limit request line and header sizes to what a browser sends.
limit_request_line = 8190
limit_request_fields = 100
