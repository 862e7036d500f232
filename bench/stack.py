"""The run's private services: its PostgreSQL database, its Redis and the production stack
(`scripts/serve`: gunicorn, a Celery worker and beat), all named by bench/environment.py."""

import contextlib
import os
import signal
import subprocess
import sys
import urllib.request

import psycopg
from django.db import connections

from bench import environment

# Shared with the fault tests (tests/stack.py): polling.
from bench.processes import wait_for
from bench.report import log

ROOT = environment.ROOT
ADMIN_URL = environment.ADMIN_URL


class Services:
    def __init__(self):
        self.db_name = environment.DB_NAME
        self.redis = environment.REDIS
        self.web_port = environment.WEB_PORT
        self.tmp = environment.TMP
        self.serve = None
        self.env = environment.ENV

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def start(self) -> None:
        self.redis.start()
        with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{self.db_name}"')
        log(f"database {self.db_name}, redis on {self.redis.port}")
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
            cwd=ROOT,
            env=self.env,
            check=True,
        )

    def start_stack(self) -> None:
        """`make serve`'s own script, with this run's database, Redis and port."""
        with open(self.tmp / "serve.log", "wb") as log_file:  # the child keeps its own copy
            self.serve = subprocess.Popen(
                ["scripts/serve"],
                cwd=ROOT,
                env=self.env,
                start_new_session=True,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )

        def ready() -> bool:
            with contextlib.suppress(OSError):
                if urllib.request.urlopen(f"{self.url}/healthz/", timeout=1).status == 200:
                    return "ready." in (self.tmp / "serve.log").read_text(errors="replace")
            return False

        try:
            wait_for(ready, 60, interval=0.3)
        except AssertionError:
            log_text = (self.tmp / "serve.log").read_text(errors="replace")
            raise RuntimeError(log_text[-3000:]) from None

    def stop_stack(self) -> None:
        if self.serve and self.serve.poll() is None:
            os.killpg(self.serve.pid, signal.SIGTERM)
            try:
                self.serve.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.serve.pid, signal.SIGKILL)
        self.serve = None

    def close(self) -> None:
        self.stop_stack()
        connections.close_all()
        self.redis.stop()
        with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
