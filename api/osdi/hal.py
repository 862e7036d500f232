"""OSDI resources as HAL+JSON: plain dicts with `_links` (and `_embedded`), every URL absolute
so a client can walk the API from the entry point alone."""

from collections.abc import Iterable

from django.db.models import Count
from django.urls import reverse

from campaigns.models import Campaign, Engagement
from signatures.models import Person, Signature, Tag, Tagging
from webhooks.payloads import NAMESPACE, iso, signature_osdi

CURIES = [
    {"name": "osdi", "href": "https://opensupporter.github.io/osdi-docs/{rel}", "templated": True}
]


def url(request, name: str, *args) -> str:
    return request.build_absolute_uri(reverse(f"osdi:{name}", args=args))


def link(href: str) -> dict:
    return {"href": href}


def identifiers(kind: str, pk: int) -> list[str]:
    return [f"{NAMESPACE}:{kind}-{pk}"]


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
    """What a petition and an advocacy campaign share; `texts` go before the browser URL."""
    return {
        "identifiers": identifiers(kind, campaign.id),
        "origin_system": "Voces",
        "created_date": iso(campaign.created),
        "modified_date": iso(campaign.modified),
        "name": campaign.slug,
        "title": campaign.title,
        "description": campaign.summary,
        **texts,
        "browser_url": request.build_absolute_uri(reverse("public:campaign", args=[campaign.slug])),
    }


def petition(request, campaign: Campaign, total_signatures: int, targets: list[dict]) -> dict:
    """`targets`: the campaign's entry in campaign_targets()."""
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
        "created_date": iso(engagement.created),
        "modified_date": iso(engagement.created),
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


def person(request, item: Person) -> dict:
    postal = {"primary": True, "country": item.country.code if item.country else ""}
    if item.postal_code:
        postal["postal_code"] = item.postal_code
    return {
        "identifiers": identifiers("person", item.id),
        "created_date": iso(item.created),
        "modified_date": iso(item.modified),
        "given_name": item.given_name,
        "family_name": item.family_name,
        "email_addresses": [{"primary": True, "address": item.email}],
        "postal_addresses": [postal],
        "_links": {
            "self": link(url(request, "person", item.id)),
            "osdi:signatures": link(url(request, "person-signatures", item.id)),
            "osdi:taggings": link(url(request, "person-taggings", item.id)),
        },
    }


def signature(request, item: Signature, person_item: Person | None) -> dict:
    body = signature_osdi(item, href=lambda name, *args: url(request, name, *args))
    if person_item is not None:
        body["_links"]["osdi:person"] = link(url(request, "person", person_item.id))
        body["_embedded"] = {"osdi:person": person(request, person_item)}
    return body


def tag(request, item: Tag) -> dict:
    return {
        "identifiers": identifiers("tag", item.id),
        "created_date": iso(item.created),
        "modified_date": iso(item.modified),
        "name": item.name,
        "_links": {
            "self": link(url(request, "tag", item.id)),
            "osdi:taggings": link(url(request, "tag-taggings", item.id)),
        },
    }


def tagging(request, item: Tagging) -> dict:
    return {
        "identifiers": identifiers("tagging", item.id),
        "created_date": iso(item.created),
        "modified_date": iso(item.created),
        "item_type": "osdi:person",
        "_links": {
            "self": link(url(request, "tagging", item.tag_id, item.id)),
            "osdi:tag": link(url(request, "tag", item.tag_id)),
            "osdi:person": link(url(request, "person", item.person_id)),
        },
    }
