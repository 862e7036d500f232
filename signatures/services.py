"""Signing: the one way in for every signature, and organisers' review of them.

The signing path is the hot path: one validation, one INSERT ... ON CONFLICT DO NOTHING,
and on-commit nudges. No counting, no email and no slow hashing happen inside the request.
"""

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns import access
from campaigns.access import Ability
from campaigns.models import Campaign
from core.errors import Conflict, DomainError, NotAllowed, RateLimited
from signatures.bulk import DEFAULTS, signature_insert_one
from signatures.channels import Channel
from signatures.client import address_hash
from signatures.confirmation import confirmation_publish_on_commit
from signatures.limits import sign_rate_wait
from signatures.models import Collector, ConsentText, Signature
from signatures.nudges import tally_nudge_on_commit
from signatures.selectors import SigningCampaign, consent_clear_cache, consent_text_current
from signatures.validation import signature_input_clean

logger = logging.getLogger(__name__)

MAX_CONFIRMATION_SENDS = 3
RESEND_AFTER = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class SignResult:
    created: bool
    # The new signature's status. Empty for a duplicate: nothing of the earlier one is told.
    status: str = ""


def _collector_id(campaign: SigningCampaign | Campaign, code: str, *, strict: bool) -> int | None:
    if not code:
        return None
    collector_id = (
        Collector.objects.filter(organisation_id=campaign.organisation_id, code=code, active=True)
        .values_list("id", flat=True)
        .first()
    )
    if collector_id is None and strict:
        raise ValidationError({"collector": [_("No active collector has this code.")]})
    return collector_id


def signature_sign(
    *,
    campaign: SigningCampaign | Campaign,
    signer: Mapping,
    channel: Channel,
    language: str,
    client_address: str = "",
    suspicious_reason: str = "",
    send_confirmation: bool = True,
) -> SignResult:
    """Record one person's signature, once: the one way in for every channel.

    `signer` is the body as sent (checked here, once); `language` the signer's interface
    language when the body names none. `suspicious_reason` (a filled honeypot, a form sent too
    fast) stores the signature as rejected, so the sender sees the usual answer and organisers
    can review it later. Raises RateLimited (429) past SIGN_RATE on a rate-limited channel,
    Conflict (409) when the campaign is not open, and ValidationError per field.
    """
    if channel.rate_limited:
        wait = sign_rate_wait(client_address=client_address)
        if wait is not None:
            raise RateLimited(
                _("Too many attempts. Try again in %(n)d seconds.") % {"n": wait},
                retry_after=wait,
            )
    if not campaign.is_open:
        raise Conflict(_("This campaign is not open for signing."), code="campaign_not_open")
    cleaned = signature_input_clean(
        signer,
        default_language=language,
        default_source=channel.source,
        sources=channel.sources,
        require_consent=channel.require_consent,
    )
    collector_id = _collector_id(campaign, cleaned.collector_code, strict=channel.strict_collector)
    now = timezone.now()
    values = {
        "campaign_id": campaign.id,
        "name": cleaned.name,
        "email": cleaned.email,
        "email_normalised": cleaned.email_normalised,
        "country": cleaned.country,
        "region": cleaned.region,
        "postal_code": cleaned.postal_code,
        "comment": cleaned.comment,
        "language": cleaned.language,
        "source": cleaned.source,
        "collector_id": collector_id,
        "consent_text_id": consent_text_current(language=cleaned.language),
        "consented_at": now,
        "client_hash": address_hash(client_address) if channel.keep_client_hash else "",
        "created": now,
    }
    if suspicious_reason:
        values["status"] = Signature.Status.REJECTED
        values["rejected_reason"] = suspicious_reason
    elif campaign.require_confirmation:
        values["status"] = Signature.Status.PENDING
        if send_confirmation:  # an OSDI client may switch the email off (autoresponse)
            values["email_state"] = Signature.EmailState.OWED
    else:
        values["status"] = Signature.Status.CONFIRMED
        values["confirmed_at"] = now

    signature_id = signature_insert_one(values)
    if signature_id is None and not suspicious_reason:
        signature_id = _signed_again(campaign, values)
    if signature_id is None:
        return SignResult(created=False)

    if values.get("email_state") == Signature.EmailState.OWED:
        confirmation_publish_on_commit(signature_id)
    tally_nudge_on_commit(campaign_id=campaign.id)
    return SignResult(created=True, status=values["status"])


# Reasons the form itself gave, not a person: a real signer who comes back must not be
# locked out by them (nor by a bot that used their address to fill the honeypot).
AUTO_REJECTED = tuple(Signature.RejectedReason.automatic())


