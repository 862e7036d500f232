"""The real stack in subprocesses, for tests of faults, races and tasks across processes.

A private redis-server (so a test can stop and restart it without touching anyone else's),
gunicorn and Celery workers as `make serve` runs them, all on the test database.
"""

import contextlib
import email
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import requests
from celery import Celery

from bench.processes import RedisServer, free_port, wait_for

ROOT = Path(__file__).resolve().parent.parent


class Stack:
    """gunicorn, Celery workers and beat against one database and a private Redis."""

    def __init__(self, *, database_url: str, tmp_path: Path, redis_server: RedisServer, **env):
        self.tmp_path = tmp_path
        self.redis = redis_server
        self.mail_dir = tmp_path / "mail"
        self.mail_dir.mkdir(exist_ok=True)
        self.port = free_port()
        self.processes: dict[str, subprocess.Popen] = {}
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))},
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_server.url,
            "DEBUG": "false",
            "SECRET_KEY": os.environ["SECRET_KEY"],
            "SECURE_SSL_REDIRECT": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SIGN_RATE": "off",
            "SIGN_MIN_FILL_SECONDS": "0",
            "OUTBOX_GRACE_SECONDS": "0",
            "EMAIL_URL": "filemail://",
            "EMAIL_FILE_PATH": str(self.mail_dir),
            "CONN_MAX_AGE": "60",
            "CELERY_BEAT_SCHEDULE_FILENAME": str(tmp_path / "celerybeat-schedule"),
            "PYTHONUNBUFFERED": "1",
            **env,
        }

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        log = open(self.tmp_path / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [sys.executable, "-m", *args],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def log(self, name: str) -> str:
        path = self.tmp_path / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def start_web(self, workers: int = 2) -> None:
        self._spawn(
            "web",
            [
                "gunicorn",
                "config.wsgi:application",
                "-c",
                "config/gunicorn.py",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
            ],
        )

        def up():
            try:
                return requests.get(f"{self.url}/healthz/", timeout=1).status_code == 200
            except requests.RequestException:
                return False

        wait_for(up, 30, message=f"gunicorn did not start:\n{self.log('web')}")

    def start_worker(self, name: str = "worker", concurrency: int = 1) -> None:
        before = self.log(name).count("ready.")
        self._spawn(
            name,
            [
                "celery",
                "-A",
                "config",
                "worker",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                f"--concurrency={concurrency}",
                f"--hostname={name}@%h",
            ],
        )
        wait_for(
            lambda: self.log(name).count("ready.") > before,
            30,
            message=f"celery worker did not start:\n{self.log(name)}",
        )

    def start_beat(self) -> None:
        self._spawn("beat", ["celery", "-A", "config", "beat", "--loglevel=INFO"])

    def stop(self, name: str, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)

    def kill(self, name: str) -> None:
        """SIGKILL the whole process group: no cleanup, no acknowledgement."""
        self.stop(name, signal.SIGKILL)

    def close(self) -> None:
        for name in list(self.processes):
            self.stop(name)

    def emails(self) -> list[email.message.Message]:
        messages = []
        for path in sorted(self.mail_dir.glob("*.log")):
            # The file backend writes each message followed by a line of dashes.
            for chunk in path.read_text().split("-" * 79):
                if chunk.strip():
                    messages.append(email.message_from_string(chunk.strip() + "\n"))
        return messages

    def send_task(self, name: str, *args) -> None:
        """Publish a task by name on this stack's broker, as beat or another host would."""
        producer = Celery(broker=self.redis.url)
        try:
            producer.send_task(name, args=args)
        finally:
            producer.close()

    def post(self, path: str, **kwargs) -> requests.Response:
        return requests.post(f"{self.url}{path}", timeout=kwargs.pop("timeout", 10), **kwargs)

    def get(self, path: str, **kwargs) -> requests.Response:
        return requests.get(f"{self.url}{path}", timeout=kwargs.pop("timeout", 10), **kwargs)


class TcpProxy:
    """A TCP relay to a real server, which a test can cut and restore: the database
    "unreachable" without stopping the machine's PostgreSQL for everyone else."""

    def __init__(self, target_port: int, port: int | None = None):
        self.target_port = target_port
        self.port = port or free_port()
        self.listener: socket.socket | None = None
        self.connections: list[socket.socket] = []
        self.lock = threading.Lock()

    def start(self) -> None:
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen(64)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            with self.lock:
                self.connections += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source, sink) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """New connections are refused and the open ones are dropped."""
        if self.listener:
            # shutdown() wakes the thread blocked in accept(); close() alone would not, and
            # the port would go on accepting.
            with contextlib.suppress(OSError):
                self.listener.shutdown(socket.SHUT_RDWR)
            self.listener.close()
            self.listener = None
        with self.lock:
            for connection in self.connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
                    connection.close()
            self.connections = []
