import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signatures import imports
from signatures.models import ImportJob, Signature
from tests.factories import CampaignFactory, CollectorFactory, sign
from tests.stack import wait_for

HEADER = "name,email,country,postal_code,collector,signed_on\n"


def upload(api, campaign, text: str | bytes, name="sheet.csv"):
    content = text.encode("utf-8") if isinstance(text, str) else text
    file = io.BytesIO(content)
    file.name = name
    return api.post(
        f"/api/v1/campaigns/{campaign.slug}/signatures/import/",
        {"file": file},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )


@pytest.mark.django_db
def test_a_mixed_file_imports_the_good_rows_and_reports_the_rest(
    api, organiser_a, campaign_a, org_a
):
    CollectorFactory(organisation=org_a, code="rosa")
    sign(campaign_a, email="already@example.org")
    text = HEADER + (
        "Juana Mamani,juana@example.org,BO,0201,rosa,2014-03-08\n"  # row 2: good
        "Ana Condori,not-an-email,BO,,,\n"  # row 3: bad email
        "Lenny Zambrano,lenny@example.org,XX,,,\n"  # row 4: bad country
        "JUANA MAMANI,Juana@Example.org,BO,,,\n"  # row 5: dup in file
        "Old Signer,already@example.org,EC,,,\n"  # row 6: dup in campaign
        "Carmen Ticona,carmen@example.org,PE,,nobody,\n"  # row 7: unknown collector: a warning
        "María Huanca,maria@example.org,PE,,,30/03/2014\n"  # row 8: good, DD/MM/YYYY
        "Teresa Choque,teresa@example.org,PE,,,2099-01-01\n"  # row 9: future date
        "\n"
    )
    api.force_authenticate(organiser_a)
    response = upload(api, campaign_a, text)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["created"], body["duplicates"], body["rejected_count"]) == (3, 2, 3)
    assert {(r["row"], tuple(r["errors"])) for r in body["rejected"]} == {
        (3, ("email",)),
        (4, ("country",)),
        (9, ("signed_on",)),
    }
    # A real person's signature is not lost over a code written wrong: imported uncredited.
    assert body["warnings_count"] == 1
    assert body["warnings"] == [
        {
            "row": 7,
            "warnings": {
                "collector": [
                    "No active collector has the code nobody: the signature is imported "
                    "without a collector."
                ]
            },
        }
    ]
    assert Signature.objects.get(email_normalised="carmen@example.org").collector is None
    juana = Signature.objects.get(email_normalised="juana@example.org")
    assert (juana.source, juana.status, juana.collector.code) == ("import", "confirmed", "rosa")
    assert juana.created.date().isoformat() == "2014-03-08"
    assert Signature.objects.get(email_normalised="maria@example.org").created.month == 3


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "latin-1"])
def test_utf8_with_or_without_bom_and_latin1_are_read(api, organiser_a, campaign_a, encoding):
    text = HEADER + "María Huanca Ñuñez,maria@example.org,PE,,,\n"
    api.force_authenticate(organiser_a)
    response = upload(api, campaign_a, text.encode(encoding))
    assert response.status_code == 201
    assert Signature.objects.get().name == "María Huanca Ñuñez"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text", ["", "nombre,correo\nJuana,juana@example.org\n", "name,country\nJuana,BO\n"]
)
def test_a_file_without_the_header_is_a_400(api, organiser_a, campaign_a, text):
    api.force_authenticate(organiser_a)
    response = upload(api, campaign_a, text)
    assert response.status_code == 400
    assert "file" in response.json()
    assert not Signature.objects.exists()


@pytest.mark.django_db
def test_no_file_is_a_400(api, organiser_a, campaign_a):
    api.force_authenticate(organiser_a)
    response = api.post(
        f"/api/v1/campaigns/{campaign_a.slug}/signatures/import/", {}, format="multipart"
    )
    assert response.status_code == 400


