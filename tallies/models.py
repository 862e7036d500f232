"""The stored figures of each campaign and the milestones it crossed.

Both tables were made by the `campaigns` app before Voces was cut into layers; they keep their
names (`campaigns_campaigntally`, `campaigns_milestone`) so no data moved.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign, Organisation


class CampaignTally(models.Model):
    """The figures of one campaign, kept by Celery tasks.

    Signature counters are incremental: each tally adds what changed since the last one.
    Reach, decision-makers and country stages are recomputed when their (few) records change.
    """

    campaign = models.OneToOneField(
        Campaign, on_delete=models.CASCADE, primary_key=True, related_name="tally"
    )
    confirmed = models.BigIntegerField(default=0)
    pending = models.BigIntegerField(default=0)
    rejected = models.BigIntegerField(default=0)
    # Confirmed signatures by dimension: {"BO": 12, ...}
    by_country = models.JSONField(default=dict)
    by_day = models.JSONField(default=dict)
    by_source = models.JSONField(default=dict)
    by_collector = models.JSONField(default=dict)
    # Confirmed signatures per coalition partner (organisation id): each one's share.
    by_partner = models.JSONField(default=dict)
    reach = models.JSONField(default=dict)
    decision_makers = models.JSONField(default=dict)
    countries = models.JSONField(default=list)
    # Which rows the counters hold (tallies.services): every signature with an id up to
    # `counted_through`, and those in `counted_beyond` (ids above it, counted while a lower
    # id could still commit). `horizon` and `horizon_writers`: the next `counted_through`,
    # once the transactions that were writing signatures when it was read have all ended.
    counted_through = models.BigIntegerField(default=0)
    counted_beyond = models.JSONField(default=list)
    horizon = models.BigIntegerField(null=True, blank=True)
    horizon_writers = models.JSONField(default=list)
    signatures_tallied_at = models.DateTimeField(null=True, blank=True)
    records_tallied_at = models.DateTimeField(null=True, blank=True)
    reconciled_at = models.DateTimeField(null=True, blank=True)
    # Bumped on every change: the ETag of the stats.
    version = models.BigIntegerField(default=0)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "campaigns_campaigntally"
        verbose_name_plural = "campaign tallies"

    def __str__(self) -> str:
        return f"tally of {self.campaign_id}: {self.confirmed}"


class Milestone(models.Model):
    """A moment worth announcing, recorded once: 50% of the goal, 10,000 signatures,
    Bolivia ratified. With `partner`, a coalition partner's own: its share of the signatures
    crossing a round number or a part of the partner's goal, announced to that partner only."""

    class Kind(models.TextChoices):
        GOAL_PERCENT = "goal_percent", _("Share of the goal")
        SIGNATURES = "signatures", _("Signatures")
        COUNTRY = "country", _("Country ratified")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="milestones")
    # The coalition partner whose share this is; None for the campaign's own milestones.
    partner = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("partner"),
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # 25/50/75/100 for goal_percent; 1000/10000/... for signatures; the country code.
    key = models.CharField(max_length=20)
    value = models.BigIntegerField(default=0, help_text=_("The count when it was reached."))
    # The goal it was reached against, as it stood then (the campaign's, or for a partner's
    # share the partner's own): what its announcements say, however the goal moves later.
    # None: no goal then, a country's milestone, or one recorded before goals were kept.
    goal = models.PositiveIntegerField(
        verbose_name=_("goal"),
        null=True,
        blank=True,
        help_text=_("The goal when it was reached."),
    )
    reached_at = models.DateTimeField()
    announced_at = models.DateTimeField(null=True, blank=True)
    # A worker sending the announcement holds it until then (a lease: no lock is held while
    # the mail server answers); a worker that died lets it lapse and the sweep sends again.
    announcing_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "campaigns_milestone"
        ordering = ["reached_at", "id"]
        # Once per campaign, and once per partner's share. Two partial constraints rather
        # than one with `nulls_distinct=False`, which SQLite (the embedded default) lacks.
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "kind", "key"],
                condition=Q(partner__isnull=True),
                name="milestone_recorded_once",
            ),
            models.UniqueConstraint(
                fields=["campaign", "partner", "kind", "key"],
                condition=Q(partner__isnull=False),
                name="milestone_partner_recorded_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.kind} {self.key}"
