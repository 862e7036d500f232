"""Organisers review signatures many at a time: the filters, the busiest addresses, and
rejecting or restoring everything a filter selects.

A filter (`SignatureWhere`) is the same wherever it comes from (the API's list and its review
endpoint, the dashboard's page): its values are checked by the rules below, which the API's
serializer and the dashboard's form both call, and applied by `signatures_where`. A review is
a few set-based UPDATEs in one transaction, never a loop over rows, and the tally follows: a
changed row's `status` differs from its `counted` column, which the next tally finds.
"""

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Count, F, Max, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, Left
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns import access, audit
from campaigns.access import Ability
from campaigns.models import Campaign
from core.errors import NotAllowed
from signatures.identity import email_domain, email_key
from signatures.models import Signature
from signatures.nudges import tally_nudge_on_commit

logger = logging.getLogger(__name__)

# How much of the address hash organisers see and link by: enough to tell bursts apart
# (16^12 values), too little to matter if a list is shared.
HASH_SHOWN = 12
HASH_LENGTH = 32
RESTORED = "restored"
REVIEW_STATUSES = (Signature.Status.REJECTED.value, RESTORED)

_HEX = re.compile(r"[0-9a-f]+")


# --- The filters' values ------------------------------------------------------------------


def client_hash_prefix_clean(value: str) -> str:
    """A prefix of an address hash as typed: hex digits, any case, up to the stored 32."""
    prefix = value.strip().lower()
    if not _HEX.fullmatch(prefix) or len(prefix) > HASH_LENGTH:
        raise ValidationError(
            _("Give the first characters of an address hash: 0-9 and a-f, at most %(n)d.")
            % {"n": HASH_LENGTH},
            code="invalid",
        )
    return prefix


def email_domain_clean(value: str) -> str:
    """A domain as typed ("Bücher.example", "@EXAMPLE.org") in the form normalised emails
    store it: lower case, IDNA A-label, through the very function that normalises emails."""
    domain = value.strip().removeprefix("@")
    normalised = email_key(f"x@{domain}") if domain and "@" not in domain else None
    if normalised is None:
        raise ValidationError(_("This is not a valid email domain."), code="invalid")
    return email_domain(normalised)


class ClientHashPrefixField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)  # before stripping; the rule is in the cleaner
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        return client_hash_prefix_clean(value) if value else ""


class EmailDomainField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 254)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        return email_domain_clean(value) if value else ""


# --- A filter -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SignatureWhere:
    """Which signatures of a campaign: every field given must hold. An empty one selects
    them all for a list, and is refused by a review."""

    client_hash: str = ""  # a prefix of the stored hash, lower-case hex
    email_domain: str = ""  # the A-label domain of `email_normalised`
    status: str = ""
    source: str = ""
    collector: str = ""  # a collector's code
    country: str = ""
    created_after: datetime | None = None  # inclusive
    created_before: datetime | None = None  # exclusive
    search: str = ""  # name or email contains (the dashboard's search box)

    @classmethod
    def of(cls, cleaned: Mapping) -> "SignatureWhere":
        """From a form's cleaned data: its known fields, blanks left out."""
        return cls(**{f.name: cleaned[f.name] for f in fields(cls) if cleaned.get(f.name)})

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))


def signatures_where(queryset: QuerySet[Signature], where: SignatureWhere) -> QuerySet[Signature]:
    """`queryset` narrowed to the signatures `where` selects."""
    conditions = Q()
    if where.client_hash:
        conditions &= Q(client_hash__startswith=where.client_hash)
    if where.email_domain:
        conditions &= Q(email_normalised__endswith=f"@{where.email_domain}")
    if where.status:
        conditions &= Q(status=where.status)
    if where.source:
        conditions &= Q(source=where.source)
    if where.collector:
        conditions &= Q(collector__code=where.collector)
    if where.country:
        conditions &= Q(country=where.country)
    if where.created_after:
        conditions &= Q(created__gte=where.created_after)
    if where.created_before:
        conditions &= Q(created__lt=where.created_before)
    if where.search:
        conditions &= Q(name__icontains=where.search) | Q(email__icontains=where.search)
    return queryset.filter(conditions)


def signatures_matching(
    *, campaign: Campaign, where: SignatureWhere, scope: Q | None = None
) -> QuerySet[Signature]:
    """The campaign's signatures that `where` selects, newest first, ready to list; `scope`
    (access.signatures_filter) keeps a coalition partner to its own."""
    rows = Signature.objects.filter(campaign_id=campaign.id)
    if scope is not None:
        rows = rows.filter(scope)
    return (
        signatures_where(rows, where)
        .select_related("collector", "consent_text", "partner")
        .order_by("-id")
    )


@dataclass(frozen=True, slots=True)
class BusyAddress:
    prefix: str  # the first HASH_SHOWN characters of the hash
    signatures: int
    rejected: int


def busiest_addresses(
    *, campaign: Campaign, since: datetime, limit: int = 5, scope: Q | None = None
) -> list[BusyAddress]:
    """The address hashes that signed the campaign most since `since`, with their counts."""
    rows = (
        Signature.objects.filter(scope if scope is not None else Q(), campaign_id=campaign.id)
        .filter(created__gte=since)
        .exclude(client_hash="")
        .annotate(prefix=Left("client_hash", HASH_SHOWN))
        .values("prefix")
        .annotate(
            signatures=Count("id"), rejected=Count("id", filter=Q(status=Signature.Status.REJECTED))
        )
        .order_by("-signatures", "prefix")[:limit]
    )
    return [BusyAddress(row["prefix"], row["signatures"], row["rejected"]) for row in rows]


