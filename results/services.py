"""Changing a campaign's results framework: setting an indicator's baseline, target and due
date (a built-in one or one of the organisation's own), and recording a value of one of its
own. Owners and organisers only; each change is in the audit log. Field problems raise
ValidationError keyed by field (the API answers 400)."""

import math
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from campaigns import access, audit
from campaigns.models import Campaign
from core.errors import NotFound
from results.models import Builtin, Indicator, IndicatorValue

INDICATOR_FIELDS = (
    "label",
    "unit",
    "baseline",
    "baseline_from",
    "baseline_to",
    "baseline_breakdown",
    "target",
    "due",
)
# What a value may be: DecimalField(20, 4) holds 16 digits before the point.
LIMIT = Decimal(10) ** 15
MAX_CATEGORIES = 50


def _number(value, field: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValidationError({field: _("Give a number.")})
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as error:
        raise ValidationError({field: _("Give a number.")}) from error
    if not number.is_finite() or abs(number) >= LIMIT:
        raise ValidationError({field: _("Give a number below a million billion.")})
    return number.quantize(Decimal("0.0001"))


def breakdown_clean(value, field: str = "breakdown") -> dict[str, float | int]:
    """{category: number}: categories are short texts, numbers finite and not negative."""
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ValidationError({field: _('Give categories and numbers: {"women": 940}.')})
    if len(value) > MAX_CATEGORIES:
        raise ValidationError({field: _("Give at most 50 categories.")})
    clean = {}
    for category, number in value.items():
        name = str(category).strip()
        if not name or len(name) > 60:
            raise ValidationError({field: _("Name each category in 1 to 60 characters.")})
        if (
            isinstance(number, bool)
            or not isinstance(number, int | float)
            or not math.isfinite(number)
            or number < 0
            or number >= LIMIT
        ):
            raise ValidationError(
                {field: _("“%(category)s” needs a number, 0 or more.") % {"category": name}}
            )
        clean[name] = int(number) if float(number).is_integer() else float(number)
    return clean


@transaction.atomic
def indicator_set(*, by, campaign: Campaign, key: str, **fields) -> tuple[Indicator, bool]:
    """Create or change the campaign's indicator `key`: a built-in one takes a baseline, a
    target and a due date; any other key is an indicator of the organisation's own, whose
    figures are the values recorded for it. Returns (indicator, created)."""
    access.require_manager(by, campaign.organisation_id)
    unknown = set(fields) - set(INDICATOR_FIELDS)
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    indicator = Indicator.objects.select_for_update().filter(campaign=campaign, key=key).first()
    created = indicator is None
    if created:
        indicator = Indicator(campaign=campaign, key=key)
        if key not in Builtin.values and not (fields.get("label") or "").strip():
            raise ValidationError({"label": _("Name the indicator.")})
    before = audit.snapshot(indicator, INDICATOR_FIELDS)
    for name in ("baseline", "target"):
        if name in fields:
            fields[name] = _number(fields[name], name)
    if "baseline_breakdown" in fields:
        fields["baseline_breakdown"] = breakdown_clean(
            fields["baseline_breakdown"], "baseline_breakdown"
        )
    for name, value in fields.items():
        if name in ("label", "unit") and value is None:
            value = ""
        setattr(indicator, name, value)
    # A baseline value replaces a baseline period, and the other way round.
    if "baseline" in fields and fields["baseline"] is not None and "baseline_from" not in fields:
        indicator.baseline_from = indicator.baseline_to = None
    if fields.get("baseline_from") and "baseline" not in fields:
        indicator.baseline = None
    indicator.full_clean(exclude=["campaign"])
    indicator.save()
    audit.record(
        by=by,
        organisation_id=campaign.organisation_id,
        action="indicator.create" if created else "indicator.update",
        target=indicator,
        changed=audit.changes(before, indicator),
    )
    return indicator, created


def indicator_get(*, campaign: Campaign, key: str) -> Indicator:
    indicator = Indicator.objects.filter(campaign=campaign, key=key).first()
    if indicator is None:
        raise NotFound(_("The campaign has no indicator with this key."))
    return indicator


@transaction.atomic
def indicator_value_record(
    *,
    by,
    campaign: Campaign,
    key: str,
    date: date,
    value,
    breakdown: dict | None = None,
    note: str = "",
    source_url: str = "",
) -> IndicatorValue:
    """Record a figure of one of the organisation's own indicators (a membership count, a
    survey result) on a date, with a note and a source. Built-in indicators are counted from
    the records and take no values."""
    access.require_manager(by, campaign.organisation_id)
    if key in Builtin.values:
        raise ValidationError(
            {"key": _("This indicator is counted from the campaign's records: record those.")}
        )
    indicator = indicator_get(campaign=campaign, key=key)
    row = IndicatorValue(
        indicator=indicator,
        date=date,
        value=_number(value, "value"),
        breakdown=breakdown_clean(breakdown),
        note=note or "",
        source_url=source_url or "",
        recorded_by=access.person(by),
    )
    row.full_clean(exclude=["indicator"])
    row.save()
    audit.record(
        by=by,
        organisation_id=campaign.organisation_id,
        action="indicator_value.create",
        target=row,
        summary=f"{key} {date.isoformat()}: {row.value.normalize():f}",
    )
    return row
