from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from campaigns.models import Campaign, Organisation


class ConsentText(models.Model):
    """One version of the consent a signer gives, in one language: a campaign's own, or the
    installation's (no campaign), which every campaign without its own uses.

    A signature points at the exact row its signer saw; rows are never edited once used, a
    change is a new version. The text may name the organisation running the campaign as
    `{organisation}`: it is filled in where the text is shown, so one version serves
    whatever the organisation is called.
    """

    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="consent_texts",
    )
    version = models.PositiveIntegerField()
    language = models.CharField(max_length=35)
    text = models.TextField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "language"],
                condition=Q(campaign__isnull=True),
                name="consent_text_unique",
            ),
            models.UniqueConstraint(
                fields=["campaign", "language", "version"],
                condition=Q(campaign__isnull=False),
                name="consent_text_unique_per_campaign",
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.version} [{self.language}]"

    def rendered(self, *, organisation: str) -> str:
        return self.text.replace("{organisation}", organisation)


class Collector(models.Model):
    """An activist or partner to whom signatures are credited, through a link `?ref=<code>`."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="collectors"
    )
    name = models.CharField(max_length=120)
    code = models.SlugField(max_length=40)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="collector_profiles",
    )
    active = models.BooleanField(default=True)
    created = models.DateTimeField(auto_now_add=True)
    # What the collector's field app last said still waits on the device, and when it said so.
    waiting = models.PositiveIntegerField(default=0)
    waiting_at = models.DateTimeField(null=True, blank=True)
    # When the field app last sent signatures.
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="collector_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


# A row the tally has not counted in its current status: new, confirmed, rejected or restored
# since the last tally. A partial index keeps finding them cheap however big the table is.
NEEDS_TALLY = ~Q(counted=F("status"))


class SignatureStatus(models.TextChoices):
    PENDING = "pending", _("Pending confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class SignatureSource(models.TextChoices):
    WEB = "web", _("Sign-up page")
    EMBED = "embed", _("Embedded form")
    API = "api", _("API")
    IMPORT = "import", _("Paper import")
    FIELD = "field", _("Field collection")


class EmailState(models.TextChoices):
    """The confirmation email outbox: a periodic sweep sends what is owed."""

    NONE = "none", _("No email needed")
    OWED = "owed", _("Email owed")
    SENT = "sent", _("Email sent")


class RejectedReason(models.TextChoices):
    """Why a signature is not counted."""

    HONEYPOT = "honeypot", _("A field people do not see was filled")
    TOO_FAST = "too_fast", _("The form was sent back too fast")
    FORM_TOKEN = "form_token", _("The form's token was missing or forged")
    ORGANISER = "organiser", _("Rejected by an organiser")
    ERASED = "erased", _("Erased before it was confirmed")
    DUPLICATE = "duplicate", _("The same person signed earlier (another spelling of the email)")

    @classmethod
    def automatic(cls) -> list[str]:
        """What the form itself decided, not a person: a real signer who comes back with the
        same email replaces such a row (see signatures.services)."""
        return [cls.HONEYPOT, cls.TOO_FAST, cls.FORM_TOKEN]


class Signature(models.Model):
    Status = SignatureStatus
    Source = SignatureSource
    EmailState = EmailState
    RejectedReason = RejectedReason

    # No index of its own: the (campaign, email_normalised) constraint leads with campaign.
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="signatures", db_index=False
    )
    name = models.CharField(max_length=200)
    # As the signer typed it; `email_normalised` (trimmed, lower case) is what makes a person
    # unique within a campaign. Both are emptied when a signer's details are erased.
    email = models.CharField(max_length=254, blank=True)
    # NULL, not "", once erased: the unique constraint must let erased rows coexist.
    email_normalised = models.CharField(max_length=254, null=True, blank=True)  # noqa: DJ001
    # E.164 ("+59171234567"). It identifies the person only on a row without an email (a
    # family may share one phone): NULL when not given, and once erased.
    phone = models.CharField(max_length=16, null=True, blank=True)  # noqa: DJ001
    country = CountryField()
    region = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    comment = models.TextField(blank=True)
    language = models.CharField(max_length=35, blank=True)
    source = models.CharField(
        max_length=8, choices=SignatureSource.choices, default=SignatureSource.WEB
    )
    # No index: signatures are found by campaign first; a collector is deactivated, not
    # deleted, so the SET NULL scan is rare. Every index is paid on each INSERT and tally.
    collector = models.ForeignKey(
        Collector,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="signatures",
        db_index=False,
    )
    # The coalition partner it came through (its link or embed, its collectors, imports,
    # batches and tokens); empty for the lead organisation's own. Kept when a partner leaves.
    partner = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    status = models.CharField(
        max_length=10, choices=SignatureStatus.choices, default=SignatureStatus.PENDING
    )
    rejected_reason = models.CharField(max_length=40, blank=True, choices=RejectedReason.choices)
    consent_text = models.ForeignKey(
        ConsentText,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    consented_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # HMAC-SHA256 of the client address keyed by SECRET_KEY: lets organisers find a burst from
    # one address without ever storing the address itself.
    client_hash = models.CharField(max_length=32, blank=True)
    email_state = models.CharField(
        max_length=4, choices=EmailState.choices, default=EmailState.NONE
    )
    email_sends = models.PositiveSmallIntegerField(default=0)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    email_failures = models.PositiveSmallIntegerField(default=0)
    email_retry_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)
    # The status this row was last counted with by the tally ("" until first counted).
    counted = models.CharField(max_length=10, blank=True, default="")
    # When the signer's details were erased (on request, or by the retention policy).
    erased_at = models.DateTimeField(null=True, blank=True)
    # For an organiser to look at: the email no longer passes the checks it passed when it was
    # stored (they became stricter). Counted as before; nothing is thrown away.
    needs_review = models.BooleanField(default=False)
    # When what a CRM sees of the row last changed (confirmed, rejected, restored, erased):
    # NULL until then, so a new signature costs the signing INSERT nothing. Kept by the
    # database itself (trigger `signature_modified`, migration 0014) on every UPDATE that
    # changes a column in MODIFYING_FIELDS, whichever code path runs it, and never by the
    # tally's bookkeeping (`counted`, the email outbox). OSDI's modified_date is
    # `modified or created`.
    modified = models.DateTimeField(null=True, blank=True, editable=False)

    # A signer's details: what erasure empties and only the organisation's organisers see.
    # Every other column says nothing about who signed (tests/signatures/test_rights.py keeps
    # this list complete: a new column must be put on one side or the other).
    PERSONAL_FIELDS = (
        "name",
        "email",
        "email_normalised",
        "phone",
        "region",
        "postal_code",
        "comment",
        "client_hash",
    )
    # The columns whose change is a modification for the outside (the trigger's list: a new
    # column a CRM sees belongs here, and in a migration that re-creates the trigger).
    MODIFYING_FIELDS = (
        "status",
        "rejected_reason",
        "name",
        "email",
        "email_normalised",
        "phone",
        "country",
        "region",
        "postal_code",
        "comment",
        "language",
        "source",
        "collector",
        "confirmed_at",
        "erased_at",
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            # One person, one signature. A later spelling of an email that an earlier row of
            # the campaign holds (found when normalisation became stricter) is kept, rejected
            # as a duplicate, outside the constraint: nothing is deleted.
            models.UniqueConstraint(
                fields=["campaign", "email_normalised"],
                condition=~Q(rejected_reason="duplicate"),
                name="signature_one_per_person",
            ),
            # Without an email, the phone number is the person.
            models.UniqueConstraint(
                fields=["campaign", "phone"],
                condition=Q(email_normalised__isnull=True, phone__isnull=False)
                & ~Q(rejected_reason="duplicate"),
                name="signature_one_per_phone",
            ),
            models.CheckConstraint(
                condition=Q(status__in=SignatureStatus.values), name="signature_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(source__in=SignatureSource.values), name="signature_source_valid"
            ),
            models.CheckConstraint(
                condition=Q(email_state__in=EmailState.values),
                name="signature_email_state_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="confirmed") | Q(confirmed_at__isnull=False),
                name="signature_confirmed_has_time",
            ),
        ]
        indexes = [
            models.Index(
                fields=["created"],
                condition=Q(email_state="owed"),
                name="signature_email_owed",
            ),
            # A coalition partner's share: its signatures, and their recount.
            models.Index(
                fields=["campaign", "partner"],
                condition=Q(partner__isnull=False),
                name="signature_partner",
            ),
            models.Index(
                fields=["campaign", "id"], condition=NEEDS_TALLY, name="signature_untallied"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.pk}"


class ImportJob(models.Model):
    """A CSV of signatures from paper sheets, imported all at once or not at all."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        VALIDATING = "validating", _("Checking rows")
        INSERTING = "inserting", _("Saving")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="imports")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Rows without a collector are credited to this one (a collector importing their sheets).
    default_collector = models.ForeignKey(
        Collector, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Set when a collector imports: every row is theirs, other collectors' codes are refused.
    own_sheets_only = models.BooleanField(default=False)
    # A coalition partner's sheets (its members uploaded them): the rows are credited to it.
    partner = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    filename = models.CharField(max_length=200, blank=True)
    content = models.BinaryField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    rejected = models.JSONField(default=list)
    rejected_count = models.PositiveIntegerField(default=0)
    # Rows imported with something to tell the uploader (an unknown collector code).
    warnings = models.JSONField(default=list)
    warnings_count = models.PositiveIntegerField(default=0)
    # The uploader's language: the rows' problems are written in it, by a worker too.
    language = models.CharField(max_length=8, blank=True)
    error = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"import {self.pk} ({self.state})"


class BatchItem(models.Model):
    """One signature a field app sent, by the id the device gave it: what makes sending the
    same batch again (a sync cut off halfway) store nothing twice. A rejected item leaves no
    row, so it can be corrected and sent again under its id."""

    class Result(models.TextChoices):
        CREATED = "created", _("Created")
        DUPLICATE = "duplicate", _("Duplicate")

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    client_id = models.UUIDField()
    result = models.CharField(max_length=9, choices=Result.choices)
    signature = models.ForeignKey(
        Signature, on_delete=models.SET_NULL, null=True, related_name="+", db_index=False
    )
    collector = models.ForeignKey(
        Collector, on_delete=models.SET_NULL, null=True, related_name="+", db_index=False
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "client_id"], name="batch_item_once")
        ]

    def __str__(self) -> str:
        return f"{self.client_id}: {self.result}"


