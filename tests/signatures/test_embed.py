"""The partner's embed: the page framed on their site, and the snippet they paste."""

import html
import re

import pytest

from signatures.embed import EMBED_HEIGHT, embed_snippet

pytestmark = pytest.mark.django_db


def test_the_campaign_page_and_the_api_hand_out_the_same_snippet(client, api, campaign_a):
    page = client.get(f"/c/{campaign_a.slug}/?lang=en").content.decode()
    shown = html.unescape(re.search(r"<pre><code>(.*?)</code></pre>", page, re.S).group(1))
    given = api.get(f"/api/v1/campaigns/{campaign_a.slug}/").json()["embed_snippet"]
    assert shown == given
    assert given == embed_snippet(
        embed_url=f"http://testserver/c/{campaign_a.slug}/embed/", title=campaign_a.title
    )


def test_the_snippet_frames_the_embed_and_believes_only_our_origin():
    snippet = embed_snippet(embed_url="https://voces.example.org/c/c189/embed/", title='A "b" <c>')
    frame, listener = snippet.split("\n")
    assert frame.startswith('<iframe src="https://voces.example.org/c/c189/embed/"')
    assert 'title="A &quot;b&quot; &lt;c&gt;"' in frame
    assert f'height="{EMBED_HEIGHT}"' in frame  # works without the script: a fixed height
    assert "data-voces-embed" in frame
    assert listener.startswith("<script>")
    assert listener.endswith("</script>")
    assert 'e.origin!=="https://voces.example.org"' in listener
    assert "f.contentWindow===e.source" in listener  # only the frame that spoke
    assert "</" not in listener[len("<script>") : -len("</script>")]  # nothing ends it early


def test_the_embed_names_the_organisation_and_links_to_the_whole_petition(client, campaign_a):
    page = client.get(f"/c/{campaign_a.slug}/embed/?ref=rosa&lang=es").content.decode()
    assert campaign_a.organisation.name in page
    link = re.search(r'<a href="([^"]+)" target="_blank" rel="noopener">([^<]+)', page)
    assert link, "no link to the petition, opening in a new tab"
    assert (
        html.unescape(link.group(1)) == f"http://testserver/c/{campaign_a.slug}/?ref=rosa&lang=es"
    )
    # voces.js posts the height of a page of class "embed" to the frame's parent.
    assert '<body class="embed">' in page
    assert re.search(r'<script src="/static/js/voces\.[0-9a-f]+\.js" defer>', page)


def test_the_campaign_page_itself_does_not_post_its_height(client, campaign_a):
    page = client.get(f"/c/{campaign_a.slug}/").content.decode()
    assert '<body class="">' in page


def test_the_embeds_thank_you_page_posts_its_height_too(client, campaign_a):
    page = client.get(f"/c/{campaign_a.slug}/embed/thanks/").content.decode()
    assert '<body class="embed">' in page
    assert re.search(r'<script src="/static/js/voces\.[0-9a-f]+\.js" defer>', page)
