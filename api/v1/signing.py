"""Signing through the API: the hot path, answered without DRF's request machinery.

One campaign look-up, one validation, one INSERT, on-commit nudges; the same answers as the
rest of the API. The list of a campaign's signatures (GET on the same URL) is in
`api.v1.signatures`.
"""

import functools
import json

from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.utils.translation import get_language
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed

from api.authentication import TokenAuthentication
from api.errors import validation_detail
from api.fields import CountryCodeField
from campaigns import access
from campaigns.access import Ability
from core import jsonparse
from core.errors import DomainError, RateLimited
from signatures import channels, services
from signatures.client import client_address
from signatures.models import Signature
from signatures.selectors import signing_campaign
from signatures.validation import (
    COLLECTOR_MAX,
    COMMENT_MAX,
    EMAIL_MAX,
    NAME_MAX,
    PHONE_MAX,
    POSTAL_CODE_MAX,
    REGION_MAX,
)
from signatures.writer import signature_coming


class SignatureInputSerializer(serializers.Serializer):
    """Documents the signing body. The body itself is checked once, by the signing service
    (signatures.validation), which the pages and the CSV import share."""

    name = serializers.CharField(max_length=NAME_MAX)
    email = serializers.EmailField(
        max_length=EMAIL_MAX,
        required=False,
        help_text="Required unless the campaign's `contact` is `email_or_phone` and a `phone` "
        "is given (a phone alone only where the campaign asks no email confirmation).",
    )
    phone = serializers.CharField(
        max_length=PHONE_MAX,
        required=False,
        help_text="International form (+591 7123 4567), or national form read with `country`.",
    )
    country = CountryCodeField()
    consent = serializers.BooleanField(help_text="Must be true: the signer agreed.")
    consent_version = serializers.IntegerField(
        required=False,
        help_text="The id of the consent text the signer was shown (a campaign's own, in any "
        "language). Default: the one in force in the signer's `language`.",
    )
    postal_code = serializers.CharField(max_length=POSTAL_CODE_MAX, required=False)
    region = serializers.CharField(max_length=REGION_MAX, required=False)
    comment = serializers.CharField(max_length=COMMENT_MAX, required=False)
    language = serializers.ChoiceField(
        choices=["es", "en", "pt", "fr"],
        required=False,
        help_text="The signer's language, for the confirmation email. Default: Accept-Language.",
    )
    collector = serializers.SlugField(max_length=COLLECTOR_MAX, required=False)
    source = serializers.ChoiceField(choices=sorted(channels.PUBLIC_SOURCES), required=False)


SignedSerializer = inline_serializer(
    "Signed",
    {
        "status": serializers.ChoiceField(choices=["pending", "confirmed"]),
        "campaign": serializers.SlugField(),
    },
)
DuplicateSerializer = inline_serializer(
    "AlreadySigned",
    {"duplicate": serializers.BooleanField(), "campaign": serializers.SlugField()},
)


def _json_body(request):
    content_type = request.content_type or "application/json"
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return request.POST.dict()
    if content_type != "application/json":
        raise ValueError("Send JSON (Content-Type: application/json).")
    return jsonparse.loads(request.body or b"null")  # InvalidJSON is a ValueError


@signature_coming()  # from the campaign's look-up on, the writer may wait for this row
def sign(request, slug: str) -> JsonResponse:
    """The signing hot path, answered without DRF's request machinery: one campaign lookup,
    one validation, one INSERT, on-commit nudges. Same answers as the rest of the API."""
    campaign = signing_campaign(slug=slug)
    if campaign is None:
        return JsonResponse({"detail": "Not found."}, status=404)
    try:
        data = _json_body(request)
    except ValueError as error:
        status_code = 415 if str(error).startswith("Send JSON") else 400
        return JsonResponse({"detail": str(error)}, status=status_code)
    # A token is read only when one is sent (never on the public's path): a coalition
    # partner's token credits the partner.
    token_user = _token_user(request)
    partner_id = access.acting_partner(token_user, campaign) if token_user is not None else None
    try:
        result = services.signature_sign(
            campaign=campaign,
            signer=data,
            channel=channels.API,
            language=get_language(),
            client_address=client_address(request),
            partner_id=partner_id,
        )
    except ValidationError as error:
        return JsonResponse(validation_detail(error), status=400)
    except DomainError as error:
        response = JsonResponse({"detail": error.message, "code": error.code}, status=error.status)
        if isinstance(error, RateLimited):
            response["Retry-After"] = str(error.retry_after)
        return response
    if not result.created and _may_tell_apart(token_user, campaign, partner_id, result):
        return JsonResponse({"duplicate": True, "campaign": campaign.slug})
    # A new signature and, to anyone else, a repeat get these same bytes: the status a new
    # signature has on this campaign, whatever the earlier one's is.
    return HttpResponse(
        _signed(result.status, campaign.slug), content_type="application/json", status=201
    )


@functools.lru_cache(maxsize=1024)
def _signed(status: str, slug: str) -> bytes:
    """The 201's bytes, as JsonResponse writes them, encoded once per campaign and status."""
    return json.dumps({"status": status, "campaign": slug}).encode()


_TOKENS = TokenAuthentication()


def _token_user(request):
    """The account behind the request's API token, or None (no token, or a bad one)."""
    if not request.META.get("HTTP_AUTHORIZATION"):
        return None
    try:
        authenticated = _TOKENS.authenticate(request)
    except AuthenticationFailed:
        return None
    return authenticated[0] if authenticated is not None else None


def _may_tell_apart(user, campaign, partner_id, result) -> bool:
    """Only the campaign's owners and organisers, with their API token, learn that a person
    signed already; a coalition partner's, only of a person who signed through that partner
    (partners must not probe each other's signers). A collector's or viewer's token counts
    as none: they may not know who signed."""
    if user is None:
        return False
    if access.can(user, campaign.organisation_id, Ability.SEE_SIGNERS):
        return True
    if partner_id is None or not access.can(user, partner_id, Ability.SEE_SIGNERS):
        return False
    return Signature.objects.filter(id=result.signature_id, partner_id=partner_id).exists()
