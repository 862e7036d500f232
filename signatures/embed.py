"""The snippet a partner pastes into their page to embed a campaign's form (the signing
channel `embed`): the same text on the campaign page and in the API.

It is an iframe with a fixed height, which works alone (the form scrolls inside it), and a
few lines of script for the partner's page: the form's page and its thank-you page post their
height (static/js/voces.js, on pages of `body.embed` inside a frame) and the listener sets the
frame to it, believing only messages from the form's own origin and only for the frame they
came from. The script runs on the partner's page, not ours, so our Content-Security-Policy
does not apply to it.
"""

import json
from urllib.parse import urlsplit

from django.utils.html import escape

# The frame's height before the form's page says its own (or where the listener is left out).
EMBED_HEIGHT = 760
# The tallest frame the listener accepts: a page posting nonsense cannot stretch the partner's.
EMBED_MAX_HEIGHT = 10_000

_LISTENER = (
    "<script>addEventListener('message',function(e){"
    "var d=e.data,h=d&&d.voces==='height'&&Math.ceil(Number(d.height));"
    "if(e.origin!==%(origin)s||!(h>0&&h<=%(max)d))return;"
    "document.querySelectorAll('iframe[data-voces-embed]').forEach(function(f){"
    "if(f.contentWindow===e.source)f.style.height=h+'px'})});</script>"
)


def embed_origin(embed_url: str) -> str:
    parts = urlsplit(embed_url)
    return f"{parts.scheme}://{parts.netloc}"


def embed_snippet(*, embed_url: str, title: str) -> str:
    """The iframe for `embed_url` (absolute), then the listener that resizes it."""
    frame = (
        f'<iframe src="{escape(embed_url)}" title="{escape(title)}" width="100%" '
        f'height="{EMBED_HEIGHT}" style="border:0;max-width:40rem" loading="lazy" '
        "data-voces-embed></iframe>"
    )
    # json.dumps makes a JavaScript string; the origin is a scheme and a host Django already
    # validated (ALLOWED_HOSTS), so it holds nothing that could end the script element.
    listener = _LISTENER % {"origin": json.dumps(embed_origin(embed_url)), "max": EMBED_MAX_HEIGHT}
    return f"{frame}\n{listener}"
