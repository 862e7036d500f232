"""OSDI resources as HAL+JSON: plain dicts with `_links` (and `_embedded`), every URL absolute
and without a trailing slash, so a client can walk the API from the entry point alone and
take a resource's id from the last segment of its `self` link.

What every resource carries, as Action Network's clients expect it: `identifiers` whose
first is `voces:<id>` (the id in the resource's URL), then the older `voces:<kind>-<id>` that
scripts may have stored, then (for people) the identifiers other systems gave; `origin_system`;
`created_date` and `modified_date` in UTC with a `Z`, to the second (equal on a resource
never changed since it was made)."""

from collections.abc import Iterable
from datetime import UTC

from django.db.models import Count
from django.urls import reverse
from django.utils.html import linebreaks

from campaigns.models import Campaign, Engagement
from signatures.models import Person, Signature, SignatureOrigin, Tag, Tagging
from webhooks.payloads import NAMESPACE, contact_osdi, signature_osdi

ORIGIN_SYSTEM = "Voces"
CURIES = [
    {"name": "osdi", "href": "https://opensupporter.github.io/osdi-docs/{rel}", "templated": True}
]


def url(request, name: str, *args) -> str:
    return request.build_absolute_uri(reverse(f"osdi:{name}", args=args))


def link(href: str) -> dict:
    return {"href": href}


def stamp(moment) -> str | None:
    """`2026-11-23T14:05:09Z`: UTC, to the second, as OSDI writes its examples."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def identifiers(kind: str, pk: int, others: Iterable[str] = ()) -> list[str]:
    return [f"{NAMESPACE}:{pk}", f"{NAMESPACE}:{kind}-{pk}", *others]


# --- Petitions and advocacy campaigns (one of each per campaign) --------------------------------


def campaign_targets(campaign_ids: Iterable[int]) -> dict[int, list[dict]]:
    """Per campaign: the decision-makers engaged on it, by name. One query for all of them."""
    targets: dict[int, list[dict]] = {campaign_id: [] for campaign_id in campaign_ids}
    rows = (
        Engagement.objects.filter(campaign_id__in=list(targets))
        .values_list(
            "campaign_id",
            "decision_maker_id",
            "decision_maker__name",
            "decision_maker__role",
            "decision_maker__institution",
        )
        .distinct()
        .order_by("decision_maker__name", "decision_maker_id")
    )
    for campaign_id, _maker_id, name, role, institution in rows:
        targets[campaign_id].append({"name": name, "title": role, "organization": institution})
    return targets


def campaign_outreach_counts(campaign_ids: Iterable[int]) -> dict[int, int]:
    """{campaign_id: engagements recorded}, for the campaigns that have any. One query."""
    return dict(
        Engagement.objects.filter(campaign_id__in=list(campaign_ids))
        .values_list("campaign_id")
        .annotate(n=Count("id"))
        .order_by()
    )


def _campaign_fields(request, kind: str, campaign: Campaign, **texts) -> dict:
    """What a petition and an advocacy campaign share; `texts` go before the browser URL.
    `summary` is the campaign's one-paragraph summary; `description`, as OSDI has it, the
    page's text in HTML: the petition's text, escaped, in paragraphs."""
    return {
        "identifiers": identifiers(kind, campaign.id),
        "origin_system": ORIGIN_SYSTEM,
        "created_date": stamp(campaign.created),
        "modified_date": stamp(campaign.modified),
        "name": campaign.slug,
        "title": campaign.title,
        "summary": campaign.summary,
        "description": (
            linebreaks(campaign.petition_text, autoescape=True)
            if campaign.petition_text.strip()
            else ""
        ),
        **texts,
        "browser_url": request.build_absolute_uri(reverse("public:campaign", args=[campaign.slug])),
    }


def petition(request, campaign: Campaign, total_signatures: int, targets: list[dict]) -> dict:
    """`targets`: the campaign's entry in campaign_targets(); `total_signatures`: the
    confirmed signatures as last tallied, which is what its signatures collection lists."""
    return {
        **_campaign_fields(request, "petition", campaign, petition_text=campaign.petition_text),
        "total_signatures": total_signatures,
        "target": [{"name": target["name"]} for target in targets],
        "_links": {
            "self": link(url(request, "petition", campaign.id)),
            "osdi:signatures": link(url(request, "petition-signatures", campaign.id)),
            "osdi:record_signature_helper": link(url(request, "record-signature", campaign.id)),
        },
    }


def advocacy_campaign(
    request, campaign: Campaign, targets: list[dict], total_outreaches: int
) -> dict:
    """`targets` and `total_outreaches`: from campaign_targets() and campaign_outreach_counts()."""
    return {
        **_campaign_fields(request, "advocacy_campaign", campaign),
        "targets": ", ".join(t["name"] for t in targets),
        "target_list": targets,
        "total_outreaches": total_outreaches,
        "_links": {
            "self": link(url(request, "advocacy-campaign", campaign.id)),
            "osdi:outreaches": link(url(request, "outreaches", campaign.id)),
        },
    }


def outreach(request, engagement: Engagement) -> dict:
    maker = engagement.decision_maker
    return {
        "identifiers": identifiers("outreach", engagement.id),
        "origin_system": ORIGIN_SYSTEM,
        "created_date": stamp(engagement.created),
        "modified_date": stamp(engagement.created),
        "type": engagement.kind,
        "subject": engagement.get_kind_display(),
        "message": engagement.notes,
        "action_date": engagement.date.isoformat(),
        "targets": [{"name": maker.name, "title": maker.role, "organization": maker.institution}],
        "stance": engagement.stance,
        "_links": {
            "self": link(url(request, "outreach", engagement.campaign_id, engagement.id)),
            "osdi:advocacy_campaign": link(
                url(request, "advocacy-campaign", engagement.campaign_id)
            ),
        },
    }


# --- People, signatures, tags ---------------------------------------------------------------


def person_contact(item: Person) -> dict:
    """Email and phone as OSDI has them. Voces keeps no mailing list: signing agrees to the
    campaign's use of the details, not to newsletters, so no address is `subscribed`."""
    contact = contact_osdi(email=item.email, phone=item.phone)
    for address in contact.get("email_addresses", []):
        address["address_type"] = "personal"
        address["status"] = "unsubscribed"
    return contact


