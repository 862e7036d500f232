"""Signers without email: a phone number, through paper sheets, people, rights, OSDI,
webhooks, exports and logs — personal data like an email, everywhere an email goes."""

import io
import logging
import re
import time
import uuid

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from campaigns.models import CampaignTranslation
from config.logging import MaskingFormatter, mask_personal
from signatures import formtoken, imports, people, rights
from signatures.models import Collector, ConsentText, ImportJob, Person, Signature
from tests.factories import CampaignFactory, CollectorFactory
from webhooks.payloads import signature_payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def phones(org_a):
    """A campaign that takes email or phone, no confirmation asked."""
    return CampaignFactory(organisation=org_a, slug="phones", contact="email_or_phone")


def sign_phone(campaign, phone="+59171234567", **fields):
    client = APIClient()
    body = {"name": "Juana Mamani", "phone": phone, "country": "BO", "consent": True, **fields}
    response = client.post(f"/api/v1/campaigns/{campaign.slug}/signatures/", body, format="json")
    assert response.status_code == 201, response.content
    return Signature.objects.filter(campaign=campaign).order_by("-id").first()


def upload(client, campaign, text, language="es"):
    file = io.BytesIO(text.encode("utf-8"))
    file.name = "planilla.csv"
    return client.post(
        f"/api/v1/campaigns/{campaign.slug}/signatures/import/",
        {"file": file},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE=language,
    )


# --- Paper sheets ---------------------------------------------------------------------------


def test_a_spanish_sheet_with_phones_and_country_names_imports(api, organiser_a, phones, org_a):
    CollectorFactory(organisation=org_a, code="rosa")
    text = (
        "Nombre completo,Teléfono,Correo,País,Recolector,Fecha\n"
        "Juana Mamani,7123 4567,,Bolivia,rosa,30/03/2014\n"  # national form, read with BO
        "Lenny Zambrano,,lenny@example.org,Équateur,,\n"  # a country named in French
        "Ana Condori,+51 912 345 678,,perú,ROSA-X,\n"  # lower case, accents; unknown code
        "Eva Quispe,,,BOL,,\n"  # neither email nor phone
        "Rosa Choque,123,,Bolivia,,\n"  # not a phone number
    )
    api.force_authenticate(organiser_a)
    body = upload(api, phones, text).json()
    assert (body["created"], body["duplicates"], body["rejected_count"]) == (3, 0, 2), body
    # Problems named by the sheet's own headings, in the uploader's language.
    first, second = body["rejected"]
    assert first == {
        "row": 5,
        "errors": {
            "Correo": ["Indica un correo electrónico o un número de teléfono."],
            "Teléfono": ["Indica un correo electrónico o un número de teléfono."],
        },
    }
    assert second["row"] == 6
    assert list(second["errors"]) == ["Teléfono"]
    assert body["warnings"][0]["row"] == 4
    assert list(body["warnings"][0]["warnings"]) == ["Recolector"]
    juana = Signature.objects.get(name="Juana Mamani")
    assert (juana.phone, juana.email_normalised, juana.status, juana.country.code) == (
        "+59171234567",
        None,
        "confirmed",
        "BO",
    )
    assert Signature.objects.get(name="Lenny Zambrano").country.code == "EC"
    ana = Signature.objects.get(name="Ana Condori")
    assert (ana.country.code, ana.phone, ana.collector) == ("PE", "+51912345678", None)


def test_a_phone_alone_on_a_sheet_needs_a_campaign_that_takes_phones(api, organiser_a, campaign_a):
    api.force_authenticate(organiser_a)
    response = upload(
        api, campaign_a, "name,email,phone,country\nJuana,,+59171234567,BO\n", language="en"
    )
    assert response.json()["rejected"] == [
        {"row": 2, "errors": {"email": ["This field is required."]}}
    ]


def test_a_sheet_without_email_column_is_refused_where_email_is_needed(
    api, organiser_a, campaign_a, phones
):
    api.force_authenticate(organiser_a)
    text = "name,phone,country\nJuana,+59171234567,BO\n"
    assert upload(api, campaign_a, text, language="en").status_code == 400
    assert upload(api, phones, text, language="en").json()["created"] == 1


