"""OSDI petitions and their signatures, and recording a signature: Action Network's POST on a
petition's signatures and OSDI's record signature helper, the same thing."""

from datetime import UTC, datetime, time

from django.db.models import QuerySet, prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.timezone import is_naive, make_aware
from rest_framework import status
from rest_framework.response import Response

from api.osdi import hal
from api.osdi.base import (
    OSDIError,
    OSDIView,
    body_of,
    counted,
    filterable,
    person_fields,
    tags_of,
)
from campaigns import access, selectors
from campaigns.access import Ability
from campaigns.models import Campaign
from signatures.client import client_address
from signatures.models import Signature
from signatures.partners import Origin, may_record, signature_record
from signatures.people import people_of_signatures, people_sync
from signatures.validation import COLLECTOR_CODE, UI_LANGUAGES
from tallies import selectors as figures

CAMPAIGNS = filterable("petition")
SIGNATURES = filterable("signature", modified="changed")

# --- Petitions and signatures -------------------------------------------------------------


def _visible_campaigns(request) -> QuerySet:
    # OSDI shows a campaign in its own language: no translations to prefetch.
    return selectors.campaign_list_visible(user=request.user).prefetch_related(None).order_by("id")


def _petitions(request, campaigns: list[Campaign]) -> list[dict]:
    targets = hal.campaign_targets(c.id for c in campaigns)
    return [
        hal.petition(request, c, figures.campaign_signature_count(c), targets[c.id])
        for c in campaigns
    ]


class Petitions(OSDIView):
    def get(self, request):
        campaigns = self.filtered(_visible_campaigns(request), CAMPAIGNS)
        return self.collection(
            campaigns, "osdi:petitions", represent_page=lambda page: _petitions(request, page)
        )


class PetitionDetail(OSDIView):
    def get(self, request, pk):
        campaign = get_object_or_404(_visible_campaigns(request), id=pk)
        return Response(_petitions(request, [campaign])[0])


class PetitionSignatures(OSDIView):
    def get(self, request, pk):
        campaign = get_object_or_404(_visible_campaigns(request), id=pk)
        # A coalition partner's token: the signatures that came through it, its own people.
        organisation_id, scope = self.signers_of(campaign)
        people_sync(organisation_id=organisation_id)
        signatures = self.filtered(
            counted(Signature.objects.filter(scope, campaign=campaign)).order_by("id"), SIGNATURES
        )

        def represent_page(page):
            people = people_of_signatures(organisation_id=organisation_id, page=page)
            prefetch_related_objects(list(people.values()), "identifiers")
            return [hal.signature(request, item, people.get(item.id)) for item in page]

        return self.collection(signatures, "osdi:signatures", represent_page=represent_page)

    def post(self, request, pk):
        """Action Network's way: a signature with its person inline."""
        return record_signature(self, request, pk)


class SignatureDetail(OSDIView):
    def get(self, request, pk, sid):
        self.require_token()
        item = get_object_or_404(
            Signature.objects.select_related("campaign", "collector", "origin").exclude(
                status=Signature.Status.REJECTED
            ),
            id=sid,
            campaign_id=pk,
        )
        organisation_id, _scope = self.signers_of(item.campaign)
        if organisation_id not in (item.campaign.organisation_id, item.partner_id):
            raise Http404  # a partner's token, on another partner's signer or the lead's own
        return Response(hal.signature(request, item, self.person_of(item, organisation_id)))


class RecordSignatureHelper(OSDIView):
    def post(self, request, pk):
        return record_signature(self, request, pk)


# --- Recording a signature -------------------------------------------------------------------


def _text(body: dict, key: str, max_length: int, prefix: str = "") -> str:
    value = body.get(key)
    if value is None:
        return ""
    if not isinstance(value, str) or len(value.strip()) > max_length:
        raise OSDIError(
            f"{prefix}{key} is a text of at most {max_length} characters.",
            code="INVALID_FIELDS",
            resource="osdi:signature",
            properties=[prefix + key],
        )
    return value.strip()


def _moment(value) -> datetime | None:
    """OSDI's action_date: ISO 8601, a date (midnight UTC) or a date and time (UTC if naive)."""
    if value in (None, ""):
        return None
    moment = None
    if isinstance(value, str):
        try:
            moment = parse_datetime(value.strip())
            if moment is None and (day := parse_date(value.strip())) is not None:
                moment = datetime.combine(day, time(), tzinfo=UTC)
        except ValueError:
            moment = None
    if moment is None:
        raise OSDIError(
            "action_date is a date and time such as 2026-11-23T14:05:09Z.",
            code="INVALID_FIELDS",
            resource="osdi:signature",
            properties=["action_date"],
        )
    return make_aware(moment, UTC) if is_naive(moment) else moment


def _origin(body: dict) -> Origin:
    referrer = body.get("referrer_data")
    if referrer is None:
        referrer = {}
    if not isinstance(referrer, dict):
        raise OSDIError(
            "referrer_data is an object with source, referrer and website.",
            code="INVALID_FIELDS",
            resource="osdi:signature",
            properties=["referrer_data"],
        )
    return Origin(
        action_date=_moment(body.get("action_date")),
        origin_system=_text(body, "origin_system", 100),
        source=_text(referrer, "source", 100, "referrer_data."),
        referrer=_text(referrer, "referrer", 100, "referrer_data."),
        website=_text(referrer, "website", 255, "referrer_data."),
    )


