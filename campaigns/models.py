import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower, Trim
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

# A BCP 47-style tag: "es", "qu", "pt-BR", "ay". Content may be in any language, not only
# the four the interface is translated into.
LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
language_tag_validator = RegexValidator(LANGUAGE_TAG, _("Enter a language code such as es or qu."))


def validate_language_list(value) -> None:
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError(_("Give a list of language codes."))
    for code in value:
        if not LANGUAGE_TAG.match(code):
            raise ValidationError(
                _("%(code)s is not a language code such as es or qu."), params={"code": code}
            )
    if len(set(value)) != len(value):
        raise ValidationError(_("Each language may be listed once."))


class Organisation(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    country = CountryField(blank=True)
    website = models.URLField(blank=True)
    description = models.TextField(blank=True)
    retention_months = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=_(
            "Erase signers' details this many months after a campaign closes (the signatures "
            "stay counted, anonymously). Empty: keep them."
        ),
    )
    # Signatures up to this id have been made into people (signatures.people.people_sync).
    people_synced_to = models.BigIntegerField(default=0, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ORGANISER = "organiser", _("Organiser")
    COLLECTOR = "collector", _("Collector")
    VIEWER = "viewer", _("Viewer")


class Membership(models.Model):
    """A person's role in an organisation. One role per person per organisation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organisation} ({self.role})"


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class CampaignContact(models.TextChoices):
    """What a signer must give to be reached: an email, or an email or a phone number."""

    EMAIL = "email", _("An email address")
    EMAIL_OR_PHONE = "email_or_phone", _("An email address or a phone number")


# Addresses a campaign may not take: the dashboard's pages live beside campaigns' own.
RESERVED_SLUGS = frozenset({"new", "edit"})


class Campaign(models.Model):
    Status = CampaignStatus
    Contact = CampaignContact

    class Outcome(models.TextChoices):
        WON = "won", _("Won")
        PARTLY_WON = "partly_won", _("Partly won")
        LOST = "lost", _("Lost")

    PUBLIC_STATUSES = (Status.OPEN, Status.CLOSED)

    slug = models.SlugField(max_length=80, unique=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="campaigns"
    )
    # Title, summary and petition text are written in the campaign's first language;
    # CampaignTranslation holds the others.
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=600, blank=True)
    petition_text = models.TextField(blank=True)
    goal = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    countries = CountryField(multiple=True, blank=True)
    languages = models.JSONField(default=list, blank=True, validators=[validate_language_list])
    require_confirmation = models.BooleanField(
        default=True, help_text=_("Signers confirm by email before they are counted.")
    )
    contact = models.CharField(
        max_length=16,
        choices=CampaignContact.choices,
        default=CampaignContact.EMAIL,
        db_default=CampaignContact.EMAIL,  # rows written by older code or raw SQL ask an email
        help_text=_(
            "Signers without email may give a phone number instead: their signature counts "
            "when a collector took it, or at once where signatures need no email confirmation."
        ),
    )
    # Decision-makers engaged after this period are compared with those engaged during it.
    baseline_starts_on = models.DateField(null=True, blank=True)
    baseline_ends_on = models.DateField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CampaignStatus.values), name="campaign_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(status="closed"),
                name="campaign_outcome_only_when_closed",
            ),
            models.CheckConstraint(condition=Q(goal__gte=1), name="campaign_goal_positive"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="campaign_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(baseline_ends_on__isnull=True)
                | Q(baseline_starts_on__isnull=True)
                | Q(baseline_ends_on__gte=models.F("baseline_starts_on")),
                name="campaign_baseline_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(contact__in=CampaignContact.values), name="campaign_contact_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors = {}
        if self.slug and self.slug.lower() in RESERVED_SLUGS:
            # /dashboard/c/new/ and …/edit/ are the dashboard's own pages.
            errors["slug"] = _("“%(slug)s” is kept for Voces' own pages: choose another.") % {
                "slug": self.slug
            }
        if self.status == self.Status.OPEN and not self.petition_text.strip():
            errors["petition_text"] = _(
                "Write the petition text before opening the campaign: it is what people sign."
            )
        if self.outcome and self.status != self.Status.CLOSED:
            errors["outcome"] = _("Only a closed campaign has an outcome.")
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("The end date comes before the start date.")
        if bool(self.baseline_starts_on) != bool(self.baseline_ends_on):
            errors["baseline_ends_on"] = _("Give both ends of the baseline period.")
        elif self.baseline_starts_on and self.baseline_ends_on < self.baseline_starts_on:
            errors["baseline_ends_on"] = _("The baseline ends before it starts.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_public(self) -> bool:
        return self.status in self.PUBLIC_STATUSES

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def content_language(self) -> str:
        """The language title, summary and petition text are written in."""
        return self.languages[0] if self.languages else settings.LANGUAGE_CODE


class PartnerStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    ACTIVE = "active", _("Active")
    LEFT = "left", _("Left")


class CampaignPartner(models.Model):
    """A partner organisation of a coalition campaign (campaigns.partners). The campaign's own
    organisation leads; a partner is invited by the lead's owners, joins when its owner
    accepts, and may leave. Its members then see the campaign with the signatures that came
    through the partner (Signature.partner), never the others'. The row stays after leaving,
    so a partner that left cannot be told apart from one that never was only by its absence."""

    Status = PartnerStatus

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="partnerships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="partnerships"
    )
    status = models.CharField(
        max_length=8, choices=PartnerStatus.choices, default=PartnerStatus.INVITED
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    left_at = models.DateTimeField(null=True, blank=True)
    # The partner's own target for its share (its owners and organisers set it): its share's
    # milestones count towards it. None: no goal of its own (nor once it has left).
    goal = models.PositiveIntegerField(
        verbose_name=_("goal"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    # Do the partner's people (signatures.people, read through OSDI) follow this row's status
    # yet? Every change of status sets it false; the partner's next people sync (every OSDI
    # read, and the minute's sweep) then prunes the signers of a partner that left, or looks
    # again at the signatures of one that joined, and sets it back. (`db_default`: a row
    # written by older code, or raw SQL, has nothing owed.)
    people_current = models.BooleanField(default=True, db_default=True, editable=False)

    class Meta:
        ordering = ["created", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "organisation"], name="campaign_partner_once"
            ),
            models.CheckConstraint(
                condition=Q(goal__isnull=True) | Q(goal__gte=1),
                name="campaign_partner_goal_positive",
            ),
            models.CheckConstraint(
                condition=Q(status__in=PartnerStatus.values), name="campaign_partner_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.campaign} ({self.status})"


class CampaignTranslation(models.Model):
    """Title, summary and petition text of a campaign in one more language (any code)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(max_length=35, validators=[language_tag_validator])
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=600, blank=True)
    petition_text = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "language"], name="campaign_translation_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign.slug} [{self.language}]"


