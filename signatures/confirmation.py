"""Confirming a signature: the signed link, the button behind it, and the email outbox.

A signature owed a confirmation email is marked on its row (`email_state`), committed with the
signature, so a broker outage costs delay, never an email: the on-commit task sends it, and a
periodic sweep sends whatever a lost message left owed.
"""

import logging
import re
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from campaigns.models import Campaign
from campaigns.selectors import campaign_content
from core.errors import Conflict, DomainError
from core.queue import publish
from signatures.models import Signature
from signatures.nudges import tally_nudge_on_commit

logger = logging.getLogger(__name__)

CONFIRM_SALT = "voces.signatures.confirm"
CONFIRM_TASK = "signatures.tasks.signature_send_confirmation"


def confirmation_publish_on_commit(signature_id: int) -> None:
    """Have the owed email sent once the transaction that owed it commits."""
    transaction.on_commit(lambda: publish(CONFIRM_TASK, signature_id))


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
    # Pending: the link to confirm. Confirmed (someone signed again with this email): a note
    # that the signature is counted already. Anything else: nothing to say.
    if signature.status not in (Signature.Status.PENDING, Signature.Status.CONFIRMED) or (
        not signature.email
    ):
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


# What may stand in "Hello …,": a given name's letters, marks, apostrophes and hyphens.
_GREETABLE = re.compile(r"^[^\W\d_](?:[^\W\d_]|['\u2019-])*$")
GREETING_MAX = 24


def greeting_name(name: str) -> str:
    """The signer's first name as our emails may greet them, or "" — never a stranger's words.

    The name field is free text that anyone can fill, and the email goes out in the
    organisation's name: "Your account is locked - verify at https://…" must not reach an
    inbox as our words. So only the first word is used, and only if it reads as a name.
    """
    first = (name.split() or [""])[0][:GREETING_MAX]
    return first if _GREETABLE.match(first) else ""


def _send_confirmation_email(signature: Signature) -> None:
    campaign = signature.campaign
    kind = "confirm" if signature.status == Signature.Status.PENDING else "already"
    with translation.override(signature.language or settings.LANGUAGE_CODE):
        content = campaign_content(campaign=campaign, language=translation.get_language())
        context = {
            "name": greeting_name(signature.name),
            "campaign": campaign,
            "content": content,
            "organisation": campaign.organisation,
            "url": confirmation_url(signature_id=signature.id),
            "page_url": f"{settings.SITE_URL}/c/{campaign.slug}/",
            "days": settings.CONFIRMATION_MAX_AGE.days,
        }
        subject = render_to_string(f"signatures/email/{kind}_subject.txt", context).strip()
        text = render_to_string(f"signatures/email/{kind}_body.txt", context)
        html = render_to_string(f"signatures/email/{kind}_body.html", context)
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
