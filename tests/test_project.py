"""The project as a newcomer meets it: commands, schema, settings, deployment files."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from campaigns.models import Campaign, CountryStatus, Organisation
from campaigns.selectors import campaign_content, campaign_country_stages

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args, env=None, check=True):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=check,
    )


def production_env(**extra):
    # A clean environment: nothing the test run itself sets may leak into "production".
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    env.update(
        DEBUG="false",
        SECRET_KEY="a-production-like-secret-key-with-enough-entropy-0123456789-xyz!",
        ALLOWED_HOSTS="voces.example.org",
        DATABASE_URL=os.environ["DATABASE_URL"],
        REDIS_URL=os.environ["REDIS_URL"],
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    env.update(extra)
    return env


def test_deploy_check_is_clean_in_production():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", env=production_env(), check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", env=production_env(SECRET_KEY=""), check=False)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_embedded_default_needs_no_services():
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    script = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup();"
        "from django.conf import settings as s; from config import celery_app as a;"
        "print(s.DATABASES['default']['ENGINE'], a.conf.task_always_eager, s.EMAIL_BACKEND,"
        " s.DEBUG)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "True",
        "django.core.mail.backends.console.EmailBackend",
        "True",
    ]


def test_openapi_schema_validates():
    result = run_manage(
        "spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null", env=production_env()
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_schema_is_served_with_the_contract_paths(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/organisations/",
        "/api/v1/campaigns/",
        "/api/v1/campaigns/{slug}/",
        "/api/v1/campaigns/{slug}/country-status/",
    ):
        assert path in paths
    assert client.get("/api/v1/docs/").status_code == 200


@pytest.mark.django_db
def test_migrations_match_the_models():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_follows_the_seeds():
    call_command("seed_demo", verbosity=0)
    counts = (Organisation.objects.count(), Campaign.objects.count(), CountryStatus.objects.count())
    call_command("seed_demo", verbosity=0)
    assert (
        Organisation.objects.count(),
        Campaign.objects.count(),
        CountryStatus.objects.count(),
    ) == counts

    c189 = Campaign.objects.get(slug="ratify-c189")
    assert c189.status == "open"
    assert c189.require_confirmation
    assert c189.goal == 150_000
    stages = {s.country.code: s.stage for s in campaign_country_stages(campaign=c189)}
    assert stages["BO"] == "ratified"
    assert stages["EC"] == "passed"
    assert {"BO", "EC", "PE", "MX", "GT"} <= {c.code for c in c189.countries}

    health = Campaign.objects.get(slug="voces-participativas-salud")
    assert health.languages == ["es", "qu"]
    assert campaign_content(campaign=health, language="qu").language == "qu"
    assert Campaign.objects.filter(status="closed", outcome="won").exists()
    countries = {o.country.code for o in Organisation.objects.all()}
    assert {"BO", "EC", "PE", "MX", "GT", "NE"} <= countries


def test_docker_compose_declares_the_stack():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"web", "worker", "beat", "db", "redis"}
    assert "gunicorn" in services["web"]["command"]
    assert "migrate" in services["web"]["command"]
    assert "worker" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]
    assert "/readyz/" in " ".join(services["web"]["healthcheck"]["test"])
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert "redis-cli" in " ".join(services["redis"]["healthcheck"]["test"])
    for name in ("web", "worker", "beat"):
        assert all(
            dep["condition"] == "service_healthy" for dep in services[name]["depends_on"].values()
        )
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert "@db:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"] == "redis://redis:6379/0"
    # Every setting the compose file passes is one that config/settings.py reads.
    settings_source = (ROOT / "config" / "settings.py").read_text() + (
        ROOT / "config" / "gunicorn.py"
    ).read_text()
    read_by_commands = {"CELERY_CONCURRENCY"}  # used in the worker's command line
    for key in set(services["web"]["environment"]) - read_by_commands:
        assert f'"{key}"' in settings_source, key
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "requirements.txt" in dockerfile
    assert "collectstatic" in dockerfile


def test_procfile_runs_the_three_processes():
    lines = dict(
        line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line
    )
    assert set(lines) == {"web", "worker", "beat"}
    assert "gunicorn" in lines["web"]
