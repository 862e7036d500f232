"""Health probes and the site-wide error answers."""

import logging

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from api.osdi import errors as osdi_errors
from config.middleware import wants_json

logger = logging.getLogger(__name__)


@never_cache
def healthz(request):
    """Liveness: the process answers. Touches neither the database nor Redis."""
    return JsonResponse({"status": "ok"})


def _database_ok() -> bool:
    # A connection kept open from before a database restart fails once. Readiness is about
    # the database, not about that connection, so a failure is tried again on a fresh one.
    for _attempt in range(2):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except DatabaseError:
            connection.close()
        else:
            return True
    return False


def _broker_state() -> str:
    if not settings.REDIS_URL:
        return "in-process"
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5
    )
    try:
        client.ping()
    except redis.RedisError:
        return "unavailable"
    finally:
        client.close()
    return "ok"


@never_cache
def readyz(request):
    """Readiness: 200 when the database answers, 503 when it does not.

    The broker's state is reported but does not fail readiness: signing keeps working
    without it (owed emails and tallies catch up when it returns).
    """
    database = _database_ok()
    body = {
        "status": "ok" if database else "unavailable",
        "database": "ok" if database else "unavailable",
        "broker": _broker_state(),
    }
    return JsonResponse(body, status=200 if database else 503)


def not_found(request, exception=None):
    if osdi_errors.is_osdi(request.path):
        return osdi_errors.error_response(
            "There is nothing at this address.", status=404, code="NOT_FOUND"
        )
    if wants_json(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "404.html", status=404)


def server_error(request):
    if osdi_errors.is_osdi(request.path):
        return osdi_errors.error_response(
            "Something went wrong on our side.", status=500, code="SERVER_ERROR"
        )
    if wants_json(request):
        return JsonResponse({"detail": "Something went wrong on our side."}, status=500)
    return render(request, "500.html", status=500)


def bad_request(request, exception=None):
    if wants_json(request):
        return JsonResponse({"detail": "Bad request."}, status=400)
    return render(request, "400.html", status=400)


def permission_denied(request, exception=None):
    if wants_json(request):
        return JsonResponse({"detail": "You do not have permission to do this."}, status=403)
    return render(request, "403.html", status=403)
