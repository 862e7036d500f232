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
    # `partner`: a coalition partner's share's milestone (empty: the campaign's own).
    list_display = [
        "campaign",
        "partner",
        "kind",
        "key",
        "value",
        "goal",
        "reached_at",
        "announced_at",
    ]
    list_filter = ["kind"]