def _signed_again(campaign: SigningCampaign | Campaign, values: dict) -> int | None:
    """The email has signed this campaign already (the INSERT met its row): read that row once.

    An automatic rejection is replaced by this clean signature, whose id is returned; a
    signature still pending gets its confirmation email again. Each change is a conditional
    UPDATE of that one row, so a row changed meanwhile by someone else is left alone.
    """
    earlier = Signature.objects.filter(
        campaign_id=values["campaign_id"], email_normalised=values["email_normalised"]
    )
    found = earlier.values_list("id", "status", "rejected_reason").first()
    if found is None:
        return None
    signature_id, status, rejected_reason = found
    row = earlier.filter(id=signature_id)
    if status == Signature.Status.REJECTED and rejected_reason in AUTO_REJECTED:
        return signature_id if _rescue_auto_rejected(row, values) else None
    if status == Signature.Status.PENDING and campaign.require_confirmation:
        _owe_confirmation_again(row, signature_id)
    return None


def _rescue_auto_rejected(row: QuerySet[Signature], values: dict) -> bool:
    """A clean signature whose email was taken by an automatically rejected one replaces it.

    The row takes every value of the new signature (confirmed_at and email_state as in
    bulk.DEFAULTS when it has none) but keeps `counted`: the tally must see a rejected row
    become pending or confirmed.
    """
    fields = {
        "confirmed_at": DEFAULTS["confirmed_at"],
        "email_state": DEFAULTS["email_state"],
        **values,
        "rejected_reason": "",
    }
    del fields["campaign_id"], fields["email_normalised"]  # unchanged: how the row was found
    rescued = row.filter(status=Signature.Status.REJECTED, rejected_reason__in=AUTO_REJECTED)
    return bool(rescued.update(**fields))


def _owe_confirmation_again(row: QuerySet[Signature], signature_id: int) -> None:
    """Signing again while pending re-sends the confirmation, a few times at most."""
    owed = row.filter(
        status=Signature.Status.PENDING,
        email_state=Signature.EmailState.SENT,
        email_sends__lt=MAX_CONFIRMATION_SENDS,
        email_sent_at__lt=timezone.now() - RESEND_AFTER,
    )
    if owed.update(email_state=Signature.EmailState.OWED):
        confirmation_publish_on_commit(signature_id)


# --- Organisers' review ----------------------------------------------------------------


def signature_set_status(*, by, signature: Signature, status: str) -> Signature:
    """Organisers reject a signature (a bot, a joke) or restore one rejected by mistake.

    Restoring gives back what the signer had earned: confirmed if they had confirmed or the
    campaign needs no confirmation, else pending with a confirmation email owed.
    """
    if not access.can(by, signature.campaign.organisation_id, Ability.SEE_SIGNERS):
        raise DomainError(_("Only the organisation's organisers may do this."), status=403)
    if status not in (Signature.Status.REJECTED, "restored"):
        raise ValidationError({"status": [_("Use rejected, or restored to undo a rejection.")]})
    with transaction.atomic():
        signature = Signature.objects.select_for_update().get(pk=signature.pk)
        if status == Signature.Status.REJECTED:
            signature.status = Signature.Status.REJECTED
            signature.rejected_reason = Signature.RejectedReason.ORGANISER
            signature.email_state = Signature.EmailState.NONE
        elif signature.status == Signature.Status.REJECTED:
            signature.rejected_reason = ""
            if signature.confirmed_at or not signature.campaign.require_confirmation:
                signature.status = Signature.Status.CONFIRMED
                signature.confirmed_at = signature.confirmed_at or timezone.now()
            else:
                signature.status = Signature.Status.PENDING
                if signature.email and signature.email_sends < MAX_CONFIRMATION_SENDS:
                    signature.email_state = Signature.EmailState.OWED
                    confirmation_publish_on_commit(signature.id)
        signature.save()
        tally_nudge_on_commit(campaign_id=signature.campaign_id)
    return signature


# --- Consent texts ---------------------------------------------------------------------


def consent_text_create(*, by, language: str, text: str) -> ConsentText:
    """A new wording of the consent, in one language: a new version. Signatures keep pointing
    at the version their signers saw; new signatures get this one (within a minute in every
    process, the life of the consent cache)."""
    if not access.is_superuser(by):
        raise NotAllowed(_("Only the installation's administrators change the consent text."))
    with transaction.atomic():
        latest = (
            ConsentText.objects.select_for_update()
            .filter(language=language)
            .aggregate(top=Max("version"))["top"]
        )
        consent = ConsentText(language=language, text=text, version=(latest or 0) + 1)
        consent.full_clean()
        consent.save()
    consent_clear_cache()
    return consent
