"""Where organisations want to hear about their campaigns, and what is owed to them.

Both tables were made by the `campaigns` app before Voces was cut into layers; they keep their
names (`campaigns_webhookendpoint`, `campaigns_webhookdelivery`) so no data moved.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campaigns.models import Organisation
from signatures.models import Signature


class WebhookEndpoint(models.Model):
    """Where an organisation wants to hear about its campaigns' milestones (and signatures)."""

    class Event(models.TextChoices):
        MILESTONE = "milestone", _("Milestone reached")
        SIGNATURE = "signature", _("New signature (OSDI)")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="webhooks"
    )
    url = models.URLField(max_length=500)
    secret = models.CharField(
        max_length=200, help_text=_("Deliveries are signed with HMAC-SHA256 of this secret.")
    )
    events = models.JSONField(default=list)
    active = models.BooleanField(default=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "campaigns_webhookendpoint"

    def __str__(self) -> str:
        return f"{self.organisation} → {self.url}"


class WebhookDelivery(models.Model):
    """One event owed to one endpoint: an outbox row, retried with backoff until delivered.

    A signature event keeps only the signature's id and is rendered when it is sent, so the
    outbox holds no copy of a person: erasing a signer needs nothing from here, and a delivery
    whose signature was erased or rejected meanwhile is dropped, not sent.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Gave up")
        DROPPED = "dropped", _("Dropped")

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=40)
    idempotency_key = models.CharField(max_length=80, unique=True)
    # The event's body, for events that carry nobody's details (a milestone).
    payload = models.JSONField(null=True, blank=True)
    signature = models.ForeignKey(
        Signature,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # found by endpoint and state; a signature is never deleted
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    # While a worker sends this delivery (outside any transaction) it holds it until then.
    leased_until = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "campaigns_webhookdelivery"
        ordering = ["-created"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state="pending"),
                name="webhook_delivery_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id} ({self.state})"
