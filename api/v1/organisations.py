from rest_framework import mixins, serializers, viewsets

from api.fields import CountryCodeField
from campaigns import selectors


class OrganisationOutputSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    country = CountryCodeField()
    website = serializers.CharField(help_text="A link, or empty.")
    description = serializers.CharField()


class OrganisationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Organisations that run campaigns on Voces. Public."""

    serializer_class = OrganisationOutputSerializer
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"

    def get_queryset(self):
        return selectors.organisation_list()