def test_a_worker_writes_the_problems_in_the_uploaders_language(phones, organiser_a):
    job = ImportJob.objects.create(
        campaign=phones,
        created_by=organiser_a,
        content="nom,pays,téléphone\nJuana,Bolivie,12\n".encode(),
        total_rows=1,
        language="fr",
    )
    assert imports.import_run(job_id=job.id) == "done"
    job.refresh_from_db()
    (problem,) = job.rejected[0]["errors"]["téléphone"]
    assert "téléphone" in problem.lower()


def test_the_same_phone_twice_in_a_sheet_is_one_signature(api, organiser_a, phones):
    api.force_authenticate(organiser_a)
    body = upload(
        api, phones, "name,phone,country\nA,+59171234567,BO\nB,71234567,BO\n", language="en"
    ).json()
    assert (body["created"], body["duplicates"]) == (1, 1)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("BO", "BO"),
        ("bo", "BO"),
        ("BOL", "BO"),
        ("Bolivia", "BO"),
        ("Bolívia", "BO"),
        ("Bolivie", "BO"),
        ("  ecuador ", "EC"),
        ("Brasil", "BR"),
        ("Brésil", "BR"),
        ("Niger", "NE"),
        ("Níger", "NE"),
        ("Atlantis", "Atlantis"),
    ],
)
def test_a_country_is_read_from_a_code_or_a_name_in_four_languages(value, code):
    assert imports.country_code(value) == code


def test_the_paper_sheet_asks_for_a_phone_where_the_campaign_takes_one(campaign_a, phones):
    assert "phone" not in imports.sheet_columns(campaign_a)
    assert "phone" in imports.sheet_columns(phones)


# --- People, rights ---------------------------------------------------------------------------


def test_phone_only_signers_are_people_one_per_phone(org_a, phones):
    other = CampaignFactory(organisation=org_a, contact="email_or_phone")
    sign_phone(phones, "+59171234567")
    sign_phone(other, "7123-4567")  # the same person, on another campaign
    sign_phone(phones, "+59171234567", email="juana@example.org", name="Hija")
    for sync in (people._people_sync_sql, people._people_sync_python):
        Person.objects.all().delete()
        type(org_a).objects.filter(id=org_a.id).update(people_synced_to=0)
        sync(org_a.id)
        assert set(Person.objects.values_list("email_normalised", "phone")) == {
            (None, "+59171234567"),
            ("juana@example.org", "+59171234567"),
        }
    phoned = Person.objects.get(email_normalised__isnull=True)
    assert people.person_signatures(phoned).count() == 2


def test_a_signer_is_found_and_erased_by_phone_without_touching_who_shares_it(
    org_a, organiser_a, phones
):
    alone = sign_phone(phones, "+59171234567")
    daughter = sign_phone(phones, "+59171234567", email="hija@example.org", name="Hija")
    people.people_sync(organisation_id=org_a.id)
    client = APIClient()
    client.force_authenticate(organiser_a)
    find = f"/api/v1/organisations/{org_a.slug}/signers/find/"
    found = client.post(find, {"phone": "7123 4567", "country": "BO"}, format="json").json()
    assert found["phone"] == "+59171234567"
    assert [s["name"] for s in found["signatures"]] == ["Juana Mamani"]
    assert found["signatures"][0]["phone"] == "+59171234567"
    assert [p["phone"] for p in found["people"]] == ["+59171234567"]
    assert client.post(find, {"phone": "12"}, format="json").status_code == 400
    assert client.post(find, {}, format="json").status_code == 400

    erase = f"/api/v1/organisations/{org_a.slug}/signers/erase/"
    response = client.post(erase, {"phone": "+59171234567"}, format="json")
    assert response.json() == {"erased": 1}
    alone.refresh_from_db()
    daughter.refresh_from_db()
    assert (alone.phone, alone.name, alone.status) == (None, "", "confirmed")  # still counted
    assert (daughter.phone, daughter.name) == ("+59171234567", "Hija")
    assert not Person.objects.filter(email_normalised__isnull=True).exists()
    assert Person.objects.filter(email_normalised="hija@example.org").exists()


def test_a_phone_is_a_personal_field_erased_with_the_rest(phones):
    assert "phone" in Signature.PERSONAL_FIELDS
    signature = sign_phone(phones)
    rights.signatures_anonymise(Signature.objects.filter(id=signature.id))
    signature.refresh_from_db()
    assert signature.phone is None


# --- Who sees a phone ---------------------------------------------------------------------


