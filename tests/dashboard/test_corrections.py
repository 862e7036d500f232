"""Organisers correct and remove the records behind a campaign's figures from the dashboard:
every change asks first where it should, leaves an audit entry, and the tally follows."""

import re
from datetime import date

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from campaigns import records
from campaigns.models import AuditEntry, CountryStatus, DecisionMaker, Engagement, OutreachActivity
from dashboard import forms
from tallies import services as tallies
from tallies.models import CampaignTally
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def tally_of(campaign) -> CampaignTally:
    """The campaign's figures after the records tally the commit started has run."""
    tallies.campaign_tally_records(campaign_id=campaign.id)
    return CampaignTally.objects.get(campaign=campaign)


def page(client, url, **extra) -> str:
    response = client.get(url, **EN, **extra)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def outreach(campaign, by, *, reach=1_800_000, country="BO", when=date(2014, 3, 8)):
    return records.outreach_record(
        by=by, campaign=campaign, channel="radio", country=country, date=when, reach=reach
    )


def selected_options(html: str, select_id: str) -> list[str]:
    select = re.search(rf'<select[^>]*id="{select_id}".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="([^"]*)"[^>]*\sselected', select)


# --- Outreach -------------------------------------------------------------------------------


def test_a_mistyped_reach_is_corrected_with_a_trail_and_the_figures_follow(
    client, organiser_a, campaign_a
):
    client.force_login(organiser_a)
    base = f"/dashboard/c/{campaign_a.slug}"
    response = client.post(
        f"{base}/outreach/new/",
        {"channel": "radio", "country": "BO", "date": "2014-03-08", "reach": "1,800,000"},
    )
    assert response.status_code == 302
    activity = OutreachActivity.objects.get()
    assert activity.reach == 1_800_000  # typed with separators, read as the number meant
    assert tally_of(campaign_a).reach["total"] == 1_800_000
    assert "1,800,000 people reached" in page(client, f"{base}/")

    edit = page(client, f"{base}/outreach/{activity.id}/edit/")
    assert 'value="1800000"' in edit
    spanish = client.get(f"{base}/outreach/{activity.id}/edit/", HTTP_ACCEPT_LANGUAGE="es")
    assert 'value="2014-03-08"' in spanish.content.decode()  # the date picker's: ISO always
    response = client.post(
        f"{base}/outreach/{activity.id}/edit/",
        {"channel": "radio", "country": "BO", "date": "2014-03-08", "reach": "180000"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{base}/#records-outreach"
    activity.refresh_from_db()
    assert activity.reach == 180_000
    entry = AuditEntry.objects.get(action="outreach.update")
    assert entry.actor == organiser_a
    assert entry.target_id == activity.id
    assert entry.changes == {"reach": [1_800_000, 180_000]}
    assert tally_of(campaign_a).reach == {
        "total": 180_000,
        "by_channel": {"radio": 180_000},
        "by_country": {"BO": 180_000},
        "by_month": {"2014-03": 180_000},
    }
    assert "180,000 people reached" in page(client, f"{base}/")


def test_removing_outreach_asks_first_then_the_figures_follow(client, organiser_a, campaign_a):
    activity = outreach(campaign_a, organiser_a)
    keep = outreach(campaign_a, organiser_a, reach=500, country="EC")
    client.force_login(organiser_a)
    url = f"/dashboard/c/{campaign_a.slug}/outreach/{activity.id}/remove/"
    asked = page(client, url)
    assert (
        "Remove this outreach record (Radio, BO, March 8, 2014, 1,800,000 people reached)?" in asked
    )
    assert "The campaign&#x27;s figures will be recomputed." in asked
    assert OutreachActivity.objects.filter(id=activity.id).exists()  # asking removed nothing
    assert client.post(url).status_code == 302
    assert list(OutreachActivity.objects.all()) == [keep]
    entry = AuditEntry.objects.get(action="outreach.remove")
    assert entry.target_id == activity.id
    assert entry.changes["reach"] == 1_800_000  # what was removed stays readable in the log
    assert tally_of(campaign_a).reach["total"] == 500


def test_a_spanish_reach_with_dots_is_read_and_a_decimal_is_refused(
    client, organiser_a, campaign_a
):
    client.force_login(organiser_a)
    url = f"/dashboard/c/{campaign_a.slug}/outreach/new/"
    data = {"channel": "tv", "country": "BO", "date": "2014-03-08"}
    assert client.post(url, {**data, "reach": "1.800.000"}).status_code == 302
    assert OutreachActivity.objects.get().reach == 1_800_000
    for typed in ("1,8", "1.5", "18,00", "-3", "1,800.000", "mucho"):
        response = client.post(url, {**data, "reach": typed}, **EN)
        assert response.status_code == 400, typed
        assert "Enter a whole number, such as 180000 or 180,000." in response.content.decode()
    assert OutreachActivity.objects.count() == 1


# --- Country stages -------------------------------------------------------------------------


def test_a_stage_is_corrected_and_removed_and_the_countries_follow(client, organiser_a, campaign_a):
    status = records.country_status_record(
        by=organiser_a, campaign=campaign_a, country="BO", stage="ratified", date=date(2013, 4, 15)
    )
    assert tally_of(campaign_a).countries[0]["stage"] == "ratified"
    client.force_login(organiser_a)
    base = f"/dashboard/c/{campaign_a.slug}/stages/{status.id}"
    response = client.post(
        f"{base}/edit/",
        {"country": "BO", "stage": "passed", "date": "2013-04-15", "source_url": ""},
    )
    assert response.status_code == 302
    assert AuditEntry.objects.get(action="stage.update").changes == {
        "stage": ["ratified", "passed"]
    }
    assert [c["stage"] for c in tally_of(campaign_a).countries] == ["passed"]

    asked = page(client, f"{base}/remove/")
    assert "Remove this step (Bolivia: Passed the legislature, April 15, 2013)?" in asked
    assert "Bolivia will then have no stage recorded." in asked
    client.post(f"{base}/remove/")
    assert not CountryStatus.objects.exists()
    assert AuditEntry.objects.filter(action="stage.remove", target_id=status.id).exists()
    assert tally_of(campaign_a).countries == []


def test_removing_the_latest_step_says_where_the_country_will_stand(
    client, organiser_a, campaign_a
):
    for stage, when in (("committee", date(2012, 5, 1)), ("passed", date(2012, 11, 21))):
        latest = records.country_status_record(
            by=organiser_a, campaign=campaign_a, country="BO", stage=stage, date=when
        )
    client.force_login(organiser_a)
    asked = page(client, f"/dashboard/c/{campaign_a.slug}/stages/{latest.id}/remove/")
    assert "Bolivia will then stand at “In committee” (May 1, 2012)." in asked


# --- Decision-makers and engagements ---------------------------------------------------------


def engage(campaign, by, decision_maker, *, stance="champion", when=date(2013, 3, 1)):
    return records.engagement_record(
        by=by,
        campaign=campaign,
        decision_maker=decision_maker,
        kind="meeting",
        date=when,
        stance=stance,
    )


def test_an_engagement_is_corrected_and_removed_and_the_board_follows(
    client, organiser_a, campaign_a
):
    maker = records.decision_maker_create(
        by=organiser_a, organisation=campaign_a.organisation, name="Ministra Rojas", country="BO"
    )
    engagement = engage(campaign_a, organiser_a, maker)
    assert tally_of(campaign_a).decision_makers["by_stance"] == {"champion": 1}
    client.force_login(organiser_a)
    base = f"/dashboard/c/{campaign_a.slug}/engagements/{engagement.id}"
    edit = page(client, f"{base}/edit/")
    assert selected_options(edit, "id_decision_maker") == [str(maker.id)]
    response = client.post(
        f"{base}/edit/",
        {"decision_maker": maker.id, "kind": "meeting", "date": "2013-03-01", "stance": "opposed"},
    )
    assert response.status_code == 302
    assert AuditEntry.objects.get(action="engagement.update").changes == {
        "stance": ["champion", "opposed"]
    }
    assert tally_of(campaign_a).decision_makers["by_stance"] == {"opposed": 1}

    asked = page(client, f"{base}/remove/")
    assert "Remove this engagement (Meeting with Ministra Rojas, March 1, 2013: Opposed)?" in asked
    client.post(f"{base}/remove/")
    assert not Engagement.objects.exists()
    assert AuditEntry.objects.filter(action="engagement.remove").exists()
    assert tally_of(campaign_a).decision_makers["engaged"] == 0


def test_removing_a_decision_maker_says_how_many_engagements_go_with_them(
    client, organiser_a, campaign_a
):
    other = CampaignFactory(organisation=campaign_a.organisation, slug="other-a")
    maker = records.decision_maker_create(
        by=organiser_a,
        organisation=campaign_a.organisation,
        name="Diputada Mamani",
        institution="Asamblea Legislativa",
        country="BO",
    )
    engage(campaign_a, organiser_a, maker)
    engage(campaign_a, organiser_a, maker, when=date(2013, 6, 1))
    engage(other, organiser_a, maker)
    assert tally_of(campaign_a).decision_makers["engaged"] == 1
    assert tally_of(other).decision_makers["engaged"] == 1
    client.force_login(organiser_a)
    url = f"/dashboard/c/{campaign_a.slug}/decision-makers/{maker.id}/remove/"
    asked = page(client, url)
    assert (
        "Remove Diputada Mamani — Asamblea Legislativa (Bolivia) from Organisation A&#x27;s "
        "decision-makers?" in asked
    )
    assert "Their 3 engagements are removed with them." in asked
    assert "The figures of the 2 campaigns they were engaged in will be recomputed." in asked
    assert DecisionMaker.objects.exists()
    client.post(url)
    assert not DecisionMaker.objects.exists()
    assert not Engagement.objects.exists()
    assert AuditEntry.objects.filter(action="decision_maker.remove", target_id=maker.id).exists()
    assert tally_of(campaign_a).decision_makers["engaged"] == 0
    assert tally_of(other).decision_makers["engaged"] == 0


def test_a_decision_maker_is_corrected_from_a_campaign_page(client, organiser_a, campaign_a):
    maker = records.decision_maker_create(
        by=organiser_a, organisation=campaign_a.organisation, name="Ministra Roja", country="PE"
    )
    client.force_login(organiser_a)
    url = f"/dashboard/c/{campaign_a.slug}/decision-makers/{maker.id}/edit/"
    assert selected_options(page(client, url), "id_country") == ["PE"]
    response = client.post(url, {"name": "Ministra Rojas", "country": "BO", "level": "national"})
    assert response.status_code == 302
    maker.refresh_from_db()
    assert (maker.name, maker.country.code) == ("Ministra Rojas", "BO")
    assert AuditEntry.objects.get(action="decision_maker.update").changes == {
        "name": ["Ministra Roja", "Ministra Rojas"],
        "country": ["PE", "BO"],
    }


def test_the_engagement_form_lists_decision_makers_by_country_then_name(
    client, organiser_a, campaign_a, org_b, organiser_b
):
    for name, country in (("Zoila", "BO"), ("Ana", "PE"), ("Bruno", "BO"), ("Carla", "EC")):
        DecisionMaker.objects.create(
            organisation=campaign_a.organisation, name=name, country=country
        )
    DecisionMaker.objects.create(organisation=org_b, name="Of another organisation", country="BO")
    client.force_login(organiser_a)
    html = page(client, f"/dashboard/c/{campaign_a.slug}/engagements/new/")
    select = re.search(r'<select name="decision_maker".*?</select>', html, re.S).group(0)
    assert re.findall(r'<optgroup label="([^"]+)"', select) == ["Bolivia", "Ecuador", "Peru"]
    assert re.findall(r"<option value=\"\d+\">([^<]+)</option>", select) == [
        "Bruno",
        "Zoila",
        "Carla",
        "Ana",
    ]
    assert selected_options(html, "id_decision_maker") == [""]  # "Choose a decision-maker"


# --- Whose records ----------------------------------------------------------------------------


def test_another_campaigns_records_are_not_found(client, organiser_a, campaign_a, org_b):
    theirs = CampaignFactory(organisation=org_b, slug="campaign-b")
    sibling = CampaignFactory(organisation=campaign_a.organisation, slug="sibling-a")
    foreign_maker = DecisionMaker.objects.create(organisation=org_b, name="Ajena", country="BO")
    mine_elsewhere = outreach(sibling, organiser_a)
    stage = records.country_status_record(
        by=organiser_a, campaign=sibling, country="BO", stage="passed", date=date(2012, 1, 1)
    )
    own_maker = DecisionMaker.objects.create(
        organisation=campaign_a.organisation, name="Propia", country="BO"
    )
    engagement = engage(sibling, organiser_a, own_maker)
    client.force_login(organiser_a)
    base = f"/dashboard/c/{campaign_a.slug}"
    for path in (
        f"outreach/{mine_elsewhere.id}",
        f"stages/{stage.id}",
        f"engagements/{engagement.id}",
        f"decision-makers/{foreign_maker.id}",
        "outreach/999999999999999999",
    ):
        for action in ("edit", "remove"):
            assert client.get(f"{base}/{path}/{action}/").status_code == 404, path
            assert client.post(f"{base}/{path}/{action}/").status_code == 404, path
    assert client.get(f"{base}/outreach/1234567890123456789/edit/").status_code == 404
    elsewhere = f"/dashboard/c/{theirs.slug}/outreach/{mine_elsewhere.id}/edit/"
    assert client.get(elsewhere).status_code == 404
    assert OutreachActivity.objects.count() == CountryStatus.objects.count() == 1
    assert Engagement.objects.count() == 1
    assert DecisionMaker.objects.count() == 2
    assert not AuditEntry.objects.exclude(action__endswith=".create").exists()


def test_viewers_see_the_records_but_may_not_correct_them(
    client, viewer_a, organiser_a, campaign_a
):
    activity = outreach(campaign_a, organiser_a)
    client.force_login(viewer_a)
    base = f"/dashboard/c/{campaign_a.slug}"
    html = page(client, f"{base}/")
    assert "Records behind the figures" in html
    assert "1,800,000" in html
    assert f"/outreach/{activity.id}/edit/" not in html
    assert page(client, f"{base}/outreach/").count("1,800,000") == 1
    for action in ("edit", "remove"):
        assert client.get(f"{base}/outreach/{activity.id}/{action}/").status_code == 403
        assert client.post(f"{base}/outreach/{activity.id}/{action}/").status_code == 403
    assert OutreachActivity.objects.get().reach == 1_800_000


def test_the_campaign_page_shows_the_latest_records_and_a_page_of_them_all(
    client, organiser_a, campaign_a
):
    for day in range(1, 8):
        outreach(campaign_a, organiser_a, reach=day * 1000, when=date(2014, 3, day))
    client.force_login(organiser_a)
    base = f"/dashboard/c/{campaign_a.slug}"
    records_section = page(client, f"{base}/").split('id="records"')[1].split("</section>")[0]
    reaches = re.findall(r'<td class="num"[^>]*>([\d,]+)</td>', records_section)
    assert reaches == ["7,000", "6,000", "5,000", "4,000", "3,000"]  # most recent first
    assert "See all 7 outreach records" in records_section
    every = page(client, f"{base}/outreach/")
    assert re.findall(r'<td class="num"[^>]*>([\d,]+)</td>', every)[-1] == "1,000"
    assert "1–7 of 7" in every
    # Corrected from that page, the organiser comes back to it; never to another site.
    first = OutreachActivity.objects.get(reach=1000)
    edit_url = f"{base}/outreach/{first.id}/edit/?next={base}/outreach/%3Fpage%3D1"
    assert f"?next={base}/outreach/" in every
    data = {"channel": "radio", "country": "BO", "date": "2014-03-01", "reach": "1001"}
    assert client.post(edit_url, data)["Location"] == f"{base}/outreach/?page=1"
    evil = f"{base}/outreach/{first.id}/edit/?next=https://evil.example/{base}/"
    assert client.post(evil, data)["Location"] == f"{base}/#records-outreach"


# --- Safer forms --------------------------------------------------------------------------------


def test_the_country_select_offers_the_campaigns_countries_first_and_chooses_none(
    client, organiser_a, campaign_a
):
    client.force_login(organiser_a)
    for kind in ("outreach", "stages", "decision-makers"):
        html = client.get(
            f"/dashboard/c/{campaign_a.slug}/{kind}/new/", HTTP_ACCEPT_LANGUAGE="es"
        ).content.decode()
        select = re.search(r'<select name="country".*?</select>', html, re.S).group(0)
        assert "data-country-search=" in select  # the script's search box hooks on this
        assert selected_options(html, "id_country") == [""], kind  # not "Afganistán"
        assert re.search(r'<option value="" selected>[^<]+</option>', select)  # "Choose a country"
        first_group = re.search(r'<optgroup label="[^"]+">(.*?)</optgroup>', select, re.S).group(1)
        assert re.findall(r'value="([A-Z]{2})"', first_group) == ["BO", "EC"]
        assert select.index('value="AF"') > select.index('value="EC"')
        assert "js/country-select" in html


def test_a_campaign_without_countries_offers_every_country_and_chooses_none(
    client, organiser_a, org_a
):
    campaign = CampaignFactory(organisation=org_a, countries=[])
    client.force_login(organiser_a)
    html = page(client, f"/dashboard/c/{campaign.slug}/outreach/new/")
    assert "<optgroup" not in re.search(r'<select name="country".*?</select>', html, re.S).group(0)
    assert selected_options(html, "id_country") == [""]
    data = {"channel": "radio", "country": "PE", "date": "2014-03-08", "reach": "10"}
    # No campaign countries: nothing is "outside" them, nothing to ask.
    assert client.post(f"/dashboard/c/{campaign.slug}/outreach/new/", data).status_code == 302


def test_outreach_outside_the_campaigns_countries_asks_first(client, organiser_a, campaign_a):
    client.force_login(organiser_a)
    url = f"/dashboard/c/{campaign_a.slug}/outreach/new/"
    data = {"channel": "radio", "country": "PE", "date": "2014-03-08", "reach": "1000"}
    asked = client.post(url, data, **EN)
    assert asked.status_code == 200  # asked, not refused
    html = asked.content.decode()
    assert "Please check before saving" in html
    assert "Peru is not one of this campaign&#x27;s countries (Bolivia, Ecuador)." in html
    assert 'name="confirm"' in html
    assert "Yes, record it anyway" in html
    assert not OutreachActivity.objects.exists()
    # With a field wrong too, it is refused, and asks as well.
    both = client.post(url, {**data, "reach": "many", "confirm": "on"}, **EN)
    assert both.status_code == 400
    assert "Peru is not one of this campaign" in both.content.decode()
    ticked = r'<input type="checkbox" name="confirm"[^>]*\schecked'
    assert re.search(ticked, both.content.decode())  # the tick is kept while they correct
    assert client.post(url, {**data, "confirm": "on"}).status_code == 302
    activity = OutreachActivity.objects.get()
    assert activity.country.code == "PE"
    # Correcting something else of it asks nothing again.
    edit = f"/dashboard/c/{campaign_a.slug}/outreach/{activity.id}/edit/"
    assert client.post(edit, {**data, "reach": "900"}).status_code == 302
    assert OutreachActivity.objects.get().reach == 900
    # A form with no country outside the campaign shows no box to tick.
    assert 'name="confirm"' not in page(client, url)


def test_an_engagement_with_a_decision_maker_of_another_country_asks_first(
    client, organiser_a, campaign_a
):
    maker = DecisionMaker.objects.create(
        organisation=campaign_a.organisation, name="Congresista Quispe", country="PE"
    )
    client.force_login(organiser_a)
    url = f"/dashboard/c/{campaign_a.slug}/engagements/new/"
    data = {
        "decision_maker": maker.id,
        "kind": "letter",
        "date": "2014-01-02",
        "stance": "undecided",
    }
    html = client.post(url, data, **EN).content.decode()
    assert (
        "Congresista Quispe is in Peru, which is not one of this campaign&#x27;s countries "
        "(Bolivia, Ecuador)." in html
    )
    assert not Engagement.objects.exists()
    assert client.post(url, {**data, "confirm": "on"}).status_code == 302
    assert Engagement.objects.get().decision_maker == maker


def test_a_stage_that_goes_backwards_asks_first(client, organiser_a, campaign_a):
    records.country_status_record(
        by=organiser_a, campaign=campaign_a, country="BO", stage="ratified", date=date(2013, 4, 15)
    )
    client.force_login(organiser_a)
    url = f"/dashboard/c/{campaign_a.slug}/stages/new/"
    data = {"country": "BO", "stage": "committee", "date": "2014-05-01", "source_url": ""}
    asked = client.post(url, data, **EN)
    assert asked.status_code == 200  # asked, not refused
    assert (
        "In Bolivia the ask was already at “Ratified” on April 15, 2013: “In committee” on "
        "May 1, 2014 is a step backwards." in asked.content.decode()
    )
    assert CountryStatus.objects.count() == 1
    assert client.post(url, {**data, "confirm": "on"}).status_code == 302
    assert CountryStatus.objects.count() == 2
    # An earlier step added to the history is no step backwards; nor is another country.
    for country, stage, when in (
        ("BO", "introduced", "2010-01-01"),
        ("EC", "committee", "2014-06-01"),
    ):
        response = client.post(url, {"country": country, "stage": stage, "date": when})
        assert response.status_code == 302, (country, stage)


def test_a_step_recorded_above_a_later_one_asks_first(client, organiser_a, campaign_a):
    records.country_status_record(
        by=organiser_a, campaign=campaign_a, country="EC", stage="committee", date=date(2014, 1, 1)
    )
    client.force_login(organiser_a)
    html = client.post(
        f"/dashboard/c/{campaign_a.slug}/stages/new/",
        {"country": "EC", "stage": "passed", "date": "2013-06-01"},
        **EN,
    ).content.decode()
    assert (
        "In Ecuador “In committee” is recorded later, on Jan. 1, 2014: after “Passed the "
        "legislature” on June 1, 2013, that would be a step backwards." in html
    )
    assert CountryStatus.objects.count() == 1


def test_correcting_a_step_compares_it_with_the_others_not_itself(client, organiser_a, campaign_a):
    records.country_status_record(
        by=organiser_a, campaign=campaign_a, country="BO", stage="committee", date=date(2012, 5, 1)
    )
    latest = records.country_status_record(
        by=organiser_a, campaign=campaign_a, country="BO", stage="ratified", date=date(2013, 4, 15)
    )
    client.force_login(organiser_a)
    url = f"/dashboard/c/{campaign_a.slug}/stages/{latest.id}/edit/"
    # A new source for the same step asks nothing; moving it below committee does.
    data = {"country": "BO", "stage": "ratified", "date": "2013-04-15"}
    assert client.post(url, {**data, "source_url": "https://example.org/ley"}).status_code == 302
    asked = client.post(url, {**data, "stage": "introduced"}, **EN)
    assert asked.status_code == 200  # asked, not refused
    assert "is a step backwards" in asked.content.decode()
    latest.refresh_from_db()
    assert (latest.stage, latest.source_url) == ("ratified", "https://example.org/ley")


def test_every_form_shows_its_non_field_errors(campaign_a):
    form = forms.OutreachForm(
        {"channel": "radio", "country": "BO", "date": "2014-03-08", "reach": "1"},
        campaign=campaign_a,
    )
    assert form.is_valid()
    form.add_error(None, "This record was changed by someone else meanwhile.")
    with translation.override("en"):
        html = render_to_string("dashboard/_form_fields.html", {"form": form})
    errors = re.search(r'<div class="errors" role="alert">(.*?)</div>', html, re.S).group(1)
    assert "This record was changed by someone else meanwhile." in errors


def test_dates_and_numbers_are_inputs_like_the_others(client, organiser_a, campaign_a):
    client.force_login(organiser_a)
    html = page(client, f"/dashboard/c/{campaign_a.slug}/outreach/new/")
    assert re.search(r'<input type="date" name="date"[^>]*>', html)
    reach = re.search(r'<input type="text" name="reach"[^>]*>', html).group(0)
    assert 'inputmode="numeric"' in reach
    with open("static/css/voces.css", encoding="utf-8") as css:
        rules = css.read()
    assert re.search(r"\.field input\[type=date\][^{]*\{[^}]*width: 100%", rules)
    assert ".field input[type=text]" in rules  # which the reach's text input gets


def test_the_engagement_form_says_to_add_a_decision_maker_first(client, organiser_a, campaign_a):
    client.force_login(organiser_a)
    html = page(client, f"/dashboard/c/{campaign_a.slug}/engagements/new/")
    assert "The organisation tracks no decision-makers yet: add one first" in html
    assert 'aria-describedby="id_decision_maker_helptext"' in html