class Stage(models.TextChoices):
    """Where a campaign's ask stands in one country, in the order it usually moves."""

    NOT_STARTED = "not_started", _("Not started")
    INTRODUCED = "introduced", _("Bill introduced")
    COMMITTEE = "committee", _("In committee")
    PASSED = "passed", _("Passed the legislature")
    RATIFIED = "ratified", _("Ratified")
    IN_FORCE = "in_force", _("In force")


STAGE_ORDER = {value: index for index, value in enumerate(Stage.values)}


class CountryStatus(models.Model):
    """One recorded step of a campaign's ask in one country. Rows are never overwritten:
    the latest (by date, then by when it was recorded) is the current stage; the rest is history.
    """

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="country_statuses"
    )
    country = CountryField()
    stage = models.CharField(max_length=12, choices=Stage.choices)
    date = models.DateField()
    source_url = models.URLField(blank=True, max_length=500)
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["country", "date", "id"]
        verbose_name_plural = "country statuses"
        indexes = [models.Index(fields=["campaign", "country", "date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(stage__in=Stage.values), name="country_status_stage_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign.slug} {self.country}: {self.stage} ({self.date})"


# --- Outreach, decision-makers and engagements -------------------------------------------


class OutreachChannel(models.TextChoices):
    RADIO = "radio", _("Radio")
    TV = "tv", _("TV")
    PRESS = "press", _("Press")
    SOCIAL = "social", _("Social media")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    EVENT = "event", _("Event")
    DOOR_TO_DOOR = "door_to_door", _("Door to door")
    OTHER = "other", _("Other")


class OutreachActivity(models.Model):
    """A communication action with an estimated reach: "7 million people reached"."""

    Channel = OutreachChannel

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="outreach")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    country = CountryField()
    date = models.DateField()
    reach = models.PositiveBigIntegerField(help_text=_("Estimated number of people reached."))
    description = models.CharField(max_length=500, blank=True)
    partner = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outreach_done",
        help_text=_("The organisation that did it, if not the campaign's own."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name_plural = "outreach activities"
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=OutreachChannel.values),
                name="outreach_channel_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.country} {self.date}: {self.reach}"


class DecisionMakerLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    REGIONAL = "regional", _("Regional")
    LOCAL = "local", _("Local")


class DecisionMaker(models.Model):
    """A target of advocacy: a legislator, minister, mayor, district health officer."""

    Level = DecisionMakerLevel

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="decision_makers"
    )
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=200, blank=True)
    institution = models.CharField(max_length=200, blank=True)
    country = CountryField()
    level = models.CharField(max_length=8, choices=Level.choices, default=Level.NATIONAL)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=DecisionMakerLevel.values),
                name="decision_maker_level_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.institution or self.role})"