def _vouched(body: dict) -> bool:
    """OSDI's `"triggers": {"autoresponse": {"enabled": false}}`."""
    triggers = body.get("triggers")
    autoresponse = triggers.get("autoresponse") if isinstance(triggers, dict) else None
    return isinstance(autoresponse, dict) and autoresponse.get("enabled") is False


def record_signature(view: OSDIView, request, pk: int) -> Response:
    """POST a signature with an inline person (or `_links.osdi:person`). With a token of the
    campaign's organisation: the signature (201), or the person's earlier one (200); a token
    that may not record for this petition is a 403. Without a token ("blind", a form on a
    partner's page): 200 {} either way, telling nothing about the person."""
    view.resource = "osdi:signature"
    try:
        campaign = selectors.campaign_list_public().prefetch_related(None).get(id=pk)
    except Campaign.DoesNotExist:
        raise Http404 from None
    body = body_of(request)
    user = request.user if request.user and request.user.is_authenticated else None
    if user is not None and not may_record(user, campaign):
        raise OSDIError(
            "This token may not record signatures of this petition: it takes a token of an "
            "owner or organiser of the organisation running it, or of a coalition partner.",
            code="FORBIDDEN",
            status=403,
        )
    # A coalition partner's script names a person among the partner's own people, never the
    # lead's (whose details it would then see through its signature).
    partner_id = access.acting_partner(user, campaign, Ability.SEE_SIGNERS) if user else None
    linked = (
        view.person_linked(body, partner_id or campaign.organisation_id)
        if user is not None
        else None
    )
    if linked is not None:
        fields = {
            "email": linked.email,
            "phone": linked.phone or "",
            "given_name": linked.given_name,
            "family_name": linked.family_name,
            "country": linked.country.code if linked.country else "",
            "postal_code": linked.postal_code,
            "identifiers": [],
            "custom_fields": None,
            "languages": [],
        }
    elif isinstance(body.get("person"), dict):
        fields = person_fields(body["person"])
    elif user is None and isinstance(body.get("_links"), dict):
        raise OSDIError(
            "Send your API token to sign for a person by their link, or send the person.",
            code="NOT_AUTHENTICATED",
            status=401,
        )
    else:
        raise OSDIError(
            "Send the person who signs: person, with an email address or a phone number.",
            code="MISSING_REQUIRED_FIELD",
            resource="osdi:person",
            properties=["person.email_addresses"],
        )
    if not fields["email"] and not fields["phone"]:
        raise OSDIError(
            "A person needs an email address (or, where the campaign takes one, a phone "
            "number) to sign.",
            code="MISSING_REQUIRED_FIELD",
            resource="osdi:person",
            properties=["person.email_addresses"],
        )
    origin = _origin(body)
    languages = [lang.split("-")[0].lower() for lang in fields.pop("languages")]
    language = next((lang for lang in languages if lang in UI_LANGUAGES), "")
    email_name = fields["email"].split("@")[0] if isinstance(fields["email"], str) else ""
    name_parts = [fields["given_name"], fields["family_name"]]
    if all(isinstance(part, str) for part in name_parts):
        name = " ".join(part.strip() for part in name_parts if part.strip()) or email_name
    else:
        name = name_parts  # refused by the validation, on person.given_name
    comments = body.get("comments")
    signer = {
        "name": name,
        "email": fields["email"],
        "phone": fields["phone"],
        "country": fields["country"] or (campaign.countries[0].code if campaign.countries else ""),
        "postal_code": fields["postal_code"],
        "comment": comments if comments is not None else "",
        "language": language,
        "consent": True,  # an OSDI client sends what its own form had the person agree to
        # A referrer that reads as a collector's code credits them; it is kept either way.
        "collector": origin.referrer if COLLECTOR_CODE.fullmatch(origin.referrer) else "",
    }
    result, person = signature_record(
        by=user,
        campaign=campaign,
        signer=signer,
        language=_default_language(campaign, view.signer_language),
        client_address=client_address(request),
        vouched=_vouched(body),
        person=fields if user is not None else None,
        tags=tags_of(body) if user is not None else (),
        origin=origin,
    )
    if user is None or partner_id is not None:
        # The public, and a coalition partner's script: told nothing about the person, so a
        # partner cannot learn who signed through the lead or another partner.
        return Response({})
    item = Signature.objects.select_related("campaign", "collector", "origin").get(
        id=result.signature_id
    )
    return Response(
        hal.signature(request, item, person),
        status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
    )


def _default_language(campaign: Campaign, request_language: str) -> str:
    """A signer's emails go in the language the person speaks (`languages_spoken`, sent in
    the body), else the campaign's first, else the one the request came in."""
    for code in campaign.languages or []:
        code = str(code).split("-")[0].lower()
        if code in UI_LANGUAGES:
            return code
    return (request_language or "es").split("-")[0].lower()
