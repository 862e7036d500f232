from django.contrib import admin, messages

from core.admin import ServiceAdmin
from signatures import collectors, review, services
from signatures.models import Collector, ConsentText, Signature


@admin.register(Collector)
class CollectorAdmin(ServiceAdmin):
    """Collectors are deactivated, not deleted: their signatures keep their credit."""

    list_display = ["name", "code", "organisation", "user", "active"]
    list_filter = ["active", "organisation"]
    search_fields = ["name", "code"]
    raw_id_fields = ["user"]
    fields = ["organisation", "name", "code", "user", "active"]

    def get_readonly_fields(self, request, obj=None):
        # The code is printed on sheets and links already handed out; the account is linked
        # by the organisation's organisers, who know its members.
        return ["organisation", "code", "user"] if obj else ["active"]

    def create(self, request, fields):
        user = fields.pop("user", None)
        return collectors.collector_create(
            by=request.user, username=user.username if user else "", **fields
        )

    def update(self, request, obj, fields):
        return collectors.collector_update(by=request.user, collector=obj, **fields)


@admin.register(ConsentText)
class ConsentTextAdmin(ServiceAdmin):
    """A consent text is never edited once saved: a new wording is a new version."""

    list_display = ["version", "language", "created"]
    fields = ["language", "text", "version", "created"]

    def get_readonly_fields(self, request, obj=None):
        return ["version", "language", "text", "created"] if obj else ["version", "created"]

    def create(self, request, fields):
        return services.consent_text_create(by=request.user, **fields)


@admin.register(Signature)
class SignatureAdmin(admin.ModelAdmin):
    list_display = ["id", "campaign", "name", "country", "status", "source", "created"]
    list_filter = ["status", "source", "campaign"]
    search_fields = ["email_normalised", "name"]
    readonly_fields = [field.name for field in Signature._meta.fields]
    actions = ["reject", "restore"]
    list_select_related = ["campaign"]
    show_full_result_count = False  # no COUNT(*) over millions of rows on every page

    def has_add_permission(self, request):
        return False  # signatures come from signers, imports and the API

    def has_delete_permission(self, request, obj=None):
        return False  # reject or erase instead, so the figures stay honest

    def _set(self, request, queryset, status):
        for signature in queryset.select_related("campaign"):
            review.signature_review(
                by=request.user,
                campaign=signature.campaign,
                signature_id=signature.id,
                status=status,
            )
        messages.success(request, f"{queryset.count()} signatures: {status}.")

    @admin.action(description="Reject the selected signatures (not counted)")
    def reject(self, request, queryset):
        self._set(request, queryset, Signature.Status.REJECTED)

    @admin.action(description="Restore the selected rejected signatures")
    def restore(self, request, queryset):
        self._set(request, queryset, "restored")