# --- Reviewing ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReviewResult:
    matched: int  # the signatures the filter selects
    changing: int  # those whose status this review changes (or, on a dry run, would change)
    dry_run: bool

    @property
    def changed(self) -> int:
        """What was changed: nothing on a dry run."""
        return 0 if self.dry_run else self.changing


# Rejections a review does not undo: a signer erased before confirming can never confirm,
# and a duplicate (another spelling of an email the campaign holds) would be the same person
# counted twice; it is kept outside the one-per-person constraint only while rejected.
NOT_RESTORABLE = (Signature.RejectedReason.ERASED, Signature.RejectedReason.DUPLICATE)


def _changes(status: str) -> Q:
    """The signatures a review changes: rejecting, those not rejected yet (an automatic
    rejection keeps its reason, so a real signer a bot borrowed an email from may still
    sign); restoring, those rejected, except for the reasons above."""
    if status == Signature.Status.REJECTED:
        return ~Q(status=Signature.Status.REJECTED)
    return Q(status=Signature.Status.REJECTED) & ~Q(rejected_reason__in=NOT_RESTORABLE)


# An email owed is dropped, never sent, by a review: rejected signers get none, and restoring
# sends none (an email already sent stays marked sent, so signing again may re-send it).
_NO_EMAIL_OWED = Case(
    When(email_state=Signature.EmailState.OWED, then=Value(Signature.EmailState.NONE)),
    default=F("email_state"),
)


def _apply(changing: QuerySet[Signature], status: str, *, require_confirmation: bool) -> int:
    if status == Signature.Status.REJECTED:
        return changing.update(
            status=Signature.Status.REJECTED,
            rejected_reason=Signature.RejectedReason.ORGANISER,
            email_state=_NO_EMAIL_OWED,
        )
    # Restoring gives back what the signer had earned: confirmed if they had confirmed or the
    # campaign needs no confirmation, else pending.
    if not require_confirmation:
        return changing.update(
            status=Signature.Status.CONFIRMED,
            confirmed_at=Coalesce(F("confirmed_at"), Value(timezone.now())),
            rejected_reason="",
            email_state=_NO_EMAIL_OWED,
        )
    return changing.update(
        status=Case(
            When(confirmed_at__isnull=False, then=Value(Signature.Status.CONFIRMED)),
            default=Value(Signature.Status.PENDING),
        ),
        rejected_reason="",
        email_state=_NO_EMAIL_OWED,
    )


def _review(
    *, by, campaign: Campaign, status: str, matching: QuerySet[Signature], dry_run: bool
) -> ReviewResult:
    if not access.can_on_campaign(by, campaign, Ability.SEE_SIGNERS):
        raise NotAllowed(_("Only the organisation's organisers may do this."))
    # A coalition partner's organisers review the signatures that came through them.
    matching = matching.filter(access.signatures_filter(by, campaign))
    if status not in REVIEW_STATUSES:
        raise ValidationError({"status": [_("Use rejected, or restored to undo a rejection.")]})
    counts = matching.aggregate(
        matched=Count("id"), changing=Count("id", filter=_changes(status)), top=Max("id")
    )
    if dry_run or not counts["changing"]:
        return ReviewResult(counts["matched"], counts["changing"] if dry_run else 0, dry_run)
    with transaction.atomic():
        # What arrives meanwhile is not what was counted: the run stops at the newest
        # signature the count saw, so `changed` never exceeds `matched`.
        changing = matching.filter(_changes(status), id__lte=counts["top"])
        changed = _apply(changing, status, require_confirmation=campaign.require_confirmation)
        if changed:
            tally_nudge_on_commit(campaign_id=campaign.id)
            audit.record(  # counts only: the log holds no signer's details
                by=by,
                organisation_id=campaign.organisation_id,
                action=f"signatures.{status}",
                target=campaign,
                summary=f"{changed} of {counts['matched']} matching signatures",
            )
    logger.info(
        "signatures reviewed: campaign=%s status=%s matched=%d changed=%d",
        campaign.id,
        status,
        counts["matched"],
        changed,
    )
    return ReviewResult(counts["matched"], changed, dry_run=False)


def signatures_review(
    *, by, campaign: Campaign, status: str, where: SignatureWhere, dry_run: bool = False
) -> ReviewResult:
    """Reject (`"rejected"`) or restore (`"restored"`) every signature of the campaign that
    `where` selects; with `dry_run`, only count them.

    Rejecting marks them rejected by an organiser and drops any confirmation email still
    owed; restoring gives back what each signer had earned (confirmed if they had confirmed
    or the campaign needs no confirmation, else pending) and sends no email. Signatures
    already in the asked state are matched but not changed. One transaction of set-based
    UPDATEs; the tally follows on commit. An empty `where` is refused (never "everything").
    Raises NotAllowed (403) for anyone but the organisation's owners and organisers, and
    ValidationError keyed by field.
    """
    if not where:
        raise ValidationError({"where": [_("Give at least one filter.")]})
    return _review(
        by=by,
        campaign=campaign,
        status=status,
        matching=signatures_where(Signature.objects.filter(campaign_id=campaign.id), where),
        dry_run=dry_run,
    )


def signature_review(*, by, campaign: Campaign, signature_id: int, status: str) -> ReviewResult:
    """The same review for one signature of the campaign (the row's own buttons, the API's
    PATCH): the same rules, the same UPDATE, no email either way."""
    return _review(
        by=by,
        campaign=campaign,
        status=status,
        matching=Signature.objects.filter(campaign_id=campaign.id, id=signature_id),
        dry_run=False,
    )