def person(request, item: Person) -> dict:
    """`item.identifiers` is best prefetched (OSDIView.people does)."""
    postal = {"primary": True, "country": item.country.code if item.country else ""}
    if item.postal_code:
        postal["postal_code"] = item.postal_code
    return {
        "identifiers": identifiers(
            "person", item.id, [other.value for other in item.identifiers.all()]
        ),
        "origin_system": ORIGIN_SYSTEM,
        "created_date": stamp(item.created),
        "modified_date": stamp(item.modified),
        "given_name": item.given_name,
        "family_name": item.family_name,
        **person_contact(item),
        "postal_addresses": [postal],
        "custom_fields": dict(item.custom_fields or {}),
        "_links": {
            "self": link(url(request, "person", item.id)),
            "osdi:signatures": link(url(request, "person-signatures", item.id)),
            "osdi:taggings": link(url(request, "person-taggings", item.id)),
        },
    }


def _origin(item: Signature) -> SignatureOrigin | None:
    try:
        return item.origin
    except SignatureOrigin.DoesNotExist:
        return None


def signature(request, item: Signature, person_item: Person | None) -> dict:
    """The shape webhooks send (webhooks.payloads), with what a partner's system said of the
    signature (select_related "origin" to read it without a query) and the person."""
    body = signature_osdi(item, href=lambda name, *args: url(request, name, *args))
    origin = _origin(item)
    referrer = body["referrer_data"]
    if origin is not None:
        referrer["source"] = origin.source or referrer["source"]
        referrer["referrer"] = referrer["referrer"] or origin.referrer or None
        if origin.website:
            referrer["website"] = origin.website
    body.update(
        {
            "identifiers": identifiers("signature", item.id),
            "origin_system": (origin.origin_system if origin else "") or ORIGIN_SYSTEM,
            "created_date": stamp(item.created),
            "modified_date": stamp(item.modified or item.created),
            "action_date": stamp(
                origin.action_date if origin and origin.action_date else item.created
            ),
        }
    )
    if person_item is not None:
        body["_links"]["osdi:person"] = link(url(request, "person", person_item.id))
        body["_embedded"] = {"osdi:person": person(request, person_item)}
    return body


def tag(request, item: Tag) -> dict:
    return {
        "identifiers": identifiers("tag", item.id),
        "origin_system": ORIGIN_SYSTEM,
        "created_date": stamp(item.created),
        "modified_date": stamp(item.modified),
        "name": item.name,
        "_links": {
            "self": link(url(request, "tag", item.id)),
            "osdi:taggings": link(url(request, "tag-taggings", item.id)),
        },
    }


def tagging(request, item: Tagging) -> dict:
    return {
        "identifiers": identifiers("tagging", item.id),
        "origin_system": ORIGIN_SYSTEM,
        "created_date": stamp(item.created),
        "modified_date": stamp(item.created),
        "item_type": "osdi:person",
        "_links": {
            "self": link(url(request, "tagging", item.tag_id, item.id)),
            "osdi:tag": link(url(request, "tag", item.tag_id)),
            "osdi:person": link(url(request, "person", item.person_id)),
        },
    }
