import pytest
from django.core.exceptions import ValidationError

from campaigns import records, services
from campaigns.models import Campaign, CountryStatus
from core.errors import NotAllowed


def test_organisers_create_campaigns_for_their_organisation(org_a, organiser_a):
    campaign = services.campaign_create(
        by=organiser_a,
        organisation=org_a,
        slug="ratify",
        title="Ratify C189",
        goal=1000,
        translations={"qu": {"title": "Ratificay"}},
    )
    assert campaign.status == Campaign.Status.DRAFT
    assert campaign.translations.get().title == "Ratificay"


@pytest.mark.parametrize("who", ["collector_a", "viewer_a", "organiser_b"])
def test_others_cannot_create_campaigns(request, org_a, who):
    user = request.getfixturevalue(who)
    with pytest.raises(NotAllowed):
        services.campaign_create(by=user, organisation=org_a, slug="x", title="X", goal=1)
    assert not Campaign.objects.filter(slug="x").exists()


def test_reopening_a_campaign_clears_its_outcome(organiser_a, campaign_a):
    services.campaign_update(by=organiser_a, campaign=campaign_a, status="closed", outcome="won")
    campaign = services.campaign_update(by=organiser_a, campaign=campaign_a, status="open")
    assert campaign.outcome == ""


def test_duplicate_slug_is_a_field_error(organiser_a, org_a, campaign_a):
    with pytest.raises(ValidationError) as error:
        services.campaign_create(
            by=organiser_a, organisation=org_a, slug=campaign_a.slug, title="X", goal=1
        )
    assert "slug" in error.value.message_dict


def test_country_status_keeps_history(organiser_a, campaign_a):
    records.country_status_record(
        by=organiser_a, campaign=campaign_a, country="EC", stage="committee", date="2013-03-12"
    )
    records.country_status_record(
        by=organiser_a, campaign=campaign_a, country="EC", stage="passed", date="2013-11-28"
    )
    assert list(
        CountryStatus.objects.filter(campaign=campaign_a).values_list("stage", flat=True)
    ) == ["committee", "passed"]
    assert CountryStatus.objects.filter(recorded_by=organiser_a).count() == 2
