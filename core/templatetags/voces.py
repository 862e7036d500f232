"""Template tags every page uses."""

from django import template
from django.utils.http import urlencode

register = template.Library()


@register.simple_tag(takes_context=True)
def with_query(context, **changes) -> str:
    """This page's query string with `changes` made: `?{% with_query lang="fr" %}` keeps
    whatever else the page was opened with (a collector's `ref`, a filter)."""
    request = context.get("request")
    query = request.GET.copy() if request is not None else {}
    for name, value in changes.items():
        query[name] = value
    return urlencode(query, doseq=True) if hasattr(query, "lists") else urlencode(query)


@register.filter
def minutes(duration) -> int:
    """A timedelta in whole minutes (at least 1): "locked for 15 minutes"."""
    return max(1, round(duration.total_seconds() / 60)) if duration else 0
