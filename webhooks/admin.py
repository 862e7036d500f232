from django.contrib import admin

from core.admin import ReadOnlyAdmin, ServiceAdmin
from webhooks import services
from webhooks.models import WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ServiceAdmin):
    """Endpoints are deactivated (untick `active`), not deleted: their deliveries stay as a log."""

    list_display = ["organisation", "url", "events", "active", "created"]
    list_filter = ["active", "organisation"]
    fields = ["organisation", "url", "secret", "events", "active"]

    def get_readonly_fields(self, request, obj=None):
        return ["organisation"] if obj else []

    def check_fields(self, obj, fields):
        if fields.get("url"):
            services.webhook_url_check(fields["url"])

    def create(self, request, fields):
        active = fields.pop("active", True)
        endpoint = services.webhook_endpoint_create(by=request.user, **fields)
        if not active:
            endpoint = services.webhook_endpoint_update(
                by=request.user, endpoint=endpoint, active=False
            )
        return endpoint

    def update(self, request, obj, fields):
        return services.webhook_endpoint_update(by=request.user, endpoint=obj, **fields)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "event",
        "endpoint",
        "state",
        "attempts",
        "last_status",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["state", "event"]
