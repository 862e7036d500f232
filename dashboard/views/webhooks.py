"""An organisation's webhooks: add one, send it a test, see its recent deliveries, switch it
off and on again (owners and organisers)."""

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from campaigns.access import Ability
from dashboard import forms, selectors
from dashboard.views.common import apply_errors, page_organisation
from webhooks import services
from webhooks.models import WebhookDelivery, WebhookEndpoint

# A secret Voces made is shown once, on the page the creation redirects to. It waits in the
# session (kept on the server) until then, never in a message cookie or a URL.
SHOW_ONCE = "dashboard.webhook_secret"


def _labelled(endpoints):
    """Endpoints with their events' names, and their deliveries' (a test's included)."""
    names = {**dict(WebhookEndpoint.Event.choices), "test": _("Test")}
    for endpoint in endpoints:
        endpoint.event_labels = [str(names.get(event, event)) for event in endpoint.events]
        for delivery in endpoint.recent_deliveries:
            delivery.event_label = names.get(delivery.event, delivery.event)
    return endpoints


def _endpoint(organisation, pk: int):
    return get_object_or_404(selectors.organisation_webhooks(organisation=organisation), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def webhooks(request, org: str):
    organisation = page_organisation(request, org, Ability.MANAGE)
    form = forms.WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        typed = form.cleaned_data["secret"]
        secret = typed or secrets.token_urlsafe(32)
        try:
            endpoint = services.webhook_endpoint_create(
                by=request.user,
                organisation=organisation,
                url=form.cleaned_data["url"],
                secret=secret,
                events=form.cleaned_data["events"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            if not typed:
                request.session[SHOW_ONCE] = {
                    "organisation": organisation.id,
                    "endpoint": endpoint.id,
                    "secret": secret,
                }
            messages.success(request, _("Webhook added."))
            return redirect("dashboard:webhooks", organisation.slug)
    new_secret = None
    if request.method == "GET" and request.session.get(SHOW_ONCE, {}).get("organisation") == (
        organisation.id
    ):
        new_secret = request.session.pop(SHOW_ONCE)
    response = render(
        request,
        "dashboard/webhooks.html",
        {
            "organisation": organisation,
            "endpoints": _labelled(
                selectors.organisation_webhooks_recent(organisation=organisation)
            ),
            "form": form,
            "new_secret": new_secret,
            "shown": selectors.WEBHOOK_DELIVERIES_SHOWN,
        },
        status=400 if form.errors else 200,
    )
    if new_secret:
        response["Cache-Control"] = "no-store"  # the page with the secret is not kept anywhere
    return response


@login_required
@require_POST
def webhook_test(request, org: str, pk: int):
    """Send a signed test event now, and say what came back (it shows among the deliveries)."""
    organisation = page_organisation(request, org, Ability.MANAGE)
    endpoint = _endpoint(organisation, pk)
    try:
        delivery = services.webhook_test_send(by=request.user, endpoint=endpoint)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        if delivery.state == WebhookDelivery.State.DELIVERED:
            messages.success(
                request,
                _("Test delivered to %(url)s: it answered HTTP %(status)s.")
                % {"url": endpoint.url, "status": delivery.last_status},
            )
        else:
            messages.error(
                request,
                _("The test did not reach %(url)s: %(error)s.")
                % {"url": endpoint.url, "error": delivery.last_error or _("no answer")},
            )
    return redirect("dashboard:webhooks", organisation.slug)


@login_required
@require_http_methods(["GET", "POST"])
def webhook_deactivate(request, org: str, pk: int):
    """Asks first: deliveries still waiting are given up once the endpoint is off."""
    organisation = page_organisation(request, org, Ability.MANAGE)
    endpoint = _endpoint(organisation, pk)
    if request.method == "POST":
        services.webhook_endpoint_update(by=request.user, endpoint=endpoint, active=False)
        messages.success(request, _("Webhook deactivated: it receives nothing more."))
        return redirect("dashboard:webhooks", organisation.slug)
    pending = selectors.webhook_pending(endpoint=endpoint)
    consequences = [_("It receives nothing more until you reactivate it.")]
    if pending:
        consequences.append(
            ngettext(
                "%(n)d delivery still waiting to be sent will be given up.",
                "%(n)d deliveries still waiting to be sent will be given up.",
                pending,
            )
            % {"n": pending}
        )
    return render(
        request,
        "dashboard/confirm.html",
        {
            "organisation": organisation,
            "title": _("Deactivate a webhook"),
            "question": _("Deactivate the webhook to %(url)s?") % {"url": endpoint.url},
            "consequences": consequences,
            "button": _("Yes, deactivate it"),
            "cancel_url": reverse("dashboard:webhooks", args=[organisation.slug]),
        },
    )


@login_required
@require_POST
def webhook_reactivate(request, org: str, pk: int):
    organisation = page_organisation(request, org, Ability.MANAGE)
    endpoint = _endpoint(organisation, pk)
    services.webhook_endpoint_update(by=request.user, endpoint=endpoint, active=True)
    messages.success(request, _("Webhook reactivated: new events are sent to it again."))
    return redirect("dashboard:webhooks", organisation.slug)