class Person(models.Model):
    """One person per normalised email within an organisation — or, for signers who gave no
    email, per phone number: the signer seen across its campaigns (OSDI's "person"). Made from
    signatures by `signatures.people.people_sync`, off the signing path, or directly by the
    OSDI helpers."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="people")
    email_normalised = models.CharField(max_length=254, null=True, blank=True)  # noqa: DJ001
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=16, null=True, blank=True)  # noqa: DJ001 - E.164
    given_name = models.CharField(max_length=120, blank=True)
    family_name = models.CharField(max_length=120, blank=True)
    country = CountryField(blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    # What other systems keep of the person beside OSDI's fields (OSDI's `custom_fields`):
    # {"member_id": "A-17", ...}, filled in by their writes, never blanked by them.
    custom_fields = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(default=timezone.now)
    modified = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "email_normalised"], name="person_one_per_email"
            ),
            models.UniqueConstraint(
                fields=["organisation", "phone"],
                condition=Q(email_normalised__isnull=True, phone__isnull=False),
                name="person_one_per_phone",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "modified"], name="person_modified")]

    def __str__(self) -> str:
        return f"person {self.pk}"


class PersonIdentifier(models.Model):
    """An identifier another system gave a person (`foreign_system:1`), kept so that the
    system finds the person by it (OSDI's `identifier` filter) and gets it back. One names
    one person within an organisation; Voces' own (`voces:<id>`) are never stored."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="identifiers")
    value = models.CharField(max_length=255)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "value"], name="person_identifier_unique"
            )
        ]

    def __str__(self) -> str:
        return self.value


class SignatureOrigin(models.Model):
    """What a partner's system said of a signature it recorded through OSDI, kept as given
    and returned: when the person acted there (`action_date`), its own name
    (`origin_system`) and its referrer data (`source`, `referrer`, `website`). None of it
    says who signed. Voces itself still dates the signature by its arrival and credits a
    collector only by a code it knows."""

    signature = models.OneToOneField(
        Signature, on_delete=models.CASCADE, primary_key=True, related_name="origin"
    )
    action_date = models.DateTimeField(null=True, blank=True)
    origin_system = models.CharField(max_length=100, blank=True)
    source = models.CharField(max_length=100, blank=True)
    referrer = models.CharField(max_length=100, blank=True)
    website = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return f"origin of {self.signature_id}"


class Tag(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=100)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="tag_unique")]

    def __str__(self) -> str:
        return self.name


class Tagging(models.Model):
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="taggings")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="taggings")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["tag", "person"], name="tagging_unique")]

    def __str__(self) -> str:
        return f"{self.tag_id} → {self.person_id}"
