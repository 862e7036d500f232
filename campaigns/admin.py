"""The installation's admin, for superusers. Every write goes through the same services as the
dashboard and the API, so closing a campaign sets `closed_at`, a stage or a correction has the
tally follow, and nobody can leave an organisation without an owner from here either."""

from django.contrib import admin

from campaigns import records, services
from campaigns.models import (
    Campaign,
    CampaignTranslation,
    CountryStatus,
    DecisionMaker,
    Engagement,
    Invitation,
    Membership,
    Organisation,
    OutreachActivity,
)
from core.admin import ReadOnlyAdmin, ServiceAdmin


class MembershipInline(admin.TabularInline):
    """Members are managed on the dashboard's members page, which keeps an owner."""

    model = Membership
    extra = 0
    fields = ["user", "role", "created"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Organisation)
class OrganisationAdmin(ServiceAdmin):
    list_display = ["name", "slug", "country", "website"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["slug", "name", "country", "website", "description", "retention_months"]
    inlines = [MembershipInline]

    def create(self, request, fields):
        return services.organisation_create(by=request.user, **fields)

    def update(self, request, obj, fields):
        return services.organisation_update(by=request.user, organisation=obj, **fields)


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    """To look at; roles are changed on /dashboard/o/<org>/members/ (superusers may)."""

    list_display = ["user", "organisation", "role", "created"]
    list_filter = ["role", "organisation"]
    search_fields = ["user__username", "organisation__name"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    """To look at: owners invite and revoke on /dashboard/o/<org>/members/."""

    list_display = ["email", "organisation", "role", "invited_by", "created", "accepted_at"]
    list_filter = ["role", "organisation"]
    search_fields = ["email", "organisation__name"]


class CampaignTranslationInline(admin.StackedInline):
    model = CampaignTranslation
    extra = 0
    fields = ["language", "title", "summary", "petition_text"]


class CountryStatusInline(admin.TabularInline):
    """The history of the ask per country; steps are recorded (and corrected) one by one."""

    model = CountryStatus
    extra = 0
    fields = ["country", "stage", "date", "source_url", "note", "recorded_by"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Campaign)
class CampaignAdmin(ServiceAdmin):
    list_display = ["title", "slug", "organisation", "status", "outcome", "goal"]
    list_filter = ["status", "outcome", "organisation"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["organisation"]
    inlines = [CampaignTranslationInline, CountryStatusInline]
    fields = ["organisation", *services.CAMPAIGN_FIELDS]

    def get_readonly_fields(self, request, obj=None):
        return ["organisation"] if obj else []  # a campaign stays with its organisation

    def create(self, request, fields):
        organisation = fields.pop("organisation")
        return services.campaign_create(by=request.user, organisation=organisation, **fields)

    def update(self, request, obj, fields):
        return services.campaign_update(by=request.user, campaign=obj, **fields)

    def save_formset(self, request, form, formset, change):
        if formset.model is not CampaignTranslation:
            return super().save_formset(request, form, formset, change)
        translations = {}
        deleted = set(formset.deleted_forms)
        for inline_form in formset.forms:
            original = inline_form.initial.get("language")  # the instance holds the new one
            if inline_form in deleted:
                if original:
                    translations[original] = None
                continue
            if not inline_form.has_changed():
                continue
            data = inline_form.cleaned_data
            if original and original != data["language"]:
                translations[original] = None  # the language itself was corrected
            translations[data["language"]] = {
                key: data[key] for key in ("title", "summary", "petition_text")
            }
        if translations:
            services.campaign_update(
                by=request.user, campaign=form.instance, translations=translations
            )
        # What the admin's history message reads (formset.save() would have set them).
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        return None


@admin.register(CountryStatus)
class CountryStatusAdmin(ServiceAdmin):
    list_display = ["campaign", "country", "stage", "date", "created"]
    list_filter = ["stage", "country"]
    search_fields = ["campaign__title"]
    fields = ["campaign", "country", "stage", "date", "source_url", "note"]

    def get_readonly_fields(self, request, obj=None):
        return ["campaign"] if obj else []

    def create(self, request, fields):
        return records.country_status_record(by=request.user, **fields)

    def update(self, request, obj, fields):
        return records.country_status_update(by=request.user, status=obj, **fields)

    def remove(self, request, obj):
        records.country_status_remove(by=request.user, status=obj)


@admin.register(OutreachActivity)
class OutreachActivityAdmin(ServiceAdmin):
    list_display = ["campaign", "channel", "country", "date", "reach", "partner"]
    list_filter = ["channel", "country", "campaign"]
    search_fields = ["description", "campaign__title"]
    autocomplete_fields = ["campaign", "partner"]
    fields = ["campaign", "channel", "country", "date", "reach", "description", "partner"]

    def get_readonly_fields(self, request, obj=None):
        return ["campaign"] if obj else []

    def create(self, request, fields):
        return records.outreach_record(by=request.user, **fields)

    def update(self, request, obj, fields):
        return records.outreach_update(by=request.user, activity=obj, **fields)

    def remove(self, request, obj):
        records.outreach_remove(by=request.user, activity=obj)


@admin.register(DecisionMaker)
class DecisionMakerAdmin(ServiceAdmin):
    list_display = ["name", "role", "institution", "country", "level", "organisation"]
    list_filter = ["level", "country", "organisation"]
    search_fields = ["name", "institution"]
    fields = ["organisation", "name", "role", "institution", "country", "level"]

    def get_readonly_fields(self, request, obj=None):
        return ["organisation"] if obj else []

    def create(self, request, fields):
        return records.decision_maker_create(by=request.user, **fields)

    def update(self, request, obj, fields):
        return records.decision_maker_update(by=request.user, decision_maker=obj, **fields)

    def remove(self, request, obj):
        records.decision_maker_remove(by=request.user, decision_maker=obj)


@admin.register(Engagement)
class EngagementAdmin(ServiceAdmin):
    list_display = ["decision_maker", "campaign", "kind", "date", "stance"]
    list_filter = ["stance", "kind", "campaign"]
    search_fields = ["decision_maker__name", "notes"]
    autocomplete_fields = ["campaign"]
    raw_id_fields = ["decision_maker"]
    fields = ["campaign", "decision_maker", "kind", "date", "stance", "notes"]

    def get_readonly_fields(self, request, obj=None):
        return ["campaign"] if obj else []

    def check_fields(self, obj, fields):
        campaign = fields.get("campaign") or obj.campaign
        if fields.get("decision_maker"):
            records.engagement_decision_maker_check(campaign, fields["decision_maker"])

    def create(self, request, fields):
        return records.engagement_record(by=request.user, **fields)

    def update(self, request, obj, fields):
        return records.engagement_update(by=request.user, engagement=obj, **fields)

    def remove(self, request, obj):
        records.engagement_remove(by=request.user, engagement=obj)
