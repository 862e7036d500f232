"""Signing: the one way in for every signature, and organisers' review of them.

The signing path is the hot path: one validation, one INSERT ... ON CONFLICT (with the rows
other requests of the process hand over at the same moment: signatures.writer), and
on-commit nudges. No counting, no email and no slow hashing happen inside the request.
"""

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns import access, audit
from campaigns.models import Campaign
from core.errors import Conflict, NotAllowed, RateLimited
from core.queue import publish_on_commit
from signatures.channels import Channel
from signatures.client import client_key
from signatures.confirmation import confirmation_publish_on_commit
from signatures.limits import sign_rate_wait
from signatures.models import ConsentText, Signature
from signatures.nudges import tally_nudge_on_commit
from signatures.selectors import (
    SigningCampaign,
    collector_id_active,
    consent_clear_cache,
    consent_text_current,
    consent_text_seen,
)
from signatures.validation import SignatureInput, signature_input_clean
from signatures.writer import signature_coming, signature_store

logger = logging.getLogger(__name__)

MAX_CONFIRMATION_SENDS = 3
RESEND_AFTER = timedelta(minutes=2)
SIGNED_AGAIN_TASK = "signatures.tasks.signature_signed_again"


@dataclass(frozen=True, slots=True)
class SignResult:
    created: bool
    # The new signature's status. Empty for a duplicate: nothing of the earlier one is told.
    status: str = ""
    # The row: the new one, or the person's earlier one. For callers that may show it (an
    # OSDI token of the campaign's organisation); never in a public answer.
    signature_id: int | None = None


def _collector_id(
    campaign: SigningCampaign | Campaign, code: str, *, strict: bool, partner_id: int | None = None
) -> int | None:
    """The active collector of this code: the lead's, or with a partner, the partner's."""
    if not code:
        return None
    organisation_id = partner_id or campaign.organisation_id
    collector_id = collector_id_active(organisation_id=organisation_id, code=code)
    if collector_id is None and strict:
        raise ValidationError({"collector": [_("No active collector has this code.")]})
    return collector_id


def signature_counted_at_birth(status: str) -> str:
    """What a signature stored by signing holds in `counted`: its own status, so the row is
    written once. The tally counts new rows by id, in this status, without marking them
    (tallies.services); a later change of status makes `counted` differ, which it finds."""
    return status


def signature_values(
    *,
    campaign: SigningCampaign | Campaign,
    cleaned: SignatureInput,
    collector_id: int | None,
    consent_text_id: int,
    moment: datetime,
    client_hash: str = "",
    partner_id: int | None = None,
) -> dict:
    """The columns of a new signature from a checked input (its status is the caller's)."""
    return {
        "partner_id": partner_id,
        "campaign_id": campaign.id,
        "name": cleaned.name,
        "email": cleaned.email,
        "email_normalised": cleaned.email_normalised,
        "phone": cleaned.phone,
        "country": cleaned.country,
        "region": cleaned.region,
        "postal_code": cleaned.postal_code,
        "comment": cleaned.comment,
        "language": cleaned.language,
        "source": cleaned.source,
        "collector_id": collector_id,
        "consent_text_id": consent_text_id,
        "consented_at": moment,
        "client_hash": client_hash,
        "created": moment,
    }


