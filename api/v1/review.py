"""Reviewing many signatures at once: reject a burst by its address hash, or restore what was
rejected by mistake (`signatures.review` does the work)."""

from collections.abc import Mapping

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api.v1.signatures import SignatureWhereSerializer
from campaigns import access
from campaigns.access import Ability
from signatures import review


class ReviewWhereSerializer(SignatureWhereSerializer):
    """A review's `where`: one or more of the list's filters, and nothing else. An empty one
    is refused: a review never means "everything"."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(str(key) for key in data if key not in self.fields)
            if unknown:
                raise serializers.ValidationError({key: [_("Unknown filter.")] for key in unknown})
        values = super().to_internal_value(data)
        if not values:
            raise serializers.ValidationError([_("Give at least one filter.")])
        return values


class ReviewInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=list(review.REVIEW_STATUSES),
        help_text="rejected: not counted (a burst, a bot). restored: undo a rejection; the "
        "signer gets back what they had earned (confirmed, or pending), and no email.",
    )
    dry_run = serializers.BooleanField(
        default=False, help_text="Only count: `matched`, and `changed` 0."
    )
    where = ReviewWhereSerializer()


class ReviewOutputSerializer(serializers.Serializer):
    matched = serializers.IntegerField(help_text="The signatures `where` selects.")
    changed = serializers.IntegerField(
        help_text="Those whose status changed (0 on a dry run; a signature already rejected, "
        "or restored when it was not rejected, is not changed)."
    )


class SignaturesReviewView(APIView):
    @extend_schema(
        summary="Reject or restore every signature a filter selects (owners and organisers)",
        operation_id="campaigns_signatures_review",
        request=ReviewInputSerializer,
        responses={
            200: ReviewOutputSerializer,
            400: OpenApiResponse(
                description="Invalid fields, keyed by field; an empty `where` or an unknown "
                "filter in it."
            ),
            401: OpenApiResponse(description="Not authenticated."),
            403: OpenApiResponse(description="Not an owner or organiser of the campaign."),
            404: OpenApiResponse(description="Unknown campaign."),
        },
        examples=[
            OpenApiExample(
                "Count a burst from one address",
                value={"status": "rejected", "dry_run": True, "where": {"client_hash": "3f9a0c"}},
                request_only=True,
            ),
            OpenApiExample("Counted", value={"matched": 214, "changed": 0}, response_only=True),
        ],
    )
    def post(self, request, slug):
        campaign = access.campaign_for(request.user, slug, Ability.SEE_SIGNERS, partners=True)
        data = ReviewInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = review.signatures_review(
            by=request.user,
            campaign=campaign,
            status=data.validated_data["status"],
            where=review.SignatureWhere.of(data.validated_data["where"]),
            dry_run=data.validated_data["dry_run"],
        )
        return Response({"matched": result.matched, "changed": result.changed})
