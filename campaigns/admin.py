from django.contrib import admin

from campaigns.models import (
    Campaign,
    CampaignTranslation,
    CountryStatus,
    DecisionMaker,
    Engagement,
    Membership,
    Organisation,
    OutreachActivity,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "country", "website"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "created"]
    list_filter = ["role", "organisation"]
    search_fields = ["user__username", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]


class CampaignTranslationInline(admin.StackedInline):
    model = CampaignTranslation
    extra = 0


class CountryStatusInline(admin.TabularInline):
    model = CountryStatus
    extra = 0
    fields = ["country", "stage", "date", "source_url", "note", "recorded_by"]
    readonly_fields = ["recorded_by"]


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "organisation", "status", "outcome", "goal"]
    list_filter = ["status", "outcome", "organisation"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["organisation"]
    inlines = [CampaignTranslationInline, CountryStatusInline]


@admin.register(CountryStatus)
class CountryStatusAdmin(admin.ModelAdmin):
    list_display = ["campaign", "country", "stage", "date", "created"]
    list_filter = ["stage", "country"]
    search_fields = ["campaign__title"]


@admin.register(OutreachActivity)
class OutreachActivityAdmin(admin.ModelAdmin):
    list_display = ["campaign", "channel", "country", "date", "reach", "partner"]
    list_filter = ["channel", "country", "campaign"]
    search_fields = ["description", "campaign__title"]
    autocomplete_fields = ["campaign", "partner"]
    readonly_fields = ["recorded_by", "created"]


@admin.register(DecisionMaker)
class DecisionMakerAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "institution", "country", "level", "organisation"]
    list_filter = ["level", "country", "organisation"]
    search_fields = ["name", "institution"]


@admin.register(Engagement)
class EngagementAdmin(admin.ModelAdmin):
    list_display = ["decision_maker", "campaign", "kind", "date", "stance"]
    list_filter = ["stance", "kind", "campaign"]
    search_fields = ["decision_maker__name", "notes"]
    autocomplete_fields = ["campaign"]
    raw_id_fields = ["decision_maker"]
    readonly_fields = ["recorded_by", "created"]
