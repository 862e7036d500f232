"""Signing, confirming and the confirmation-email outbox.

The signing path is the hot path: one validation, one INSERT ... ON CONFLICT DO NOTHING,
and on-commit nudges. No counting, no email and no slow hashing happen inside the request.
"""

import logging
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from campaigns import access
from campaigns.access import Ability
from campaigns.models import Campaign
from campaigns.selectors import campaign_content
from core.errors import Conflict, DomainError, RateLimited
from core.queue import publish
from signatures.bulk import DEFAULTS, signature_insert_one
from signatures.channels import Channel
from signatures.client import address_hash
from signatures.limits import sign_rate_wait
from signatures.models import Collector, Signature
from signatures.nudges import tally_nudge_on_commit
from signatures.selectors import SigningCampaign, consent_text_current
from signatures.validation import signature_input_clean

logger = logging.getLogger(__name__)

CONFIRM_SALT = "voces.signatures.confirm"
CONFIRM_TASK = "signatures.tasks.signature_send_confirmation"
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
        transaction.on_commit(lambda: _publish_confirmation(signature_id))
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
        transaction.on_commit(lambda: _publish_confirmation(signature_id))


def _publish_confirmation(signature_id: int) -> None:
    publish(CONFIRM_TASK, signature_id)


# --- Confirmation ----------------------------------------------------------------------


def confirmation_token(*, signature_id: int) -> str:
    return signing.dumps(signature_id, salt=CONFIRM_SALT)


def confirmation_url(*, signature_id: int) -> str:
    path = reverse(
        "public:confirm", kwargs={"token": confirmation_token(signature_id=signature_id)}
    )
    return settings.SITE_URL + path


def confirmation_token_read(token: str) -> object:
    """What a confirmation token was made for (a signature id). Raises DomainError: 410 for
    an expired token, 400 for one that was not made here or was cut short."""
    try:
        return signing.loads(token, salt=CONFIRM_SALT, max_age=settings.CONFIRMATION_MAX_AGE)
    except signing.SignatureExpired:
        raise DomainError(
            _("This confirmation link has expired. Sign again to get a new one."),
            code="expired_token",
            status=410,
        ) from None
    except signing.BadSignature:
        raise DomainError(
            _("This confirmation link is not valid. Check that you copied all of it."),
            code="invalid_token",
        ) from None


@dataclass(frozen=True, slots=True)
class ConfirmResult:
    campaign: Campaign
    newly_confirmed: bool


def signature_confirm(*, token: str) -> ConfirmResult:
    """Confirm the signature a token was made for. Confirming twice is not an error."""
    signature_id = confirmation_token_read(token)
    if not isinstance(signature_id, int):
        raise DomainError(_("This confirmation link is not valid."), code="invalid_token")

    now = timezone.now()
    updated = Signature.objects.filter(id=signature_id, status=Signature.Status.PENDING).update(
        status=Signature.Status.CONFIRMED, confirmed_at=now
    )
    row = (
        Signature.objects.filter(id=signature_id)
        .select_related("campaign")
        .only("status", "campaign")
        .first()
    )
    if row is None:
        raise DomainError(_("This signature no longer exists."), code="signature_gone", status=404)
    if row.status == Signature.Status.REJECTED:
        raise Conflict(_("This signature can no longer be confirmed."), code="signature_rejected")
    if updated:
        tally_nudge_on_commit(campaign_id=row.campaign.id)
    return ConfirmResult(campaign=row.campaign, newly_confirmed=bool(updated))


EMAIL_LEASE = timedelta(minutes=2)


def _claim_confirmation(signature_id: int) -> datetime | None:
    """Take an owed confirmation for `EMAIL_LEASE` (its retry time is the lease): a conditional
    UPDATE, so the on-commit task and the sweep never both send it."""
    now = timezone.now()
    lease = now + EMAIL_LEASE
    claimed = (
        Signature.objects.filter(id=signature_id, email_state=Signature.EmailState.OWED)
        .filter(Q(email_retry_at__isnull=True) | Q(email_retry_at__lte=now))
        .update(email_retry_at=lease)
    )
    return lease if claimed else None


