"""A campaign's results framework: its indicators, with a baseline, a target and a due date,
and the values organisers record for the indicators that are not tallies (union members,
survey results).

The built-in indicators (`BUILTIN`) are computed from the campaign's records by
`results.selectors`; a row here only holds their baseline and target. An indicator of the
organisation's own (`source` recorded) takes its figures from its `IndicatorValue` rows.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign


class Builtin(models.TextChoices):
    """The indicators every campaign has, counted from its records."""

    SIGNATURES = "signatures", _("Confirmed signatures")
    PEOPLE_REACHED = "people_reached", _("People reached")
    DECISION_MAKERS_ENGAGED = "decision_makers_engaged", _("Decision-makers engaged")
    DECISION_MAKERS_SUPPORTIVE = "decision_makers_supportive", _("Supportive decision-makers")
    COUNTRIES_RATIFIED = "countries_ratified", _("Countries that ratified")


class Indicator(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="indicators")
    key = models.SlugField(max_length=60)
    label = models.CharField(max_length=200, blank=True)
    unit = models.CharField(max_length=40, blank=True)
    # The baseline is a value, or the figure of a baseline period (`baseline_from` ..
    # `baseline_to`, inclusive): "decision-makers engaged in 2011".
    baseline = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)
    baseline_from = models.DateField(null=True, blank=True)
    baseline_to = models.DateField(null=True, blank=True)
    # For a recorded indicator with a breakdown: the baseline's categories, when the baseline
    # is a value (a baseline period takes the breakdown of its value).
    baseline_breakdown = models.JSONField(default=dict, blank=True)
    target = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)
    due = models.DateField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["campaign", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "key"], name="indicator_key_unique"),
            models.CheckConstraint(
                condition=Q(baseline_from__isnull=True, baseline_to__isnull=True)
                | Q(
                    baseline_from__isnull=False,
                    baseline_to__isnull=False,
                    baseline_to__gte=models.F("baseline_from"),
                ),
                name="indicator_baseline_period_valid",
            ),
            models.CheckConstraint(
                condition=Q(baseline__isnull=True) | Q(baseline_from__isnull=True),
                name="indicator_baseline_value_or_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.key}"

    @property
    def is_builtin(self) -> bool:
        return self.key in Builtin.values

    @property
    def has_baseline_period(self) -> bool:
        return self.baseline_from is not None

    def clean(self) -> None:
        errors = {}
        if bool(self.baseline_from) != bool(self.baseline_to):
            errors["baseline_to"] = _("Give both ends of the baseline period.")
        elif self.baseline_from and self.baseline_to < self.baseline_from:
            errors["baseline_to"] = _("The baseline period ends before it starts.")
        if self.baseline is not None and self.baseline_from:
            errors["baseline"] = _("Give a baseline value or a baseline period, not both.")
        if errors:
            raise ValidationError(errors)


class IndicatorValue(models.Model):
    """One recorded figure of an indicator of the organisation's own, on a date."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    date = models.DateField()
    value = models.DecimalField(max_digits=20, decimal_places=4)
    # {category: number}, any categories the organisation names: {"women": 940, "men": 1060}.
    breakdown = models.JSONField(default=dict, blank=True)
    note = models.CharField(max_length=500, blank=True)
    source_url = models.URLField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["indicator", "date", "id"]
        indexes = [models.Index(fields=["indicator", "date"], name="indicator_value_by_date")]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.date}: {self.value}"
