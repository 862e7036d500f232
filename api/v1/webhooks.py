from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from campaigns import access
from campaigns.access import Ability
from webhooks import services
from webhooks.models import WebhookEndpoint


class WebhookOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField()
    events = serializers.ListField(child=serializers.CharField())
    active = serializers.BooleanField()
    created = serializers.DateTimeField()


class WebhookInputSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500)
    secret = serializers.CharField(min_length=16, max_length=200, write_only=True)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEndpoint.Event.choices), min_length=1
    )


class WebhookView(generics.ListAPIView):
    """An organisation's webhook endpoints. Deliveries are signed with the endpoint's secret:
    `X-Voces-Signature: sha256=HMAC(secret, "<X-Voces-Timestamp>.<body>")`."""

    queryset = WebhookEndpoint.objects.none()  # for the schema; get_queryset() does the work
    permission_classes = [IsAuthenticated]
    serializer_class = WebhookOutputSerializer

    def get_organisation(self):
        return access.organisation_for(self.request.user, self.kwargs["slug"], Ability.MANAGE)

    def get_queryset(self):
        return WebhookEndpoint.objects.filter(organisation=self.get_organisation()).order_by("id")

    @extend_schema(summary="List the organisation's webhooks (owners and organisers)")
    def get(self, request, slug):
        return self.list(request)

    @extend_schema(
        summary="Register a webhook (owners and organisers)",
        request=WebhookInputSerializer,
        responses={201: WebhookOutputSerializer},
    )
    def post(self, request, slug):
        organisation = self.get_organisation()
        data = WebhookInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = services.webhook_endpoint_create(
            by=request.user, organisation=organisation, **data.validated_data
        )
        return Response(WebhookOutputSerializer(endpoint).data, status=status.HTTP_201_CREATED)