def test_organisers_see_and_export_phones_and_nobody_else_does(
    phones, organiser_a, collector_a, viewer_a, organiser_b
):
    sign_phone(phones)
    listing = f"/api/v1/campaigns/{phones.slug}/signatures/"
    export = f"/api/v1/campaigns/{phones.slug}/signatures/export/"
    organiser = APIClient()
    organiser.force_authenticate(organiser_a)
    assert organiser.get(listing).json()["results"][0]["phone"] == "+59171234567"
    assert b"+59171234567" in b"".join(organiser.get(export).streaming_content)
    for user in (collector_a, viewer_a, organiser_b, None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        for url in (listing, export, f"/api/v1/campaigns/{phones.slug}/"):
            response = client.get(url)
            content = (
                b"".join(response.streaming_content) if response.streaming else response.content
            )
            assert b"71234567" not in content, (user, url)


def test_a_webhook_and_osdi_carry_the_phone_of_a_signer_without_email(phones, organiser_a, org_a):
    signature = sign_phone(phones)
    payload = signature_payload(signature.id)
    person = payload["osdi:signature"]["person"]
    assert person["phone_numbers"] == [{"primary": True, "number": "+59171234567"}]
    assert "email_addresses" not in person

    token = AuthToken.objects.create(user=organiser_a, expiry=None)[1]
    client = APIClient(HTTP_OSDI_API_TOKEN=token)
    people_page = client.get("/api/osdi/v1/people/").json()
    (osdi_person,) = people_page["_embedded"]["osdi:people"]
    assert osdi_person["phone_numbers"] == [{"primary": True, "number": "+59171234567"}]
    signatures = client.get(f"/api/osdi/v1/petitions/{phones.id}/signatures/").json()
    (item,) = signatures["_embedded"]["osdi:signatures"]
    assert item["_embedded"]["osdi:person"]["phone_numbers"][0]["number"] == "+59171234567"


# --- Logs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        ("signer +59171234567 signed", "signer +5***7 signed"),
        ("typed +591 7123-4567.", "typed +5***7."),
        ("GET /x/?phone=%2B59171234567 200", "GET /x/?phone=%2B5***7 200"),
        ("2026-12-01 11:17:35,507 at +00:00 id 123456789", None),
        ("juana@example.org +33612345678", "j***@example.org +3***8"),
    ],
)
def test_phones_are_masked_in_every_log_line(line, masked):
    assert mask_personal(line) == (masked or line)
    record = logging.LogRecord("x", logging.INFO, __file__, 1, line, None, None)
    assert MaskingFormatter("%(message)s").format(record) == (masked or line)


def test_a_collector_that_sent_a_batch_shows_what_waits(phones, collector_a, org_a):
    collector = CollectorFactory(organisation=org_a, user=collector_a)
    client = APIClient()
    client.force_authenticate(collector_a)
    response = client.post(
        f"/api/v1/campaigns/{phones.slug}/signatures/batch/",
        {"waiting": 12, "signatures": []},
        format="json",
    )
    assert response.json() == {"results": []}
    collector = Collector.objects.get(id=collector.id)
    assert (collector.waiting, collector.synced_at) == (12, None)


# --- The public form, the sheet, the dashboard -------------------------------------------------


def _form_token(campaign):
    return formtoken.make(campaign_id=campaign.id, embed=False, started=int(time.time()) - 10)


def _sign_on_page(client, campaign, **fields):
    body = {"started": _form_token(campaign), "name": "Juana Mamani", "country": "BO"}
    body |= {"consent": "true", **fields}
    return client.post(f"/c/{campaign.slug}/?lang=en", body)


def test_the_page_offers_a_phone_where_the_campaign_takes_one_without_email(client, phones):
    html = client.get(f"/c/{phones.slug}/?lang=en").content.decode()
    assert 'name="phone"' in html
    email_input = re.search(r'<input type="email" id="id_email"[^>]*>', html).group(0)
    assert " required" not in email_input  # a phone will do
    response = _sign_on_page(client, phones, phone="71234567")
    assert response.status_code == 302
    signature = Signature.objects.get(campaign=phones)
    assert (signature.phone, signature.email, signature.status) == ("+59171234567", "", "confirmed")


def test_the_page_says_an_email_is_needed_where_signatures_are_confirmed(client, org_a):
    confirming = CampaignFactory(
        organisation=org_a, slug="confirming", contact="email_or_phone", require_confirmation=True
    )
    html = client.get(f"/c/{confirming.slug}/?lang=en").content.decode()
    assert "An email address is needed for that: no text message is sent." in html
    response = _sign_on_page(client, confirming, phone="+59171234567")
    assert response.status_code == 400
    assert "so an email address is needed (no text message is sent)" in response.content.decode()
    assert not Signature.objects.filter(campaign=confirming).exists()


