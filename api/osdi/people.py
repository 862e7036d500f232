"""OSDI people, tags and taggings, and the person signup helper: read and write, through the
services of signatures.people and signatures.tags."""

from django.shortcuts import get_object_or_404
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
from signatures.models import Tag, Tagging
from signatures.people import person_merge, person_signatures, person_update
from signatures.tags import tag_create, tagging_add, tagging_remove

PEOPLE = filterable("person", person=True)
TAGS = filterable("tag")
TAGGINGS = filterable("tagging", modified="created")
SIGNATURES = filterable("signature", modified="changed")


def _without_languages(fields: dict) -> dict:
    return {key: value for key, value in fields.items() if key != "languages"}


# --- People ---------------------------------------------------------------------------------


def person_upsert(view: OSDIView, request) -> Response:
    """POST people and the person signup helper: `{"person": {...}, "add_tags": [...]}`
    (or the person's fields alone); matched by email, then by phone; 201 when created, 200
    when an existing person was updated."""
    view.resource = "osdi:person"
    body = body_of(request)
    organisation = view.organisation_to_write(body)
    person = body.get("person") if "person" in body else body
    fields = _without_languages(person_fields(person))
    item, created = person_merge(
        by=request.user, organisation=organisation, tags=tags_of(body), **fields
    )
    return Response(
        hal.person(request, item),
        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
    )


class People(OSDIView):
    def get(self, request):
        people = self.filtered(self.people().order_by("id"), PEOPLE)
        return self.collection(people, "osdi:people", lambda p: hal.person(request, p))

    def post(self, request):
        return person_upsert(self, request)


class PersonSignupHelper(OSDIView):
    """POST a person (matched by email, merged, never replaced) with optional add_tags."""

    def post(self, request):
        return person_upsert(self, request)


class PersonDetail(OSDIView):
    def get(self, request, pk):
        return Response(hal.person(request, get_object_or_404(self.people(), id=pk)))

    def put(self, request, pk):
        """The fields to change, at the top level (or under `person`): filled in, never
        blanked; a person's email, and a phone-only person's phone, stay."""
        self.resource = "osdi:person"
        item = get_object_or_404(self.people(), id=pk)
        body = body_of(request)
        nested = isinstance(body.get("person"), dict)
        self.person_prefix = "person." if nested else ""
        fields = person_fields(
            body["person"] if nested else body, prefix="person." if nested else ""
        )
        item = person_update(by=request.user, person=item, **_without_languages(fields))
        return Response(hal.person(request, item))


class PersonSignatures(OSDIView):
    def get(self, request, pk):
        item = get_object_or_404(self.people(), id=pk)
        signatures = self.filtered(counted(person_signatures(item)).order_by("id"), SIGNATURES)
        return self.collection(
            signatures, "osdi:signatures", lambda s: hal.signature(request, s, item)
        )


class PersonTaggings(OSDIView):
    def get(self, request, pk):
        item = get_object_or_404(self.people(), id=pk)
        taggings = self.filtered(Tagging.objects.filter(person=item).order_by("id"), TAGGINGS)
        return self.collection(taggings, "osdi:taggings", lambda t: hal.tagging(request, t))


# --- Tags and taggings ---------------------------------------------------------------------


class Tags(OSDIView):
    def get(self, request):
        tags = Tag.objects.filter(organisation__in=self.signer_organisations()).order_by("id")
        return self.collection(
            self.filtered(tags, TAGS), "osdi:tags", lambda t: hal.tag(request, t)
        )

    def post(self, request):
        """`{"name": "volunteers"}`: the organisation's tag of that name, made if needed
        (201), or the one it has (200)."""
        self.resource = "osdi:tag"
        body = body_of(request)
        organisation = self.organisation_to_write(body)
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise OSDIError(
                "A tag needs a name.",
                code="MISSING_REQUIRED_FIELD",
                resource="osdi:tag",
                properties=["name"],
            )
        item, created = tag_create(by=request.user, organisation=organisation, name=name)
        return Response(
            hal.tag(request, item),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class TagDetail(OSDIView):
    def get(self, request, pk):
        return Response(hal.tag(request, _tag(self, pk)))


def _tag(view: OSDIView, pk: int) -> Tag:
    return get_object_or_404(
        Tag.objects.filter(organisation__in=view.signer_organisations()), id=pk
    )


class TagTaggings(OSDIView):
    def get(self, request, pk):
        item = _tag(self, pk)
        taggings = self.filtered(item.taggings.order_by("id"), TAGGINGS)
        return self.collection(taggings, "osdi:taggings", lambda t: hal.tagging(request, t))

    def post(self, request, pk):
        """`{"_links": {"osdi:person": {"href": ".../people/12"}}}`: tag that person, once
        (201; 200 with the same tagging when it was there)."""
        self.resource = "osdi:tagging"
        item = _tag(self, pk)
        person = self.person_linked(body_of(request), item.organisation_id)
        if person is None:
            raise OSDIError(
                "Name the person to tag in _links.osdi:person.href.",
                code="MISSING_REQUIRED_FIELD",
                resource="osdi:tagging",
                properties=["_links.osdi:person"],
            )
        tagging, created = tagging_add(by=request.user, tag=item, person=person)
        return Response(
            hal.tagging(request, tagging),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def delete(self, request, pk):
        """Untag the person named in `_links.osdi:person` (whether or not they were)."""
        self.resource = "osdi:tagging"
        item = _tag(self, pk)
        person = self.person_linked(body_of(request), item.organisation_id)
        if person is None:
            raise OSDIError(
                "Name the person to untag in _links.osdi:person.href.",
                code="MISSING_REQUIRED_FIELD",
                resource="osdi:tagging",
                properties=["_links.osdi:person"],
            )
        return Response(_deleted(tagging_remove(by=request.user, tag=item, person=person)))


class TaggingDetail(OSDIView):
    def get(self, request, pk, tid):
        return Response(hal.tagging(request, get_object_or_404(_tag(self, pk).taggings, id=tid)))

    def delete(self, request, pk, tid):
        """200 with a JSON notice (clients parse the answer), also when the tagging had
        gone already: a DELETE sent again after a lost answer is not an error."""
        removed = tagging_remove(by=request.user, tag=_tag(self, pk), tagging_id=tid)
        return Response(_deleted(removed))


def _deleted(removed: bool) -> dict:
    return {
        "notice": "The tagging was deleted." if removed else "There was no such tagging.",
        "deleted": removed,
    }
