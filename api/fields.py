from django.utils.translation import gettext_lazy as _
from django_countries import countries
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from campaigns.models import LANGUAGE_TAG


@extend_schema_field({"type": "string", "pattern": "^[A-Z]{2}$", "example": "BO"})
class CountryCodeField(serializers.Field):
    """An ISO 3166-1 alpha-2 code. Lower case is accepted; upper case is answered."""

    default_error_messages = {
        "invalid": _("Enter an ISO 3166-1 alpha-2 country code, such as BO."),
    }

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        code = data.strip().upper()
        if len(code) != 2 or code not in countries:
            self.fail("invalid")
        return code

    def to_representation(self, value):
        return getattr(value, "code", value) or ""


@extend_schema_field(OpenApiTypes.STR)
class LanguageTagField(serializers.CharField):
    default_error_messages = {"invalid": _("Enter a language code such as es or qu.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 35)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not LANGUAGE_TAG.match(value):
            self.fail("invalid")
        return value