@pytest.mark.django_db
def test_who_may_import(api, campaign_a, viewer_a, organiser_b, collector_a, org_a):
    mine = CollectorFactory(organisation=org_a, code="mine", user=collector_a)
    text = HEADER + "Juana Mamani,juana@example.org,BO,,,\n"
    assert upload(api, campaign_a, text).status_code == 401
    for user, code in ((viewer_a, 403), (organiser_b, 403)):
        api.force_authenticate(user)
        assert upload(api, campaign_a, text).status_code == code
    api.force_authenticate(collector_a)
    assert upload(api, campaign_a, text).status_code == 201
    # A collector's sheets are credited to them.
    assert Signature.objects.get().collector == mine


@pytest.mark.worker
def test_a_large_file_runs_as_a_job_with_a_status_url(
    api, organiser_a, org_a, celery_worker_thread
):
    campaign = CampaignFactory(organisation=org_a)
    rows = "".join(f"Persona {n},p{n}@example.org,BO,,,\n" for n in range(3000))
    api.force_authenticate(organiser_a)
    response = upload(api, campaign, HEADER + rows + "Bad,bad,ZZ,,,\n")
    assert response.status_code == 202
    status_url = response.json()["status_url"]
    wait_for(
        lambda: api.get(status_url).json()["state"] == "done",
        30,
        message="the import job did not finish",
    )
    body = api.get(status_url).json()
    assert (body["created"], body["duplicates"], body["rejected_count"]) == (3000, 0, 1)
    assert body["rejected"][0]["row"] == 3002
    assert Signature.objects.filter(campaign=campaign).count() == 3000
    assert bytes(ImportJob.objects.get().content) == b""  # no second copy of the sheet kept


@pytest.mark.django_db
def test_a_job_is_run_once_even_if_two_workers_get_it(organiser_a, campaign_a):
    job = imports.signatures_import(
        by=organiser_a,
        campaign=campaign_a,
        content=(HEADER + "Juana,juana@example.org,BO,,,\n").encode(),
    )
    assert job.state == "done"
    assert imports.import_run(job_id=job.id) == "skipped"
    assert Signature.objects.count() == 1


cell = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=40)


@pytest.mark.django_db
@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.tuples(cell, cell, cell, cell, cell, cell), max_size=8))
def test_any_text_in_any_cell_is_counted_never_crashes(organiser_a, campaign_a, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(imports.HEADER)
    writer.writerows(rows)
    job = imports.signatures_import(
        by=organiser_a, campaign=campaign_a, content=buffer.getvalue().encode("utf-8")
    )
    assert job.state == "done"
    counted = job.created_count + job.duplicates + job.rejected_count
    non_blank = (
        sum(1 for row in csv.reader(io.StringIO(buffer.getvalue())) if any(c.strip() for c in row))
        - 1
    )
    assert counted == non_blank


@pytest.mark.django_db
def test_an_unclosed_quote_is_a_clear_400(api, organiser_a, campaign_a):
    api.force_authenticate(organiser_a)
    text = HEADER + '"Pepe,pepe@example.org,BO,,,\n' + ("x" * 200 + "\n") * 800
    response = upload(api, campaign_a, text)
    assert response.status_code == 400
    assert "quotes" in str(response.json()["file"])


@pytest.mark.django_db
def test_a_collector_imports_only_their_own_sheets(api, campaign_a, collector_a, org_a):
    mine = CollectorFactory(organisation=org_a, code="mine", user=collector_a)
    CollectorFactory(organisation=org_a, code="someone-else")
    api.force_authenticate(collector_a)
    response = upload(
        api,
        campaign_a,
        HEADER + "Ana,ana@example.org,BO,,someone-else,\nEva,eva@example.org,BO,,mine,\n",
    )
    body = response.json()
    assert body["rejected"] == []
    assert body["warnings"] == [
        {
            "row": 2,
            "warnings": {
                "collector": ["Credited to you: a collector imports the signatures they collected."]
            },
        }
    ]
    assert {s.collector for s in Signature.objects.all()} == {mine}


@pytest.mark.django_db
def test_a_collector_without_a_linked_code_cannot_import(api, campaign_a, collector_a):
    api.force_authenticate(collector_a)
    response = upload(api, campaign_a, HEADER + "Ana,ana@example.org,BO,,,\n")
    assert response.status_code == 403
