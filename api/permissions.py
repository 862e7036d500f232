from rest_framework.permissions import SAFE_METHODS, BasePermission

from campaigns import access
from campaigns.access import Ability


class ReadOnlyOrManager(BasePermission):
    """Anyone may read what the selector shows them; writes need owner or organiser of the
    object's organisation. Objects expose `organisation_id` (or `campaign.organisation_id`).
    """

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or bool(
            request.user and request.user.is_authenticated
        )

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS:
            return True
        return access.can(request.user, organisation_id_of(obj), Ability.MANAGE)


def organisation_id_of(obj) -> int:
    if hasattr(obj, "organisation_id"):
        return obj.organisation_id
    return obj.campaign.organisation_id
