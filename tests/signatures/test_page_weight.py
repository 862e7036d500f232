import gzip
import re

import pytest
from django.contrib.staticfiles import finders

from demo import data as demo
from tests.factories import CampaignFactory

# What a browser on a phone sends: the sign page must be light over a slow connection.
GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br", "HTTP_ACCEPT_LANGUAGE": "es"}


@pytest.fixture
def c189(db):
    return CampaignFactory(
        **demo.C189_ES, countries=["BO", "EC", "PE", "MX", "GT"], require_confirmation=True
    )


@pytest.mark.django_db
def test_the_sign_page_with_its_css_and_js_weighs_under_60_kb(client, c189):
    response = client.get(f"/c/{c189.slug}/", HTTP_ACCEPT_LANGUAGE="es")
    assert "Content-Encoding" not in response  # a client that asks for no compression
    html = response.content
    assets = re.findall(rb'(?:href|src)="/static/([^"]+)"', html)
    total = len(html)
    for asset in assets:
        name = re.sub(rb"\.[0-9a-f]{12}\.", b".", asset).decode()
        with open(finders.find(name), "rb") as file:
            total += len(file.read())
    assert {a.rsplit(b".", 2)[0] for a in assets} >= {b"css/voces", b"js/voces"}
    assert total < 60 * 1024, f"{total} bytes"


@pytest.mark.django_db
def test_the_sign_page_travels_gzipped_and_weighs_under_15_kb_over_the_wire(client, c189):
    page = client.get(f"/c/{c189.slug}/", **GZIP)
    assert page["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in page["Vary"]
    html = gzip.decompress(page.content)
    assert c189.title.encode() in html
    assert len(page.content) * 2 < len(html)
    # BREACH: Django puts a random-length file name in each gzip header (FNAME, flag 0x08),
    # so the compressed length says nothing about a secret on the page.
    assert page.content[:3] == b"\x1f\x8b\x08"
    assert page.content[3] & 0x08
    # Its CSS and JavaScript as WhiteNoise serves them: compressed ahead.
    transferred = len(page.content)
    assets = re.findall(rb'(?:href|src)="(/static/[^"]+)"', html)
    for asset in assets:
        response = client.get(asset.decode(), **GZIP)
        assert response.status_code == 200, asset
        body = b"".join(response.streaming_content)
        if asset.endswith((b".css", b".js")):
            assert response["Content-Encoding"] == "gzip", asset
        transferred += len(body)
    assert transferred < 15 * 1024, f"{transferred} bytes"


@pytest.mark.django_db
def test_the_embed_travels_gzipped_too(client, c189):
    page = client.get(f"/c/{c189.slug}/embed/", **GZIP)
    assert page["Content-Encoding"] == "gzip"
    assert len(page.content) < 8 * 1024
