import gzip
import re

import pytest
from django.contrib.staticfiles import finders

from demo import data as demo
from tests.factories import CampaignFactory


@pytest.mark.django_db
def test_the_sign_page_with_its_css_and_js_weighs_under_60_kb(client):
    campaign = CampaignFactory(
        **demo.C189_ES, countries=["BO", "EC", "PE", "MX", "GT"], require_confirmation=True
    )
    response = client.get(f"/c/{campaign.slug}/", HTTP_ACCEPT_LANGUAGE="es")
    html = response.content
    assets = re.findall(rb'(?:href|src)="/static/([^"]+)"', html)
    total = len(html)
    for asset in assets:
        name = re.sub(rb"\.[0-9a-f]{12}\.", b".", asset).decode()
        with open(finders.find(name), "rb") as file:
            total += len(file.read())
    assert {a.rsplit(b".", 2)[0] for a in assets} >= {b"css/voces", b"js/voces"}
    assert total < 60 * 1024, f"{total} bytes"
    # Over the wire it is far less: WhiteNoise serves compressed static files.
    assert len(gzip.compress(html)) < 15 * 1024