def test_an_email_campaigns_page_has_no_phone_field(client, campaign_a):
    assert 'name="phone"' not in client.get(f"/c/{campaign_a.slug}/?lang=en").content.decode()


def test_the_signature_keeps_the_consent_text_the_page_showed_in_the_campaigns_language(
    client, phones
):
    """Was: a page in Quechua showed the installation's Spanish or English consent."""
    phones.languages = ["es", "qu"]
    phones.save()
    CampaignTranslation.objects.create(campaign=phones, language="qu", title="C189 kamachiy")
    quechua = ConsentText.objects.create(
        campaign=phones, language="qu", version=1, text="Sutiyta {organisation} waqaychanqa."
    )
    html = client.get(f"/c/{phones.slug}/?lang=qu").content.decode()
    assert f"Sutiyta {phones.organisation.name} waqaychanqa." in html
    shown = re.search(r'name="consent_version" value="(\d+)"', html).group(1)
    assert int(shown) == quechua.id
    body = {"started": _form_token(phones), "name": "Killa Huaman", "country": "BO"}
    body |= {"consent": "true", "phone": "71234568", "consent_version": shown}
    assert client.post(f"/c/{phones.slug}/?lang=qu", body).status_code == 302
    assert Signature.objects.get(campaign=phones).consent_text_id == quechua.id


def test_a_consent_version_of_another_campaign_is_refused(client, phones, campaign_a):
    theirs = ConsentText.objects.create(campaign=campaign_a, language="en", version=1, text="x")
    response = _sign_on_page(client, phones, phone="71234567", consent_version=str(theirs.id))
    assert response.status_code == 400
    assert not Signature.objects.filter(campaign=phones).exists()


def test_the_printed_sheet_has_a_phone_column_where_the_campaign_takes_phones(
    client, organiser_a, phones, campaign_a
):
    client.force_login(organiser_a)
    assert (
        "<th>Phone</th>"
        in client.get(f"/dashboard/c/{phones.slug}/sheet/?lang=en").content.decode()
    )
    plain = client.get(f"/dashboard/c/{campaign_a.slug}/sheet/?lang=en").content.decode()
    assert "<th>Phone</th>" not in plain


def test_organisers_see_each_collectors_synced_and_waiting_counts(
    client, organiser_a, collector_a, org_a, phones
):
    collector = CollectorFactory(organisation=org_a, user=collector_a, name="Killa Huaman")
    api = APIClient()
    api.force_authenticate(collector_a)
    items = [
        {
            "client_id": str(uuid.uuid4()),
            "name": f"Signer {n}",
            "phone": f"+5917123456{n}",
            "country": "BO",
            "consent": True,
            "collected_at": "2026-11-30T10:00:00Z",
        }
        for n in range(3)
    ]
    answer = api.post(
        f"/api/v1/campaigns/{phones.slug}/signatures/batch/",
        {"waiting": 7, "signatures": items},
        format="json",
    )
    assert [item["result"] for item in answer.json()["results"]] == ["created"] * 3
    client.force_login(organiser_a)
    html = client.get(f"/dashboard/c/{phones.slug}/collectors/?lang=en").content.decode()
    row = html[html.index(f'id="collector-{collector.code}"') :]
    assert "Field app: 3 sent · 7 waiting on the phone, as reported" in row[: row.index("</li>")]


def test_a_collector_finds_the_field_app_from_their_page(client, collector_a, org_a, phones):
    CollectorFactory(organisation=org_a, user=collector_a)
    client.force_login(collector_a)
    assert 'href="/field/"' in client.get("/dashboard/me/?lang=en").content.decode()


def test_a_phone_only_repeat_gets_the_same_answer_and_stores_nothing(phones):
    """Nobody learns who signed: the same phone again, in another spelling, answers alike."""
    client = APIClient()
    url = f"/api/v1/campaigns/{phones.slug}/signatures/"
    body = {"name": "Juana Mamani", "country": "BO", "consent": True}
    first = client.post(url, {**body, "phone": "+591 71234567"}, format="json")
    again = client.post(url, {**body, "phone": "71234567"}, format="json")
    assert (first.status_code, first.content) == (again.status_code, again.content)
    assert first.status_code == 201
    assert Signature.objects.filter(campaign=phones).count() == 1
