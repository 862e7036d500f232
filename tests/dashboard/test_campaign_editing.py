"""Organisers create and edit campaigns from the dashboard alone: fields, translations, the
consent text per language (versioned), the lifecycle, and a preview of the public page."""

from html.parser import HTMLParser

import pytest
from django.utils import timezone

from campaigns.models import AuditEntry, Campaign, CampaignTranslation, Role
from signatures.models import ConsentText, Signature
from tests.factories import CampaignFactory, MembershipFactory, OrganisationFactory, sign

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


class _FormReader(HTMLParser):
    """What a browser would send from one form of a page, as the page filled it in."""

    def __init__(self, css_class: str):
        super().__init__()
        self.css_class, self.inside, self.data = css_class, False, []
        self._textarea = self._select = None
        self._option = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.css_class in (attrs.get("class") or "").split():
            self.inside = True
        if not self.inside or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.data.append((name, attrs.get("value", "on")))
            elif kind not in ("submit", "button"):
                self.data.append((name, attrs.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.data.append((self._select, attrs.get("value", "")))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            self.data.append((name, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self.inside = False


def form_data(response, css_class="campaign-form", **changes) -> dict:
    """The page's form as sent back, with `changes` (a list value: every value; None: left
    out, as an unticked box)."""
    reader = _FormReader(css_class)
    reader.feed(response.content.decode())
    data: dict = {}
    for name, value in reader.data:
        data.setdefault(name, []).append(value)
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value if isinstance(value, list) else [value]
    return data


def new_campaign_data(client, **changes):
    page = client.get("/dashboard/c/new/", **EN)
    assert page.status_code == 200
    fields = {
        "title": "Ratifiquen el Convenio 189",
        "summary": "Trabajo digno para las trabajadoras del hogar.",
        "petition_text": "Pedimos la ratificación del Convenio 189.",
        "goal": "50000",
        "countries": ["PE", "BO"],
        "languages": "es, qu",
    }
    return form_data(page, **{**fields, **changes})


# --- Creating --------------------------------------------------------------------------------


def test_an_organiser_creates_a_campaign_with_every_field_and_a_quechua_translation(
    client, organiser_a, org_a
):
    client.force_login(organiser_a)
    data = new_campaign_data(
        client,
        slug="c189-peru",
        require_confirmation="on",
        starts_on="2026-12-01",
        ends_on="2027-06-30",
        baseline_starts_on="2025-01-01",
        baseline_ends_on="2025-12-31",
        **{
            "translations-0-language": "QU",
            "translations-0-title": "C189 Kamachiyta ratificaychik",
            "translations-0-petition_text": "Kamachiyta ratificanankuta mañakuyku.",
        },
    )
    response = client.post("/dashboard/c/new/", data, **EN)
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/c/c189-peru/edit/"
    campaign = Campaign.objects.get(slug="c189-peru")
    assert campaign.organisation == org_a
    assert campaign.status == Campaign.Status.DRAFT
    assert (campaign.title, campaign.goal, campaign.require_confirmation) == (
        "Ratifiquen el Convenio 189",
        50000,
        True,
    )
    assert sorted(c.code for c in campaign.countries) == ["BO", "PE"]
    assert campaign.languages == ["es", "qu"]
    assert str(campaign.starts_on) == "2026-12-01"
    assert str(campaign.baseline_ends_on) == "2025-12-31"
    quechua = campaign.translations.get()
    assert (quechua.language, quechua.title) == ("qu", "C189 Kamachiyta ratificaychik")
    assert AuditEntry.objects.filter(action="campaign.create", target_id=campaign.id).exists()
    # The public page shows the translation once the campaign opens.
    client.post("/dashboard/c/c189-peru/edit/", {"action": "open"})
    public = client.get("/c/c189-peru/?lang=qu").content.decode()
    assert "C189 Kamachiyta ratificaychik" in public
    assert "Kamachiyta ratificanankuta mañakuyku." in public


def test_the_organisation_is_chosen_among_those_the_person_manages(client, organiser_a, org_a):
    other = OrganisationFactory(slug="watching", name="Only watching")
    MembershipFactory(user=organiser_a, organisation=other, role=Role.VIEWER)
    client.force_login(organiser_a)
    html = client.get("/dashboard/c/new/", **EN).content.decode()
    assert f'<option value="{org_a.slug}" selected>' in html  # the only one: preselected
    assert other.slug not in html
    data = new_campaign_data(client, organisation=other.slug)
    response = client.post("/dashboard/c/new/", data, **EN)
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Campaign.objects.exists()


def test_with_several_organisations_none_is_preselected_and_the_home_link_picks_one(
    client, organiser_a, org_a, org_b
):
    MembershipFactory(user=organiser_a, organisation=org_b, role=Role.OWNER)
    client.force_login(organiser_a)
    html = client.get("/dashboard/c/new/", **EN).content.decode()
    assert "Choose the organisation" in html
    assert '<option value="" selected>Choose the organisation</option>' in html
    picked = client.get(f"/dashboard/c/new/?organisation={org_b.slug}", **EN).content.decode()
    assert f'<option value="{org_b.slug}" selected>' in picked


def test_a_blank_slug_is_made_from_the_title_and_never_taken_twice(client, organiser_a, org_a):
    CampaignFactory(organisation=org_a, slug="ratifiquen-el-convenio-189")
    client.force_login(organiser_a)
    response = client.post("/dashboard/c/new/", new_campaign_data(client, slug=""), **EN)
    assert response.status_code == 302
    assert Campaign.objects.filter(slug="ratifiquen-el-convenio-189-2").exists()
    # A title that makes a reserved word does not take it either.
    client.post("/dashboard/c/new/", new_campaign_data(client, title="New", slug=""), **EN)
    assert Campaign.objects.filter(slug="new-2").exists()
    assert not Campaign.objects.filter(slug="new").exists()


def test_the_slugs_new_and_edit_are_refused_on_the_page_and_in_the_api(
    client, api, organiser_a, org_a
):
    client.force_login(organiser_a)
    response = client.post("/dashboard/c/new/", new_campaign_data(client, slug="new"), **EN)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_slug_error"' in html
    assert "is kept for Voces" in html
    api.force_authenticate(organiser_a)
    for slug in ("edit", "New"):
        answer = api.post(
            "/api/v1/campaigns/",
            {"organisation": org_a.slug, "slug": slug, "title": "T", "goal": 10},
            format="json",
        )
        assert answer.status_code == 400
        assert list(answer.json()) == ["slug"]
    assert not Campaign.objects.exists()


def test_a_campaign_does_not_open_without_petition_text_on_the_page_or_in_the_api(
    client, api, organiser_a, draft_a
):
    client.force_login(organiser_a)
    # Creating it open:
    response = client.post(
        "/dashboard/c/new/", new_campaign_data(client, petition_text="", status="open"), **EN
    )
    assert response.status_code == 400
    assert 'id="id_petition_text_error"' in response.content.decode()
    assert Campaign.objects.count() == 1
    # Opening a draft from its edit page:
    draft_a.petition_text = "   "
    draft_a.save()
    response = client.post(f"/dashboard/c/{draft_a.slug}/edit/", {"action": "open"}, **EN)
    assert response.status_code == 400
    assert "Write the petition text before opening" in response.content.decode()
    # And with the status in the form:
    page = client.get(f"/dashboard/c/{draft_a.slug}/edit/", **EN)
    response = client.post(f"/dashboard/c/{draft_a.slug}/edit/", form_data(page, status="open"))
    assert response.status_code == 400
    draft_a.refresh_from_db()
    assert draft_a.status == Campaign.Status.DRAFT
    # The API says the same, keyed by the field.
    api.force_authenticate(organiser_a)
    answer = api.patch(f"/api/v1/campaigns/{draft_a.slug}/", {"status": "open"}, format="json")
    assert answer.status_code == 400
    assert list(answer.json()) == ["petition_text"]
    answer = api.patch(
        f"/api/v1/campaigns/{draft_a.slug}/",
        {"status": "open", "petition_text": "Pedimos la ratificación."},
        format="json",
    )
    assert answer.status_code == 200


def test_field_errors_are_shown_and_nothing_is_saved(client, organiser_a, org_a):
    client.force_login(organiser_a)
    data = new_campaign_data(client, title="", goal="0", languages="es, Quechua")
    response = client.post("/dashboard/c/new/", data, **EN)
    assert response.status_code == 400
    html = response.content.decode()
    for field in ("title", "goal", "languages"):
        assert f'id="id_{field}_error"' in html
    assert 'aria-invalid="true"' in html
    assert not Campaign.objects.exists()


def test_a_service_refusal_shows_on_its_field(client, organiser_a, org_a):
    client.force_login(organiser_a)
    data = new_campaign_data(client, starts_on="2021-01-01", ends_on="2020-01-01")
    response = client.post("/dashboard/c/new/", data, **EN)
    assert response.status_code == 400
    assert 'id="id_ends_on_error"' in response.content.decode()  # Campaign.clean's message


# --- Editing ---------------------------------------------------------------------------------


def test_an_organiser_edits_a_campaigns_fields(client, organiser_a, campaign_a):
    client.force_login(organiser_a)
    page = client.get(f"/dashboard/c/{campaign_a.slug}/edit/", **EN)
    html = page.content.decode()
    # The campaign's countries come first, ticked.
    assert html.index('value="BO"') < html.index('value="AF"')
    assert html.index('value="EC"') < html.index('value="AF"')
    data = form_data(page, goal="2500", countries=["PE"], summary="Nuevo resumen")
    response = client.post(f"/dashboard/c/{campaign_a.slug}/edit/", data, **EN)
    assert response.status_code == 302
    campaign_a.refresh_from_db()
    assert campaign_a.goal == 2500
    assert [c.code for c in campaign_a.countries] == ["PE"]
    assert campaign_a.summary == "Nuevo resumen"
    entry = AuditEntry.objects.get(action="campaign.update")
    assert entry.changes["goal"] == [1000, 2500]


def test_a_changed_slug_moves_the_page(client, organiser_a, campaign_a):
    client.force_login(organiser_a)
    page = client.get(f"/dashboard/c/{campaign_a.slug}/edit/", **EN)
    response = client.post(f"/dashboard/c/{campaign_a.slug}/edit/", form_data(page, slug="c189"))
    assert response["Location"] == "/dashboard/c/c189/edit/"
    other = CampaignFactory(organisation=campaign_a.organisation)
    page = client.get("/dashboard/c/c189/edit/", **EN)
    response = client.post("/dashboard/c/c189/edit/", form_data(page, slug=other.slug), **EN)
    assert response.status_code == 400
    assert 'id="id_slug_error"' in response.content.decode()


def test_translations_are_added_edited_and_removed(client, organiser_a, campaign_a):
    CampaignTranslation.objects.create(campaign=campaign_a, language="qu", title="Ñawpaq")
    CampaignTranslation.objects.create(campaign=campaign_a, language="en", title="Ratify")
    client.force_login(organiser_a)
    url = f"/dashboard/c/{campaign_a.slug}/edit/"
    page = client.get(url, **EN)
    html = page.content.decode()
    assert "Translation into English (en)" in html
    assert "Translation into Quechua (qu)" in html
    data = form_data(page)
    # Forms in the page's order: en, qu, then the empty one.
    assert data["translations-0-original"] == ["en"]
    assert data["translations-1-original"] == ["qu"]
    data.update(
        {
            "translations-0-remove": ["on"],
            "translations-1-title": ["Kamachiyta ratificaychik"],
            "translations-2-language": ["ay"],
            "translations-2-title": ["Kamachi ratificapxañani"],
        }
    )
    response = client.post(url, data, **EN)
    assert response.status_code == 302
    texts = dict(campaign_a.translations.values_list("language", "title"))
    assert texts == {"qu": "Kamachiyta ratificaychik", "ay": "Kamachi ratificapxañani"}
    campaign_a.refresh_from_db()
    # A saved translation's language is offered (the public page shows none other).
    assert campaign_a.languages == ["es", "en", "qu", "ay"]
    follow = client.get(url, **EN).content.decode()
    assert "Added to the campaign&#x27;s languages, for its translations: qu, ay." in follow
    # The public page offers Aymara, in Aymara.
    assert (
        "Kamachi ratificapxañani" in client.get(f"/c/{campaign_a.slug}/?lang=ay").content.decode()
    )


def test_a_translation_is_checked_before_anything_is_saved(client, organiser_a, campaign_a):
    client.force_login(organiser_a)
    url = f"/dashboard/c/{campaign_a.slug}/edit/"
    page = client.get(url, **EN)
    cases = [
        ({"translations-0-language": "qu"}, "A translation needs at least its title."),
        ({"translations-0-title": "Sin código"}, "Give the code of the translation"),
        ({"translations-0-language": "quechua!", "translations-0-title": "X"}, "language code"),
        ({"translations-0-language": "es", "translations-0-title": "X"}, "already"),
    ]
    for changes, message in cases:
        response = client.post(url, form_data(page, goal="7", **changes), **EN)
        assert response.status_code == 400, changes
        assert message in response.content.decode(), changes
    campaign_a.refresh_from_db()
    assert campaign_a.goal == 1000
    assert not campaign_a.translations.exists()


def test_two_translations_into_one_language_are_refused(client, organiser_a, campaign_a):
    CampaignTranslation.objects.create(campaign=campaign_a, language="qu", title="Ñawpaq")
    client.force_login(organiser_a)
    url = f"/dashboard/c/{campaign_a.slug}/edit/"
    page = client.get(url, **EN)
    data = form_data(page, **{"translations-1-language": "qu", "translations-1-title": "Iskay"})
    response = client.post(url, data, **EN)
    assert response.status_code == 400
    assert "This language has a translation already." in response.content.decode()
    assert campaign_a.translations.get().title == "Ñawpaq"


def test_the_page_says_which_languages_lack_a_translation(client, organiser_a, campaign_a):
    client.force_login(organiser_a)
    html = client.get(f"/dashboard/c/{campaign_a.slug}/edit/", **EN).content.decode()
    assert "No translation yet for en" in html


# --- Consent texts -----------------------------------------------------------------------------


def test_the_installations_consent_is_in_force_until_the_campaign_has_its_own(
    client, organiser_a, campaign_a
):
    campaign_a.languages = ["es", "qu"]
    campaign_a.save()
    client.force_login(organiser_a)
    html = client.get(f"/dashboard/c/{campaign_a.slug}/edit/", **EN).content.decode()
    assert "In force: the installation's default text." in html  # es
    # Quechua has none: the installation's English text is the one in force.
    assert "in English (en) (there is none in Quechua (qu) yet)" in html
    assert "Acepto que la organización" in html
    assert not ConsentText.objects.filter(campaign=campaign_a).exists()


def test_a_changed_consent_wording_is_a_new_version_and_signatures_keep_theirs(
    client, organiser_a, campaign_a
):
    client.force_login(organiser_a)
    url = f"/dashboard/c/{campaign_a.slug}/edit/"
    # Saving without touching the wording makes no version.
    assert client.post(url, form_data(client.get(url, **EN))).status_code == 302
    assert not ConsentText.objects.filter(campaign=campaign_a).exists()

    first = "Acepto que {organisation} guarde mis datos para esta campaña."
    response = client.post(url, form_data(client.get(url, **EN), **{"consent-es": first}), **EN)
    assert response.status_code == 302
    v1 = ConsentText.objects.get(campaign=campaign_a, language="es")
    assert (v1.version, v1.text) == (1, first)
    page = client.get(url, **EN)
    html = page.content.decode()
    assert "Saved, with a new version of the consent in es." in html
    assert "In force: the campaign's version 1" in html
    assert "Acepto que Organisation A guarde mis datos" in html  # {organisation} filled in
    sign(campaign_a, email="primera@example.org")

    # The same wording again (with a browser's line endings) is no new version.
    client.post(url, form_data(page, **{"consent-es": first + "\r\n"}))
    assert ConsentText.objects.filter(campaign=campaign_a).count() == 1

    second = "Acepto que {organisation} guarde mi nombre y país.\r\nPuedo pedir que se borren."
    client.post(url, form_data(client.get(url, **EN), **{"consent-es": second}))
    v2 = ConsentText.objects.get(campaign=campaign_a, language="es", version=2)
    assert (
        v2.text == "Acepto que {organisation} guarde mi nombre y país.\nPuedo pedir que se borren."
    )
    html = client.get(url, **EN).content.decode()
    assert "1 earlier version" in html
    assert "Version 1, from" in html
    sign(campaign_a, email="segunda@example.org")
    kept = dict(Signature.objects.values_list("email", "consent_text__version"))
    assert kept == {"primera@example.org": 1, "segunda@example.org": 2}
    assert AuditEntry.objects.filter(action="consent.create").count() == 2


def test_an_empty_consent_wording_is_refused_and_nothing_else_is_saved(
    client, organiser_a, campaign_a
):
    client.force_login(organiser_a)
    url = f"/dashboard/c/{campaign_a.slug}/edit/"
    response = client.post(url, form_data(client.get(url, **EN), goal="5", **{"consent-es": " "}))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_consent-es_error"' in html
    assert '<details class="new-wording" open>' in html  # the field with the error is shown
    campaign_a.refresh_from_db()
    assert campaign_a.goal == 1000


def test_a_quechua_consent_text_is_written_on_the_page(client, organiser_a, campaign_a):
    campaign_a.languages = ["es", "qu"]
    campaign_a.save()
    client.force_login(organiser_a)
    url = f"/dashboard/c/{campaign_a.slug}/edit/"
    text = "{organisation} sutiyta, correoyta waqaychanqa. Arí nini."
    client.post(url, form_data(client.get(url, **EN), **{"consent-qu": text}))
    assert ConsentText.objects.get(campaign=campaign_a, language="qu").text == text
    assert ConsentText.objects.filter(campaign=campaign_a).count() == 1  # es was left alone


# --- Lifecycle --------------------------------------------------------------------------------


def test_closing_asks_for_the_outcome_then_sets_closed_at(client, organiser_a, campaign_a):
    client.force_login(organiser_a)
    url = f"/dashboard/c/{campaign_a.slug}/edit/"
    assert 'href="?close=1#close"' in client.get(url, **EN).content.decode()
    step = client.get(f"{url}?close=1", **EN).content.decode()
    assert 'id="close"' in step
    assert 'name="outcome"' in step
    response = client.post(url, {"action": "close"}, **EN)
    assert response.status_code == 400
    assert "Choose the outcome" in response.content.decode()
    campaign_a.refresh_from_db()
    assert campaign_a.status == Campaign.Status.OPEN
    before = timezone.now()
    response = client.post(url, {"action": "close", "outcome": "partly_won"}, **EN)
    assert response.status_code == 302
    campaign_a.refresh_from_db()
    assert (campaign_a.status, campaign_a.outcome) == ("closed", "partly_won")
    assert campaign_a.closed_at >= before
    assert "it was partly won" in client.get(f"/c/{campaign_a.slug}/", **EN).content.decode()


def test_a_closed_campaign_reopens_without_its_outcome(client, organiser_a, campaign_a):
    campaign_a.status, campaign_a.outcome, campaign_a.closed_at = "closed", "lost", timezone.now()
    campaign_a.save()
    client.force_login(organiser_a)
    url = f"/dashboard/c/{campaign_a.slug}/edit/"
    html = client.get(url, **EN).content.decode()
    assert 'value="reopen"' in html
    assert "Closed on" in html
    assert client.post(url, {"action": "reopen"}).status_code == 302
    campaign_a.refresh_from_db()
    assert (campaign_a.status, campaign_a.outcome, campaign_a.closed_at) == ("open", "", None)


def test_editing_a_closed_campaign_keeps_it_closed(client, organiser_a, campaign_a):
    closed_at = timezone.now()
    campaign_a.status, campaign_a.outcome, campaign_a.closed_at = "closed", "won", closed_at
    campaign_a.save()
    client.force_login(organiser_a)
    url = f"/dashboard/c/{campaign_a.slug}/edit/"
    assert client.post(url, form_data(client.get(url, **EN), goal="3")).status_code == 302
    campaign_a.refresh_from_db()
    assert (campaign_a.status, campaign_a.outcome, campaign_a.goal) == ("closed", "won", 3)
    assert campaign_a.closed_at == closed_at


def test_a_draft_opens_from_its_edit_page(client, organiser_a, draft_a):
    client.force_login(organiser_a)
    response = client.post(f"/dashboard/c/{draft_a.slug}/edit/", {"action": "open"})
    assert response.status_code == 302
    draft_a.refresh_from_db()
    assert draft_a.status == Campaign.Status.OPEN
    assert client.get(f"/c/{draft_a.slug}/").status_code == 200


# --- Preview ------------------------------------------------------------------------------------


def test_a_draft_is_previewed_with_a_form_that_sends_nothing(client, viewer_a, draft_a):
    draft_a.languages = ["es", "qu"]
    draft_a.save()
    CampaignTranslation.objects.create(
        campaign=draft_a, language="qu", title="Ñawpaq qillqa", petition_text="Mañakuyku."
    )
    assert client.get(f"/c/{draft_a.slug}/").status_code == 404  # not published
    client.force_login(viewer_a)  # viewers proofread too
    response = client.get(f"/dashboard/c/{draft_a.slug}/preview/", **EN)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Preview — not published" in html
    assert '<fieldset class="preview-page" disabled' in html
    assert "Sign the petition" in html
    assert draft_a.petition_text in html
    assert 'name="robots" content="noindex"' in html
    assert "Back to editing" not in html  # a viewer does not edit
    assert client.post(f"/dashboard/c/{draft_a.slug}/preview/").status_code == 405
    quechua = client.get(f"/dashboard/c/{draft_a.slug}/preview/?lang=qu", **EN).content.decode()
    assert "Ñawpaq qillqa" in quechua
    assert "Mañakuyku." in quechua
    assert '<html lang="en">' in quechua  # the interface stays in the reader's language
    assert 'href="?lang=qu"' in quechua  # the public page's own language link


def test_the_preview_of_an_open_campaign_matches_its_public_page(client, organiser_a, campaign_a):
    campaign_a.languages = ["es", "qu", "ay"]
    campaign_a.save()
    client.force_login(organiser_a)
    public = client.get(f"/c/{campaign_a.slug}/", **EN).content.decode()
    preview = client.get(f"/dashboard/c/{campaign_a.slug}/preview/", **EN).content.decode()

    def part(html, start, end):
        return html[html.index(start) : html.index(end, html.index(start))]

    for start, end in (
        ('<article class="campaign"', "</article>"),
        ('<select id="id_country"', "</select>"),
        ('<div class="field consent', "</div>"),
        ('<section class="petition"', "</section>"),
    ):
        assert part(preview, start, end) == part(public, start, end)


# --- Who may --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["viewer_a", "collector_a"])
def test_viewers_and_collectors_neither_create_nor_edit(request, client, who, campaign_a):
    client.force_login(request.getfixturevalue(who))
    url = f"/dashboard/c/{campaign_a.slug}/edit/"
    assert client.get("/dashboard/c/new/").status_code == 403
    assert client.get(url).status_code == 403
    assert client.post(url, {"action": "close", "outcome": "won"}).status_code == 403
    campaign_a.refresh_from_db()
    assert campaign_a.status == Campaign.Status.OPEN
    html = client.get("/dashboard/").content.decode()
    assert "/dashboard/c/new/" not in html


def test_another_organisations_organiser_finds_nothing(client, organiser_b, campaign_a, draft_a):
    client.force_login(organiser_b)
    for slug in (campaign_a.slug, draft_a.slug):
        assert client.get(f"/dashboard/c/{slug}/edit/").status_code == 404
        assert client.get(f"/dashboard/c/{slug}/preview/").status_code == 404
        assert client.post(f"/dashboard/c/{slug}/edit/", {"action": "open"}).status_code == 404
    draft_a.refresh_from_db()
    assert draft_a.status == Campaign.Status.DRAFT
    # They create campaigns for their own organisation only.
    response = client.post(
        "/dashboard/c/new/", new_campaign_data(client, organisation=campaign_a.organisation.slug)
    )
    assert response.status_code == 400


def test_the_dashboard_links_to_the_new_edit_and_preview_pages(
    client, organiser_a, viewer_a, campaign_a
):
    client.force_login(organiser_a)
    home = client.get("/dashboard/", **EN).content.decode()
    assert home.count('href="/dashboard/c/new/"') == 1
    assert 'href="/dashboard/c/new/?organisation=org-a"' in home
    page = client.get(f"/dashboard/c/{campaign_a.slug}/", **EN).content.decode()
    assert f'href="/dashboard/c/{campaign_a.slug}/edit/"' in page
    assert f'href="/dashboard/c/{campaign_a.slug}/preview/"' in page
    client.force_login(viewer_a)
    page = client.get(f"/dashboard/c/{campaign_a.slug}/", **EN).content.decode()
    assert f'href="/dashboard/c/{campaign_a.slug}/edit/"' not in page
    assert f'href="/dashboard/c/{campaign_a.slug}/preview/"' in page


def test_a_translation_never_takes_the_place_of_the_first_language(client, organiser_a, org_a):
    client.force_login(organiser_a)
    quechua = {"translations-0-language": "qu", "translations-0-title": "Ñawpaq"}
    # Quechua listed first: the campaign's own texts are the Quechua ones.
    response = client.post(
        "/dashboard/c/new/", new_campaign_data(client, languages="qu, es", **quechua), **EN
    )
    assert response.status_code == 400
    assert "The campaign&#x27;s own texts are in qu already" in response.content.decode()
    # No language given: the first is the installation's, the translation's comes after.
    response = client.post("/dashboard/c/new/", new_campaign_data(client, languages="", **quechua))
    assert response.status_code == 302
    assert Campaign.objects.get().languages == ["es", "qu"]


def test_a_translation_stored_in_the_first_language_does_not_block_saving(
    client, organiser_a, campaign_a
):
    CampaignTranslation.objects.create(campaign=campaign_a, language="es", title="Made by a script")
    client.force_login(organiser_a)
    url = f"/dashboard/c/{campaign_a.slug}/edit/"
    assert client.post(url, form_data(client.get(url, **EN), goal="9")).status_code == 302
    campaign_a.refresh_from_db()
    assert campaign_a.goal == 9


def test_only_an_open_campaign_closes(client, organiser_a, draft_a):
    client.force_login(organiser_a)
    url = f"/dashboard/c/{draft_a.slug}/edit/"
    response = client.post(url, {"action": "close", "outcome": "won"}, **EN)
    assert response.status_code == 400
    assert "Only an open campaign can be closed." in response.content.decode()
    draft_a.refresh_from_db()
    assert (draft_a.status, draft_a.outcome) == ("draft", "")
