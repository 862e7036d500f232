import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from campaigns.models import Campaign, CampaignTranslation, validate_language_list
from campaigns.selectors import campaign_content, campaign_country_stages
from tests.factories import CampaignFactory, CountryStatusFactory

pytestmark = pytest.mark.django_db


def test_outcome_is_refused_by_the_database_unless_closed():
    campaign = CampaignFactory(status="open")
    with pytest.raises(IntegrityError):
        Campaign.objects.filter(pk=campaign.pk).update(outcome="won")


def test_outcome_is_refused_by_validation_unless_closed():
    campaign = CampaignFactory.build(status="open", outcome="won")
    with pytest.raises(ValidationError) as error:
        campaign.full_clean(exclude=["organisation"])
    assert "outcome" in error.value.message_dict


def test_goal_must_be_positive_in_the_database():
    campaign = CampaignFactory()
    with pytest.raises(IntegrityError):
        Campaign.objects.filter(pk=campaign.pk).update(goal=0)


@pytest.mark.parametrize("languages", [["es", "qu"], ["pt-BR"], ["ay", "gn"], []])
def test_any_language_code_is_accepted(languages):
    validate_language_list(languages)


@pytest.mark.parametrize("languages", [["Spanish"], ["es", "es"], "es", [1]])
def test_bad_language_lists_are_refused(languages):
    with pytest.raises(ValidationError):
        validate_language_list(languages)


def test_countries_must_be_iso_codes():
    campaign = CampaignFactory.build(countries=["BO", "XX"])
    with pytest.raises(ValidationError) as error:
        campaign.full_clean(exclude=["organisation"])
    assert "countries" in error.value.message_dict


def test_content_falls_back_to_the_first_language():
    campaign = CampaignFactory(languages=["es", "qu"], title="Salud en nuestra lengua")
    CampaignTranslation.objects.create(campaign=campaign, language="qu", title="Allin hampiy")
    assert campaign_content(campaign=campaign, language="qu").title == "Allin hampiy"
    assert campaign_content(campaign=campaign, language="qu").language == "qu"
    assert campaign_content(campaign=campaign, language="fr").title == "Salud en nuestra lengua"
    assert campaign_content(campaign=campaign, language="fr").language == "es"


def test_region_tags_fall_back_to_their_base_language():
    campaign = CampaignFactory(languages=["es", "pt"])
    CampaignTranslation.objects.create(campaign=campaign, language="pt", title="Ratifiquem")
    assert campaign_content(campaign=campaign, language="pt-BR").title == "Ratifiquem"


def test_current_stage_is_the_latest_record_per_country():
    campaign = CampaignFactory()
    CountryStatusFactory(campaign=campaign, country="BO", stage="introduced", date="2012-06-04")
    CountryStatusFactory(campaign=campaign, country="BO", stage="ratified", date="2013-04-15")
    CountryStatusFactory(campaign=campaign, country="EC", stage="passed", date="2013-11-28")
    # Recorded later but dated earlier: history, not the current stage.
    CountryStatusFactory(campaign=campaign, country="BO", stage="passed", date="2012-11-21")
    stages = {s.country.code: s.stage for s in campaign_country_stages(campaign=campaign)}
    assert stages == {"BO": "ratified", "EC": "passed"}
