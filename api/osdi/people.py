"""OSDI people, tags and taggings, and the person signup helper."""

from django.shortcuts import get_object_or_404
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
from signatures.identity import InvalidEmail, email_normalise
from signatures.models import Tag, Tagging
from signatures.people import person_merge, person_signatures

# --- People and tags --------------------------------------------------------------------------


class People(OSDIView):
    def get(self, request):
        people = self.filtered(self.people().order_by("id"), FILTER_FIELDS)
        return self.collection(people, "osdi:people", lambda p: hal.person(request, p))


class PersonDetail(OSDIView):
    def get(self, request, pk):
        return Response(hal.person(request, get_object_or_404(self.people(), id=pk)))


class PersonSignatures(OSDIView):
    def get(self, request, pk):
        item = get_object_or_404(self.people(), id=pk)
        signatures = self.filtered(
            person_signatures(item).order_by("id"),
            {"created_date": "created", "modified_date": "created"},
        )
        return self.collection(
            signatures, "osdi:signatures", lambda s: hal.signature(request, s, item)
        )


class PersonTaggings(OSDIView):
    def get(self, request, pk):
        item = get_object_or_404(self.people(), id=pk)
        return self.collection(
            Tagging.objects.filter(person=item), "osdi:taggings", lambda t: hal.tagging(request, t)
        )


class PersonSignupHelper(OSDIView):
    """POST a person (matched by email, merged, never replaced) with optional add_tags."""

    def post(self, request):
        organisations = self.signer_organisations()
        body, fields = _body_and_person(request, "A person needs an email address.")
        slug = body.get("organisation") or request.query_params.get("organisation")
        if slug:
            organisation = organisations.filter(slug=slug).first()
        else:
            organisation = organisations.first() if organisations.count() == 1 else None
        if organisation is None:
            raise OSDIError(
                "Say which organisation the person joins: organisation=<slug>.",
                code="MISSING_REQUIRED_FIELD",
                properties=["organisation"],
            )
        try:
            email_normalise(fields["email"])
        except InvalidEmail:
            raise OSDIError(
                "The email address is not valid.",
                code="INVALID_FIELDS",
                resource="osdi:person",
                properties=["person.email_addresses"],
            ) from None
        item, created = person_merge(organisation=organisation, tags=_tags(body), **fields)
        return Response(
            hal.person(request, item),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class Tags(OSDIView):
    def get(self, request):
        tags = Tag.objects.filter(organisation__in=self.signer_organisations()).order_by("id")
        return self.collection(
            self.filtered(tags, FILTER_FIELDS), "osdi:tags", lambda t: hal.tag(request, t)
        )


class TagDetail(OSDIView):
    def get(self, request, pk):
        item = get_object_or_404(
            Tag.objects.filter(organisation__in=self.signer_organisations()), id=pk
        )
        return Response(hal.tag(request, item))


class TagTaggings(OSDIView):
    def get(self, request, pk):
        item = get_object_or_404(
            Tag.objects.filter(organisation__in=self.signer_organisations()), id=pk
        )
        return self.collection(
            item.taggings.all(), "osdi:taggings", lambda t: hal.tagging(request, t)
        )


class TaggingDetail(OSDIView):
    def get(self, request, pk, tid):
        item = get_object_or_404(
            Tagging.objects.filter(tag__organisation__in=self.signer_organisations()),
            id=tid,
            tag_id=pk,
        )
        return Response(hal.tagging(request, item))
