"""One exception handler: every error is a JSON object keyed by field, never a traceback."""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, InterfaceError, OperationalError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError, NotAuthenticated, RateLimited

logger = logging.getLogger(__name__)


def validation_detail(error: DjangoValidationError) -> dict:
    if hasattr(error, "error_dict"):
        detail = {}
        for field, messages in error.message_dict.items():
            key = "non_field_errors" if field == "__all__" else field
            detail[key] = messages
        return detail
    return {"non_field_errors": error.messages}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_detail(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, NotAuthenticated):
        # As DRF answers its own: 401 with the scheme to use, or 403 when there is none.
        view = context.get("view")
        scheme = view.get_authenticate_header(view.request) if view is not None else None
        headers = {"WWW-Authenticate": scheme} if scheme else {}
        return Response(
            {"detail": exc.message, "code": exc.code},
            status=status.HTTP_401_UNAUTHORIZED if scheme else status.HTTP_403_FORBIDDEN,
            headers=headers,
        )
    elif isinstance(exc, DomainError):
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else {}
        return Response(
            {"detail": exc.message, "code": exc.code}, status=exc.status, headers=headers
        )
    elif isinstance(exc, DataError):
        # A value the database cannot hold (a date in year 285 with a 19-hour offset, say):
        # the client's input, so a 400, and nothing was written.
        return Response(
            {"detail": "A value is outside what can be stored or compared."},
            status=status.HTTP_400_BAD_REQUEST,
        )
    elif isinstance(exc, (OperationalError, InterfaceError)):
        logger.error("database unavailable: %s", exc.__class__.__name__)
        return Response(
            {"detail": "The service is briefly unavailable. Please try again in a minute."},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "30"},
        )

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: Django's handler500 answers JSON without the traceback
    if isinstance(response.data, list):
        response.data = {"non_field_errors": response.data}
    return response