def signature_send_confirmation(*, signature_id: int) -> bool:
    """Send the confirmation email a signature is owed, once. Returns whether it was sent.

    The row is claimed with a lease, the email goes out with no transaction open (a slow mail
    server holds no lock), and a second short UPDATE records it sent. If sending fails, the
    email stays owed and is retried later with backoff; if the worker dies mid-send, the
    lease lapses and the sweep sends it again.
    """
    lease = _claim_confirmation(signature_id)
    if lease is None:
        return False
    ours = Signature.objects.filter(id=signature_id, email_retry_at=lease)
    signature = Signature.objects.select_related("campaign__organisation").get(id=signature_id)
    if signature.status != Signature.Status.PENDING or not signature.email:
        ours.update(email_state=Signature.EmailState.NONE, email_retry_at=None)
        return False
    try:
        _send_confirmation_email(signature)
    except (smtplib.SMTPException, OSError) as error:
        _confirmation_failed(signature, error, lease)
        return False
    ours.update(
        email_state=Signature.EmailState.SENT,
        email_sends=F("email_sends") + 1,
        email_sent_at=timezone.now(),
        email_retry_at=None,
    )
    return True


MAX_EMAIL_FAILURES = 6


def _confirmation_failed(signature: Signature, error: Exception, lease: datetime) -> None:
    """Try again later (1, 2, 4 ... 32 minutes), then give up: an address the mail server
    refuses must not be retried for ever, nor crowd out the emails that can go."""
    failures = signature.email_failures + 1
    changes = {
        "email_failures": failures,
        "email_retry_at": timezone.now() + timedelta(minutes=2 ** (failures - 1)),
    }
    if failures >= MAX_EMAIL_FAILURES:
        changes["email_state"] = Signature.EmailState.NONE
    Signature.objects.filter(
        id=signature.id, email_state=Signature.EmailState.OWED, email_retry_at=lease
    ).update(**changes)
    logger.warning(
        "confirmation email for signature %s failed (%s), attempt %s of %s",
        signature.id,
        error.__class__.__name__,
        failures,
        MAX_EMAIL_FAILURES,
    )


def _send_confirmation_email(signature: Signature) -> None:
    campaign = signature.campaign
    with translation.override(signature.language or settings.LANGUAGE_CODE):
        content = campaign_content(campaign=campaign, language=translation.get_language())
        context = {
            "name": signature.name,
            "campaign": campaign,
            "content": content,
            "organisation": campaign.organisation,
            "url": confirmation_url(signature_id=signature.id),
            "days": settings.CONFIRMATION_MAX_AGE.days,
        }
        subject = render_to_string("signatures/email/confirm_subject.txt", context).strip()
        text = render_to_string("signatures/email/confirm_body.txt", context)
        html = render_to_string("signatures/email/confirm_body.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()), body=text, to=[signature.email]
    )
    message.attach_alternative(html, "text/html")
    message.send()


def signatures_owed_ids(*, limit: int = 1000) -> list[int]:
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.OUTBOX_GRACE_SECONDS)
    return list(
        Signature.objects.filter(email_state=Signature.EmailState.OWED, created__lt=cutoff)
        .filter(Q(email_retry_at__isnull=True) | Q(email_retry_at__lte=now))
        .order_by("created")
        .values_list("id", flat=True)[:limit]
    )


def signatures_send_owed() -> int:
    """The outbox sweep: publish a send for every confirmation still owed.

    Covers a broker that was down when the signer signed, and a worker that died mid-send.
    """
    published = 0
    for signature_id in signatures_owed_ids():
        if publish(CONFIRM_TASK, signature_id):
            published += 1
    return published


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
                    transaction.on_commit(lambda: _publish_confirmation(signature.id))
        signature.save()
        tally_nudge_on_commit(campaign_id=signature.campaign_id)
    return signature
