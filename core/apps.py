from django.apps import AppConfig
from django.urls import register_converter

from core.converters import IdConverter


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Voces"

    def ready(self):
        register_converter(IdConverter, "id")  # `<id:pk>` in every app's URLs
