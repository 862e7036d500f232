"""Pages and API answers travel gzipped (GZipMiddleware), and compression changes nothing a
client relies on: conditional GETs still answer 304, streamed exports still arrive whole."""

import csv
import gzip
import io

import pytest

from tallies import services as tallies
from tests.factories import sign

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


@pytest.mark.django_db
def test_a_gzipped_answers_weak_etag_still_gets_a_304(api, campaign_a):
    for n in range(3):
        sign(campaign_a, email=f"s{n}@example.org", country=("BO", "EC", "PE")[n])
    tallies.campaign_tally(campaign_id=campaign_a.id)
    url = f"/api/v1/campaigns/{campaign_a.slug}/stats/"
    first = api.get(url, **GZIP)
    assert first["Content-Encoding"] == "gzip"
    assert first["ETag"].startswith('W/"')  # weakened, as RFC 9110 asks of a transformed body
    assert b'"signatures"' in gzip.decompress(first.content)
    # What a browser sends back is the weak tag it was given.
    assert api.get(url, HTTP_IF_NONE_MATCH=first["ETag"], **GZIP).status_code == 304
    assert api.get(url, HTTP_IF_NONE_MATCH='W/"other"', **GZIP).status_code == 200


@pytest.mark.django_db
def test_a_streamed_export_arrives_whole_when_gzipped(client, organiser_a, campaign_a):
    for n in range(50):
        sign(campaign_a, email=f"s{n}@example.org", name=f"Firmante {n}")
    client.force_login(organiser_a)
    response = client.get(f"/dashboard/c/{campaign_a.slug}/export.csv", **GZIP)
    assert response["Content-Encoding"] == "gzip"
    text = gzip.decompress(b"".join(response.streaming_content)).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 51
    assert {row[rows[0].index("name")] for row in rows[1:]} == {f"Firmante {n}" for n in range(50)}


@pytest.mark.django_db
def test_a_client_that_asks_for_no_compression_gets_none(client, campaign_a):
    response = client.get(f"/c/{campaign_a.slug}/")
    assert "Content-Encoding" not in response
    assert response["Vary"].count("Accept-Encoding") == 1
