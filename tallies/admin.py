from django.contrib import admin

from core.admin import ReadOnlyAdmin
from tallies.models import CampaignTally, Milestone


@admin.register(CampaignTally)
class CampaignTallyAdmin(ReadOnlyAdmin):
    list_display = [
        "campaign",
        "confirmed",
        "pending",
        "rejected",
        "signatures_tallied_at",
        "reconciled_at",
    ]


@admin.register(Milestone)
class MilestoneAdmin(ReadOnlyAdmin):
    list_display = ["campaign", "kind", "key", "value", "reached_at", "announced_at"]
    list_filter = ["kind"]
