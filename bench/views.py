"""The second baseline of signing: Voces' own signature row, stored durably through the very
write signing does (`signatures.writer.signature_store`: the same table, indexes, constraints,
prepared statement and group commit, committed before the answer), with nothing else of
signing around it: no validation, no address hash, no nudge. Served only in a bench run
(bench/urls.py). `sign_vs_insert` is signing's rate over this one's on the same server, in the
same run: what the request path costs above the write itself.
"""

import json

from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from signatures.selectors import consent_text_current, signing_campaign
from signatures.services import signature_counted_at_birth
from signatures.writer import signature_coming, signature_store


@csrf_exempt
@require_POST
@signature_coming()  # as signing does: the writer may wait for this row
def insert(request, slug: str) -> JsonResponse:
    campaign = signing_campaign(slug=slug)
    if campaign is None:
        return JsonResponse({"detail": "Not found."}, status=404)
    body = json.loads(request.body)
    now = timezone.now()
    values = {
        "campaign_id": campaign.id,
        "name": body["name"],
        "email": body["email"],
        "email_normalised": body["email"].lower(),
        "country": body["country"],
        "language": "es",
        "source": "api",
        "consent_text_id": consent_text_current(language="es", campaign_id=campaign.id),
        "consented_at": now,
        "created": now,
        "status": "confirmed",
        "confirmed_at": now,
    }
    # The row signing stores: the same columns, as signing fills them.
    values["counted"] = signature_counted_at_birth(values["status"])
    signature_id, stored = signature_store(values)
    return JsonResponse({"id": signature_id}, status=201 if stored else 200)