@signature_coming()
def signature_sign(
    *,
    campaign: SigningCampaign | Campaign,
    signer: Mapping,
    channel: Channel,
    language: str,
    client_address: str = "",
    suspicious_reason: str = "",
    send_confirmation: bool = True,
    partner_id: int | None = None,
) -> SignResult:
    """Record one person's signature, once: the one way in for every channel.

    `signer` is the body as sent (checked here, once); `language` the signer's interface
    language when the body names none. `suspicious_reason` (a filled honeypot, a form sent too
    fast) stores the signature as rejected, so the sender sees the usual answer and organisers
    can review it later. Raises RateLimited (429) past SIGN_RATE on a rate-limited channel,
    Conflict (409) when the campaign is not open, and ValidationError per field.
    `partner_id`: the coalition partner it came through, already checked by the caller (an
    active partner of the campaign); a collector code is then the partner's collector's.
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
    collected = channel.collected
    cleaned = signature_input_clean(
        signer,
        default_language=language,
        default_source=channel.source,
        sources=channel.sources,
        require_consent=channel.require_consent,
        contact=campaign.contact,
        # A phone-only signer is counted on a collector's word, or where nobody confirms.
        email_needed=campaign.require_confirmation and not collected,
    )
    collector_id = _collector_id(
        campaign, cleaned.collector_code, strict=channel.strict_collector, partner_id=partner_id
    )
    # The text the page showed (a campaign's own, in the content's language), else the one
    # in force in the signer's language.
    consent_text_id = consent_text_seen(
        signer.get("consent_version"), campaign_id=campaign.id
    ) or consent_text_current(language=cleaned.language, campaign_id=campaign.id)
    now = timezone.now()
    values = signature_values(
        campaign=campaign,
        cleaned=cleaned,
        collector_id=collector_id,
        consent_text_id=consent_text_id,
        moment=now,
        client_hash=client_key(client_address) if channel.keep_client_hash else "",
        partner_id=partner_id,
    )
    if suspicious_reason:
        values["status"] = Signature.Status.REJECTED
        values["rejected_reason"] = suspicious_reason
    elif campaign.require_confirmation and not collected:
        values["status"] = Signature.Status.PENDING
        if send_confirmation:  # an OSDI client may switch the email off (autoresponse)
            values["email_state"] = Signature.EmailState.OWED
    else:
        values["status"] = Signature.Status.CONFIRMED
        values["confirmed_at"] = now

    values["counted"] = signature_counted_at_birth(values["status"])
    signature_id, stored = signature_store(values)  # committed: grouped, or alone
    # A new signature and a repeat do the same work in the request (one statement, the same
    # number of tasks on commit) and answer the same, so nobody learns who signed by timing or
    # by answer; the repeat's own work (an email to the person, capped) happens in a task.
    if stored:
        if values.get("email_state") == Signature.EmailState.OWED:
            confirmation_publish_on_commit(signature_id)
    elif campaign.require_confirmation and not suspicious_reason and send_confirmation:
        publish_on_commit(SIGNED_AGAIN_TASK, signature_id)
    tally_nudge_on_commit(campaign_id=campaign.id)
    return SignResult(created=stored, status=values["status"], signature_id=signature_id)


def signature_signed_again(*, signature_id: int) -> bool:
    """Someone signed again with an email that had signed (on a campaign that confirms by
    email): the person gets an email — the link again while pending, "you have already
    signed" once confirmed — a few times at most, never twice within a few minutes. Returns
    whether one is owed now."""
    owed = Signature.objects.filter(
        Q(email_sent_at__isnull=True) | Q(email_sent_at__lt=timezone.now() - RESEND_AFTER),
        id=signature_id,
        campaign__require_confirmation=True,
        status__in=[Signature.Status.PENDING, Signature.Status.CONFIRMED],
        email_state__in=[Signature.EmailState.SENT, Signature.EmailState.NONE],
        email_sends__lt=MAX_CONFIRMATION_SENDS,
        erased_at__isnull=True,
    ).exclude(email="")
    if not owed.update(email_state=Signature.EmailState.OWED, email_retry_at=None):
        return False
    confirmation_publish_on_commit(signature_id)
    return True


# --- Consent texts ---------------------------------------------------------------------


def consent_text_create(
    *, by, language: str, text: str, campaign: Campaign | None = None
) -> ConsentText:
    """A new wording of the consent, in one language: a new version — of a campaign's own
    (its owners and organisers), or of the installation's (its administrators), which every
    campaign without its own uses. Signatures keep pointing at the version their signers saw;
    new signatures get this one (within a minute in every process, the consent cache's life).
    The text may say `{organisation}` where the organisation's name goes."""
    if campaign is None and not access.is_superuser(by):
        raise NotAllowed(_("Only the installation's administrators change the consent text."))
    if campaign is not None:
        access.require_manager(by, campaign.organisation_id)
    with transaction.atomic():
        same = ConsentText.objects.select_for_update().filter(campaign=campaign, language=language)
        latest = same.aggregate(top=Max("version"))["top"]
        consent = ConsentText(
            campaign=campaign, language=language, text=text.strip(), version=(latest or 0) + 1
        )
        consent.full_clean()
        consent.save()
        if campaign is not None:
            audit.record(
                by=by,
                organisation_id=campaign.organisation_id,
                action="consent.create",
                target=campaign,
                changed={"consent": [latest, f"v{consent.version} [{language}]"]},
            )
    consent_clear_cache()
    return consent