class Stance(models.TextChoices):
    CHAMPION = "champion", _("Champion")
    SUPPORTIVE = "supportive", _("Supportive")
    UNDECIDED = "undecided", _("Undecided")
    OPPOSED = "opposed", _("Opposed")


class EngagementKind(models.TextChoices):
    MEETING = "meeting", _("Meeting")
    LETTER = "letter", _("Letter")
    CALL = "call", _("Call")
    HEARING = "hearing", _("Hearing")
    STATEMENT = "statement", _("Public statement")
    VOTE = "vote", _("Vote")
    COMMITMENT = "commitment", _("Written commitment")


class Engagement(models.Model):
    """A recorded interaction with a decision-maker, and the stance it showed.

    A decision-maker's stance on a campaign is their latest engagement's (by date, then entry).
    """

    Kind = EngagementKind

    decision_maker = models.ForeignKey(
        DecisionMaker, on_delete=models.CASCADE, related_name="engagements"
    )
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="engagements")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    date = models.DateField()
    stance = models.CharField(max_length=12, choices=Stance.choices)
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["campaign", "decision_maker", "date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(stance__in=Stance.values), name="engagement_stance_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=EngagementKind.values),
                name="engagement_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.decision_maker} · {self.kind} · {self.stance} ({self.date})"


class AuditEntry(models.Model):
    """One change in an organisation, as its owners read it (campaigns.audit writes them)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="audit_entries"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The username when it happened ("system" for a task): the log outlives accounts.
    actor_name = models.CharField(max_length=150)
    action = models.CharField(max_length=60)
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.BigIntegerField(null=True, blank=True)
    target_label = models.CharField(max_length=200, blank=True)
    # {field: [old, new]}; never a signer's details.
    changes = models.JSONField(default=dict, blank=True)
    summary = models.CharField(max_length=300, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["organisation", "-created"], name="audit_by_organisation")]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.actor_name} {self.action} {self.target_label}"


class Invitation(models.Model):
    """An owner's invitation to join an organisation with a role, sent to an email address
    (campaigns.invitations). Pending until accepted, revoked or past `expires_at`; rows are
    kept afterwards, as the trail of who was let in by whom."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    # An account's address, not a signer's: kept stripped and in lower case (the database
    # checks), so one person has one pending invitation whatever the spelling.
    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    # When the email went out; empty when sending failed (the owner copies the link instead).
    emailed_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_pending",
            ),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="invitation_role_valid"),
            models.CheckConstraint(
                condition=Q(email=Lower(Trim("email"))), name="invitation_email_normalised"
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(revoked_at__isnull=True),
                name="invitation_accepted_or_revoked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.role})"
