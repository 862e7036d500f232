"""OSDI petitions and their signatures, and recording a signature."""

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import get_language
from rest_framework import status
from rest_framework.response import Response

from api.osdi import hal
from api.osdi.base import (
    FILTER_FIELDS,
    OSDIError,
    OSDIView,
    _body_and_person,
    _tags,
)
from campaigns import access, selectors
from campaigns.access import Ability
from campaigns.models import Campaign
from signatures import channels, services
from signatures.client import client_address
from signatures.identity import email_normalise
from signatures.models import Person, Signature
from signatures.people import people_sync, person_merge
from tallies import selectors as figures

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
        campaigns = self.filtered(_visible_campaigns(request), FILTER_FIELDS)
        return self.collection(
            campaigns, "osdi:petitions", represent_page=lambda page: _petitions(request, page)
        )


class PetitionDetail(OSDIView):
    def get(self, request, pk):
        campaign = get_object_or_404(_visible_campaigns(request), id=pk)
        return Response(_petitions(request, [campaign])[0])


class PetitionSignatures(OSDIView):
    def get(self, request, pk):
        self.require_token()
        campaign = get_object_or_404(_visible_campaigns(request), id=pk)
        if not access.can(request.user, campaign.organisation_id, Ability.SEE_SIGNERS):
            raise Http404
        people_sync(organisation_id=campaign.organisation_id)
        signatures = self.filtered(
            Signature.objects.filter(campaign=campaign)
            .select_related("campaign", "collector")
            .order_by("id"),
            {"created_date": "created", "modified_date": "created"},
        )

        def represent_page(page):
            people = {
                person.email_normalised: person
                for person in Person.objects.filter(
                    organisation_id=campaign.organisation_id,
                    email_normalised__in={i.email_normalised for i in page if i.email_normalised},
                )
            }
            return [
                hal.signature(request, item, people.get(item.email_normalised)) for item in page
            ]

        return self.collection(signatures, "osdi:signatures", represent_page=represent_page)


class SignatureDetail(OSDIView):
    def get(self, request, pk, sid):
        self.require_token()
        item = get_object_or_404(
            Signature.objects.select_related("campaign", "collector"), id=sid, campaign_id=pk
        )
        if not access.can(request.user, item.campaign.organisation_id, Ability.SEE_SIGNERS):
            raise Http404
        return Response(hal.signature(request, item, self.person_of(item)))


class RecordSignatureHelper(OSDIView):
    """POST a signature with an inline person. With a token of the campaign's organisation:
    the signature (201), or the existing one (200) for a repeat. Without ("blind"): 200 {}."""

    def post(self, request, pk):
        try:
            campaign = selectors.campaign_list_public().get(id=pk)
        except Campaign.DoesNotExist:
            raise Http404 from None
        body, fields = _body_and_person(request, "A person needs an email address to sign.")
        authenticated = access.can(request.user, campaign.organisation_id, Ability.SEE_SIGNERS)
        tags = _tags(body) if authenticated else []
        referrer = body.get("referrer_data") if isinstance(body.get("referrer_data"), dict) else {}
        triggers = body.get("triggers") if isinstance(body.get("triggers"), dict) else {}
        autoresponse = (
            triggers.get("autoresponse") if isinstance(triggers.get("autoresponse"), dict) else {}
        )
        name = (
            f"{fields['given_name']} {fields['family_name']}".strip()
            or (fields["email"].split("@")[0])
        )
        data = {
            "name": name,
            "email": fields["email"],
            "country": fields["country"]
            or (campaign.countries[0].code if campaign.countries else ""),
            "postal_code": fields["postal_code"],
            "comment": body.get("comments") or "",
            "consent": True,  # an OSDI client sends what its own form had the person agree to
            "collector": referrer.get("referrer") or "",
        }
        try:
            result = services.signature_sign(
                campaign=campaign,
                signer=data,
                channel=channels.OSDI,
                language=get_language(),
                client_address=client_address(request),
                send_confirmation=not (authenticated and autoresponse.get("enabled") is False),
            )
        except ValidationError as error:
            properties = sorted(error.message_dict)
            raise OSDIError(
                "; ".join(
                    f"{field}: {' '.join(messages)}"
                    for field, messages in error.message_dict.items()
                ),
                code="INVALID_FIELDS",
                resource="osdi:signature",
                properties=properties,
            ) from None
        if not authenticated:
            return Response({})
        person_item, _created = person_merge(
            organisation=campaign.organisation, tags=tags, **fields
        )
        item = Signature.objects.select_related("campaign", "collector").get(
            campaign=campaign, email_normalised=email_normalise(fields["email"])
        )
        return Response(
            hal.signature(request, item, person_item),
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )
