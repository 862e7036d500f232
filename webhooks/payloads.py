"""The one renderer of a signature's outside shape (OSDI's `osdi:signature`), for the webhooks
sent to CRMs and for the OSDI API (`api.osdi.hal`), so the two never disagree."""

from collections.abc import Callable

from django.conf import settings
from django.urls import reverse

from signatures.models import Signature
from signatures.people import split_name

# href(name, *args): the absolute URL of an OSDI route (`osdi:<name>`).
Href = Callable[..., str]
NAMESPACE = "voces"


def iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def contact_osdi(*, email: str, phone: str | None) -> dict:
    """A person's email and phone in OSDI's shape: only what they gave."""
    contact = {}
    if email:
        contact["email_addresses"] = [{"primary": True, "address": email}]
    if phone:
        contact["phone_numbers"] = [{"primary": True, "number": phone}]
    return contact


def signature_osdi(item: Signature, *, href: Href) -> dict:
    """A signature in OSDI's shape, without its person (each caller adds theirs)."""
    return {
        "identifiers": [f"{NAMESPACE}:signature-{item.id}"],
        "created_date": iso(item.created),
        "modified_date": iso(item.confirmed_at or item.created),
        "action_date": iso(item.created),
        "comments": item.comment,
        "status": item.status,
        "referrer_data": {
            "source": item.source,
            "referrer": item.collector.code if item.collector_id else None,
        },
        "_links": {
            "self": {"href": href("signature", item.campaign_id, item.id)},
            "osdi:petition": {"href": href("petition", item.campaign_id)},
        },
    }


def _site_href(name: str, *args) -> str:
    return settings.SITE_URL + reverse(f"osdi:{name}", args=args)


def signature_payload(signature_id: int) -> dict | None:
    """A counted signature as a webhook body, read now; None if it was erased or rejected
    since (a delivery is then dropped: nothing is sent about a person who withdrew)."""
    item = (
        Signature.objects.select_related("collector", "campaign")
        .filter(id=signature_id, erased_at__isnull=True)
        .exclude(status=Signature.Status.REJECTED)
        .first()
    )
    if item is None:
        return None
    given, family = split_name(item.name)
    body = signature_osdi(item, href=_site_href)
    body["person"] = {
        "given_name": given,
        "family_name": family,
        **contact_osdi(email=item.email, phone=item.phone),
        "postal_addresses": [{"country": item.country.code, "postal_code": item.postal_code}],
    }
    body["_links"]["browser_url"] = {"href": f"{settings.SITE_URL}/c/{item.campaign.slug}/"}
    return {
        "event": "signature",
        "idempotency_key": f"voces-signature-{item.id}",
        "osdi:signature": body,
    }
