"""The results pages: a campaign's, and an organisation's across its campaigns — each
indicator's baseline, target, actual for the period, change and progress, a small chart of its
course, and its breakdowns. Printable: "print to PDF" gives the report for a donor."""

from dataclasses import dataclass, field

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns import access
from campaigns.access import Ability
from dashboard import charts
from dashboard.views.common import page_campaign, page_organisation
from results import selectors

TIMES = "\u00d7"  # the multiplication sign


class PeriodForm(forms.Form):
    # The API's names, so the page's address is the report's: ?from=…&to=…
    start = forms.DateField(label=gettext_lazy("From"), required=False)
    end = forms.DateField(label=gettext_lazy("To"), required=False)

    def add_prefix(self, field_name):
        return {"start": "from", "end": "to"}.get(field_name, field_name)


def _breakdown_names() -> dict[str, str]:
    return {
        "country": _("By country"),
        "region": _("By region"),
        "source": _("By source"),
        "collector": _("By collector"),
        "channel": _("By channel"),
        "partner": _("By partner"),
        "stance": _("By stance"),
    }


@dataclass
class Row:
    """One indicator as the page shows it."""

    line: dict
    chart: str
    ratio_text: str
    progress_value: float | None
    breakdowns: list[tuple[str, list[dict]]] = field(default_factory=list)
    # Kept alive with the row: charts.columns names its SVG after the list's id(), which a
    # freed list would hand to the next chart (two charts, one id).
    series: list = field(default_factory=list)


def _ratio_text(ratio) -> str:
    """ "7 times" as the programmes write it: the sign, then 7 or 1.94 (+94%)."""
    if ratio is None:
        return ""
    text = TIMES + number_format(ratio, decimal_pos=2 if ratio % 1 else 0)
    percent = round((ratio - 1) * 100)
    if ratio < 3 and percent:
        text += f" ({'+' if percent > 0 else ''}{number_format(percent)}%)"
    return text


def _rows(indicators: list[dict]) -> list[Row]:
    names = _breakdown_names()
    rows = []
    for line in indicators:
        series = [(point["period"], point["value"] or 0) for point in line["series"]]
        rows.append(
            Row(
                line=line,
                chart=charts.columns(series, title=line["label"], height=120)
                if any(value for _label, value in series)
                else "",
                ratio_text=_ratio_text(line["change"]["ratio"]),
                progress_value=(
                    None if line["progress"] is None else max(0.0, min(line["progress"], 1.0))
                ),
                breakdowns=[
                    (names.get(name, name), items) for name, items in line["breakdowns"].items()
                ],
                series=series,
            )
        )
    return rows


def _period(request, default: selectors.Period):
    """The period asked for and the form showing it; a bad one shows the form's errors over
    the whole life (and answers 400)."""
    form = PeriodForm(request.GET or None)
    try:
        period = selectors.period_parse(
            request.GET.get("from"), request.GET.get("to"), default=default
        )
    except ValidationError as error:
        form.is_valid()
        for name, messages in error.message_dict.items():
            form.add_error("start" if name == "from" else "end", messages)
        return default, form, False
    form = PeriodForm(initial={"start": period.start, "end": period.end})
    return period, form, True


def _downloads(api_url: str, period: selectors.Period) -> dict[str, str]:
    query = {"from": period.start.isoformat(), "to": period.end.isoformat()}
    return {fmt: f"{api_url}?{urlencode({**query, 'format': fmt})}" for fmt in ("xlsx", "csv")}


@login_required
def campaign_results(request, slug: str):
    campaign = page_campaign(request, slug, Ability.FOLLOW)
    private = access.can(request.user, campaign.organisation_id, Ability.SEE_SIGNERS)
    period, form, valid = _period(request, selectors.campaign_default_period(campaign))
    results = selectors.campaign_results(campaign=campaign, period=period, private=private)
    context = {
        "campaign": campaign,
        "organisation": campaign.organisation,
        "period": period,
        "form": form,
        "rows": _rows(results["indicators"]),
        "downloads": _downloads(reverse("api-v1:campaign-results", args=[campaign.slug]), period),
        "whole_life": reverse("dashboard:campaign-results", args=[campaign.slug]),
    }
    return render(request, "dashboard/results.html", context, status=200 if valid else 400)


@login_required
def organisation_results(request, org: str):
    organisation = page_organisation(request, org, Ability.FOLLOW)
    private = access.can(request.user, organisation.id, Ability.SEE_SIGNERS)
    campaigns = list(organisation.campaigns.select_related("tally"))
    period, form, valid = _period(request, selectors.campaigns_life(campaigns))
    results = selectors.organisation_results(
        organisation=organisation, period=period, private=private
    )
    context = {
        "organisation": organisation,
        "period": period,
        "form": form,
        "rows": _rows(results["indicators"]),
        "campaign_lines": [
            (campaign, [line for line in campaign["indicators"] if line["actual"] is not None])
            for campaign in results["campaigns"]
        ],
        "shares": results["shares"],
        "downloads": _downloads(
            reverse("api-v1:organisation-results", args=[organisation.slug]), period
        ),
        "whole_life": reverse("dashboard:organisation-results", args=[organisation.slug]),
    }
    return render(request, "dashboard/results.html", context, status=200 if valid else 400)
